"""The Neo4j graph: schema, idempotent and incremental loads, and the Browser query library, on the real server."""

import uuid
from pathlib import Path

import pandas as pd
import pytest
from conftest import DEMO_DIR
from graph_state import concept_embeddings, graph_state, same_embeddings

from kgbuild import graph as graph_module
from kgbuild import load, pipeline
from kgbuild.graph import CYPHER_DIR
from kgbuild.settings import Settings
from kgbuild.stage import BuildContext, BuildRecord
from kgbuild.workdir import Layout

pytestmark = pytest.mark.neo4j
SETTINGS = Settings(clip_model="none", image_roots=[str(DEMO_DIR)])


@pytest.fixture(scope="module")
def demo_rows(demo_catalog):
    frame = pd.read_csv(demo_catalog, dtype=str)
    frame["image"] = [str(demo_catalog.parent / p) for p in frame["image"]]
    return frame


def write(frame, path: Path) -> Path:
    frame.to_csv(path, index=False)
    return path


def test_schema_constraints_and_indexes(graph, tmp_path, demo_catalog):
    pipeline.run_build(demo_catalog, tmp_path, SETTINGS, graph)
    constraints = {
        r["name"]: r
        for r in graph.driver.execute_query("SHOW CONSTRAINTS YIELD name, type, labelsOrTypes, properties").records
    }
    assert {name: (c["type"], c["labelsOrTypes"], c["properties"]) for name, c in constraints.items()} == {
        "product_key": ("UNIQUENESS", ["Product"], ["catalog", "product_id"]),
        "catalog_id": ("UNIQUENESS", ["Catalog"], ["catalog_id"]),
        "image_id": ("UNIQUENESS", ["Image"], ["image_id"]),
        "concept_id": ("UNIQUENESS", ["Concept"], ["concept_id"]),
        "build_version": ("UNIQUENESS", ["Build"], ["version"]),
    }
    indexes = {r["name"]: r["type"] for r in graph.driver.execute_query("SHOW INDEXES YIELD name, type").records}
    assert indexes["concept_names"] == "FULLTEXT" and indexes["concept_embeddings"] == "VECTOR"


def test_loading_the_same_build_twice_changes_nothing(graph, tmp_path, demo_catalog):
    pipeline.run_build(demo_catalog, tmp_path, SETTINGS, graph)
    before, counts = graph_state(graph), graph.counts()
    build = BuildRecord.read(Layout(tmp_path))
    load.run(BuildContext(Layout(tmp_path), SETTINGS, build, build.reports(Layout(tmp_path)), graph))
    assert graph_state(graph) == before and graph.counts() == counts


def test_add_change_remove_sequence_equals_a_fresh_build(graph, tmp_path, demo_rows):
    first = demo_rows.iloc[:150]
    second = demo_rows.iloc[20:200].copy()
    second.loc[second.index[:10], "title"] = (
        second["title"][:10].str.replace("Men", "Women", regex=False) + " with Pocket"
    )
    third = demo_rows.iloc[40:240].copy()
    third.loc[third.index[:5], "colour"] = "teal"  # an attribute change
    third.loc[third.index[5:15], "image"] = list(demo_rows["image"].iloc[:10])  # images swapped to others' files
    third = third.drop(third.index[20:30])  # removed products
    settings = SETTINGS.model_copy(update={"catalog_id": "demo"})  # three files, one catalog
    loads, loaded_concepts = [], []
    for number, frame in enumerate([first, second, third]):
        catalog = write(frame, tmp_path / f"catalog{number}.csv")
        loads.append(pipeline.run_build(catalog, tmp_path / "incremental", settings, graph)["load"])
        loaded = pd.read_parquet(Layout(tmp_path / "incremental").loaded / "concepts.parquet")
        loaded_concepts.append(set(loaded["concept_id"]))
    assert [load["mode"] for load in loads] == ["full", "incremental", "incremental"]
    # A concept's count changes often, its embedding only with its name: only new concepts' embeddings are written.
    assert [load["written"]["concept_embeddings"] for load in loads[1:]] == [
        len(loaded_concepts[1] - loaded_concepts[0]),
        len(loaded_concepts[2] - loaded_concepts[1]),
    ]
    assert loads[1]["written"]["concepts"] > loads[1]["written"]["concept_embeddings"]
    assert loads[1]["deleted"]["products"] == 20 and loads[1]["written"]["products"] == 50 + 10  # new, retitled
    assert loads[2]["deleted"]["products"] == 40 - 20 + 10  # 20 more off the front, 10 dropped
    assert 0 < loads[2]["written"]["products"] <= 40 + 5 + 10  # new, re-coloured, new images (their ids move)
    incremental, incremental_embeddings = graph_state(graph), concept_embeddings(graph)
    assert {p for label, props in incremental[0] if label == "Product" for k, p in props if k == "product_id"} == set(
        third["product_id"]
    )

    graph.driver.execute_query("MATCH (n) DETACH DELETE n")
    pipeline.run_build(tmp_path / "catalog2.csv", tmp_path / "fresh", settings, graph)
    assert graph_state(graph) == incremental
    assert same_embeddings(concept_embeddings(graph), incremental_embeddings)
    first_ids = set(pd.read_parquet(Layout(tmp_path / "incremental").concepts)["concept_id"])
    assert first_ids == set(pd.read_parquet(Layout(tmp_path / "fresh").concepts)["concept_id"])


QUERY_PARAMETERS = {
    "graph_stats": {},
    "catalogs": {},
    "top_concepts": {"limit": 5},
    "concept_subtree": {"name": "sunglasses"},
    "products_for_concept_path": {"name": "sunglasses", "also": "black", "limit": 100},
    "concepts_of_product": {"product_id": "P00001", "catalog": None},
    "images_for_concept": {"name": "sneakers"},
    "orphan_check": {},
    "cycle_check": {},
    "concept_search": {"query": "sunglas*", "limit": 5},
    "similar_concepts": {"name": "sneakers", "limit": 5},
}


def test_every_query_file_runs_with_expected_rows(graph, tmp_path, demo_catalog, demo_rows):
    pipeline.run_build(demo_catalog, tmp_path, SETTINGS, graph)
    files = {path.stem for path in (CYPHER_DIR / "queries").glob("*.cypher")}
    assert files == set(QUERY_PARAMETERS), "every query in cypher/queries needs parameters and expectations here"
    rows = {name: graph.read_file(f"queries/{name}", **params) for name, params in QUERY_PARAMETERS.items()}
    layout = Layout(tmp_path)

    stats = {(r["kind"], r["name"]): r["count"] for r in rows["graph_stats"]}
    concepts = pd.read_parquet(layout.concepts)
    (is_a,) = graph.driver.execute_query("MATCH (:Concept)-[r:IS_A]->(:Concept) RETURN count(r) AS n").records
    assert stats[("node", "Product")] == len(demo_rows)
    assert stats[("relationship", "IS_A")] == int(concepts["parent_id"].notna().sum()) == is_a["n"] > 0
    top = rows["top_concepts"]
    assert len(top) == 5 and [r["products"] for r in top] == sorted((r["products"] for r in top), reverse=True)
    assert top[0]["products"] == concepts.loc[concepts["kind"] == "category", "product_count"].max()
    subtree = rows["concept_subtree"]
    assert (subtree[0]["concept"], subtree[0]["depth"]) == ("sunglasses", 0)
    assert {"wayfarer sunglasses", "aviator sunglasses"} <= {r["concept"] for r in subtree if r["depth"] == 1}
    expected = demo_rows[(demo_rows["category"] == "Sunglasses") & (demo_rows["colour"] == "black")]["product_id"]
    assert [r["product_id"] for r in rows["products_for_concept_path"]] == sorted(expected)
    first = demo_rows.iloc[0]
    of_product = {(r["kind"], r["concept"]) for r in rows["concepts_of_product"]}
    assert {
        ("brand", first["brand"].lower()),
        ("colour", first["colour"]),
        ("category", first["category"].lower()),
    } <= of_product
    primary = rows["concepts_of_product"][0]
    assert primary["primary"] and primary["kind"] == "category"
    assert primary["concept"].endswith(first["category"].lower())
    assert not any(r["primary"] for r in rows["concepts_of_product"][1:])
    assert [r["rank"] for r in rows["images_for_concept"]] == list(range(1, len(rows["images_for_concept"]) + 1))
    assert 3 <= len(rows["images_for_concept"]) <= 10
    assert rows["orphan_check"] == [] and rows["cycle_check"] == []
    (catalog,) = rows["catalogs"]
    assert (catalog["products"], catalog["concepts"]) == (len(demo_rows), len(concepts))
    assert catalog["location"] == str(demo_catalog) and catalog["workdir"] == str(tmp_path)
    found = rows["concept_search"]
    assert "sunglasses" in {r["concept"] for r in found}
    assert all(any(w.startswith("sunglas") for t in [r["concept"], *r["aliases"]] for w in t.split()) for r in found)
    similar = rows["similar_concepts"]
    assert len(similar) == 5 and "sneakers" not in {r["concept"] for r in similar}
    assert [r["score"] for r in similar] == sorted((r["score"] for r in similar), reverse=True)


def test_batched_load_never_renders_its_rows_for_the_driver_debug_log(graph, caplog):
    """The driver builds its RUN debug line with repr() of every parameter, logged or not; a batch of embeddings
    rendered that way cost more than the write itself, so a batch renders as its size."""
    concepts = [
        {
            "concept_id": f"c{i}",
            "name": f"concept {i}",
            "aliases": [],
            "kind": "category",
            "parent_id": None,
            "product_count": 1,
        }
        for i in range(3)
    ]
    graph.run_file("schema", embedding_dimensions=384)
    graph.load("load/concepts", concepts, 2, version="v1", catalog="demo")
    embeddings = ({"concept_id": f"c{i}", "embedding": [0.125 + i] * 384} for i in range(3))
    with caplog.at_level("DEBUG", logger="neo4j"):
        assert graph.load("load/concept_embeddings", embeddings, 2) == 3
    runs = [r.getMessage() for r in caplog.records if " C: RUN " in r.getMessage() and "UNWIND $rows" in r.getMessage()]
    assert len(runs) == 2 and "<2 rows>" in runs[0] and "<1 rows>" in runs[1]
    assert not any("0.125" in message for message in runs)
    stored = graph.driver.execute_query(
        "MATCH (c:Concept) RETURN c.concept_id AS id, c.embedding[0] AS first ORDER BY id"
    ).records
    assert [(r["id"], r["first"]) for r in stored] == [("c0", 0.125), ("c1", 1.125), ("c2", 2.125)]


def test_counting_relationship_types_the_graph_never_held_logs_no_warning(graph, caplog, monkeypatch):
    """A text-only graph has no HAS_IMAGE or DEPICTED_BY; the counts that name them must not log Neo4j's notice
    of an unknown relationship type on every build."""
    never_held = f"NEVER_HELD_{uuid.uuid4().hex}"
    monkeypatch.setattr(graph_module, "statements", lambda _: [f"RETURN COUNT {{ ()-[:{never_held}]->() }} AS n"])
    with caplog.at_level("WARNING", logger="neo4j"):
        assert graph.read_file("load/catalog_counts") == [{"n": 0}]
        graph.driver.execute_query(f"RETURN COUNT {{ ()-[:{never_held}]->() }} AS n")  # what read_file avoids
    notices = [r.getMessage() for r in caplog.records if r.name.startswith("neo4j")]
    assert len(notices) == 1 and never_held in notices[0]
