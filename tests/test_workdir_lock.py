"""One build per work directory: a second build fails at once (or waits), a killed one leaves no lock behind, and
two builds started together never interleave."""

import hashlib
import os
import signal
import subprocess
import sys
import textwrap
import time

import pandas as pd
import pytest

from kgbuild import pipeline
from kgbuild.settings import Settings
from kgbuild.workdir import Layout, WorkdirBusy, locked, read_json

HOLD = """
import sys, time
from kgbuild.workdir import Layout, locked
with locked(Layout(sys.argv[1])):
    print("held", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def hold(workdir, seconds: float) -> subprocess.Popen:
    """Another process holding the work directory's lock for ``seconds``."""
    process = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(workdir), str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout.readline().strip() == "held"
    return process


def test_a_second_build_fails_at_once_naming_the_holder(tmp_path, demo_catalog):
    holder = hold(tmp_path, 30)
    try:
        with pytest.raises(WorkdirBusy, match=f"another build is working here \\(pid {holder.pid} on "):
            pipeline.begin_build(demo_catalog, tmp_path, Settings(clip_model="none"))
        assert not Layout(tmp_path).build_file.exists()
        started = time.monotonic()  # the lock itself is not waited for (the build loads its models before it)
        with pytest.raises(WorkdirBusy), locked(Layout(tmp_path)):
            pass
        assert time.monotonic() - started < 1
    finally:
        holder.kill()
        holder.wait()


def test_a_waiting_build_starts_when_the_holder_is_done(tmp_path):
    holder = hold(tmp_path, 1)
    started = time.monotonic()
    with locked(Layout(tmp_path), wait_s=20):
        assert time.monotonic() - started >= 0.5
    holder.wait()


def test_a_killed_build_leaves_no_lock(tmp_path):
    holder = hold(tmp_path, 60)
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    with locked(Layout(tmp_path)):  # at once: the kernel released it with the process
        pass


def test_nested_calls_of_one_build_pass_through_its_lock(tmp_path):
    with locked(Layout(tmp_path)), locked(Layout(tmp_path)):
        assert Layout(tmp_path).lock_file.read_text().startswith(f"pid {os.getpid()} ")


BUILD = """
import sys
from kgbuild import pipeline
from kgbuild.settings import Settings
pipeline.run_build(sys.argv[1], sys.argv[2], Settings(clip_model="none", skip_images=True, min_support=1))
"""


@pytest.mark.neo4j
def test_two_builds_started_together_never_interleave(tmp_path, graph, demo_catalog):
    frame = pd.read_csv(demo_catalog, dtype=str).drop(columns="image")
    catalogs = [tmp_path / "a.csv", tmp_path / "b.csv"]
    frame.iloc[:120].to_csv(catalogs[0], index=False)
    frame.iloc[120:].to_csv(catalogs[1], index=False)
    workdir = tmp_path / "work"
    builds = [
        subprocess.Popen(
            [sys.executable, "-c", textwrap.dedent(BUILD), str(catalog), str(workdir)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for catalog in catalogs
    ]
    results = [(build.wait(timeout=600), build.stderr.read()) for build in builds]
    succeeded = [catalog for catalog, (code, _) in zip(catalogs, results, strict=True) if code == 0]
    refused = [error for code, error in results if code != 0]
    assert len(refused) == 1 and "WorkdirBusy" in refused[0] and "another build is working here" in refused[0]
    (winner,) = succeeded
    stored = {r["id"] for r in graph.driver.execute_query("MATCH (p:Product) RETURN p.product_id AS id").records}
    assert stored == set(pd.read_csv(winner, dtype=str)["product_id"])
    assert read_json(Layout(workdir).build_file)["catalog"] == str(winner)


def test_a_catalog_appended_during_the_build_is_recorded_as_ingested(tmp_path):
    catalog = tmp_path / "c.csv"
    catalog.write_text("product_id,title\n1,Blue Denim Jacket\n")
    began = pipeline.begin_build(catalog, tmp_path / "work", Settings(clip_model="none"))
    with catalog.open("a") as grows:
        grows.write("2,Red Silk Saree\n")
    report = pipeline.run_stage("ingest", tmp_path / "work")
    ingested = hashlib.sha256(catalog.read_bytes()).hexdigest()
    assert began.catalog_sha256 != ingested and report["accepted"] == 2
    assert report["catalog_sha256"] == read_json(Layout(tmp_path / "work").build_file)["catalog_sha256"] == ingested
