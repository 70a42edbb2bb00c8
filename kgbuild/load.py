"""Load stage: the build's Parquet tables → its catalog's part of Neo4j, then a check that the graph holds exactly
what the build says of the catalog.

Many catalogs share one graph. A catalog's products, their images and links are its own; concepts are shared: each
catalog records what it says of a concept (aliases, product count, is-a parent) on its ``IN_CATALOG`` edge, and the
concept's own properties and parent gather those views, so a concept lives while any catalog has it and the graph
does not depend on the order catalogs were built in.

Incremental: the tables of the build last loaded are kept (``WORKDIR/loaded/``); when the graph still holds that
build of the catalog, only rows that are new or changed (by a hash of each row) are written, and rows that are gone
are deleted by key. Otherwise (a first load, another graph, a load that failed part-way) every row is written,
stamped with the build version, and whatever of the catalog carries another version is pruned in bounded
transactions. Either way loading a build twice changes nothing, and the graph equals from-scratch builds of the
latest version of every catalog.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from kgbuild import validation
from kgbuild.errors import BadInput, InternalFault
from kgbuild.graph import Graph
from kgbuild.settings import Settings
from kgbuild.stage import BuildContext, StageReport
from kgbuild.workdir import Layout, read_json, staged_folder, write_json

STAGE = "load"
ROWS_PER_CONVERSION = 1000
# Each embedding is a vector-index insert, done inside Neo4j's one-at-a-time commit step: small transactions keep
# the mentions loaded beside them from waiting long for it.
EMBEDDINGS_PER_TRANSACTION = 250
REFRESHED_LEVELS_PER_TRANSACTION = 500  # each concept's whole subtree is rewritten
STATE_FILE = "state.json"
FINGERPRINT = "_fingerprint"
EMBEDDINGS = "concept_embeddings"  # in an incremental load, the concepts whose embedding changed


class GraphMismatch(InternalFault):
    pass


class UnknownCatalog(BadInput):
    pass


def expected_counts(layout: Layout) -> dict[str, int]:
    """What the graph must contain for this build, from the build's own tables (only the columns it counts)."""
    parents = pq.read_table(layout.concepts, columns=["parent_id"])["parent_id"]
    images = pq.read_table(layout.images, columns=["product_id", "image_id"]).to_pandas()
    return {
        "Product": pq.read_metadata(layout.products).num_rows,
        "Image": int(images["image_id"].nunique()),
        "Concept": len(parents),
        "HAS_IMAGE": len(images.drop_duplicates()),
        "MENTIONS": pq.read_metadata(layout.product_concepts).num_rows,
        "IS_A": len(parents) - parents.null_count,
        "DEPICTED_BY": pq.read_metadata(layout.concept_images).num_rows,
    }


def run(context: BuildContext) -> StageReport:
    """The pre-load suites first; then loads the rows they accepted into the context's graph (NEO4J_*'s when None)
    and checks the graph's counts against the build's tables."""
    pre_load = validation.pre_load(context.layout, context.version)
    with nullcontext(context.graph) if context.graph is not None else Graph.from_env() as graph:
        loaded = load_into(graph, context, pre_load)
    return StageReport(STAGE, {"version": context.version, **loaded} | pre_load)


def load_into(graph: Graph, context: BuildContext, pre_load: dict[str, Any]) -> dict[str, Any]:
    """Loads the build's validated tables (``pre_load``: the validation that chose them) into ``graph`` as its
    catalog's part; returns how (``mode``: full or incremental), the rows written and deleted per table, and what the
    graph holds of the catalog, checked against the tables.

    When the graph was last loaded with this catalog from this work directory's previous build, only what changed
    since then is written or deleted; otherwise the catalog's rows are all written and whatever of the catalog the
    build lacks is pruned. Either way the concepts the catalog touched are then refreshed from every catalog's view.
    """
    layout, version, catalog = context.layout.validated_tables(), context.version, context.catalog_id
    graph.run_file("schema", embedding_dimensions=context.build.models["embedding_dimensions"])
    previous = _previous_load(graph, context.layout, catalog)
    _loaded_state(context.layout, previous, dirty=True)  # a load that fails part-way is followed by a full one
    tables = {name: pq.read_table(getattr(layout, name)) for name in TABLE_KEYS}
    if previous is not None and any(
        pq.read_schema(context.layout.loaded / f"{name}.parquet") != table.schema for name, table in tables.items()
    ):
        previous = None  # kept by another kgbuild version: its rows do not compare
    writer = _Writer(graph, context.settings, version, catalog)
    if previous is None:
        changed, removed = tables, dict[str, pa.Table]()
        writer.write(tables)
        graph.run_batched("load/prune", version=version, catalog=catalog)
        touched = [row["concept_id"] for row in graph.read_file("load/concept_ids")]
    else:
        changed, removed = _changes(tables, context.layout.loaded)
        writer.delete(removed)
        writer.write(changed)
        touched = sorted(
            {*changed["concepts"]["concept_id"].to_pylist(), *removed["concepts"]["concept_id"].to_pylist()}
        )
    refresh_concepts(graph, touched, writer.batch)
    expected = expected_counts(layout)
    (counts,) = graph.read_file("load/catalog_counts", catalog=catalog)
    actual = {name: counts[name] for name in expected}
    if actual != expected:
        raise GraphMismatch(
            f"Neo4j holds {actual} of catalog {catalog} after loading build {version}, expected {expected}"
        )
    graph.run_file(
        "load/build",
        version=version,
        catalog=catalog,
        location=context.build.catalog,
        workdir=str(context.layout.root),
        props=_build_properties(context, expected, pre_load),
    )
    _keep_loaded(context.layout, layout, version)
    return {
        "mode": "full" if previous is None else "incremental",
        "catalog_id": catalog,
        "written": {name: table.num_rows for name, table in changed.items()},
        "deleted": {name: table.num_rows for name, table in removed.items()},
        "counts": actual,
    }


TABLE_KEYS: dict[str, tuple[str, ...]] = {
    "products": ("product_id",),
    "images": ("product_id", "image_id"),
    "concepts": ("concept_id",),
    "product_concepts": ("product_id", "concept_id"),
    "concept_images": ("concept_id", "image_id"),
}
"""The tables the graph is loaded from, with the columns that identify a row (a node or an edge)."""
NOT_IN_GRAPH = {"products": ("source_row", "image_uri"), "concepts": ("level",)}  # changes nothing in the graph
KEPT_BESIDE = ("product_phrases",)
"""Tables kept with the loaded ones, not loaded: a snapshot of the graph reads them from each catalog's work
directory."""


def _previous_load(graph: Graph, layout: Layout, catalog: str) -> str | None:
    """The version of the build this work directory last loaded, when the graph still holds exactly that one of
    the catalog."""
    state = layout.loaded / STATE_FILE
    if not state.is_file():
        return None
    kept = read_json(state)
    (last,) = graph.read_file("load/last_build", catalog=catalog)
    return kept["version"] if not kept["dirty"] and last["version"] == kept["version"] else None


def _loaded_state(layout: Layout, version: str | None, dirty: bool) -> None:
    if (layout.loaded / STATE_FILE).is_file():
        write_json({"version": version, "dirty": dirty}, layout.loaded / STATE_FILE)


def _keep_loaded(layout: Layout, tables: Layout, version: str) -> None:
    """Keeps the tables just loaded: the next build's incremental load compares its tables with these."""
    with staged_folder(layout.loaded) as folder:
        for name in (*TABLE_KEYS, *KEPT_BESIDE):
            shutil.copyfile(getattr(tables, name), folder / f"{name}.parquet")
        write_json({"version": version, "dirty": False}, folder / STATE_FILE)


def _changes(tables: dict[str, pa.Table], loaded: Path) -> tuple[dict[str, pa.Table], dict[str, pa.Table]]:
    """Per table, the rows that are new or differ from the loaded ones, and the keys of loaded rows now gone. An
    image's node takes its properties from every row showing it, so all of them go when one changes. The concepts
    whose embedding is new or changed are ``EMBEDDINGS``: a concept's count or parent changes far more often."""
    changed, removed = {}, {}
    for name, keys in TABLE_KEYS.items():
        before_table, not_in_graph = pq.read_table(loaded / f"{name}.parquet"), list(NOT_IN_GRAPH.get(name, ()))
        before = _fingerprinted(before_table.drop_columns(not_in_graph), keys)
        now = _fingerprinted(tables[name].drop_columns(not_in_graph), keys)
        is_new = _is_new(now, before, keys)
        if name == "images":
            is_new = now["image_id"].isin(now.loc[is_new, "image_id"]).to_numpy()
        changed[name] = tables[name].filter(pa.array(is_new))
        gone = ~before.set_index(list(keys)).index.isin(now.set_index(list(keys)).index)
        removed[name] = pa.Table.from_pandas(before.loc[gone, list(keys)], preserve_index=False)
        if name == "concepts":
            embedded = [t.select(["concept_id", "embedding"]) for t in (tables[name], before_table)]
            now_embedded, before_embedded = (_fingerprinted(t, keys) for t in embedded)
            changed[EMBEDDINGS] = embedded[0].filter(pa.array(_is_new(now_embedded, before_embedded, keys)))
    removed["image_nodes"] = pa.table(
        {
            "image_id": sorted(
                set(removed["images"]["image_id"].to_pylist()) - set(tables["images"]["image_id"].to_pylist())
            )
        }
    )
    return changed, removed


def _is_new(now: pd.DataFrame, before: pd.DataFrame, keys: tuple[str, ...]) -> np.ndarray:
    """Rows of ``now`` (key columns and fingerprint) that ``before`` lacks."""
    return ~now.set_index([*keys, FINGERPRINT]).index.isin(before.set_index([*keys, FINGERPRINT]).index)


def _fingerprinted(table: pa.Table, keys: tuple[str, ...]) -> pd.DataFrame:
    """The key columns and a 64-bit hash of all the table's columns, per row."""
    frame = table.to_pandas()
    comparable = frame.apply(lambda column: column.map(_canonical) if column.dtype == object else column)
    return frame[list(keys)].assign(**{FINGERPRINT: pd.util.hash_pandas_object(comparable, index=False).to_numpy()})


def _canonical(value: Any) -> Any:
    """Numeric arrays as their bytes, other lists and arrays as JSON text, so they hash by content; other values as
    they are."""
    if isinstance(value, np.ndarray) and value.dtype.kind in "biuf":
        return value.tobytes()
    if isinstance(value, np.ndarray | list | dict):
        return json.dumps(value.tolist() if isinstance(value, np.ndarray) else value, default=str)
    return value


class _Writer:
    """Writes tables (or their changed rows) into the graph and deletes what is gone, in batches."""

    def __init__(self, graph: Graph, settings: Settings, version: str, catalog: str) -> None:
        self.graph, self.version, self.catalog = graph, version, catalog
        self.batch, self.batch_bytes = settings.load_batch_size, settings.load_batch_bytes

    def _load(self, cypher_file: str, rows: Iterator[dict[str, Any]], batch: int | None = None) -> None:
        self.graph.load(
            cypher_file,
            rows,
            batch or self.batch,
            batch_bytes=self.batch_bytes,
            version=self.version,
            catalog=self.catalog,
        )

    def write(self, tables: dict[str, pa.Table]) -> None:
        """Writes the tables' rows; the concepts' embeddings from ``EMBEDDINGS`` when given, else from the concepts."""
        concepts = tables["concepts"]
        embedded = tables.get(EMBEDDINGS, concepts.select(["concept_id", "embedding"]))
        # Two sessions at once: one loads concepts (nodes, is-a, then embeddings), the other products and images,
        # then the mentions once the concept nodes are in (load/mentions.cypher says why these do not stall).
        with ThreadPoolExecutor(1, thread_name_prefix="kgbuild-load-concepts") as concepts_lane:
            concept_nodes = concepts_lane.submit(self._concept_nodes, concepts)
            embeddings = concepts_lane.submit(
                self._load,
                "load/concept_embeddings",
                _rows(embedded),
                min(self.batch, EMBEDDINGS_PER_TRANSACTION),
            )
            self._load("load/products", map(_product_row, _rows(tables["products"])))
            self._load("load/images", _rows(tables["images"]))
            concept_nodes.result()
            self._load("load/mentions", _rows(tables["product_concepts"].sort_by("product_id")))
            embeddings.result()
        self._load("load/depicted_by", _rows(tables["concept_images"]))

    def _concept_nodes(self, concepts: pa.Table) -> None:
        self._load("load/concepts", _rows(concepts.drop_columns(["embedding"])))

    def delete(self, removed: dict[str, pa.Table]) -> None:
        """Edges first, then nodes."""
        for table, cypher_file in (
            ("product_concepts", "load/delete_mentions"),
            ("images", "load/delete_has_image"),
            ("concept_images", "load/delete_depicted_by"),
            ("products", "load/delete_products"),
            ("image_nodes", "load/delete_images"),
            ("concepts", "load/delete_concepts"),
        ):
            self._load(cypher_file, _rows(removed[table]))


def refresh_concepts(graph: Graph, concept_ids: list[str], batch: int) -> None:
    """Gathers every catalog's view of these concepts: removes those no catalog has, then sets the others'
    aliases, counts and catalogs, their is-a parents, and the levels beneath them."""
    for cypher_file in ("load/delete_orphan_concepts", "load/refresh_concepts", "load/refresh_is_a"):
        graph.load(cypher_file, ({"concept_id": c} for c in concept_ids), batch)
    levels = min(batch, REFRESHED_LEVELS_PER_TRANSACTION)
    graph.load("load/refresh_levels", ({"concept_id": c} for c in concept_ids), levels)


def remove_catalog(graph: Graph, catalog: str, settings: Settings) -> dict[str, int]:
    """Removes a catalog from the graph: its products and their edges, its concept images and what it said of
    each concept (concepts and images no other catalog has go with them); its Build nodes stay, as history. Returns
    what the graph held of it."""
    (held,) = graph.read_file("load/catalog_counts", catalog=catalog)
    (last,) = graph.read_file("load/last_build", catalog=catalog)
    if last["version"] is None:
        raise UnknownCatalog(f"the graph holds no catalog {catalog!r}")
    graph.run_batched("load/prune", version="", catalog=catalog)  # no element carries the empty version: all go
    refresh_concepts(
        graph, [row["concept_id"] for row in graph.read_file("load/concept_ids")], settings.load_batch_size
    )
    graph.run_file("load/remove_catalog", catalog=catalog)
    return held


def _rows(table: pa.Table) -> Iterator[dict[str, Any]]:
    """A table as driver-ready rows (Arrow gives plain lists and None for nulls), converted as the load consumes
    them, so only a batch of them is held as Python objects at a time."""
    for record_batch in table.to_batches(max_chunksize=ROWS_PER_CONVERSION):
        yield from record_batch.to_pylist()


def _product_row(product: dict[str, Any]) -> dict[str, Any]:
    core = {key: product[key] for key in ("product_id", "title", "description")}
    return {"product_id": product["product_id"], "props": {**json.loads(product["attributes"]), **core}}


def _build_properties(context: BuildContext, counts: dict[str, int], pre_load: dict[str, Any]) -> dict[str, Any]:
    reports = {stage: report.accounting for stage, report in context.reports.items()}
    accounting: dict[str, int] = {}
    for stage, figures in (reports | {STAGE: StageReport(STAGE, pre_load).accounting}).items():
        accounting |= {f"{stage}_{key}": value for key, value in figures.items()}
    build = context.build
    return {
        **accounting,
        "catalog": build.catalog,
        "catalog_id": build.catalog_id,
        "catalog_sha256": build.catalog_sha256,
        "grounding": build.models["grounding"],
        "clip_model": build.models.get("clip"),
        "clip_weights_sha256": build.models.get("clip_weights_sha256"),
        "spacy_model": build.models["spacy"],
        "started_at": build.started_at,
        "loaded_at": datetime.now(UTC).isoformat(timespec="seconds"),
        **{f"count_{name}": count for name, count in counts.items()},
    }
