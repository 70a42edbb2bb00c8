"""Stage order and build lifecycle. The CLI and the DAG both drive builds through :func:`begin_build` and
:func:`run_stage`, passing only paths.

A build is ``build.json`` in the work directory (:class:`~kgbuild.stage.BuildRecord`: version, catalog and its
sha256, the resolved settings and models). Each finished stage leaves ``stages/<stage>.json`` (its report and
duration) for that version, so a rerun of an unfinished build skips completed stages and resumes where it stopped.
Every stage is ``run(context) -> StageReport`` (:mod:`kgbuild.stage`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kgbuild import concepts, hierarchy, images, ingest, load, models, snapshot
from kgbuild.graph import Graph
from kgbuild.models import file_sha256
from kgbuild.settings import Settings
from kgbuild.stage import BuildContext, BuildRecord, StageReport
from kgbuild.workdir import Layout, locked

STAGES: tuple[str, ...] = ("ingest", "concepts", "hierarchy", "images", "load", "snapshot")
log = logging.getLogger(__name__)


def begin_build(
    catalog: str | Path, workdir: str | Path, settings: Settings, graph: Graph | None = None
) -> BuildRecord:
    """Checks the catalog, the ``graph`` the build will load into when given, and loads every model (a missing one
    stops here, before any work), then starts a build, or resumes the unfinished one for the same catalog bytes and
    settings."""
    catalog, resolved_models = _preflight(catalog, settings, graph)
    layout = Layout(Path(workdir))
    with locked(layout, settings.lock_wait_s):
        return _begin(layout, catalog, settings, resolved_models)


def _preflight(catalog: str | Path, settings: Settings, graph: Graph | None) -> tuple[Path, dict[str, Any]]:
    """What a build needs before it may touch its work directory: the catalog, Neo4j, every model."""
    catalog = Path(catalog).absolute()
    if not catalog.is_file():
        raise ingest.CatalogError(f"{catalog}: catalog file not found")
    if graph is not None:
        graph.verify()
    return catalog, models.preflight(settings)


def _begin(layout: Layout, catalog: Path, settings: Settings, resolved_models: dict[str, Any]) -> BuildRecord:
    catalog_sha256 = file_sha256(catalog)
    if layout.build_file.is_file():
        previous = BuildRecord.read(layout)
        same_input = (previous.catalog_sha256, previous.settings) == (catalog_sha256, settings.model_dump(mode="json"))
        if same_input and previous.finished_at is None:
            log.info("resuming build %s after stages %s", previous.version, previous.completed)
            return previous
    build = BuildRecord(
        version=BuildRecord.new_version(),
        workdir=str(layout.root),
        catalog=str(catalog),
        catalog_sha256=catalog_sha256,
        started_at=datetime.now(UTC).isoformat(timespec="seconds"),
        settings=settings.model_dump(mode="json"),
        models=resolved_models,
    )
    build.write(layout)
    return build


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


def run_build(
    catalog: str | Path, workdir: str | Path, settings: Settings, graph: Graph | None = None
) -> dict[str, StageReport]:
    """All stages in order, in this process (the DAG runs the same stages as separate tasks); Neo4j, from NEO4J_*
    unless ``graph`` is given, is checked before the first."""
    with nullcontext(graph) if graph is not None else Graph.from_env() as target:
        checked, resolved_models = _preflight(catalog, settings, target)
        layout = Layout(Path(workdir))
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
