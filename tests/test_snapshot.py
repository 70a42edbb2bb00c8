"""Snapshots a training job can trust: atomic, verified, comparable, FashionKLIP-readable, equal to the graph."""

import hashlib
import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest
from conftest import DEMO_DIR
from graph_state import assert_snapshot_equals_graph

from kgbuild import images, pipeline, snapshot
from kgbuild.settings import Settings
from kgbuild.workdir import Layout

SETTINGS = Settings(clip_model="none", image_roots=[str(DEMO_DIR)], catalog_id="demo")
OFFLINE_STAGES = ("ingest", "concepts", "hierarchy", "images", "snapshot")


def build_offline(catalog, workdir, settings=SETTINGS):
    """All stages but the Neo4j load: enough for a snapshot."""
    pipeline.begin_build(catalog, workdir, settings)
    for stage in OFFLINE_STAGES:
        report = pipeline.run_stage(stage, workdir)
    return report["version"]


@pytest.fixture
def catalogs(tmp_path, demo_catalog):
    """Two catalogs: the second drops products 191-200, adds 201-210 and retitles product 1; product 205's image
    repeats the bytes of product 195's in another file."""
    frame = pd.read_csv(demo_catalog, dtype=str)
    frame["image"] = [str(demo_catalog.parent / p) for p in frame["image"]]
    shutil.copyfile(frame["image"].iloc[194], tmp_path / "repeated.jpg")
    frame.loc[frame.index[204], "image"] = str(tmp_path / "repeated.jpg")
    first, second = frame.iloc[:200].copy(), pd.concat([frame.iloc[:190], frame.iloc[200:210]]).copy()
    second.loc[second.index[0], "title"] = "Northpeak Men Plain Grey Linen Henley T-shirt"
    paths = tmp_path / "a.csv", tmp_path / "b.csv"
    first.to_csv(paths[0], index=False)
    second.to_csv(paths[1], index=False)
    return first, second, paths


def test_snapshot_tables_and_fashionklip_jsonl(tmp_path, demo_catalog):
    build_offline(demo_catalog, tmp_path)
    opened = snapshot.open(Layout(tmp_path).snapshots)
    assert set(opened.tables) == {"concepts", "hierarchy", "products", "product_concepts", "images", "concept_images"}
    assert list(opened.tables["concepts"].columns) == [
        "concept_id",
        "name",
        "aliases",
        "kind",
        "level",
        "parent_id",
        "product_count",
        "catalogs",
    ]
    assert list(opened.tables["products"].columns) == ["catalog", "product_id", "title", "image_id", "attributes"]
    assert opened.manifest["schema_version"] == snapshot.SCHEMA_VERSION
    assert {"sha256", "path", "catalog_id"} <= set(opened.manifest["catalog"]) and "settings" in opened.manifest
    assert [c["catalog_id"] for c in opened.manifest["catalogs"]] == ["demo"]
    fields = {
        "concepts_queries": ["query_id", "query_text", "phrase"],
        "concepts_fathers": ["query_id", "phrase", "phrase_father"],
        "queries_phrases": ["query_id", "query_text", "item_ids", "phrases", "match_phrases"],
    }
    for name, keys in fields.items():
        records = [json.loads(line) for line in (opened.path / f"{name}.jsonl").read_text().splitlines()]
        assert records and all(list(r) == keys for r in records), name
    queries = [json.loads(line) for line in (opened.path / "concepts_queries.jsonl").read_text().splitlines()]
    assert all(q["query_text"] == f"a photo of {q['phrase']}" for q in queries)
    products = [json.loads(line) for line in (opened.path / "queries_phrases.jsonl").read_text().splitlines()]
    first = products[0]
    assert (
        first["query_id"] == "demo/P00001" and all(isinstance(i, int) for i in first["item_ids"]) and first["item_ids"]
    )
    assert all(2 <= len(p.split()) <= 6 for r in products for p in r["phrases"])
    assert all(set(r["match_phrases"]) <= set(r["phrases"]) for r in products)
    assert any(set(r["match_phrases"]) < set(r["phrases"]) for r in products)  # some phrases never became concepts


def test_flipped_byte_and_truncation_are_detected(tmp_path, demo_catalog):
    build_offline(demo_catalog, tmp_path)
    folder = snapshot.open(Layout(tmp_path).snapshots).path
    data = bytearray((folder / "concepts.parquet").read_bytes())
    data[len(data) // 2] ^= 0x01
    (folder / "concepts.parquet").write_bytes(bytes(data))
    with pytest.raises(snapshot.SnapshotError, match="concepts.parquet: checksum mismatch"):
        snapshot.open(folder)
    data[len(data) // 2] ^= 0x01
    (folder / "concepts.parquet").write_bytes(bytes(data))
    snapshot.open(folder)
    lines = (folder / "queries_phrases.jsonl").read_text().splitlines()
    (folder / "queries_phrases.jsonl").write_text("\n".join(lines[:10]) + "\n")
    with pytest.raises(snapshot.SnapshotError, match="queries_phrases.jsonl"):
        snapshot.open(folder)


def test_export_killed_halfway_leaves_no_snapshot_and_latest_unchanged(tmp_path, catalogs):
    _, _, (first, second) = catalogs
    old_version = build_offline(first, tmp_path)
    pipeline.begin_build(second, tmp_path, SETTINGS)
    for stage in OFFLINE_STAGES[:-1]:
        pipeline.run_stage(stage, tmp_path)
    killer = textwrap.dedent(
        f"""
        import os, signal, pyarrow.parquet as pq
        from kgbuild import pipeline
        written = []
        original = pq.write_table
        def write_then_die(*args, **kwargs):
            original(*args, **kwargs)
            written.append(1)
            if len(written) == 3:
                os.kill(os.getpid(), signal.SIGKILL)
        pq.write_table = write_then_die
        pipeline.run_stage("snapshot", {str(tmp_path)!r})
        """
    )
    result = subprocess.run([sys.executable, "-c", killer], capture_output=True, text=True)
    assert result.returncode == -9, result.stderr
    snapshots = Layout(tmp_path).snapshots
    assert [s["version"] for s in snapshot.list_snapshots(snapshots)] == [old_version]
    assert (snapshots / "LATEST").read_text().strip() == old_version
    assert snapshot.open(snapshots).manifest["version"] == old_version
    assert any(p.name.startswith(".") for p in snapshots.iterdir())  # the debris is hidden staging, not a snapshot
    new_version = pipeline.run_stage("snapshot", tmp_path)["version"]
    assert (snapshots / "LATEST").read_text().strip() == new_version != old_version
    snapshot.prune(snapshots, keep=5)
    assert not any(p.name.startswith(".") for p in snapshots.iterdir() if p.is_dir())


def test_diff_reports_exactly_the_changed_products_and_their_images(tmp_path, catalogs):
    first_frame, second_frame, (first, second) = catalogs
    build_offline(first, tmp_path)
    build_offline(second, tmp_path)
    versions = [s["version"] for s in snapshot.list_snapshots(Layout(tmp_path).snapshots)]
    changes = snapshot.diff(Layout(tmp_path).snapshots / versions[0], Layout(tmp_path).snapshots / versions[1])
    products = changes["products"]
    assert products["added"] == [("demo", p) for p in sorted(second_frame["product_id"].iloc[190:])]
    assert products["removed"] == [("demo", p) for p in sorted(first_frame["product_id"].iloc[190:])]
    assert products["changed"] == [("demo", "P00001")]

    def image_ids(frame):
        return {images.image_id(images.read_image(p)[0]) for p in frame["image"]}

    assert changes["images"]["added"] == sorted(image_ids(second_frame) - image_ids(first_frame))
    assert changes["images"]["removed"] == sorted(image_ids(first_frame) - image_ids(second_frame))
    # An image whose only files were removed products' but whose bytes an added product's file repeats keeps its id
    # and now points at that file (products 195 and 205): exactly those images changed.

    def sha(paths):
        return {hashlib.sha256(Path(p).read_bytes()).hexdigest() for p in paths}

    moved = (sha(first_frame["image"].iloc[190:]) - sha(first_frame["image"].iloc[:190])) & sha(second_frame["image"])
    assert changes["images"]["changed"] == sorted(images.image_id(s) for s in moved) != []
    links_of_p1 = {
        c for _, p, c in changes["product_concepts"]["added"] + changes["product_concepts"]["removed"] if p == "P00001"
    }
    assert links_of_p1  # the retitled product's concept links changed


def test_retention_never_deletes_latest(tmp_path, demo_catalog):
    for _ in range(3):
        build_offline(demo_catalog, tmp_path)
    snapshots = Layout(tmp_path).snapshots
    versions = [s["version"] for s in snapshot.list_snapshots(snapshots)]
    (snapshots / "LATEST").write_text(versions[0] + "\n")  # a rollback: LATEST names the oldest
    removed = snapshot.prune(snapshots, keep=1)
    assert removed == [versions[1]]
    assert [s["version"] for s in snapshot.list_snapshots(snapshots)] == [versions[0], versions[2]]


@pytest.mark.neo4j
def test_snapshot_equals_the_graph_of_the_same_build(tmp_path, graph, demo_catalog):
    pipeline.run_build(demo_catalog, tmp_path, SETTINGS, graph)
    assert_snapshot_equals_graph(snapshot.open(Layout(tmp_path).snapshots), graph)
