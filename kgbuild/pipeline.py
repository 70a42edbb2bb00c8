"""Stage order and build lifecycle. The CLI and the DAG both drive builds through :func:`begin_build` and
:func:`run_stage`, passing only paths.

A build is ``build.json`` in the work directory: version, catalog and its sha256, the resolved settings and models.
Each finished stage leaves ``stages/<stage>.json`` (its report and duration) for that version, so a rerun of an
unfinished build skips completed stages and resumes where it stopped.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from contextlib import nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kgbuild import concepts, hierarchy, images, ingest, load, models, snapshot, validation
from kgbuild.graph import Graph
from kgbuild.models import file_sha256
from kgbuild.settings import Settings
from kgbuild.workdir import Layout, locked, read_json, write_json

STAGES: tuple[str, ...] = ("ingest", "concepts", "hierarchy", "images", "load", "snapshot")
log = logging.getLogger(__name__)


def begin_build(
    catalog: str | Path, workdir: str | Path, settings: Settings, graph: Graph | None = None
) -> dict[str, Any]:
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


def _begin(layout: Layout, catalog: Path, settings: Settings, resolved_models: dict[str, Any]) -> dict[str, Any]:
    catalog_sha256 = file_sha256(catalog)
    if layout.build_file.is_file():
        previous = read_json(layout.build_file)
        same_input = (previous["catalog_sha256"], previous["settings"]) == (
            catalog_sha256,
            settings.model_dump(mode="json"),
        )
        if same_input and previous.get("finished_at") is None:
            log.info("resuming build %s after stages %s", previous["version"], previous["completed"])
            return previous
    build: dict[str, Any] = {
        "version": datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")[:-3] + "Z",
        "workdir": str(layout.root),
        "catalog": str(catalog),
        "catalog_sha256": catalog_sha256,
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "finished_at": None,
        "settings": settings.model_dump(mode="json"),
        "models": resolved_models,
        "completed": [],
    }
    write_json(build, layout.build_file)
    return build


def run_stage(stage: str, workdir: str | Path, graph: Graph | None = None) -> dict[str, Any]:
    """Runs one stage of the current build (skipped when already completed for this version); returns its report."""
    layout = Layout(Path(workdir))
    with locked(layout, read_json(layout.build_file)["settings"].get("lock_wait_s", 0)):
        return _run_stage(stage, layout, graph)


def _run_stage(stage: str, layout: Layout, graph: Graph | None) -> dict[str, Any]:
    build = read_json(layout.build_file)
    marker = layout.stage_marker(stage)
    if stage in build["completed"] and marker.is_file():
        log.info("stage %s already completed for build %s", stage, build["version"])
        return read_json(marker)["report"]
    settings = Settings.model_validate(build["settings"])
    started = time.perf_counter()
    report = _STAGE_FUNCTIONS[stage](layout, settings, build, graph)
    write_json(
        {
            "version": build["version"],
            "stage": stage,
            "seconds": round(time.perf_counter() - started, 3),
            "report": report,
        },
        marker,
    )
    if stage == "ingest":  # the checksum of the bytes ingested, should the file have changed since the build began
        build["catalog_sha256"] = report["catalog_sha256"]
    build["completed"] = [s for s in STAGES if s in build["completed"] or s == stage]
    if stage == STAGES[-1]:
        build["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    write_json(build, layout.build_file)
    return report


def run_build(
    catalog: str | Path, workdir: str | Path, settings: Settings, graph: Graph | None = None
) -> dict[str, Any]:
    """All stages in order, in this process (the DAG runs the same stages as separate tasks); Neo4j, from NEO4J_*
    unless ``graph`` is given, is checked before the first."""
    with nullcontext(graph) if graph is not None else Graph.from_env() as target:
        checked, resolved_models = _preflight(catalog, settings, target)
        layout = Layout(Path(workdir))
        with locked(layout, settings.lock_wait_s):  # held from the first stage to the last
            _begin(layout, checked, settings, resolved_models)
            return {stage: run_stage(stage, workdir, target) for stage in STAGES}


def _load(layout: Layout, settings: Settings, build: dict[str, Any], graph: Graph | None) -> dict[str, Any]:
    """The pre-load suites first: the load then reads only the rows they accepted."""
    checked = validation.pre_load(layout, build["version"])
    with nullcontext(graph) if graph is not None else Graph.from_env() as target:
        return load.run(layout.validated_tables(), settings, target, checked) | checked


def _snapshot(layout: Layout, settings: Settings, build: dict[str, Any], graph: Graph | None) -> dict[str, Any]:
    """The snapshot holds what was loaded: the validated tables once the load stage has run for this build."""
    return snapshot.run(layout.validated_tables() if "load" in build["completed"] else layout, settings)


_STAGE_FUNCTIONS: dict[str, Callable[[Layout, Settings, dict[str, Any], Graph | None], dict[str, Any]]] = {
    "ingest": lambda layout, settings, build, graph: ingest.run(
        Path(build["catalog"]), layout, settings, build["version"]
    ),
    "concepts": lambda layout, settings, build, graph: concepts.run(layout, settings),
    "hierarchy": lambda layout, settings, build, graph: hierarchy.run(layout, settings),
    "images": lambda layout, settings, build, graph: images.run(layout, settings),
    "load": _load,
    "snapshot": _snapshot,
}
