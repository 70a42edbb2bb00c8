"""``kgbuild`` command line: a verb per job. Every build setting is a flag here and a KGBUILD_* variable."""

from __future__ import annotations

import functools
import inspect
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

import typer
from neo4j.exceptions import DriverError, Neo4jError
from rich.console import Console
from rich.table import Table

from kgbuild import demo as demo_module
from kgbuild import evaluate as evaluation
from kgbuild import load, pipeline, snapshot
from kgbuild import report as build_report
from kgbuild.errors import BadInput, Unavailable
from kgbuild.graph import Graph
from kgbuild.neo4j_local import LocalNeo4j
from kgbuild.settings import Settings
from kgbuild.stage import StageReport
from kgbuild.workdir import Layout

app = typer.Typer(help=__doc__, no_args_is_help=True, pretty_exceptions_enable=False)
neo4j_app = typer.Typer(help="Run the local Neo4j 5.26 server (no Docker needed).", no_args_is_help=True)
app.add_typer(neo4j_app, name="neo4j")
snapshot_app = typer.Typer(
    help="Versioned training snapshots: export, list, verify, diff, prune.", no_args_is_help=True
)
app.add_typer(snapshot_app, name="snapshot")
console = Console()

WORKDIR = typer.Option(
    Path("kgbuild-work"), "--workdir", "-w", envvar="KGBUILD_WORKDIR", help="Work directory of this catalog."
)
CATALOG = typer.Argument(..., help="Catalog file: CSV, TSV, JSONL or Parquet.")
LABELS = typer.Option([], "--label", "-l", help="Catalog label column to score against (repeatable).")


def with_settings(command: Callable[..., Any]) -> Callable[..., Any]:
    """Adds one ``--flag`` per :class:`Settings` field to ``command``, which receives them as ``settings``."""
    fields = Settings.model_fields

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        overrides = {name: kwargs.pop(name) for name in fields}
        return command(*args, settings=_settings(overrides), **kwargs)

    own = [p for p in inspect.signature(command).parameters.values() if p.name != "settings"]
    extra = [
        inspect.Parameter(
            name,
            inspect.Parameter.KEYWORD_ONLY,
            default=typer.Option(
                None,
                f"--{name.replace('_', '-')}",
                help=f"{field.description} (env {Settings.env_name(name)}; default {field.default})",
                rich_help_panel="Build settings",
            ),
            annotation=_flag_type(field.annotation) | None,
        )
        for name, field in fields.items()
    ]
    wrapper.__signature__ = inspect.Signature(own + extra)  # type: ignore[attr-defined]
    return wrapper


def _flag_type(annotation: Any) -> type:
    for candidate in (bool, int, float, Path, str):
        if annotation is candidate or candidate in getattr(annotation, "__args__", ()):
            return candidate
    return str


def _settings(overrides: dict[str, Any]) -> Settings:
    try:
        return Settings.from_overrides(overrides)
    except BadInput as error:
        _fail(str(error))


def _fail(message: str) -> NoReturn:
    console.print(f"[red]error:[/red] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(2)


def _guarded(call: Callable[[], Any]) -> Any:
    """Runs ``call``, turning expected failures (bad input, a service down, Neo4j's errors) into a one-line message;
    anything else, a bug, shows its traceback."""
    try:
        return call()
    except (BadInput, Unavailable, Neo4jError, DriverError) as error:
        _fail(str(error))


@app.command()
@with_settings
def build(
    catalog: Path = CATALOG,
    workdir: Path = WORKDIR,
    *,
    settings: Settings,
) -> None:
    """Build CATALOG's concept graph in this process: all stages, Neo4j from NEO4J_* variables, then a snapshot."""
    reports = _guarded(lambda: pipeline.run_build(catalog, workdir, settings))
    _print_reports(reports)
    console.print(f"build report: {build_report.write(workdir)}", soft_wrap=True)


@app.command()
@with_settings
def begin(
    catalog: Path = CATALOG,
    workdir: Path = WORKDIR,
    *,
    settings: Settings,
) -> None:
    """Start a build (or resume the unfinished one) without running stages; then run `kgbuild stage`."""
    build_record = _guarded(lambda: pipeline.begin_build(catalog, workdir, settings))
    console.print(f"build {build_record.version} in {build_record.workdir}")


@app.command()
def stage(
    name: str = typer.Argument(..., help=f"One of: {', '.join(pipeline.STAGES)}."),
    workdir: Path = WORKDIR,
) -> None:
    """Run one stage of the current build in WORKDIR (a completed stage is skipped)."""
    if name not in pipeline.STAGES:
        _fail(f"unknown stage {name!r}; stages: {', '.join(pipeline.STAGES)}")
    console.print_json(json.dumps(dict(_guarded(lambda: pipeline.run_stage(name, workdir)))))


@app.command()
def demo(
    workdir: Path = WORKDIR,
    clip_model: str = typer.Option(
        "none",
        "--clip-model",
        envvar="KGBUILD_CLIP_MODEL",
        help="open_clip model, or 'none' for text-evidence grounding.",
    ),
) -> None:
    """Generate the demo catalog, start the local Neo4j (unless NEO4J_URI is set) and run the kg_build DAG."""
    result = _guarded(lambda: demo_module.run_demo(workdir.absolute(), {"clip_model": clip_model}))
    table = Table("graph", "count in build", "count in Neo4j", title=f"kg_build DAG: build {result.version}")
    for name, count in result.expected.items():
        table.add_row(name, str(count), str(result.actual.get(name, 0)))
    console.print(table)
    console.print(f"grounding mode : {result.grounding}")
    console.print(f"catalog        : {result.catalog}")
    console.print(f"snapshot       : {result.snapshot}")
    console.print(f"validation     : {result.data_docs}  (Great Expectations Data Docs)")
    console.print(f"quarantine     : {result.quarantine}  (rejected rows with reasons, per stage)")
    report_file = Layout(workdir.absolute()).report(result.version)
    console.print(f"build report   : {report_file}  (open it in a browser)", soft_wrap=True)
    console.print(f"Neo4j Bolt     : {result.bolt_uri}")
    if result.browser_url:
        console.print(f"Neo4j Browser  : {result.browser_url}  (user neo4j, password from NEO4J_PASSWORD)")
    console.print("first query    : MATCH (c:Concept)-[:DEPICTED_BY]->(i:Image) RETURN c, i LIMIT 50")
    if result.expected != result.actual:
        _fail("the graph in Neo4j does not match the build")


@app.command("eval")
def evaluate(
    workdir: Path = WORKDIR,
    label: list[str] = LABELS,
) -> None:
    """Score a built WORKDIR against the catalog's own label columns (coverage, recall, purity); writes
    WORKDIR/reports/eval.json."""
    figures = _guarded(lambda: evaluation.report(workdir, label))
    columns = ("coverage", "recall", "purity", "image_precision_at_10")
    scores = Table("label", "products", *columns, title=f"kgbuild eval: build {figures['version']}")
    for name, score in figures["labels"].items():
        scores.add_row(name, str(score["products"]), *(str(score[k]) for k in columns))
    console.print(scores)
    console.print(f"images: {figures['images']}")
    console.print(f"concepts: {figures['concepts']} {figures['concepts_by_kind']}")
    console.print(
        "largest categories: " + ", ".join(f"{name} ({count})" for name, count in figures["largest_categories"])
    )
    timing = Table("stage", "seconds", "products/s", title="time per stage")
    for stage_name, seconds in figures["stage_seconds"].items():
        timing.add_row(stage_name, str(seconds), str(figures["products_per_second"].get(stage_name, "")))
    console.print(timing)
    console.print(f"written: {Layout(workdir).eval_report}", soft_wrap=True)


@app.command("remove-catalog")
def remove_catalog(catalog_id: str = typer.Argument(..., help="The catalog's id in the graph.")) -> None:
    """Remove a catalog from the graph in NEO4J_*: its products and their edges, and the concepts and images no other
    catalog has."""

    def remove() -> dict[str, int]:
        with Graph.from_env() as graph:
            return load.remove_catalog(graph, catalog_id, Settings())

    console.print_json(json.dumps({"removed": catalog_id, "held": _guarded(remove)}))


@app.command()
def report(workdir: Path = WORKDIR) -> None:
    """Write the static HTML report of WORKDIR's current build (counts, stage times, quarantine, eval figures, the
    concept tree with thumbnails): WORKDIR/reports/<version>/index.html."""
    console.print(f"written: {_guarded(lambda: build_report.write(workdir))}", soft_wrap=True)


def _print_reports(reports: dict[str, StageReport]) -> None:
    table = Table("stage", "seconds", "report", title="kgbuild build")
    for stage_name, report in reports.items():
        table.add_row(stage_name, str(report.seconds), json.dumps(report.figures, sort_keys=True))
    console.print(table)


def _snapshot_path(reference: str, workdir: Path) -> Path:
    """A snapshot folder, a snapshots root (its LATEST), or a version name under WORKDIR/snapshots."""
    path = Path(reference)
    return path if path.exists() else Layout(workdir).snapshots / reference


@snapshot_app.command("export")
def snapshot_export(
    workdir: Path = WORKDIR,
    keep: int | None = typer.Option(
        None, "--keep", min=1, help="Then keep only the newest N snapshots (never LATEST's)."
    ),
) -> None:
    """Export the current build of WORKDIR as a snapshot (the last task of kg_build); a finished one is kept as is."""
    report = _guarded(lambda: pipeline.run_stage("snapshot", workdir))
    pruned = snapshot.prune(Layout(workdir).snapshots, keep) if keep else []
    console.print_json(json.dumps({**report.figures, "pruned": report["pruned"] + pruned}))


@snapshot_app.command("list")
def snapshot_list(workdir: Path = WORKDIR) -> None:
    """Complete snapshots in WORKDIR, oldest first, with row counts; * marks LATEST."""
    table = Table(title="snapshots (* = LATEST)")
    table.add_column("version", no_wrap=True)  # versions are names to copy: never truncated
    for column in ("created", "concepts", "products", "concept_images", ""):
        table.add_column(column, overflow="fold")
    for entry in snapshot.list_snapshots(Layout(workdir).snapshots):
        rows = entry["rows"]
        table.add_row(
            entry["version"],
            entry["created_at"],
            str(rows["concepts"]),
            str(rows["products"]),
            str(rows["concept_images"]),
            "*" if entry["latest"] else "",
        )
    console.print(table)


@snapshot_app.command("verify")
def snapshot_verify(
    reference: str | None = typer.Argument(None, help="Snapshot folder or version (default: the one LATEST names)."),
    workdir: Path = WORKDIR,
) -> None:
    """Check every file's sha256 and row count against the manifest."""
    path = _snapshot_path(reference, workdir) if reference else Layout(workdir).snapshots
    opened = _guarded(lambda: snapshot.open(path))
    console.print(f"ok: {opened.path} (schema {opened.manifest['schema_version']}, rows {opened.manifest['rows']})")


@snapshot_app.command("diff")
def snapshot_diff(
    old: str = typer.Argument(..., help="Older snapshot: folder or version."),
    new: str = typer.Argument(..., help="Newer snapshot: folder or version."),
    workdir: Path = WORKDIR,
    as_json: bool = typer.Option(False, "--json", help="Print every added, removed and changed key."),
) -> None:
    """Concepts, edges, products and images added, removed or changed between two snapshots."""
    changes = _guarded(lambda: snapshot.diff(_snapshot_path(old, workdir), _snapshot_path(new, workdir)))
    if as_json:
        console.print_json(json.dumps(changes, default=str))
        return
    table = Table("table", "added", "removed", "changed", title=f"{old} → {new}")
    for name, change in changes.items():
        table.add_row(name, *(str(len(change[k])) for k in ("added", "removed", "changed")))
    console.print(table)


@snapshot_app.command("prune")
def snapshot_prune(keep: int = typer.Option(..., "--keep", min=1), workdir: Path = WORKDIR) -> None:
    """Keep only the newest N snapshots; the one LATEST names is never deleted."""
    console.print_json(json.dumps({"pruned": snapshot.prune(Layout(workdir).snapshots, keep)}))


def _local_server(home: Path | None, workdir: Path, bolt_port: int, http_port: int) -> Any:

    return LocalNeo4j(home or Layout(workdir).neo4j_home, bolt_port=bolt_port, http_port=http_port)


HOME = typer.Option(None, "--home", help="Server folder (default WORKDIR/neo4j).")
BOLT_PORT = typer.Option(7687, "--bolt-port", envvar="KGBUILD_NEO4J_BOLT_PORT")
HTTP_PORT = typer.Option(7474, "--http-port", envvar="KGBUILD_NEO4J_HTTP_PORT")


@neo4j_app.command("start")
def neo4j_start(
    home: Path | None = HOME, workdir: Path = WORKDIR, bolt_port: int = BOLT_PORT, http_port: int = HTTP_PORT
) -> None:
    """Start the server (password: NEO4J_PASSWORD) and wait until Bolt accepts connections."""
    server = _local_server(home, workdir, bolt_port, http_port)
    _guarded(server.start)
    console.print_json(json.dumps(server.status()))


@neo4j_app.command("stop")
def neo4j_stop(home: Path | None = HOME, workdir: Path = WORKDIR) -> None:
    """Shut the server down cleanly."""
    stopped = _local_server(home, workdir, 0, 0).stop()
    console.print("stopped" if stopped else "not running")


@neo4j_app.command("status")
def neo4j_status(
    home: Path | None = HOME, workdir: Path = WORKDIR, bolt_port: int = BOLT_PORT, http_port: int = HTTP_PORT
) -> None:
    """Whether the server runs, its pid, addresses and log."""
    status = _local_server(home, workdir, bolt_port, http_port).status()
    console.print_json(json.dumps(status))
    if not status["running"]:
        raise typer.Exit(1)


if __name__ == "__main__":
    sys.exit(app())
