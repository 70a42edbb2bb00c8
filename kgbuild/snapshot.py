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
from collections import defaultdict
from collections.abc import Iterable
from contextlib import nullcontext
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
from kgbuild.graph import Graph
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
LATEST = "LATEST"
FASHIONKLIP_PHRASE_WORDS = range(2, 7)  # the training loader keeps concepts of 2 to 6 words


class SnapshotError(BadInput):
    pass


def item_id(sha256: str) -> int:
    """Integer image id (FashionKLIP's FAISS index needs integers), stable: from the image bytes' sha256."""
    return int(sha256[:15], 16)


CATALOG_TABLES = ("products", "images", "product_concepts", "concept_images", "concepts", "product_phrases")
"""The tables a catalog's build contributes to a snapshot."""


def tables(sources: dict[str, dict[str, Path]], concepts: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Snapshot table name → DataFrame, in the snapshot's column order, from each catalog's tables (catalog id →
    table name → Parquet file) and the concepts as the graph holds them (with ``parent_id``, ``level`` and
    ``catalogs``)."""
    parts: dict[str, list[pd.DataFrame]] = {name: [] for name in CATALOG_TABLES if name != "concepts"}
    for catalog, files in sources.items():
        for name in parts:
            parts[name].append(read_parquet(files[name]).assign(catalog=catalog))
    frames = {name: pd.concat(found, ignore_index=True) for name, found in parts.items()}
    images = frames["images"]
    products = frames["products"].merge(
        images[["catalog", "product_id", "image_id"]].drop_duplicates(["catalog", "product_id"]),
        on=["catalog", "product_id"],
        how="left",
    )
    snapshot_frames = {
        "concepts": concepts,
        "hierarchy": concepts.dropna(subset=["parent_id"]).rename(columns={"concept_id": "child_id"}),
        "products": products,
        "product_concepts": frames["product_concepts"],
        "images": images.drop_duplicates("image_id").assign(item_id=lambda f: f["sha256"].map(item_id)),
        "concept_images": frames["concept_images"],
    }
    ordered = {name: frame[SNAPSHOT_SCHEMAS[name].names] for name, frame in snapshot_frames.items()}
    return ordered | {"product_phrases": frames["product_phrases"]}


def build_concepts(concepts_table: Path, catalog: str) -> pd.DataFrame:
    """A single build's concepts as a graph of that catalog alone would hold them."""
    concepts = read_parquet(concepts_table)
    concepts["catalogs"] = pd.Series([[catalog]] * len(concepts), index=concepts.index, dtype=object)
    return concepts


def query_id(catalog: str, product_id: str) -> str:
    """A product's FashionKLIP query id: unique across the catalogs of a snapshot."""
    return f"{catalog}/{product_id}"


def fashionklip_records(frames: dict[str, pd.DataFrame], phrases: pd.DataFrame, prompt: str) -> dict[str, list[dict]]:
    """The JSONL files of FashionKLIP's training code (EasyNLP examples/fashionklip)."""
    categories = frames["concepts"][frames["concepts"]["kind"] == CATEGORY]
    name_of = dict(zip(categories["concept_id"], categories["name"], strict=True))
    known = set(categories["name"]) | {alias for aliases in categories["aliases"] for alias in aliases}
    item_of = dict(zip(frames["images"]["image_id"], frames["images"]["item_id"], strict=True))
    pictured = frames["products"].dropna(subset=["image_id"])
    item_ids = _by_product(pictured, (int(item_of[i]) for i in pictured["image_id"]))
    words = phrases["phrase"].map(lambda phrase: len(phrase.split()), na_action="ignore")
    kept = phrases[words.isin(FASHIONKLIP_PHRASE_WORDS)]
    phrases_of = _by_product(kept, kept["phrase"])
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
                "query_id": query_id(str(row.catalog), str(row.product_id)),
                "query_text": row.title,
                "item_ids": item_ids.get((row.catalog, row.product_id), []),
                "phrases": phrases_of.get((row.catalog, row.product_id), []),
                "match_phrases": [p for p in phrases_of.get((row.catalog, row.product_id), []) if p in known],
            }
            for row in frames["products"].itertuples()
        ],
    }


def _by_product(frame: pd.DataFrame, values: Iterable[Any]) -> dict[tuple[Any, Any], list[Any]]:
    """(catalog, product_id) → the values of its rows, in row order."""
    grouped: dict[tuple[Any, Any], list[Any]] = defaultdict(list)
    for key, value in zip(zip(frame["catalog"], frame["product_id"], strict=True), values, strict=True):
        grouped[key].append(value)
    return grouped


def run(context: BuildContext) -> StageReport:
    """Writes a snapshot of the graph once the build is loaded: every catalog it holds, each from the tables its work
    directory kept when loaded (a graph unchanged since the newest snapshot keeps that one). A build not loaded
    (no load stage ran) gets a snapshot of its own tables, as a graph of that catalog alone."""
    root, settings, version = context.snapshot_root, context.settings, context.version
    if "load" in context.reports:
        with nullcontext(context.graph) if context.graph is not None else Graph.from_env() as graph:
            catalogs = [row for row in graph.read_file("queries/catalogs") if row["last_build"] is not None]
            sources = {row["catalog"]: _loaded_tables(row) for row in catalogs}
            current = _current(root, catalogs)
            if current is None:
                concepts = pd.DataFrame(
                    graph.read_file("snapshot/concepts"), columns=SNAPSHOT_SCHEMAS["concepts"].names
                )
    else:
        layout = context.layout
        catalogs = [{"catalog": context.catalog_id, "location": str(context.catalog), "last_build": version}]
        sources = {context.catalog_id: {name: getattr(layout, name) for name in CATALOG_TABLES}}
        current, concepts = None, build_concepts(layout.concepts, context.catalog_id)
    target = current or root / version
    if not (target / MANIFEST).is_file():  # a folder without manifest is debris of an older crash: replaced
        with staged_folder(target) as staging:
            _write(staging, target.name, context, tables(sources, concepts), catalogs)
    with atomic_path(root / LATEST) as tmp:
        tmp.write_text(target.name + "\n")
    removed = prune(root, settings.snapshot_keep) if settings.snapshot_keep else []
    return StageReport(
        STAGE,
        {
            "version": target.name,
            "path": str(target),
            "catalogs": sorted(sources),
            "rows": read_json(target / MANIFEST)["rows"],
            "pruned": removed,
        },
    )


def _loaded_tables(catalog: dict[str, Any]) -> dict[str, Path]:
    """The tables a catalog's work directory kept when its newest build was loaded."""
    loaded = Layout(Path(catalog["workdir"])).loaded
    state = loaded / "state.json"
    kept = read_json(state) if state.is_file() else {}
    if kept.get("version") != catalog["last_build"] or kept.get("dirty"):
        raise SnapshotError(
            f"{loaded}: catalog {catalog['catalog']!r} was last loaded from build {catalog['last_build']}, but its "
            f"work directory holds the tables of {kept.get('version') or 'no build'}: rebuild the catalog, or remove "
            f"it from the graph with 'kgbuild remove-catalog {catalog['catalog']}'"
        )
    return {name: loaded / f"{name}.parquet" for name in CATALOG_TABLES}


def _current(root: Path, catalogs: list[dict[str, Any]]) -> Path | None:
    """The newest snapshot, when it holds exactly these builds of these catalogs."""
    latest = root / LATEST
    if not latest.is_file():
        return None
    folder = root / latest.read_text().strip()
    if not (folder / MANIFEST).is_file():
        return None
    held = {c["catalog_id"]: c["version"] for c in read_json(folder / MANIFEST).get("catalogs", [])}
    return folder if held == {c["catalog"]: c["last_build"] for c in catalogs} else None


def _write(
    folder: Path, version: str, context: BuildContext, frames: dict[str, pd.DataFrame], catalogs: list[dict]
) -> None:
    build, settings = context.build, context.settings
    rows, files = {}, {}
    phrases = frames.pop("product_phrases")
    for name, frame in frames.items():
        write_parquet(frame, folder / f"{name}.parquet", SNAPSHOT_SCHEMAS[name])
        rows[name] = len(frame)
    jsonl = fashionklip_records(frames, phrases, settings.prompts[0])
    for name, records in jsonl.items():
        with (folder / f"{name}.jsonl").open("w") as stream:
            stream.writelines(json.dumps(record, ensure_ascii=False) + "\n" for record in records)
        rows[name] = len(records)
    for path in sorted(folder.iterdir()):
        files[path.name] = file_sha256(path)
    write_json(
        {
            "schema_version": SCHEMA_VERSION,
            "version": version,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "kgbuild_version": package_version("kgbuild"),
            "catalog": {"catalog_id": build.catalog_id, "path": build.catalog, "sha256": build.catalog_sha256},
            "catalogs": [
                {"catalog_id": c["catalog"], "location": c["location"], "version": c["last_build"]} for c in catalogs
            ],
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
    "products": ["catalog", "product_id"],
    "images": ["image_id"],
    "hierarchy": ["child_id", "parent_id"],
    "product_concepts": ["catalog", "product_id", "concept_id"],
    "concept_images": ["catalog", "concept_id", "image_id"],
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
