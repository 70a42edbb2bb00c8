"""Whole builds in this process against the real Neo4j."""

import pandas as pd
import pyarrow.parquet as pq
import pytest

from kgbuild import pipeline
from kgbuild.settings import Settings
from kgbuild.workdir import Layout, read_json

from graph_state import graph_state

pytestmark = pytest.mark.neo4j


def snapshot_of(layout: Layout):
    version = layout.latest_pointer.read_text().strip()
    return layout.snapshots / version


def test_build_loads_exactly_the_build_into_neo4j(tmp_path, graph, demo_catalog):
    layout = Layout(tmp_path)
    reports = pipeline.run_build(demo_catalog, tmp_path, Settings(clip_model="none"), graph)
    assert list(reports) == list(pipeline.STAGES)
    snapshot = snapshot_of(layout)
    concepts = pq.read_table(snapshot / "concepts.parquet").to_pandas()
    links = pq.read_table(snapshot / "product_concepts.parquet").to_pandas()
    grounded = pq.read_table(snapshot / "concept_images.parquet").to_pandas()
    counts = graph.counts()
    assert counts["Product"] == 240
    assert counts["Concept"] == len(concepts)
    assert counts["MENTIONS"] == len(links)
    assert counts["IS_A"] == concepts["parent_id"].notna().sum()
    assert counts["DEPICTED_BY"] == len(grounded)
    ids_in_graph = {r["id"] for r in graph.driver.execute_query("MATCH (c:Concept) RETURN c.concept_id AS id").records}
    assert ids_in_graph == set(concepts["concept_id"])
    build_nodes = graph.driver.execute_query("MATCH (b:Build) RETURN b").records
    assert len(build_nodes) == 1
    build = build_nodes[0]["b"]
    assert (build["version"], build["count_Product"]) == (snapshot.name, 240)
    assert (build["ingest_input_rows"], build["ingest_accepted"], build["ingest_quarantined"]) == (240, 240, 0)
    assert build["images_input_rows"] == build["images_accepted"] + build["images_quarantined"] == 240


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
        frame = pq.read_table(snapshot / f"{table}.parquet").to_pandas()
        assert columns <= set(frame.columns)
        assert manifest["rows"][table] == len(frame)
    assert manifest["version"] == snapshot.name
    assert manifest["models"]["grounding"] == "text-evidence"
    assert manifest["settings"]["clip_model"] == "none"
    grounded = pq.read_table(snapshot / "concept_images.parquet").to_pandas()
    assert grounded.groupby("concept_id")["rank"].max().max() <= 10
    assert (grounded.groupby("concept_id")["rank"].apply(lambda r: sorted(r) == list(range(1, len(r) + 1)))).all()


def test_rebuild_of_the_same_catalog_leaves_the_graph_unchanged(tmp_path, graph, demo_catalog):
    settings = Settings(clip_model="none")
    pipeline.run_build(demo_catalog, tmp_path, settings, graph)
    first = graph_state(graph)
    first_version = read_json(Layout(tmp_path).build_file)["version"]
    pipeline.run_build(demo_catalog, tmp_path, settings, graph)
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
    assert resumed["version"] == build["version"] and resumed["completed"] == ["ingest", "concepts"]
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
    frame.iloc[:100].assign(image=[str(demo_catalog.parent / p) for p in frame["image"][:100]]).to_csv(smaller, index=False)
    pipeline.run_build(smaller, tmp_path / "a", settings, graph)
    products = {r["id"] for r in graph.driver.execute_query("MATCH (p:Product) RETURN p.product_id AS id").records}
    assert products == set(frame["product_id"][:100])
    orphans = graph.driver.execute_query("MATCH (c:Concept) WHERE NOT (c)<-[:MENTIONS]-() RETURN count(c) AS n").records
    assert orphans[0]["n"] == 0
