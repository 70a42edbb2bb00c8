"""The Great Expectations suites: stored in the repository, run at ingest and before the load, results kept per
build with Data Docs; broken rows are quarantined with the expectation and field, broken datasets stop the stage."""

import json
import shutil

import great_expectations as gx
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from kgbuild import ingest, pipeline, validation
from kgbuild.settings import Settings
from kgbuild.stage import BuildContext
from kgbuild.workdir import Layout, read_json, read_parquet

SETTINGS = Settings(clip_model="none")


@pytest.fixture(scope="module")
def built(tmp_path_factory, demo_catalog):
    """A demo build through the images stage (nothing loaded yet)."""
    workdir = tmp_path_factory.mktemp("built")
    pipeline.begin_build(demo_catalog, workdir, SETTINGS)
    for stage in ("ingest", "concepts", "hierarchy", "images"):
        pipeline.run_stage(stage, workdir)
    return workdir


def copy_of(built, tmp_path):
    shutil.copytree(built, tmp_path / "work")
    layout = Layout(tmp_path / "work")
    return layout, read_json(layout.build_file)["version"]


def rewrite(path, change):
    """Applies ``change`` to a Parquet table in place, keeping its schema (unless a column was dropped)."""
    schema = pq.read_schema(path)
    frame = change(read_parquet(path))
    same_columns = set(frame.columns) == set(schema.names)
    pq.write_table(pa.Table.from_pandas(frame, schema=schema if same_columns else None, preserve_index=False), path)


def descendants(concepts, root):
    found, frontier = set(), {root}
    while frontier:
        frontier = set(concepts.loc[concepts["parent_id"].isin(frontier), "concept_id"]) - found
        found |= frontier
    return found


def test_suites_load_from_the_repository_files():
    assert validation.suite_names() == [
        "ingest",
        "pre_load.concept_images",
        "pre_load.concepts",
        "pre_load.product_concepts",
    ]
    for name in validation.suite_names():
        suite = gx.ExpectationSuite(**validation.suite_spec(name))
        assert suite.name == name and suite.expectations
        assert all(e.meta.get("reason") for e in suite.expectations)  # every failure can be explained
    (length,) = [
        e
        for e in validation.suite_spec("ingest")["expectations"]
        if e["type"] == "expect_column_value_lengths_to_be_between"
    ]
    assert length["kwargs"]["max_value"] == {"$PARAMETER": "max_title_chars"}  # the setting, not a copy of its number


def test_title_bound_is_the_max_title_chars_setting(tmp_path):
    catalog = tmp_path / "c.csv"
    catalog.write_text("product_id,title\n1,Ten chars!\n2,Eleven char\n")
    layout = Layout(tmp_path / "work")
    report = ingest.run(BuildContext.standalone(layout, Settings(clip_model="none", max_title_chars=10), catalog))
    assert {k: report[k] for k in ("input_rows", "accepted", "quarantined")} == {
        "input_rows": 2,
        "accepted": 1,
        "quarantined": 1,
    }
    quarantined = read_parquet(layout.quarantine("ingest"))
    assert quarantined[["source_row", "field", "reason"]].to_dict(orient="records") == [
        {
            "source_row": 2,
            "field": "title",
            "reason": "title has 11 characters, more than --max-title-chars 10 "
            "[ingest: expect_column_value_lengths_to_be_between]",
        }
    ]


def test_ingest_keeps_its_result_with_data_docs_and_counts_missing_images_as_warnings(tmp_path):
    catalog = tmp_path / "c.csv"
    catalog.write_text("product_id,title,image\n1,Linen Shirt,a.jpg\n2,Wool Scarf,\n")
    layout = Layout(tmp_path / "work")
    report = ingest.run(BuildContext.standalone(layout, SETTINGS, catalog, version="v1"))
    assert (report["accepted"], report["quarantined"]) == (2, 0)  # a product without image is kept
    assert report["validation"]["warnings"] == {"expect_column_values_to_not_be_null on image": 1}
    result = read_json(layout.validation_result("v1", "ingest"))
    assert report["validation"]["results"] == [str(layout.validation_result("v1", "ingest"))]
    assert result["meta"]["run_id"]["run_name"] == "v1"
    failed = [
        (r["expectation_config"]["kwargs"]["column"], r["expectation_config"]["severity"])
        for r in result["results"]
        if not r["success"]
    ]
    assert failed == [("image", "warning")]
    assert report["validation"]["data_docs"] == str(layout.data_docs / "index.html")
    assert "validations/ingest/v1/" in (layout.data_docs / "index.html").read_text()


def test_data_docs_render_only_new_results_and_drop_results_no_longer_kept(tmp_path, monkeypatch):
    catalog = tmp_path / "c.csv"
    catalog.write_text("product_id,title\n1,Linen Shirt\n")
    layout = Layout(tmp_path / "work")
    ingest.run(BuildContext.standalone(layout, SETTINGS, catalog, version="v1"))
    (page,) = (layout.data_docs / "validations" / "ingest" / "v1").rglob("*.html")
    page.write_text(page.read_text() + "<!-- rendered once -->")
    ingest.run(BuildContext.standalone(layout, SETTINGS, catalog, version="v2"))
    index = (layout.data_docs / "index.html").read_text()
    assert "validations/ingest/v1/" in index and "validations/ingest/v2/" in index
    assert page.read_text().endswith("<!-- rendered once -->")  # copied from the last Data Docs, not rendered again
    monkeypatch.setattr(validation, "DATA_DOCS_BUILDS", 1)
    ingest.run(BuildContext.standalone(layout, SETTINGS, catalog, version="v3"))
    index = (layout.data_docs / "index.html").read_text()
    assert "validations/ingest/v3/" in index and "validations/ingest/v1/" not in index
    assert not (layout.data_docs / "validations" / "ingest" / "v1").exists()
    shutil.rmtree(layout.data_docs)  # Data Docs lost: every kept result is rendered again
    monkeypatch.setattr(validation, "DATA_DOCS_BUILDS", 30)
    ingest.run(BuildContext.standalone(layout, SETTINGS, catalog, version="v4"))
    index = (layout.data_docs / "index.html").read_text()
    assert all(f"validations/ingest/v{n}/" in index for n in range(1, 5))


def test_ingest_stops_on_a_missing_required_column_naming_file_and_expectation(tmp_path):
    catalog = tmp_path / "c.csv"
    catalog.write_text("product_id,name\n1,Shirt\n")
    layout = Layout(tmp_path / "work")
    with pytest.raises(ingest.CatalogError) as error:
        ingest.run(BuildContext.standalone(layout, SETTINGS, catalog, version="v1"))
    assert str(error.value).startswith(
        f"{catalog}: required column 'title' not found (choose another with --title-col)"
    )
    assert str(error.value).endswith("[ingest: expect_column_to_exist]")
    assert read_json(layout.validation_result("v1", "ingest"))["success"] is False  # kept for the Data Docs
    assert not layout.products.exists()


def pick_concept_with_children_and_images(layout):
    concepts = read_parquet(layout.concepts)
    depicted = set(read_parquet(layout.concept_images)["concept_id"])
    return next(c for c in concepts["parent_id"].dropna().unique() if c in depicted)


def run_pre_load(layout, version):
    report = validation.pre_load(layout, version)
    quarantined = read_parquet(layout.quarantine("load"))
    assert (
        report["input_rows"]
        == report["accepted"] + report["quarantined"]
        == sum(t["input_rows"] for t in report["tables"].values())
    )
    assert report["quarantined"] == len(quarantined)
    validated = layout.validated_tables()
    for table, counts in report["tables"].items():
        assert pq.read_metadata(getattr(validated, table)).num_rows == counts["accepted"]
    return report, quarantined


def test_concept_without_products_is_quarantined_with_everything_that_refers_to_it(built, tmp_path):
    layout, version = copy_of(built, tmp_path)
    concept = pick_concept_with_children_and_images(layout)
    below = descendants(read_parquet(layout.concepts), concept)
    rewrite(layout.product_concepts, lambda f: f[f["concept_id"] != concept])
    report, quarantined = run_pre_load(layout, version)
    rows = quarantined[quarantined["reason"].str.startswith("images/concepts.parquet: ")]
    first = rows[rows["raw"].map(lambda raw: json.loads(raw)["concept_id"]) == concept]
    assert first["field"].tolist() == ["concept_id"]
    assert first["reason"].iloc[0].endswith("has no products [pre_load.concepts: expect_column_values_to_be_between]")
    children = rows[rows["raw"].map(lambda raw: json.loads(raw)["concept_id"]) != concept]
    assert {json.loads(raw)["concept_id"] for raw in children["raw"]} == below
    assert set(children["field"]) == {"parent_id"}
    assert all(
        "is quarantined" in reason and "[pre_load.concepts: expect_column_values_to_be_between]" in reason
        for reason in children["reason"]
    )
    validated = layout.validated_tables()
    gone = below | {concept}
    assert not set(read_parquet(validated.concepts)["concept_id"]) & gone
    assert not set(read_parquet(validated.product_concepts)["concept_id"]) & gone
    assert not set(read_parquet(validated.concept_images)["concept_id"]) & gone
    assert (
        report["tables"]["concept_images"]["quarantined"]
        == read_parquet(layout.concept_images)["concept_id"].isin(gone).sum()
        > 0
    )


def test_is_a_cycle_is_quarantined(built, tmp_path):
    layout, version = copy_of(built, tmp_path)
    concepts = read_parquet(layout.concepts)
    child, parent = concepts.dropna(subset=["parent_id"]).iloc[0][["concept_id", "parent_id"]]
    rewrite(layout.concepts, lambda f: f.assign(parent_id=f["parent_id"].mask(f["concept_id"] == parent, child)))
    _, quarantined = run_pre_load(layout, version)
    concept_rows = quarantined[quarantined["reason"].str.startswith("images/concepts.parquet: ")]
    assert {json.loads(raw)["concept_id"] for raw in concept_rows["raw"]} == {parent} | descendants(concepts, parent)
    cycle = concept_rows[concept_rows["raw"].map(lambda raw: json.loads(raw)["concept_id"] in {child, parent})]
    assert set(cycle["field"]) == {"parent_id"} and len(cycle) == 2
    assert all(
        r.endswith("never reaches a root (cycle) [pre_load.concepts: expect_column_values_to_be_in_set]")
        for r in cycle["reason"]
    )


def test_concept_with_two_parents_is_quarantined(built, tmp_path):
    layout, version = copy_of(built, tmp_path)
    concepts = read_parquet(layout.concepts)
    twice = concepts.dropna(subset=["parent_id"]).iloc[0]
    other = concepts[
        (concepts["parent_id"].isna())
        & (concepts["kind"] == twice["kind"])
        & (concepts["concept_id"] != twice["parent_id"])
    ].iloc[0]
    rewrite(
        layout.concepts,
        lambda f: pd.concat([f, f[f["concept_id"] == twice["concept_id"]].assign(parent_id=other["concept_id"])]),
    )
    _, quarantined = run_pre_load(layout, version)
    reasons = quarantined.loc[quarantined["field"] == "parent_id", "reason"].tolist()
    expected = (
        f"images/concepts.parquet: concept {twice['concept_id']} has 2 is-a parents "
        "[pre_load.concepts: expect_column_values_to_be_between]"
    )
    assert reasons.count(expected) == 2


def test_repeated_mention_is_quarantined_keeping_the_first(built, tmp_path):
    layout, version = copy_of(built, tmp_path)
    links = read_parquet(layout.product_concepts)
    first = links.iloc[0]
    rewrite(layout.product_concepts, lambda f: pd.concat([f, f.iloc[[0]]]))
    report, quarantined = run_pre_load(layout, version)
    assert report["tables"]["product_concepts"] == {
        "input_rows": len(links) + 1,
        "accepted": len(links),
        "quarantined": 1,
    }
    assert quarantined[["source_row", "product_id", "field", "reason"]].to_dict(orient="records") == [
        {
            "source_row": len(links) + 1,
            "product_id": first["product_id"],
            "field": "concept_id",
            "reason": f"images/product_concepts.parquet: product {first['product_id']} "
            f"mentions concept {first['concept_id']} again (first at row 1) "
            "[pre_load.product_concepts: expect_column_values_to_be_unique]",
        }
    ]


def test_a_mention_key_is_one_number_per_product_and_concept_pair():
    """MENTIONS rows are checked for repeats by one integer per (product, concept) pair, not by joined text (a
    Python string per link); a missing id is a value of its own, never another pair's."""
    links = pd.DataFrame({"product_id": ["a", "a", "b", "b", None, "b"], "concept_id": ["x", "y", None, "x", "x", "x"]})
    keys = validation._link(links)["link"].tolist()
    assert len(set(keys[:5])) == 5
    assert keys[5] == keys[3]


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        (
            lambda f: f.assign(image_id=f["image_id"].mask(f.index == 0, "img_missing")),
            "image_id",
            "image img_missing of concept {concept} is not in images/images.parquet "
            "[pre_load.concept_images: expect_column_values_to_be_in_set]",
        ),
        (
            lambda f: f.assign(score=f["score"].mask(f.index == 0, 1.5)),
            "score",
            "score 1.5 of concept {concept} and image {image} is outside [-1, 1] "
            "[pre_load.concept_images: expect_column_values_to_be_between]",
        ),
    ],
    ids=["missing image", "score 1.5"],
)
def test_bad_depicted_by_row_is_quarantined(built, tmp_path, change, field, reason):
    layout, version = copy_of(built, tmp_path)
    first = read_parquet(layout.concept_images).iloc[0]
    rewrite(layout.concept_images, change)
    report, quarantined = run_pre_load(layout, version)
    assert report["quarantined"] == report["tables"]["concept_images"]["quarantined"] == 1
    assert quarantined[["source_row", "product_id", "field", "reason"]].to_dict(orient="records") == [
        {
            "source_row": 1,
            "product_id": first["product_id"],
            "field": field,
            "reason": "images/concept_images.parquet: "
            + reason.format(concept=first["concept_id"], image=first["image_id"]),
        }
    ]


def test_pre_load_stops_on_a_missing_column_naming_file_and_expectation(built, tmp_path):
    layout, version = copy_of(built, tmp_path)
    rewrite(layout.concepts, lambda f: f.drop(columns=["parent_id"]))
    with pytest.raises(validation.ValidationFailed) as error:
        validation.pre_load(layout, version)
    assert str(error.value).startswith(
        f"{layout.concepts}: required column 'parent_id' not found [pre_load.concepts: expect_column_to_exist]"
    )
    assert read_json(layout.validation_result(version, "pre_load.concepts"))["success"] is False
    assert not layout.validated_tables().concepts.exists() and not layout.quarantine("load").exists()


@pytest.mark.neo4j
def test_good_build_passes_every_suite_and_keeps_results_and_data_docs(built, tmp_path, graph):
    layout, version = copy_of(built, tmp_path)
    load = pipeline.run_stage("load", layout.root, graph)
    assert (load["input_rows"], load["quarantined"]) == (load["accepted"], 0)
    for suite in validation.suite_names():
        assert read_json(layout.validation_result(version, suite))["success"] is True, suite
    assert load["validation"]["results"] == [
        str(layout.validation_result(version, f"pre_load.{t}")) for t in validation.PRE_LOAD
    ]
    index = (layout.data_docs / "index.html").read_text()
    assert all(f"validations/{suite.replace('.', '/')}/{version}/" in index for suite in validation.suite_names())
    manifest = read_json(layout.snapshots / pipeline.run_stage("snapshot", layout.root)["version"] / "manifest.json")
    assert manifest["stages"]["load"]["accepted"] == load["accepted"]


@pytest.mark.neo4j
def test_load_sends_only_the_rows_pre_load_accepted(built, tmp_path, graph):
    layout, version = copy_of(built, tmp_path)
    depicted = len(read_parquet(layout.concept_images))
    rewrite(layout.concept_images, lambda f: f.assign(score=f["score"].mask(f.index == 0, 1.5)))
    load = pipeline.run_stage("load", layout.root, graph)
    assert (load["input_rows"], load["accepted"], load["quarantined"]) == (load["accepted"] + 1, load["accepted"], 1)
    assert load["counts"]["DEPICTED_BY"] == graph.counts()["DEPICTED_BY"] == depicted - 1
    (build,) = graph.driver.execute_query("MATCH (b:Build) RETURN b").records
    assert (build["b"]["load_input_rows"], build["b"]["load_quarantined"]) == (
        load["input_rows"],
        1,
    )  # on the Build node
    report = pipeline.run_stage("snapshot", layout.root)
    manifest = read_json(layout.snapshots / report["version"] / "manifest.json")
    assert manifest["rows"]["concept_images"] == depicted - 1  # the snapshot holds what was loaded
    assert manifest["stages"]["load"]["quarantined"] == 1
