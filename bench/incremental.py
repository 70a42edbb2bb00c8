"""Incremental rebuilds against a full build, in one run: the Myntra 44k text file (titles only, no images) is built
once from scratch, then rebuilt in the same work directory and Neo4j after +1% new products, 1% retitled products
and 1% removed products. Each build is a `kgbuild build` process of its own, as a scheduled run is, so its time
includes starting up and loading what it needs. Each rebuild's time is printed as a share of the full build's, and
its graph and snapshot are compared with a from-scratch build of the same changed catalog (its own work directory
and Neo4j).

Falls back to a generated demo catalog when ../shared is absent.

    .venv/bin/python bench/incremental.py [--products N] [--share 0.01]
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import psutil

from kgbuild import snapshot
from kgbuild.demo import generate_catalog
from kgbuild.graph import Graph
from kgbuild.neo4j_local import LocalNeo4j, free_port
from kgbuild.settings import Settings

MYNTRA_44K = Path(__file__).resolve().parents[2] / "shared" / "data" / "myntra_sample" / "styles_all_44k_text_only.csv"
VOLATILE = {"last_build", "embedding"}
SNAPSHOT_TABLES = ("products", "concepts", "hierarchy", "product_concepts", "images", "concept_images")
SAMPLE_S = 0.25


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--products", type=int, default=None, help="first N products only")
    parser.add_argument("--share", type=float, default=0.01)
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="kgbuild-incremental-"))
    os.environ["NEO4J_PASSWORD"] = secrets.token_urlsafe(16)
    servers = {name: LocalNeo4j(scratch / f"neo4j-{name}", free_port(), free_port()) for name in ("daily", "fresh")}
    try:
        rows, settings = _catalog(scratch, args.products)
        catalogs = _changes(rows, args.share)
        for server in servers.values():
            server.start()
        print(f"catalog: {len(catalogs['base'])} products; changes of {args.share:.0%} each", flush=True)
        full = _build(servers["daily"], catalogs["base"], scratch / "daily", scratch / "base.csv", settings)
        print(
            f"full build: {full['seconds']:.1f} s, peak RSS {full['peak'] / 2**30:.2f} GiB  {full['stages']}",
            flush=True,
        )
        for change in ("added", "retitled", "removed"):
            catalog = scratch / f"{change}.csv"
            rebuilt = _build(servers["daily"], catalogs[change], scratch / "daily", catalog, settings)
            fresh = _build(servers["fresh"], catalogs[change], scratch / f"fresh-{change}", catalog, settings)
            same_graph = rebuilt["graph"] == fresh["graph"]
            same_snapshot = _snapshot_tables(scratch / "daily") == _snapshot_tables(scratch / f"fresh-{change}")
            print(
                f"{change:9s}: {rebuilt['seconds']:6.1f} s = {rebuilt['seconds'] / full['seconds']:6.1%} of the full "
                f"build, peak RSS {rebuilt['peak'] / 2**30:.2f} GiB  (from scratch {fresh['seconds']:.1f} s)  graph "
                f"equal: {same_graph}  snapshot equal: {same_snapshot}  {rebuilt['stages']}",
                flush=True,
            )
    finally:
        for server in servers.values():
            server.stop()
        shutil.rmtree(scratch, ignore_errors=True)


def _catalog(scratch: Path, products: int | None) -> tuple[pd.DataFrame, Settings]:
    if MYNTRA_44K.is_file():
        rows = pd.read_csv(MYNTRA_44K, dtype=str, keep_default_na=False)
        settings = Settings(
            id_col="id", title_col="productDisplayName", skip_images=True, clip_model="none", catalog_id="bench"
        )
    else:
        print("../shared data absent: using a generated demo catalog")
        rows = pd.read_csv(generate_catalog(scratch / "demo", products=products or 2000), dtype=str)
        settings = Settings(skip_images=True, clip_model="none", catalog_id="bench")
    return (rows.iloc[:products] if products else rows), settings


def _changes(rows: pd.DataFrame, share: float) -> dict[str, pd.DataFrame]:
    """The base catalog (all but a held-out share) and the base with the held-out products added, with a share of
    titles swapped among products, and with a share of products removed."""
    shuffled = rows.sample(frac=1.0, random_state=7)
    count = max(1, int(len(rows) * share))
    held_out, base = shuffled.iloc[:count], shuffled.iloc[count:].sort_index()
    retitled = base.copy()
    title = retitled.columns[_title_column(retitled)]
    chosen = retitled.sample(n=count, random_state=8).index
    retitled.loc[chosen, title] = retitled.loc[chosen, title].sample(frac=1.0, random_state=9).to_numpy()
    return {
        "base": base,
        "added": pd.concat([base, held_out]).sort_index(),
        "retitled": retitled,
        "removed": base.drop(base.sample(n=count, random_state=10).index),
    }


def _title_column(rows: pd.DataFrame) -> int:
    return list(rows.columns).index("productDisplayName" if "productDisplayName" in rows else "title")


def _build(server: LocalNeo4j, rows: pd.DataFrame, workdir: Path, catalog: Path, settings: Settings) -> dict:
    rows.to_csv(catalog, index=False)
    settings_env = {Settings.env_name(field): str(getattr(settings, field)) for field in settings.model_fields_set}
    seconds, peak, stages = cli_build(catalog, workdir, server.bolt_uri, settings_env)
    os.environ["NEO4J_URI"] = server.bolt_uri
    with Graph.from_env() as graph:
        return {"seconds": seconds, "peak": peak, "stages": stages, "graph": graph_content(graph)}


def cli_build(catalog: Path, workdir: Path, bolt_uri: str, settings_env: dict[str, str]) -> tuple[float, int, dict]:
    """Runs `kgbuild build` in its own process; returns its wall time, the peak summed RSS of its process tree and
    the seconds of each stage, and of parsing within the concepts stage."""
    command = [sys.executable, "-m", "kgbuild.cli", "build", str(catalog), "-w", str(workdir)]
    env = {**os.environ, "NEO4J_URI": bolt_uri, **settings_env}
    log = workdir.with_suffix(".log")  # a file, not a pipe: a full pipe would stall a build that logs a lot
    started = time.perf_counter()
    with log.open("w") as stderr:
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=stderr)
        watched, peak = psutil.Process(process.pid), 0
        while process.poll() is None:
            try:
                tree = [watched, *watched.children(recursive=True)]
                peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
            except psutil.Error:
                pass
            time.sleep(SAMPLE_S)
    wall = time.perf_counter() - started
    if process.returncode:
        raise SystemExit(f"build of {catalog} failed:\n{log.read_text()[-5000:]}")
    reports = {path.stem: json.loads(path.read_text()) for path in sorted((workdir / "stages").iterdir())}
    stages = {stage: report["seconds"] for stage, report in reports.items()}
    stages["parsing"] = reports["concepts"]["report"]["parse_seconds"]  # within the concepts stage
    return wall, peak, stages


def graph_content(graph: Graph) -> tuple[list, list]:
    nodes = graph.driver.execute_query(
        "MATCH (n:Product|Concept|Image) RETURN labels(n)[0] AS label, properties(n) AS props"
    ).records
    edges = graph.driver.execute_query(
        "MATCH (a:Product|Concept)-[r]->(b:Concept|Image) RETURN coalesce(a.product_id, a.concept_id) AS a, "
        "type(r) AS type, properties(r) AS props, coalesce(b.concept_id, b.image_id) AS b"
    ).records

    def kept(props: dict) -> tuple:
        return tuple(sorted((k, str(v)) for k, v in props.items() if k not in VOLATILE))

    return (
        sorted((r["label"], kept(r["props"])) for r in nodes),
        sorted((r["a"], r["type"], kept(r["props"]), r["b"]) for r in edges),
    )


def _snapshot_tables(workdir: Path) -> dict[str, list]:
    tables = snapshot.open(workdir / "snapshots").tables
    return {
        name: sorted(map(str, tables[name].drop(columns=["embedding"], errors="ignore").to_dict("records")))
        for name in SNAPSHOT_TABLES
    }


if __name__ == "__main__":
    main()
