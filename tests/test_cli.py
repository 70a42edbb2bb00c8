import json

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from kgbuild import snapshot
from kgbuild.cli import app
from kgbuild.settings import Settings
from kgbuild.workdir import Layout, read_json

from conftest import MYNTRA, requires_myntra
from graph_state import assert_snapshot_equals_graph

runner = CliRunner()


def test_every_setting_is_a_flag():
    result = runner.invoke(app, ["build", "--help"], terminal_width=200)
    assert result.exit_code == 0
    for name in Settings.model_fields:
        assert f"--{name.replace('_', '-')}" in result.output
        assert Settings.env_name(name) in result.output


def test_flag_overrides_environment_which_overrides_default(tmp_path, monkeypatch, demo_catalog):
    monkeypatch.setenv("KGBUILD_MIN_SUPPORT", "5")
    monkeypatch.setenv("KGBUILD_CLIP_MODEL", "none")
    result = runner.invoke(app, ["begin", str(demo_catalog), "-w", str(tmp_path), "--min-support", "3"])
    assert result.exit_code == 0, result.output
    settings = read_json(Layout(tmp_path).build_file)["settings"]
    assert (settings["min_support"], settings["clip_model"], settings["id_col"]) == (3, "none", "product_id")


def test_unloadable_clip_weights_stop_the_build_before_any_work(tmp_path, demo_catalog, neo4j_server):
    absent = tmp_path / "absent.pt"
    result = runner.invoke(
        app, ["build", str(demo_catalog), "-w", str(tmp_path / "w"), "--clip-model", "ViT-B-32", "--clip-pretrained", str(absent)]
    )
    assert result.exit_code == 2
    assert "--clip-model" in result.output and "--clip-pretrained" in result.output
    assert not (tmp_path / "w").exists()


def test_bad_catalog_column_is_reported_not_raised(tmp_path, demo_catalog, neo4j_server):
    result = runner.invoke(app, ["build", str(demo_catalog), "-w", str(tmp_path), "--clip-model", "none", "--id-col", "sku"])
    assert result.exit_code == 2
    assert "'sku'" in result.output and "--id-col" in result.output


@requires_myntra()
@pytest.mark.neo4j
@pytest.mark.shared_data
def test_myntra_sample_builds_with_text_evidence(tmp_path, graph):
    result = runner.invoke(
        app,
        ["build", str(MYNTRA), "-w", str(tmp_path), "--id-col", "id", "--title-col", "productDisplayName", "--image-col", "image", "--clip-model", "none"],
    )
    assert result.exit_code == 0, result.output
    layout = Layout(tmp_path)
    snapshot_path = layout.snapshots / layout.latest_pointer.read_text().strip()
    manifest = read_json(snapshot_path / "manifest.json")
    assert {key: manifest["stages"]["ingest"][key] for key in ("input_rows", "accepted", "quarantined")} == {"input_rows": 2946, "accepted": 2946, "quarantined": 0}
    concepts = pq.read_table(snapshot_path / "concepts.parquet").to_pandas()
    assert {"concept_id", "name", "parent_id", "level", "product_count"} <= set(concepts.columns)
    assert set(concepts["parent_id"].dropna()) <= set(concepts["concept_id"])
    assert graph.counts()["Product"] == 2946
    assert_snapshot_equals_graph(snapshot.open(snapshot_path), graph)


def test_list_settings_parse_from_flag_text_and_prompts_must_name_the_concept():
    settings = Settings(text_cols="title, description", prompts="a photo of {concept}; {concept} on a model")
    assert settings.text_cols == ["title", "description"]
    assert settings.prompts == ["a photo of {concept}", "{concept} on a model"]
    with pytest.raises(ValueError, match="must contain"):
        Settings(prompts="a photo")


def test_snapshot_verbs(tmp_path, demo_catalog):
    from test_snapshot import build_offline

    first, second = build_offline(demo_catalog, tmp_path), build_offline(demo_catalog, tmp_path)
    listed = runner.invoke(app, ["snapshot", "list", "-w", str(tmp_path)], terminal_width=200)
    assert listed.exit_code == 0 and first in listed.output and second in listed.output
    assert runner.invoke(app, ["snapshot", "verify", "-w", str(tmp_path)]).output.startswith("ok: ")
    changes = runner.invoke(app, ["snapshot", "diff", first, second, "-w", str(tmp_path), "--json"], terminal_width=200)
    assert changes.exit_code == 0
    assert json.loads(changes.output)["products"] == {"added": [], "removed": [], "changed": []}
    (tmp_path / "snapshots" / second / "images.parquet").write_bytes(b"corrupt")
    failed = runner.invoke(app, ["snapshot", "verify", second, "-w", str(tmp_path)], terminal_width=200)
    assert failed.exit_code == 2 and "images.parquet" in failed.output
    pruned = runner.invoke(app, ["snapshot", "prune", "--keep", "1", "-w", str(tmp_path)])
    assert json.loads(pruned.output) == {"pruned": [first]}


@pytest.mark.neo4j
@pytest.mark.airflow
def test_demo_builds_through_the_dag_and_says_where_to_look(tmp_path, graph):
    result = runner.invoke(app, ["demo", "-w", str(tmp_path)])
    assert result.exit_code == 0, result.output
    layout = Layout(tmp_path)
    version = layout.latest_pointer.read_text().strip()
    assert graph.counts()["Product"] == 240
    printed = result.output.replace("\n", "")  # rich folds long paths
    for place in (layout.snapshots / version, layout.data_docs / "index.html", layout.quarantine_root):
        assert place.exists() and str(place) in printed
