"""Neo4j load throughput: the batched path (UNWIND $rows in managed transactions of ``load_batch_size`` rows)
against a naive baseline (the same Cypher, one row per transaction) on the same data, in one run.

Two scenarios, both on the full-load path: a first load into an empty graph, and a full reload of the same build
over itself (what an incremental load falls back to; bench/incremental.py measures the incremental path).
Each scenario starts its own Neo4j on free loopback ports (never touches yours) and warms it up with fifteen untimed
loads: a fresh server's loads keep getting faster for about that many as the JIT compiles the load's paths, and the
naive path, thousands of transactions long, runs at that steady state too. The batched figure is the median of five
loads, the naive one a single load (it runs for minutes). Data: the first ``--products`` products of the Myntra 44k
text file when ../shared is present, else a generated demo catalog. Prints nodes + relationships per second for both
paths and their ratio, per scenario.

    .venv/bin/python bench/load_throughput.py [--products 10000]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import secrets
import shutil
import statistics
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd

from kgbuild import load, pipeline, validation
from kgbuild.demo import generate_catalog
from kgbuild.graph import Graph
from kgbuild.neo4j_local import LocalNeo4j, free_port
from kgbuild.settings import Settings
from kgbuild.stage import BuildContext, BuildRecord
from kgbuild.workdir import Layout

WARM_UP_LOADS = 15
BATCHED_RUNS = 5
MYNTRA_44K = Path(__file__).resolve().parents[2] / "shared" / "data" / "myntra_sample" / "styles_all_44k_text_only.csv"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--products", type=int, default=10000)
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="kgbuild-load-bench-"))
    os.environ["NEO4J_PASSWORD"] = secrets.token_urlsafe(16)
    try:
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as builder:
            workdir = builder.submit(
                _prepare, scratch, args.products
            ).result()  # models stay out of the loading process
        layout = Layout(workdir)
        build = BuildRecord.read(layout)
        pre_load = validation.pre_load(layout, build.version)  # once: each timed load reads the rows it accepted
        context = BuildContext(layout, Settings.model_validate(build.settings), build, build.reports(layout))
        expected = load.expected_counts(layout.validated_tables())
        items = sum(expected.values())
        relationships = sum(expected[k] for k in ("HAS_IMAGE", "MENTIONS", "IS_A", "DEPICTED_BY"))
        print(f"data: {items} nodes + relationships ({relationships} relationships): {expected}")
        for scenario, into_empty_graph in (
            ("first load, into an empty graph", True),
            ("reload of the same build", False),
        ):
            # A fresh server per scenario: the first loads' deleted records and transaction logs stay out of the
            # reloads.
            home = scratch / ("neo4j-first-load" if into_empty_graph else "neo4j-reload")
            server = LocalNeo4j(home, bolt_port=free_port(), http_port=free_port(), pagecache="512m")
            server.start()
            try:
                os.environ["NEO4J_URI"] = server.bolt_uri
                with Graph.from_env() as graph:
                    _compare(graph, context, pre_load, items, scenario, into_empty_graph)
            finally:
                server.stop()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _prepare(scratch: Path, products: int) -> Path:
    """A built work directory (up to the hierarchy; images skipped) to load."""
    if MYNTRA_44K.is_file():
        catalog = scratch / "catalog.csv"
        pd.read_csv(MYNTRA_44K, dtype=str, keep_default_na=False).iloc[:products].to_csv(catalog, index=False)
        settings = Settings(id_col="id", title_col="productDisplayName", skip_images=True)
    else:
        print("../shared data absent: using a generated demo catalog")
        catalog, settings = generate_catalog(scratch / "demo", products=products), Settings(skip_images=True)
    workdir = scratch / "work"
    pipeline.begin_build(catalog, workdir, settings)
    for stage in ("ingest", "concepts", "hierarchy", "images"):
        pipeline.run_stage(stage, workdir)
    return workdir


def _compare(
    graph: Graph, context: BuildContext, pre_load: dict[str, Any], items: int, scenario: str, into_empty_graph: bool
) -> None:
    settings = context.settings
    for _ in range(WARM_UP_LOADS):  # JIT and query plans, so neither timed path pays for them
        _timed_load(graph, context, pre_load, into_empty_graph)
    runs = [_timed_load(graph, context, pre_load, into_empty_graph) for _ in range(BATCHED_RUNS)]
    batched = statistics.median(runs)
    one_row = replace(context, settings=settings.model_copy(update={"load_batch_size": 1}))
    naive = _timed_load(graph, one_row, pre_load, into_empty_graph)
    print(f"{scenario}:")
    print(
        f"  batched ({settings.load_batch_size} rows per transaction): {items / batched:10.1f} items/s  "
        f"({batched:.2f} s, median of {', '.join(f'{r:.2f}' for r in runs)})"
    )
    print(f"  naive   (1 row per transaction)    : {items / naive:10.1f} items/s  ({naive:.1f} s)")
    print(f"  ratio batched/naive: {naive / batched:.1f}", flush=True)


def _timed_load(graph: Graph, context: BuildContext, pre_load: dict[str, Any], into_empty_graph: bool) -> float:
    """Seconds to load the build (schema in place), checked against the build: into an emptied database, or over
    the same build already loaded (the daily case, where most rows are unchanged)."""
    if into_empty_graph:
        with graph.driver.session(database=graph.database) as session:  # CALL IN TRANSACTIONS needs auto-commit
            session.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS").consume()
    shutil.rmtree(context.layout.loaded, ignore_errors=True)  # the full load's path, never the incremental one
    started = time.perf_counter()
    load.load_into(graph, context, pre_load)
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
