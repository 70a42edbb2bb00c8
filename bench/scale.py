"""Build time and memory against catalog size, in one run: generated text-only catalogs (bench/generate_catalog.py)
of each size are built end to end (ingest → snapshot, `kgbuild build --skip-images`) into a local Neo4j started for
the size, each build in its own process. Prints per size the wall time, products/s per stage and the peak resident
memory of the build's processes (sampled), then the time exponent between the smallest and the largest size
(1.0: linear).

With ``--shrink 400000,2000``, it instead builds the larger catalog, rebuilds the same work directory and Neo4j
(default 1 GB heap) from its first 2,000 rows, and compares the graph with a from-scratch build of those rows.

    .venv/bin/python bench/scale.py [--sizes 10000,100000,1000000] [--shrink 400000,2000]
"""

from __future__ import annotations

import argparse
import math
import os
import secrets
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from generate_catalog import generate  # noqa: E402
from incremental import cli_build, graph_content  # noqa: E402

from kgbuild.graph import Graph  # noqa: E402
from kgbuild.neo4j_local import LocalNeo4j, free_port  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--shrink", default=None, help="LARGE,SMALL: the shrinking-catalog scenario instead")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="kgbuild-scale-"))
    os.environ["NEO4J_PASSWORD"] = secrets.token_urlsafe(16)
    if args.shrink:
        large, small = map(int, args.shrink.split(","))
        try:
            _shrink(scratch, large, small)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        return
    sizes = [int(size) for size in args.sizes.split(",")]
    seconds: dict[int, float] = {}
    try:
        for size in sizes:
            catalog = generate(scratch / f"catalog-{size}.csv", size)
            server = LocalNeo4j(scratch / f"neo4j-{size}", free_port(), free_port())
            server.start()
            try:
                seconds[size], peak, stages = _build(catalog, scratch / f"work-{size}", server.bolt_uri)
            finally:
                server.stop()
            per_stage = ", ".join(f"{stage} {size / s:,.0f}/s" for stage, s in stages.items() if s)
            print(
                f"{size:>9,} products: {seconds[size]:7.1f} s  {size / seconds[size]:8,.0f} products/s  "
                f"peak RSS {peak / 2**30:.2f} GiB  ({per_stage})",
                flush=True,
            )
            shutil.rmtree(scratch / f"work-{size}", ignore_errors=True)
        if len(sizes) > 1:
            small, large = min(sizes), max(sizes)
            exponent = math.log(seconds[large] / seconds[small]) / math.log(large / small)
            print(f"time exponent {small:,} → {large:,} products: {exponent:.3f}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _shrink(scratch: Path, large: int, small: int) -> None:
    catalog = generate(scratch / "large.csv", large)
    shrunk = scratch / "small.csv"
    with catalog.open() as source, shrunk.open("w") as target:
        target.writelines(line for _, line in zip(range(small + 1), source, strict=False))
    daily, fresh = (LocalNeo4j(scratch / f"neo4j-{name}", free_port(), free_port()) for name in ("daily", "fresh"))
    for server in (daily, fresh):
        server.start()
    try:
        first, peak, _ = _build(catalog, scratch / "work", daily.bolt_uri)
        print(f"{large:,} products: {first:.1f} s, peak RSS {peak / 2**30:.2f} GiB", flush=True)
        second, _, stages = _build(shrunk, scratch / "work", daily.bolt_uri)
        print(f"shrunk to {small:,} in the same work directory and Neo4j: {second:.1f} s {stages}", flush=True)
        _build(shrunk, scratch / "fresh-work", fresh.bolt_uri)
        graphs = []
        for server in (daily, fresh):
            os.environ["NEO4J_URI"] = server.bolt_uri
            with Graph.from_env() as graph:
                graphs.append(graph_content(graph))
        print(f"graph equals a from-scratch build of the {small:,} rows: {graphs[0] == graphs[1]}")
    finally:
        for server in (daily, fresh):
            server.stop()


def _build(catalog: Path, workdir: Path, bolt_uri: str) -> tuple[float, int, dict[str, float]]:
    """`kgbuild build --skip-images` in its own process: its wall time, peak RSS and the seconds of each stage."""
    settings_env = {"KGBUILD_SKIP_IMAGES": "true", "KGBUILD_CLIP_MODEL": "none", "KGBUILD_CATALOG_ID": "generated"}
    return cli_build(catalog, workdir, bolt_uri, settings_env)


if __name__ == "__main__":
    main()
