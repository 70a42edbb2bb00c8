"""The installed product, not the checkout: kgbuild's wheel, installed into a fresh virtualenv outside the
repository, builds the demo catalog into Neo4j with what ships inside the package (Cypher files, DAG, suites)."""

import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run(*command, **options) -> subprocess.CompletedProcess:
    result = subprocess.run([str(part) for part in command], capture_output=True, text=True, **options)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result


@pytest.mark.neo4j
def test_the_wheel_installed_outside_the_checkout_builds_the_demo_catalog(tmp_path, graph, demo_catalog):
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", tmp_path / "dist", ROOT)
    (wheel,) = (tmp_path / "dist").glob("kgbuild-*.whl")
    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", venv)
    site_packages = Path(
        run(venv / "bin" / "python", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").stdout.strip()
    )
    # The dependencies (torch, spaCy, ...) come from the test environment; kgbuild itself only from the wheel.
    (site_packages / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    run(venv / "bin" / "python", "-m", "pip", "install", "--no-deps", "--no-index", wheel)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    code = "import kgbuild.graph as g; print(g.__file__); print(g.CYPHER_DIR)"
    where = run(venv / "bin" / "python", "-c", code, cwd=outside)
    assert all(Path(line).is_relative_to(site_packages) for line in where.stdout.split())
    run(venv / "bin" / "kgbuild", "build", demo_catalog, "-w", outside / "work", "--clip-model", "none", cwd=outside)
    products = graph.driver.execute_query("MATCH (p:Product) RETURN count(p) AS n").records[0]["n"]
    assert products == sum(1 for _ in demo_catalog.open()) - 1
