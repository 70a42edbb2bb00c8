"""Whole builds in this process against the real Neo4j."""

import csv
import hashlib

import pandas as pd
import pyarrow.parquet as pq
import pytest
from graph_state import graph_state

from kgbuild import concepts, pipeline
from kgbuild.settings import Settings
from kgbuild.workdir import Layout, read_json, read_parquet

pytestmark = pytest.mark.neo4j


def snapshot_of(layout: Layout):
    version = layout.latest_pointer.read_text().strip()
    return layout.snapshots / version


def table_rows(snapshot, name, *columns):
    """A snapshot table's rows as sorted tuples of ``columns``."""
    return sorted(
        zip(*pq.read_table(snapshot / f"{name}.parquet", columns=list(columns)).to_pydict().values(), strict=True)
    )


def test_build_loads_exactly_the_build_into_neo4j(tmp_path, graph, demo_catalog):
    reports = pipeline.run_build(demo_catalog, tmp_path, Settings(clip_model="none"), graph)
    assert list(reports) == list(pipeline.STAGES)

    def rows(cypher):
        return sorted(tuple(r.values()) for r in graph.driver.execute_query(cypher).records)

    # Products and images: the catalog itself (its rows, the sha256 of its image files).
    catalog = pd.read_csv(demo_catalog, dtype=str)
    sha = {p: hashlib.sha256((demo_catalog.parent / p).read_bytes()).hexdigest() for p in catalog["image"]}
    titles = sorted(zip(catalog["product_id"], catalog["title"], strict=True))
    assert rows("MATCH (p:Product) RETURN p.product_id, p.title") == titles
    assert rows("MATCH (i:Image) RETURN i.sha256") == sorted((s,) for s in set(sha.values()))
    has_image = sorted(zip(catalog["product_id"], catalog["image"].map(sha), strict=True))
    assert rows("MATCH (p:Product)-[:HAS_IMAGE]->(i:Image) RETURN p.product_id, i.sha256") == has_image
    # Concepts and their edges: the snapshot's tables, each row once in Neo4j.
    snapshot = snapshot_of(Layout(tmp_path))
    assert rows("MATCH (c:Concept) RETURN c.concept_id") == table_rows(snapshot, "concepts", "concept_id")
    is_a = [r for r in table_rows(snapshot, "concepts", "concept_id", "parent_id") if r[1] is not None]
    assert rows("MATCH (c:Concept)-[:IS_A]->(p:Concept) RETURN c.concept_id, p.concept_id") == is_a
    mentions = "MATCH (p:Product)-[m:MENTIONS]->(c:Concept) RETURN p.product_id, c.concept_id, m.field, m.primary"
    assert rows(mentions) == table_rows(snapshot, "product_concepts", "product_id", "concept_id", "field", "primary")
    depicted = "MATCH (c:Concept)-[d:DEPICTED_BY]->(i:Image) RETURN c.concept_id, i.image_id, d.rank"
    assert rows(depicted) == table_rows(snapshot, "concept_images", "concept_id", "image_id", "rank")
    (build,) = [r["b"] for r in graph.driver.execute_query("MATCH (b:Build) RETURN b").records]
    products = len(catalog)
    assert (build["version"], build["count_Product"]) == (snapshot.name, products)
    ingest = (build["ingest_input_rows"], build["ingest_accepted"], build["ingest_quarantined"])
    assert ingest == (products, products, 0)
    assert build["images_input_rows"] == build["images_accepted"] + build["images_quarantined"] == products


def test_snapshot_follows_the_contract(tmp_path, graph, demo_catalog):
    layout = Layout(tmp_path)
    pipeline.run_build(demo_catalog, tmp_path, Settings(clip_model="none"), graph)
    snapshot = snapshot_of(layout)
    manifest = read_json(snapshot / "manifest.json")
    expected_columns = {
        "concepts": {"concept_id", "name", "parent_id", "level", "product_count"},
        "product_concepts": {"product_id", "concept_id"},
        "concept_images": {"concept_id", "product_id", "image_uri", "score", "rank"},
    }
    for table, columns in expected_columns.items():
        assert columns <= set(pq.read_schema(snapshot / f"{table}.parquet").names)
    # Row counts read back independently (Parquet footers, JSONL lines), and products and images from the catalog.
    parquet = {path.stem: pq.read_metadata(path).num_rows for path in snapshot.glob("*.parquet")}
    jsonl = {path.stem: len(path.read_text().splitlines()) for path in snapshot.glob("*.jsonl")}
    assert manifest["rows"] == parquet | jsonl
    with demo_catalog.open(newline="") as stream:
        catalog = list(csv.DictReader(stream))
    products = len(catalog)
    assert manifest["rows"]["products"] == manifest["rows"]["queries_phrases"] == products
    image_bytes = {hashlib.sha256((demo_catalog.parent / row["image"]).read_bytes()).digest() for row in catalog}
    assert manifest["rows"]["images"] == len(image_bytes)
    assert manifest["version"] == snapshot.name
    assert manifest["models"]["grounding"] == "text-evidence"
    assert manifest["settings"]["clip_model"] == "none"
    grounded = pq.read_table(snapshot / "concept_images.parquet").to_pandas()
    assert grounded.groupby("concept_id")["rank"].max().max() <= 10
    assert (grounded.groupby("concept_id")["rank"].apply(lambda r: sorted(r) == list(range(1, len(r) + 1)))).all()


def concepts_report(workdir):
    return read_json(Layout(workdir).stage_marker("concepts"))["report"]


def test_rebuild_of_the_same_catalog_leaves_the_graph_unchanged(tmp_path, graph, demo_catalog):
    settings = Settings(clip_model="none")
    pipeline.run_build(demo_catalog, tmp_path, settings, graph)
    first = graph_state(graph)
    first_version = read_json(Layout(tmp_path).build_file)["version"]
    texts = concepts.texts_to_analyze(read_parquet(Layout(tmp_path).products), settings)
    distinct = {role: len(set(role_texts)) for role, role_texts in texts.items()}
    assert concepts_report(tmp_path)["parsed_texts"] == distinct and min(distinct.values()) > 0
    pipeline.run_build(demo_catalog, tmp_path, settings, graph)
    assert concepts_report(tmp_path)["parsed_texts"] == dict.fromkeys(distinct, 0)  # every analysis was cached
    assert graph_state(graph) == first
    assert graph.counts()["Build"] == 2
    assert read_json(Layout(tmp_path).build_file)["version"] != first_version
    assert len(list(Layout(tmp_path).snapshots.glob("2*"))) == 2


def test_unfinished_build_resumes_without_redoing_completed_stages(tmp_path, graph, demo_catalog):
    settings = Settings(clip_model="none")
    layout = Layout(tmp_path)
    build = pipeline.begin_build(demo_catalog, tmp_path, settings)
    pipeline.run_stage("ingest", tmp_path)
    pipeline.run_stage("concepts", tmp_path)
    ingest_written = layout.products.stat().st_mtime_ns
    resumed = pipeline.begin_build(demo_catalog, tmp_path, settings)
    assert resumed.version == build.version and resumed.completed == ["ingest", "concepts"]
    for stage in pipeline.STAGES:
        pipeline.run_stage(stage, tmp_path, graph)
    assert layout.products.stat().st_mtime_ns == ingest_written
    assert read_json(layout.build_file)["finished_at"] is not None


def test_removed_products_leave_the_graph(tmp_path, graph, demo_catalog):
    settings = Settings(clip_model="none", image_roots=[str(demo_catalog.parent)])
    pipeline.run_build(demo_catalog, tmp_path / "a", settings, graph)
    smaller = tmp_path / "smaller.csv"
    frame = pd.read_csv(demo_catalog, dtype=str)
    frame.iloc[:100].to_csv(smaller, index=False)
    # images are referenced relative to the catalog: point the smaller catalog at the same files
    frame.iloc[:100].assign(image=[str(demo_catalog.parent / p) for p in frame["image"][:100]]).to_csv(
        smaller, index=False
    )
    pipeline.run_build(smaller, tmp_path / "a", settings, graph)
    products = {r["id"] for r in graph.driver.execute_query("MATCH (p:Product) RETURN p.product_id AS id").records}
    assert products == set(frame["product_id"][:100])
    orphans = graph.driver.execute_query("MATCH (c:Concept) WHERE NOT (c)<-[:MENTIONS]-() RETURN count(c) AS n").records
    assert orphans[0]["n"] == 0
