"""Hostile input at the load: wide catalogs load in byte-bounded batches, catalogs without concepts or products
build, Neo4j is checked before any compute, and a row Neo4j refuses is named."""

import csv
import logging
import re

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from neo4j import GraphDatabase
from typer.testing import CliRunner

from kgbuild import pipeline
from kgbuild.cli import app
from kgbuild.graph import Graph, GraphUnavailable, RowRejected, _batches, _size
from kgbuild.neo4j_local import free_port
from kgbuild.settings import Settings
from kgbuild.workdir import Layout

pytestmark = pytest.mark.neo4j
SETTINGS = Settings(clip_model="none", skip_images=True)
SNAPSHOT_TABLES = ("concepts", "hierarchy", "products", "product_concepts", "images", "concept_images")


def write_catalog(path, header, rows):
    with path.open("w", newline="") as stream:
        csv.writer(stream).writerows([header, *rows])
    return path


def snapshot_tables(workdir):
    layout = Layout(workdir)
    folder = layout.snapshots / layout.latest_pointer.read_text().strip()
    return {name: pq.read_table(folder / f"{name}.parquet") for name in SNAPSHOT_TABLES}


def test_batches_close_at_the_byte_bound_or_the_row_bound():
    rows = [{"k": "x" * 99} for _ in range(10)]  # 107 bytes each: 8 for the key
    assert [len(b) for b in _batches(rows, 1000, 250)] == [3, 3, 3, 1]
    assert [len(b) for b in _batches(rows, 4, 10_000)] == [4, 4, 2]
    assert [len(b) for b in _batches(rows, 4)] == [4, 4, 2]
    assert [len(b) for b in _batches([{"id": "x" * 500}], 10, 100)] == [1]  # a row over the bound goes alone
    row = {"id": "ab", "vector": [0.5] * 384, "props": {"tags": ["cd", "e"], "n": 1}}
    assert _size(row) == 3 * 8 + 2 + 384 * 8 + (2 * 8 + 2 + 1)  # 8 a key or number, text by its length


def test_500_column_catalog_loads_in_byte_bounded_batches(tmp_path, graph, caplog):
    columns = [f"attr_{i:03d}" for i in range(500)]
    rows = [
        [f"p{n}", f"{('Blue', 'Red', 'Black')[n % 3]} Cotton {('Shirt', 'Dress')[n % 2]}"]
        + [f"{column} of p{n}" + " lorem ipsum dolor sit amet" * 7 for column in columns]
        for n in range(300)
    ]
    catalog = write_catalog(tmp_path / "wide.csv", ["product_id", "title", *columns], rows)
    assert sum(len(value) for row in rows for value in row) > 3 * SETTINGS.load_batch_bytes  # several batches
    with caplog.at_level("DEBUG", logger="neo4j"):  # the driver's RUN lines show each batch's size
        reports = pipeline.run_build(catalog, tmp_path / "work", SETTINGS, graph)
    runs = [message for message in map(logging.LogRecord.getMessage, caplog.records) if " C: RUN " in message]
    batches = [int(re.search(r"<(\d+) rows>", message)[1]) for message in runs if "MERGE (p:Product" in message]
    assert sum(batches) == 300 and len(batches) >= 4 and max(batches) < 100  # about 105 kB a row, 8 MB a batch
    assert reports["load"]["counts"]["Product"] == 300
    stored = graph.driver.execute_query("MATCH (p:Product {product_id: 'p299'}) RETURN properties(p) AS props").records
    props = stored[0]["props"]
    assert props["attr_499"] == rows[299][-1]
    assert set(columns) <= set(props)
    assert reports["load"]["counts"]["Concept"] > 0


def test_catalog_that_yields_no_concept_builds(tmp_path, graph):
    rows = [["1", "Blue"], ["2", "Red"]]  # no type, and no attribute two products share
    catalog = write_catalog(tmp_path / "c.csv", ["product_id", "title"], rows)
    reports = pipeline.run_build(catalog, tmp_path / "work", SETTINGS, graph)
    assert list(reports) == list(pipeline.STAGES)
    assert reports["concepts"]["concepts"] == 0
    assert reports["load"]["counts"] == {
        "Product": 2,
        "Image": 0,
        "Concept": 0,
        "HAS_IMAGE": 0,
        "MENTIONS": 0,
        "IS_A": 0,
        "DEPICTED_BY": 0,
    }
    assert graph.counts()["Product"] == 2
    snapshot = snapshot_tables(tmp_path / "work")
    assert snapshot["products"].num_rows == 2
    assert snapshot["concepts"].num_rows == 0
    assert snapshot["concepts"].schema.field("aliases").type == pa.list_(pa.string())
    assert snapshot["product_concepts"].column_names == [
        "catalog",
        "product_id",
        "concept_id",
        "field",
        "primary",
        "confidence",
        "contradicts_text",
    ]


@pytest.mark.parametrize("kept", [1, 0])
def test_catalog_of_mostly_or_only_quarantined_rows_builds(tmp_path, graph, kept):
    rows = [["1", "Blue Denim Jacket"]][:kept] + [[str(n), ""] for n in range(2, 6)]  # no title: quarantined
    catalog = write_catalog(tmp_path / "c.csv", ["product_id", "title"], rows)
    reports = pipeline.run_build(catalog, tmp_path / "work", SETTINGS, graph)
    assert (reports["ingest"]["accepted"], reports["ingest"]["quarantined"]) == (kept, 4)
    assert reports["load"]["counts"]["Product"] == kept
    assert graph.counts().get("Product", 0) == kept
    assert snapshot_tables(tmp_path / "work")["products"].num_rows == kept


def test_wrong_neo4j_password_stops_the_build_before_any_stage(tmp_path, graph, neo4j_server):
    catalog = write_catalog(tmp_path / "c.csv", ["product_id", "title"], [["1", "Blue Denim Jacket"]])
    wrong = GraphDatabase.driver(neo4j_server.bolt_uri, auth=("neo4j", "not-the-password"))
    with wrong, pytest.raises(GraphUnavailable, match="authentication failed") as failure:
        pipeline.run_build(catalog, tmp_path / "work", SETTINGS, Graph(wrong, origin="Neo4j at test"))
    assert str(failure.value).startswith("Neo4j at test: ") and "\n" not in str(failure.value)
    assert not Layout(tmp_path / "work").stage_marker("ingest").exists()
    assert not Layout(tmp_path / "work").build_file.exists()


def test_unreachable_neo4j_stops_the_build_before_any_stage(tmp_path):
    catalog = write_catalog(tmp_path / "c.csv", ["product_id", "title"], [["1", "Blue Denim Jacket"]])
    nowhere = GraphDatabase.driver(f"bolt://127.0.0.1:{free_port()}", auth=("neo4j", "x"))
    with nowhere, pytest.raises(GraphUnavailable, match="not reachable"):
        pipeline.run_build(catalog, tmp_path / "work", SETTINGS, Graph(nowhere))
    assert not Layout(tmp_path / "work").build_file.exists()


def test_cli_build_with_a_wrong_password_fails_with_one_line(tmp_path, graph, monkeypatch):
    catalog = write_catalog(tmp_path / "c.csv", ["product_id", "title"], [["1", "Blue Denim Jacket"]])
    monkeypatch.setenv("NEO4J_PASSWORD", "not-the-password")
    workdir = tmp_path / "work"
    result = CliRunner().invoke(
        app, ["build", str(catalog), "-w", str(workdir), "--clip-model", "none", "--skip-images"]
    )
    assert result.exit_code == 2, result.output
    message = " ".join(result.output.split())  # the console wraps long lines
    assert message.startswith("error: Neo4j at bolt://") and "authentication failed" in message
    assert "NEO4J_PASSWORD" in message
    assert not Layout(workdir).stage_marker("ingest").exists()


def test_a_row_neo4j_refuses_is_named(graph):
    graph.run_file("schema", embedding_dimensions=384)
    rows = [{"product_id": f"p{n}", "props": {"product_id": f"p{n}", "title": "Shirt"}} for n in range(10)]
    huge = "x" * 40_000  # beyond what Neo4j's index on product_id takes
    rows[6] = {"product_id": huge, "props": {"product_id": huge, "title": "Shirt"}}
    with pytest.raises(RowRejected) as rejected:
        graph.load("load/products", rows, 10, version="v1", catalog="c")
    message = str(rejected.value)
    assert message.startswith("load/products: Neo4j refused the row product_id 'xxxx")
    assert "(40000 characters)" in message and "too large to index" in message
    assert len(message) < 500 and "\n" not in message
