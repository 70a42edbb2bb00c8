"""Versioned training snapshots: complete, immutable, verifiable.

``snapshots/<version>/`` holds the build's graph as Parquet tables, FashionKLIP's JSONL files and ``manifest.json``
(row counts and sha256 of every file). It is written as a hidden temporary folder and renamed into place;
``snapshots/LATEST`` (the newest version's name) is written last, so a reader never sees half a snapshot.
:func:`open` verifies a snapshot before handing out its tables; :func:`diff` compares two; :func:`prune` keeps the
newest N and never the one LATEST names.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

from kgbuild.domain import CATEGORY, SNAPSHOT_SCHEMAS
from kgbuild.domain import SNAPSHOT_SCHEMA_VERSION as SCHEMA_VERSION  # public: the README names it
from kgbuild.errors import BadInput
from kgbuild.models import file_sha256
from kgbuild.stage import BuildContext, StageReport
from kgbuild.workdir import (
    Layout,
    atomic_path,
    jsonable,
    read_json,
    read_parquet,
    staged_folder,
    write_json,
    write_parquet,
)

STAGE = "snapshot"
MANIFEST = "manifest.json"
FASHIONKLIP_PHRASE_WORDS = range(2, 7)  # the training loader keeps concepts of 2 to 6 words


class SnapshotError(BadInput):
    pass


def item_id(sha256: str) -> int:
    """Integer image id (FashionKLIP's FAISS index needs integers), stable: from the image bytes' sha256."""
    return int(sha256[:15], 16)


def tables(layout: Layout) -> dict[str, pd.DataFrame]:
    """Snapshot table name → DataFrame, in the snapshot's column order."""
    concepts = read_parquet(layout.concepts)
    images = read_parquet(layout.images)
    products = read_parquet(layout.products).merge(
        images[["product_id", "image_id"]].drop_duplicates("product_id"), on="product_id", how="left"
    )
    frames = {
        "concepts": concepts,
        "hierarchy": concepts.dropna(subset=["parent_id"]).rename(columns={"concept_id": "child_id"}),
        "products": products,
        "product_concepts": read_parquet(layout.product_concepts),
        "images": images.drop_duplicates("image_id").assign(item_id=lambda f: f["sha256"].map(item_id)),
        "concept_images": read_parquet(layout.concept_images),
    }
    return {name: frame[SNAPSHOT_SCHEMAS[name].names] for name, frame in frames.items()}


def fashionklip_records(frames: dict[str, pd.DataFrame], phrases: pd.DataFrame, prompt: str) -> dict[str, list[dict]]:
    """The JSONL files of FashionKLIP's training code (EasyNLP examples/fashionklip)."""
    categories = frames["concepts"][frames["concepts"]["kind"] == CATEGORY]
    name_of = dict(zip(categories["concept_id"], categories["name"], strict=True))
    known = set(categories["name"]) | {alias for aliases in categories["aliases"] for alias in aliases}
    items = frames["images"].set_index("image_id")["item_id"]
    image_ids = frames["products"].dropna(subset=["image_id"]).groupby("product_id")["image_id"].agg(list)
    item_ids = image_ids.map(lambda ids: [int(items[i]) for i in ids])
    words = phrases["phrase"].map(lambda phrase: len(phrase.split()), na_action="ignore")
    phrases_of = phrases[words.isin(FASHIONKLIP_PHRASE_WORDS)].groupby("product_id")["phrase"].agg(list)
    return {
        "concepts_queries": [
            {"query_id": cid, "query_text": prompt.format(concept=name), "phrase": name}
            for cid, name in name_of.items()
        ],
        "concepts_fathers": [
            {"query_id": row.concept_id, "phrase": row.name, "phrase_father": name_of[row.parent_id]}
            for row in categories.dropna(subset=["parent_id"]).itertuples()
        ],
        "queries_phrases": [
            {
                "query_id": row.product_id,
                "query_text": row.title,
                "item_ids": item_ids.get(row.product_id, []),
                "phrases": phrases_of.get(row.product_id, []),
                "match_phrases": [p for p in phrases_of.get(row.product_id, []) if p in known],
            }
            for row in frames["products"].itertuples()
        ],
    }


def run(context: BuildContext) -> StageReport:
    """Writes the snapshot of what was loaded: the validated tables once the load stage has run for this build."""
    layout, settings, version = context.layout, context.settings, context.version
    target = layout.snapshots / version
    if not (target / MANIFEST).is_file():  # a folder without manifest is debris of an older crash: replaced
        with staged_folder(target) as staging:
            _write(staging, context)
    with atomic_path(layout.latest_pointer) as tmp:
        tmp.write_text(version + "\n")
    removed = prune(layout.snapshots, settings.snapshot_keep) if settings.snapshot_keep else []
    return StageReport(
        STAGE,
        {"version": version, "path": str(target), "rows": read_json(target / MANIFEST)["rows"], "pruned": removed},
    )


def _write(folder: Path, context: BuildContext) -> None:
    layout = context.layout.validated_tables() if "load" in context.reports else context.layout
    build, settings = context.build, context.settings
    rows, files = {}, {}
    frames = tables(layout)
    for name, frame in frames.items():
        write_parquet(frame, folder / f"{name}.parquet", SNAPSHOT_SCHEMAS[name])
        rows[name] = len(frame)
    jsonl = fashionklip_records(frames, read_parquet(layout.product_phrases), settings.prompts[0])
    for name, records in jsonl.items():
        with (folder / f"{name}.jsonl").open("w") as stream:
            stream.writelines(json.dumps(record, ensure_ascii=False) + "\n" for record in records)
        rows[name] = len(records)
    for path in sorted(folder.iterdir()):
        files[path.name] = file_sha256(path)
    write_json(
        {
            "schema_version": SCHEMA_VERSION,
            "version": build.version,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "kgbuild_version": package_version("kgbuild"),
            "catalog": {"path": build.catalog, "sha256": build.catalog_sha256},
            "models": build.models,
            "settings": settings.model_dump(mode="json"),
            "stages": {stage: report.figures for stage, report in context.reports.items()},
            "rows": rows,
            "files": files,
        },
        folder / MANIFEST,
    )


@dataclass(frozen=True)
class Snapshot:
    path: Path
    manifest: dict[str, Any]
    tables: dict[str, pd.DataFrame]


def open(path: str | Path) -> Snapshot:  # noqa: A001 - the snapshot API's verb
    """Reads a snapshot after checking every file's sha256 and row count against its manifest."""
    folder = Path(path)
    if (folder / "LATEST").is_file():
        folder = folder / (folder / "LATEST").read_text().strip()
    manifest_path = folder / MANIFEST
    if not manifest_path.is_file():
        raise SnapshotError(f"{manifest_path}: no manifest: not a (complete) snapshot")
    manifest = read_json(manifest_path)
    for name, expected in manifest["files"].items():
        file = folder / name
        if not file.is_file():
            raise SnapshotError(f"{file}: listed in the manifest but missing")
        if (found := file_sha256(file)) != expected:
            raise SnapshotError(
                f"{file}: checksum mismatch (manifest {expected[:12]}…, file {found[:12]}…): corrupted or truncated"
            )
    frames = {
        name.removesuffix(".parquet"): pq.read_table(folder / name).to_pandas()
        for name in manifest["files"]
        if name.endswith(".parquet")
    }
    counts = {name: len(frame) for name, frame in frames.items()}
    counts |= {
        name.removesuffix(".jsonl"): _line_count(folder / name) for name in manifest["files"] if name.endswith(".jsonl")
    }
    for name, rows in manifest["rows"].items():
        if counts.get(name) != rows:
            raise SnapshotError(f"{folder / name}: {counts.get(name)} rows, the manifest says {rows}")
    return Snapshot(folder, manifest, frames)


def _line_count(path: Path) -> int:
    with path.open("rb") as stream:
        return sum(1 for _ in stream)


def list_snapshots(root: Path) -> list[dict[str, Any]]:
    """Complete snapshots under ``root`` (hidden staging folders are not snapshots), oldest first."""
    if not root.is_dir():
        return []
    latest = (root / "LATEST").read_text().strip() if (root / "LATEST").is_file() else None
    found = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        if (folder / MANIFEST).is_file():
            manifest = read_json(folder / MANIFEST)
            found.append(
                {
                    "version": folder.name,
                    "created_at": manifest["created_at"],
                    "rows": manifest["rows"],
                    "latest": folder.name == latest,
                }
            )
    return found


def prune(root: Path, keep: int) -> list[str]:
    """Deletes all but the newest ``keep`` snapshots, never the one LATEST names, and stale staging folders."""
    snapshots = list_snapshots(root)
    doomed = [s["version"] for s in snapshots[: max(len(snapshots) - keep, 0)] if not s["latest"]]
    for version in doomed:
        shutil.rmtree(root / version)
    for staging in root.glob(".*"):
        if staging.is_dir():
            shutil.rmtree(staging, ignore_errors=True)
    return doomed


_KEYS = {
    "concepts": ["concept_id"],
    "products": ["product_id"],
    "images": ["image_id"],
    "hierarchy": ["child_id", "parent_id"],
    "product_concepts": ["product_id", "concept_id"],
    "concept_images": ["concept_id", "image_id"],
}


def diff(a: str | Path, b: str | Path) -> dict[str, dict[str, list]]:
    """What changed from snapshot ``a`` to ``b``, per table: keys added, removed, and changed (same key, other
    values)."""
    old, new = open(a).tables, open(b).tables
    result = {}
    for table, key in _KEYS.items():
        before, after = _keyed(old[table], key), _keyed(new[table], key)
        result[table] = {
            "added": sorted(after.keys() - before.keys()),
            "removed": sorted(before.keys() - after.keys()),
            "changed": sorted(k for k in before.keys() & after.keys() if before[k] != after[k]),
        }
    return result


def _keyed(frame: pd.DataFrame, key: list[str]) -> dict[Any, str]:
    keys = frame[key[0]].tolist() if len(key) == 1 else list(zip(*(frame[k].tolist() for k in key), strict=True))
    values = frame.drop(columns=key).to_dict(orient="records")
    return {
        k: json.dumps({column: jsonable(x) for column, x in v.items()}, sort_keys=True, default=str)
        for k, v in zip(keys, values, strict=True)
    }
