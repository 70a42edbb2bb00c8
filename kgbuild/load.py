"""Load stage: the build's Parquet tables → Neo4j, then a check that the graph holds exactly what the build says.

Every node and edge is upserted and stamped with the build version; what a build no longer contains is pruned, so
loading a build twice changes nothing and the graph always equals the latest build.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from kgbuild import validation
from kgbuild.errors import InternalFault
from kgbuild.graph import Graph
from kgbuild.stage import BuildContext, StageReport
from kgbuild.workdir import Layout

STAGE = "load"
ROWS_PER_CONVERSION = 1000
# Each embedding is a vector-index insert, done inside Neo4j's one-at-a-time commit step: small transactions keep
# the mentions loaded beside them from waiting long for it.
EMBEDDINGS_PER_TRANSACTION = 250


class GraphMismatch(InternalFault):
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
        counts = load_into(graph, context, pre_load)
    return StageReport(STAGE, {"version": context.version, "counts": counts} | pre_load)


def load_into(graph: Graph, context: BuildContext, pre_load: dict[str, Any]) -> dict[str, int]:
    """Loads the build's validated tables (``pre_load``: the validation that chose them) into ``graph``; returns
    the graph's counts, checked against the tables."""
    layout, settings, version = context.layout.validated_tables(), context.settings, context.version
    batch, batch_bytes = settings.load_batch_size, settings.load_batch_bytes
    graph.run_file("schema", embedding_dimensions=context.build.models["embedding_dimensions"])
    concepts = pq.read_table(layout.concepts)
    # Two sessions at once: one loads concepts (nodes, is-a, then embeddings), the other products and images, then
    # the mentions once the concept nodes are in (load/mentions.cypher says why these two do not stall each other).
    with ThreadPoolExecutor(1, thread_name_prefix="kgbuild-load-concepts") as concepts_lane:
        concept_nodes = concepts_lane.submit(_load_concept_nodes, concepts, graph, batch, batch_bytes, version)
        embeddings = concepts_lane.submit(
            graph.load,
            "load/concept_embeddings",
            _rows(concepts.select(["concept_id", "embedding"])),
            min(batch, EMBEDDINGS_PER_TRANSACTION),
            batch_bytes=batch_bytes,
        )
        products = map(_product_row, _rows(pq.read_table(layout.products)))
        graph.load("load/products", products, batch, batch_bytes=batch_bytes, version=version)
        graph.load("load/images", _rows(pq.read_table(layout.images)), batch, batch_bytes=batch_bytes, version=version)
        concept_nodes.result()
        mentions = pq.read_table(layout.product_concepts).sort_by("product_id")
        graph.load("load/mentions", _rows(mentions), batch, batch_bytes=batch_bytes, version=version)
        embeddings.result()
    concept_images = _rows(pq.read_table(layout.concept_images))
    graph.load("load/depicted_by", concept_images, batch, batch_bytes=batch_bytes, version=version)
    graph.run_file("load/prune", version=version)
    expected = expected_counts(layout)
    counts = graph.counts()
    actual = {name: counts.get(name, 0) for name in expected}
    if actual != expected:
        raise GraphMismatch(f"Neo4j holds {actual} after loading build {version}, expected {expected}")
    graph.run_file("load/build", version=version, props=_build_properties(context, expected, pre_load))
    return actual


def _load_concept_nodes(concepts: pa.Table, graph: Graph, batch: int, batch_bytes: int, version: str) -> None:
    nodes = _rows(concepts.drop_columns(["embedding"]))
    graph.load("load/concepts", nodes, batch, batch_bytes=batch_bytes, version=version)
    is_a = concepts.select(["concept_id", "parent_id"]).filter(pc.is_valid(concepts["parent_id"]))
    graph.load("load/is_a", _rows(is_a), batch, batch_bytes=batch_bytes, version=version)


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
        "catalog_sha256": build.catalog_sha256,
        "grounding": build.models["grounding"],
        "clip_model": build.models.get("clip"),
        "clip_weights_sha256": build.models.get("clip_weights_sha256"),
        "spacy_model": build.models["spacy"],
        "started_at": build.started_at,
        "loaded_at": datetime.now(UTC).isoformat(timespec="seconds"),
        **{f"count_{name}": count for name, count in counts.items()},
    }
