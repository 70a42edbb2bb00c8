"""Stage order and build lifecycle. The CLI and the DAG both drive builds through :func:`begin_build` and
:func:`run_stage`, passing only paths.

A build is ``build.json`` in the work directory (:class:`~kgbuild.stage.BuildRecord`: version, catalog and its
sha256, the resolved settings and models). Each finished stage leaves ``stages/<stage>.json`` (its report and
duration) for that version, so a rerun of an unfinished build skips completed stages and resumes where it stopped.
Every stage is ``run(context) -> StageReport`` (:mod:`kgbuild.stage`).
"""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Callable, Iterable
from contextlib import nullcontext
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kgbuild import concepts, hierarchy, images, ingest, load, models, snapshot, text_analysis
from kgbuild.errors import BadInput
from kgbuild.graph import Graph
from kgbuild.models import file_sha256
from kgbuild.registry import CatalogBuild
from kgbuild.settings import Settings
from kgbuild.stage import BuildContext, BuildRecord, StageReport, catalog_id_for
from kgbuild.workdir import Layout, locked, read_parquet

STAGES: tuple[str, ...] = ("ingest", "concepts", "hierarchy", "images", "load", "snapshot")
log = logging.getLogger(__name__)


def begin_build(
    catalog: str | Path, workdir: str | Path, settings: Settings, graph: Graph | None = None
) -> BuildRecord:
    """Checks the catalog, the ``graph`` the build will load into when given, and every model (loaded, unless an
    earlier build proved the same ones loadable; a missing one stops here, before any work), then starts a build, or
    resumes the unfinished one for the same catalog bytes and settings."""
    layout = Layout(Path(workdir))
    catalog, resolved_models = _preflight(catalog, layout, settings, graph)
    with locked(layout, settings.lock_wait_s):
        return _begin(layout, catalog, settings, resolved_models)


def _preflight(
    catalog: str | Path, layout: Layout, settings: Settings, graph: Graph | None
) -> tuple[Path, dict[str, Any]]:
    """What a build needs before it may touch its work directory: the catalog, Neo4j, every model."""
    catalog = Path(catalog).absolute()
    if not catalog.is_file():
        raise ingest.CatalogError(f"{catalog}: catalog file not found")
    if graph is not None:
        graph.verify()
    return catalog, models.preflight(settings, settings.cache_dir or layout.cache)


class WorkdirOfAnotherCatalog(BadInput):
    pass


def _begin(layout: Layout, catalog: Path, settings: Settings, resolved_models: dict[str, Any]) -> BuildRecord:
    catalog_sha256 = file_sha256(catalog)
    previous = BuildRecord.read(layout) if layout.build_file.is_file() else None
    catalog_id = _catalog_id(layout, catalog, settings, previous)
    if previous is not None:
        same_input = (previous.catalog_sha256, previous.settings) == (catalog_sha256, settings.model_dump(mode="json"))
        if same_input and previous.finished_at is None:
            log.info("resuming build %s after stages %s", previous.version, previous.completed)
            return previous
    build = BuildRecord(
        version=BuildRecord.new_version(),
        workdir=str(layout.root),
        catalog=str(catalog),
        catalog_id=catalog_id,
        catalog_sha256=catalog_sha256,
        started_at=datetime.now(UTC).isoformat(timespec="seconds"),
        settings=settings.model_dump(mode="json"),
        models=resolved_models,
    )
    build.write(layout)
    return build


def _catalog_id(layout: Layout, catalog: Path, settings: Settings, previous: BuildRecord | None) -> str:
    """``--catalog-id``; else the id of the catalog the work directory holds (a work directory holds one catalog,
    however its file is named from one build to the next); else one derived from the catalog's path."""
    held = previous.catalog_id if previous is not None else ""
    catalog_id = settings.catalog_id or held or catalog_id_for(catalog)
    if held and catalog_id != held:
        raise WorkdirOfAnotherCatalog(
            f"{layout.root}: work directory of catalog {held!r}; build catalog {catalog_id!r} in its own work directory"
        )
    return catalog_id


def is_current(catalog: str | Path, workdir: str | Path, settings: Settings) -> bool:
    """Whether the work directory's last build finished over these very catalog bytes and settings: building again
    would change nothing."""
    layout = Layout(Path(workdir))
    if not layout.build_file.is_file() or not Path(catalog).is_file():
        return False
    last = BuildRecord.read(layout)
    return (
        last.finished_at is not None
        and last.catalog == str(Path(catalog).absolute())
        and last.settings == settings.model_dump(mode="json")
        and last.catalog_sha256 == file_sha256(Path(catalog))
    )


def run_stage(stage: str, workdir: str | Path, graph: Graph | None = None) -> StageReport:
    """Runs one stage of the current build (skipped when already completed for this version); returns its report.
    ``graph``: where the load stage loads (None: the Neo4j that NEO4J_* names)."""
    layout = Layout(Path(workdir))
    lock_wait_s = BuildRecord.read(layout).settings.get("lock_wait_s", 0)
    with locked(layout, lock_wait_s):
        return _run_stage(stage, layout, graph)


def _run_stage(stage: str, layout: Layout, graph: Graph | None) -> StageReport:
    build = BuildRecord.read(layout)  # again, under the lock: another process may have moved the build on
    reports = build.reports(layout)
    if stage in reports:
        log.info("stage %s already completed for build %s", stage, build.version)
        return reports[stage]
    context = BuildContext(layout, Settings.model_validate(build.settings), build, reports, graph)
    started = time.perf_counter()
    report = replace(_STAGE_FUNCTIONS[stage](context), seconds=round(time.perf_counter() - started, 3))
    report.write(layout, build.version)
    if stage == "ingest":  # the checksum of the bytes ingested, should the file have changed since the build began
        build.catalog_sha256 = report["catalog_sha256"]
    build.completed = [s for s in STAGES if s in build.completed or s == stage]
    if stage == STAGES[-1]:
        build.finished_at = datetime.now(UTC).isoformat(timespec="seconds")
    build.write(layout)
    return report


def begin_changed(builds: Iterable[CatalogBuild], graph: Graph | None = None) -> list[str]:
    """Begins a build of each registry catalog whose bytes or settings changed since its last finished build (or
    resumes its unfinished one); returns their work directories. Unchanged catalogs are skipped."""
    return [
        begin_build(build.catalog, build.workdir, build.settings, graph).workdir
        for build in builds
        if not is_current(build.catalog, build.workdir, build.settings)
    ]


def plan_shards(workdir: str | Path) -> list[dict[str, str]]:
    """Cuts the texts of the current build that no earlier build parsed into shard files; one ``{"workdir",
    "shard"}`` per shard for :func:`parse_shard`, which any worker may run, all at once. After ingest."""
    layout = Layout(Path(workdir))
    build = BuildRecord.read(layout)
    settings = Settings.model_validate(build.settings)
    with locked(layout, settings.lock_wait_s):
        for stale in layout.shards.glob("*") if layout.shards.is_dir() else []:
            if stale.name != build.version:
                shutil.rmtree(stale, ignore_errors=True)
        texts = concepts.texts_to_analyze(read_parquet(layout.products), settings)
        shards = text_analysis.plan_shards(
            texts, settings, settings.cache_dir or layout.cache, layout.shards / build.version
        )
    return [{"workdir": str(layout.root), "shard": str(shard)} for shard in shards]


def parse_shard(workdir: str | Path, shard: str | Path) -> int:
    """Parses one shard of :func:`plan_shards` into the build's text-analysis cache, which the concepts stage then
    reads; the number of texts parsed. Takes no lock: shards of one build run side by side."""
    layout = Layout(Path(workdir))
    settings = Settings.model_validate(BuildRecord.read(layout).settings)
    return text_analysis.parse_shard_file(Path(shard), settings, settings.cache_dir or layout.cache)


def run_build(
    catalog: str | Path, workdir: str | Path, settings: Settings, graph: Graph | None = None
) -> dict[str, StageReport]:
    """All stages in order, in this process (the DAG runs the same stages as separate tasks); Neo4j, from NEO4J_*
    unless ``graph`` is given, is checked before the first."""
    with nullcontext(graph) if graph is not None else Graph.from_env() as target:
        layout = Layout(Path(workdir))
        checked, resolved_models = _preflight(catalog, layout, settings, target)
        with locked(layout, settings.lock_wait_s):  # held from the first stage to the last
            _begin(layout, checked, settings, resolved_models)
            return {stage: run_stage(stage, workdir, target) for stage in STAGES}


_STAGE_FUNCTIONS: dict[str, Callable[[BuildContext], StageReport]] = {
    "ingest": ingest.run,
    "concepts": concepts.run,
    "hierarchy": hierarchy.run,
    "images": images.run,
    "load": load.run,
    "snapshot": snapshot.run,
}
