import json
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from conftest import MYNTRA, requires_myntra
from graph_state import assert_snapshot_equals_graph
from typer.testing import CliRunner

from kgbuild import pipeline, snapshot
from kgbuild.cli import app
from kgbuild.settings import Settings
from kgbuild.stage import BuildContext
from kgbuild.workdir import Layout, read_json

runner = CliRunner()


def test_every_setting_is_a_flag(tmp_path, monkeypatch):
    """Each setting's flag, given a value other than its default, reaches the Settings the command receives."""

    def other_value(name, field):  # (flag arguments, the value the setting must then have)
        flag, default, kind = f"--{name.replace('_', '-')}", field.default, field.annotation
        if kind is bool:
            assert default is False, f"{flag}: a flag can only switch a default False on"
            return [flag], True
        if name == "colour_method":
            return [flag, "clip"], "clip"
        if name == "delimiter":
            return [flag, "tab"], "\t"
        if name == "encoding":  # an encoding is stored by its codec's name
            return [flag, "latin-1"], "iso8859-1"
        if name == "prompts":
            return [flag, "{concept} worn; a sketch of {concept}"], ["{concept} worn", "a sketch of {concept}"]
        if kind == list[str]:
            return [flag, "alpha, beta"], ["alpha", "beta"]
        if int in (kind, *getattr(kind, "__args__", ())):
            value = 3 if default is None else default + 1
        elif kind is float:
            value = (default or 1) / 2
        elif Path in getattr(kind, "__args__", ()):
            value = tmp_path / name
        else:
            value = f"not-{default}"
        return [flag, str(value)], value

    received = []  # the settings `begin` passes on, parsed from the flags by the CLI itself

    def begin_build(catalog, workdir, settings):
        received.append(settings)
        return BuildContext.standalone(workdir, settings, catalog, version="v").build

    monkeypatch.setattr(pipeline, "begin_build", begin_build)
    expected, arguments = {}, []
    for name, field in Settings.model_fields.items():
        flag, expected[name] = other_value(name, field)
        arguments += flag
    result = runner.invoke(app, ["begin", str(tmp_path / "catalog.csv"), "-w", str(tmp_path), *arguments])
    assert result.exit_code == 0, result.output
    (settings,) = received
    assert {name: getattr(settings, name) for name in expected} == expected
    assert not any(value == Settings.model_fields[name].default for name, value in expected.items())


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
        app,
        [
            "build",
            str(demo_catalog),
            "-w",
            str(tmp_path / "w"),
            "--clip-model",
            "ViT-B-32",
            "--clip-pretrained",
            str(absent),
        ],
    )
    assert result.exit_code == 2
    assert "--clip-model" in result.output and "--clip-pretrained" in result.output
    assert not (tmp_path / "w").exists()


def test_bad_catalog_column_is_reported_not_raised(tmp_path, demo_catalog, neo4j_server):
    result = runner.invoke(
        app, ["build", str(demo_catalog), "-w", str(tmp_path), "--clip-model", "none", "--id-col", "sku"]
    )
    assert result.exit_code == 2
    assert "'sku'" in result.output and "--id-col" in result.output


@requires_myntra()
@pytest.mark.neo4j
@pytest.mark.shared_data
def test_myntra_sample_builds_with_text_evidence(tmp_path, graph):
    result = runner.invoke(
        app,
        [
            "build",
            str(MYNTRA),
            "-w",
            str(tmp_path),
            "--id-col",
            "id",
            "--title-col",
            "productDisplayName",
            "--image-col",
            "image",
            "--clip-model",
            "none",
        ],
    )
    assert result.exit_code == 0, result.output
    layout = Layout(tmp_path)
    snapshot_path = layout.snapshots / layout.latest_pointer.read_text().strip()
    manifest = read_json(snapshot_path / "manifest.json")
    assert {key: manifest["stages"]["ingest"][key] for key in ("input_rows", "accepted", "quarantined")} == {
        "input_rows": 2946,
        "accepted": 2946,
        "quarantined": 0,
    }
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


def test_a_bug_shows_its_traceback_and_bad_input_one_line(tmp_path, demo_catalog, neo4j_server):
    injected = (
        "import sys; from kgbuild import pipeline; from kgbuild.cli import app\n"
        "def broken(*args, **kwargs):\n    raise KeyError('injected fault')\n"
        "pipeline.run_build = broken\n"
        "app(sys.argv[1:])\n"
    )
    command = [sys.executable, "-c", injected, "build", str(demo_catalog), "-w", str(tmp_path), "--clip-model", "none"]
    bug = subprocess.run(command, capture_output=True, text=True)
    assert bug.returncode == 1 and "Traceback (most recent call last)" in bug.stderr and "injected fault" in bug.stderr
    kgbuild = Path(sys.executable).with_name("kgbuild")
    bad_input = subprocess.run(
        [kgbuild, "build", tmp_path / "absent.csv", "-w", tmp_path], capture_output=True, text=True
    )
    assert bad_input.returncode == 2 and "Traceback" not in bad_input.stdout + bad_input.stderr
    assert "absent.csv: catalog file not found" in bad_input.stdout
