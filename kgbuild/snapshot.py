"""Snapshot stage: the build's graph tables → an immutable, versioned folder that training jobs read.

``snapshots/<version>/`` is written as a temporary folder and renamed into place; ``snapshots/LATEST`` (the newest
version's name) is written last, so a reader never sees half a snapshot.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from datetime import UTC, datetime
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from kgbuild.models import file_sha256
from kgbuild.settings import Settings
from kgbuild.workdir import Layout, atomic_path, read_json, read_parquet, write_json

STAGE = "snapshot"
SCHEMA_VERSION = 1
MANIFEST = "manifest.json"


def tables(layout: Layout) -> dict[str, Any]:
    """Snapshot table name → DataFrame, in the snapshot's column order."""
    return {
        "concepts": read_parquet(layout.concepts)[
            ["concept_id", "name", "aliases", "kind", "parent_id", "level", "product_count"]
        ],
        "product_concepts": read_parquet(layout.product_concepts)[["product_id", "concept_id", "field"]],
        "concept_images": read_parquet(layout.concept_images)[
            ["concept_id", "image_id", "product_id", "image_uri", "score", "rank"]
        ],
    }


def run(layout: Layout, settings: Settings) -> dict[str, Any]:
    build = read_json(layout.build_file)
    target = layout.snapshots / build["version"]
    if not (target / MANIFEST).is_file():
        layout.snapshots.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{build['version']}.", dir=layout.snapshots))
        try:
            _write(staging, layout, build, settings)
            shutil.rmtree(target, ignore_errors=True)  # a folder without manifest is debris of an older crash
            os.rename(staging, target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    with atomic_path(layout.latest_pointer) as tmp:
        tmp.write_text(build["version"] + "\n")
    manifest = read_json(target / MANIFEST)
    return {"version": build["version"], "path": str(target), "rows": manifest["rows"]}


def _write(folder: Path, layout: Layout, build: dict[str, Any], settings: Settings) -> None:
    rows, files = {}, {}
    for name, frame in tables(layout).items():
        path = folder / f"{name}.parquet"
        pq.write_table(_arrow(frame), path)
        rows[name] = len(frame)
        files[path.name] = file_sha256(path)
    write_json(
        {
            "schema_version": SCHEMA_VERSION,
            "version": build["version"],
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "kgbuild_version": package_version("kgbuild"),
            "catalog": {"path": build["catalog"], "sha256": build["catalog_sha256"]},
            "models": build["models"],
            "settings": settings.model_dump(mode="json"),
            "stages": {stage: read_json(layout.stage_marker(stage))["report"] for stage in build["completed"]},
            "rows": rows,
            "files": files,
        },
        folder / MANIFEST,
    )


def _arrow(frame: Any) -> Any:
    import pyarrow as pa

    return pa.Table.from_pandas(frame, preserve_index=False)
