"""Shared fixtures: a real Neo4j 5.26 server (started once per session on free loopback ports), demo catalogs,
and a tiny open_clip model with deterministic random weights. Airflow is pointed at a session folder before any
test imports it."""

from __future__ import annotations

import io
import json
import os
import secrets
import shutil
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from PIL import Image

_SESSION_DIR = Path(tempfile.mkdtemp(prefix="kgbuild-tests-"))
os.environ["HF_HUB_OFFLINE"] = "1"
for _name in [n for n in os.environ if n.startswith(("KGBUILD_", "NEO4J_", "AIRFLOW"))]:
    if _name != "KGBUILD_CACHE_DIR":
        del os.environ[_name]

from kgbuild import airflow_local  # noqa: E402
from kgbuild.demo import generate_catalog  # noqa: E402
from kgbuild.graph import Graph  # noqa: E402
from kgbuild.neo4j_local import LocalNeo4j, free_port  # noqa: E402

airflow_local.configure(_SESSION_DIR / "airflow")


def jpeg(colour: tuple[int, int, int] = (200, 30, 40)) -> bytes:
    """A small one-colour JPEG's bytes."""
    buffer = io.BytesIO()
    Image.new("RGB", (40, 40), colour).save(buffer, format="JPEG")
    return buffer.getvalue()


def dress_concept(layout, product_ids) -> str:
    """Image-stage inputs by hand: one category concept, dress, that every product in ``product_ids`` mentions in
    its title (the hierarchy's and the concept stage's tables); returns the concept's id."""
    from kgbuild.concepts import concept_id
    from kgbuild.workdir import write_parquet

    dress, ids = concept_id("dress"), list(product_ids)
    concept = {"concept_id": dress, "name": "dress", "kind": "category", "aliases": [], "embedding": None}
    write_parquet(
        pd.DataFrame([concept | {"product_count": len(ids), "parent_id": None, "level": 0}]), layout.hierarchy
    )
    links = pd.DataFrame({"product_id": ids, "concept_id": dress, "field": "title", "primary": True})
    write_parquet(links, layout.mined_links)
    return dress


SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
MYNTRA = SHARED_DATA / "myntra_sample" / "styles.csv"


def pytest_sessionfinish(session, exitstatus):
    """The session folder holds a Neo4j store and Airflow's metadata (half a gigabyte): removed once the servers
    have stopped."""
    shutil.rmtree(_SESSION_DIR, ignore_errors=True)


@pytest.fixture(scope="session")
def neo4j_server():
    """The real server, reachable through NEO4J_* and Airflow's neo4j_default connection."""
    os.environ["NEO4J_PASSWORD"] = secrets.token_urlsafe(16)
    server = LocalNeo4j(_SESSION_DIR / "neo4j", bolt_port=free_port(), http_port=free_port(), pagecache="128m")
    server.start()
    os.environ["NEO4J_URI"] = server.bolt_uri
    os.environ[f"AIRFLOW_CONN_{airflow_local.NEO4J_CONN_ID.upper()}"] = airflow_local.neo4j_connection()
    yield server
    server.stop()


@pytest.fixture
def graph(neo4j_server):
    """A Graph on an emptied database."""
    with Graph.from_env() as connected:
        connected.driver.execute_query("MATCH (n) DETACH DELETE n")
        yield connected


DEMO_DIR = _SESSION_DIR / "demo-catalog"  # catalogs derived from the demo point at its images: an image root


@pytest.fixture(scope="session")
def demo_catalog() -> Path:
    return generate_catalog(DEMO_DIR)


@pytest.fixture(scope="session")
def tiny_clip() -> dict[str, str]:
    """Settings for a tiny open_clip model (registered config + deterministic random weights file)."""
    import open_clip
    import torch

    folder = _SESSION_DIR / "tiny-clip"
    folder.mkdir(exist_ok=True)
    config = folder / "kgbuild-tiny.json"
    config.write_text(
        json.dumps(
            {
                "embed_dim": 32,
                "vision_cfg": {"image_size": 32, "layers": 1, "width": 32, "patch_size": 8, "head_width": 16},
                "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 32, "heads": 2, "layers": 1},
            }
        )
    )
    open_clip.add_model_config(config)
    torch.manual_seed(0)
    weights = folder / "tiny.pt"
    torch.save(open_clip.create_model("kgbuild-tiny").state_dict(), weights)
    return {"clip_model": "kgbuild-tiny", "clip_pretrained": str(weights), "clip_config": str(config)}


def requires_myntra() -> pytest.MarkDecorator:
    return pytest.mark.skipif(not MYNTRA.is_file(), reason=f"shared data absent: {MYNTRA}")
