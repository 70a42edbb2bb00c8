"""Many catalogs in one graph: a catalog's build changes only its own products; concepts are shared and live while any
catalog has them; the graph does not depend on the order catalogs were built in; a snapshot covers them all."""

from pathlib import Path

import pandas as pd
import pytest
from conftest import DEMO_DIR
from graph_state import assert_snapshot_equals_graph, graph_state
from typer.testing import CliRunner

from kgbuild import pipeline, snapshot
from kgbuild.cli import app
from kgbuild.settings import Settings
from kgbuild.stage import catalog_id_for

pytestmark = pytest.mark.neo4j
SETTINGS = Settings(clip_model="none", image_roots=[str(DEMO_DIR)])


def write(frame: pd.DataFrame, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False)
    return path


def build(graph, frame: pd.DataFrame, catalog_id: str, folder: Path) -> dict:
    settings = SETTINGS.model_copy(update={"catalog_id": catalog_id})
    return pipeline.run_build(write(frame, folder / "products.csv"), folder / "work", settings, graph)


def products_of(graph, concept: str) -> dict[str, int]:
    records = graph.driver.execute_query(
        "MATCH (c:Concept {name: $name, kind: 'category'})<-[:MENTIONS]-(p:Product) "
        "RETURN p.catalog AS catalog, count(p) AS n",
        name=concept,
    ).records
    return {r["catalog"]: r["n"] for r in records}


@pytest.fixture(scope="module")
def rows(demo_catalog):
    frame = pd.read_csv(demo_catalog, dtype=str)
    frame["image"] = [str(demo_catalog.parent / p) for p in frame["image"]]
    return frame


def test_default_catalog_ids_follow_the_file_not_its_name(tmp_path):
    first, second = tmp_path / "eu" / "products.csv", tmp_path / "us" / "products.csv"
    assert catalog_id_for(first) != catalog_id_for(second)
    assert catalog_id_for(first) == catalog_id_for(tmp_path / "eu" / ".." / "eu" / "products.csv")
    assert catalog_id_for(first).startswith("products-")


def test_a_work_directory_keeps_its_catalogs_id_and_refuses_another_catalog(tmp_path, demo_catalog):
    first = pipeline.begin_build(demo_catalog, tmp_path, SETTINGS)
    assert first.catalog_id == catalog_id_for(demo_catalog)
    renamed = write(pd.read_csv(demo_catalog, dtype=str), tmp_path / "export-2026-11-27.csv")  # tomorrow's export
    assert pipeline.begin_build(renamed, tmp_path, SETTINGS).catalog_id == first.catalog_id
    other = SETTINGS.model_copy(update={"catalog_id": "other"})
    with pytest.raises(pipeline.WorkdirOfAnotherCatalog, match=f"work directory of catalog '{first.catalog_id}'"):
        pipeline.begin_build(renamed, tmp_path, other)


def test_catalogs_share_one_graph_whatever_the_order_of_their_builds(graph, tmp_path, rows):
    a, b = rows.iloc[:160].copy(), rows.iloc[80:].copy()  # products 81-160 in both: same ids, different catalogs
    build(graph, a, "a", tmp_path / "a")
    build(graph, b, "b", tmp_path / "b")
    assert graph.counts()["Product"] == 160 + 160
    changed = pd.concat([a.iloc[10:], rows.iloc[200:210]]).copy()  # 10 removed, 10 added (ids B also has)
    changed.loc[changed.index[:5], "title"] = changed["title"][:5] + " with Pocket"
    b_without_one = b.drop(b.index[3])
    loads = [build(graph, changed, "a", tmp_path / "a")["load"], build(graph, b_without_one, "b", tmp_path / "b")]
    assert loads[0]["mode"] == "incremental" and loads[0]["deleted"]["products"] == 10
    assert loads[1]["load"]["deleted"]["products"] == 1
    incremental = graph_state(graph)
    opened = snapshot.open(loads[1]["snapshot"]["path"])
    assert set(opened.tables["products"]["catalog"]) == {"a", "b"}
    assert len(opened.tables["products"]) == len(changed) + len(b_without_one)
    assert_snapshot_equals_graph(opened, graph)

    graph.driver.execute_query("MATCH (n) DETACH DELETE n")
    build(graph, b_without_one, "b", tmp_path / "fresh-b")  # the other order, from scratch
    build(graph, changed, "a", tmp_path / "fresh-a")
    assert graph_state(graph) == incremental


def test_a_shared_concept_survives_one_catalogs_removal_of_its_products(graph, tmp_path, rows):
    is_sunglasses = rows["category"] == "Sunglasses"
    a, b = rows.iloc[::2], rows.iloc[1::2]
    build(graph, a, "a", tmp_path / "a")
    build(graph, b, "b", tmp_path / "b")
    shared = products_of(graph, "sunglasses")
    assert shared == {"a": int(is_sunglasses[::2].sum()), "b": int(is_sunglasses[1::2].sum())}

    build(graph, a[~is_sunglasses[::2]], "a", tmp_path / "a")
    assert products_of(graph, "sunglasses") == {"b": shared["b"]}
    ((catalogs, count),) = graph.driver.execute_query(
        "MATCH (c:Concept {name: 'sunglasses', kind: 'category'}) RETURN c.catalogs, c.product_count"
    ).records
    assert (catalogs, count) == (["b"], shared["b"])

    build(graph, b[~is_sunglasses[1::2]], "b", tmp_path / "b")
    assert graph.driver.execute_query("MATCH (c:Concept {name: 'sunglasses'}) RETURN c").records == []


def test_a_removed_catalog_leaves_the_graph_of_the_others(graph, tmp_path, rows):
    build(graph, rows.iloc[:120], "a", tmp_path / "a")
    state_of_a = graph_state(graph)
    build(graph, rows.iloc[60:], "b", tmp_path / "b")
    (tmp_path / "b" / "work" / "loaded" / "state.json").unlink()  # b's work directory is gone
    with pytest.raises(snapshot.SnapshotError, match="kgbuild remove-catalog b"):  # a's next snapshot of the graph
        build(graph, rows.iloc[:120], "a", tmp_path / "a")
    result = CliRunner().invoke(app, ["remove-catalog", "b"])
    assert result.exit_code == 0, result.output
    assert graph_state(graph) == state_of_a
    assert [r["catalog"] for r in graph.read_file("queries/catalogs")] == ["a"]
    resumed = build(graph, rows.iloc[:120], "a", tmp_path / "a")["snapshot"]
    assert resumed["catalogs"] == ["a"] and resumed["rows"]["products"] == 120
    assert CliRunner().invoke(app, ["remove-catalog", "b"]).output.startswith("error: the graph holds no catalog 'b'")
