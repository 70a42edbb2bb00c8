"""The work-directory layout (one per catalog) and atomic writes into it."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import socket
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from kgbuild.errors import Unavailable


@dataclass(frozen=True)
class Layout:
    root: Path
    validated: bool = False
    """True: the concept tables are the pre-load-validated copies in ``validated/``, what load and snapshot read."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "root", Path(self.root).absolute())

    def validated_tables(self) -> Layout:
        return replace(self, validated=True)

    @property
    def build_file(self) -> Path:
        """The current build: version, catalog, settings (written by begin_build)."""
        return self.root / "build.json"

    def stage_marker(self, stage: str) -> Path:
        return self.root / "stages" / f"{stage}.json"

    @property
    def products(self) -> Path:
        return self.root / "ingest" / "products.parquet"

    @property
    def quarantine_root(self) -> Path:
        return self.root / "quarantine"

    def quarantine(self, stage: str) -> Path:
        return self.quarantine_root / f"{stage}.parquet"

    @property
    def mined_concepts(self) -> Path:
        return self.root / "concepts" / "concepts.parquet"

    @property
    def mined_links(self) -> Path:
        """Product → concept links found in the text: the concepts stage's output."""
        return self.root / "concepts" / "product_concepts.parquet"

    @property
    def product_concepts(self) -> Path:
        """Every product → concept link: the text's, and the colours read from the product's image."""
        return self._table("images", "product_concepts")

    @property
    def concept_merges(self) -> Path:
        """Which names merged into which concept, and the evidence for each merge."""
        return self.root / "concepts" / "merges.json"

    @property
    def product_phrases(self) -> Path:
        return self.root / "concepts" / "product_phrases.parquet"

    @property
    def hierarchy(self) -> Path:
        """The mined concepts with their is-a parent and level: the hierarchy stage's output."""
        return self.root / "hierarchy" / "concepts.parquet"

    @property
    def concepts(self) -> Path:
        """Every concept with its is-a parent and level: the hierarchy's, and colours only images showed."""
        return self._table("images", "concepts")

    @property
    def images(self) -> Path:
        return self.root / "images" / "images.parquet"

    @property
    def concept_images(self) -> Path:
        return self._table("images", "concept_images")

    def _table(self, stage: str, name: str) -> Path:
        return self.root / ("validated" if self.validated else stage) / f"{name}.parquet"

    @property
    def validation_root(self) -> Path:
        return self.root / "validation"

    def validation_result(self, version: str, suite: str) -> Path:
        """A Great Expectations suite's result for one build."""
        return self.validation_root / version / f"{suite}.json"

    @property
    def data_docs(self) -> Path:
        """GX Data Docs of every kept validation result (``index.html``)."""
        return self.validation_root / "data_docs"

    @property
    def cache(self) -> Path:
        return self.root / "cache"

    @property
    def shards(self) -> Path:
        """Texts left to parse, cut into shards that any worker may parse (:func:`kgbuild.pipeline.plan_shards`)."""
        return self.root / "shards"

    @property
    def snapshots(self) -> Path:
        return self.root / "snapshots"

    @property
    def latest_pointer(self) -> Path:
        return self.snapshots / "LATEST"

    @property
    def neo4j_home(self) -> Path:
        return self.root / "neo4j"

    @property
    def airflow_home(self) -> Path:
        return self.root / "airflow"

    @property
    def loaded(self) -> Path:
        """The tables of the build last loaded into Neo4j, which the next load compares with (load.TABLE_KEYS)."""
        return self.root / "loaded"

    @property
    def eval_report(self) -> Path:
        """``kgbuild eval``'s figures for the current build, which its HTML report shows."""
        return self.root / "reports" / "eval.json"

    def report(self, version: str) -> Path:
        """A build's static HTML report (``kgbuild report``), beside its thumbnails."""
        return self.root / "reports" / version / "index.html"

    @property
    def lock_file(self) -> Path:
        """Held (an OS file lock) while a build works here; its text says by whom."""
        return self.root / ".lock"


class WorkdirBusy(Unavailable):
    """Another build holds the work directory."""


_held: set[Path] = set()  # work directories this process holds: nested calls (a build's stages) pass through


@contextmanager
def locked(layout: Layout, wait_s: float = 0) -> Iterator[None]:
    """Exclusive use of the work directory for the block. The lock is the kernel's (``flock``): a build that is
    killed releases it with its process, so a lock is never stale. Another build waits ``wait_s`` seconds for it,
    then fails naming the holder."""
    if layout.lock_file in _held:
        yield
        return
    layout.root.mkdir(parents=True, exist_ok=True)
    with layout.lock_file.open("a+") as handle:
        deadline = time.monotonic() + wait_s
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    handle.seek(0)
                    holder = handle.read().strip() or "another process"
                    raise WorkdirBusy(
                        f"{layout.root}: another build is working here ({holder}); wait for it, or give each build its "
                        "own work directory"
                    ) from None
                time.sleep(0.2)
        handle.truncate(0)
        handle.write(f"pid {os.getpid()} on {socket.gethostname()} since {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC")
        handle.flush()
        _held.add(layout.lock_file)
        try:
            yield
        finally:
            _held.discard(layout.lock_file)
            handle.truncate(0)


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yields a temporary path beside ``target``; renames it onto ``target`` only if the block succeeds."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, target)
    finally:
        tmp_path.unlink(missing_ok=True)


@contextmanager
def staged_folder(target: Path) -> Iterator[Path]:
    """Yields a hidden folder beside ``target``; if the block succeeds it replaces ``target`` (the old one is renamed
    aside first and removed after), so a reader finds the old folder or the new one, never a half-written one."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        yield staging
        old = target.with_name(f".{target.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        if target.exists():
            os.rename(target, old)
        os.rename(staging, target)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def write_parquet(frame: pd.DataFrame, target: Path, schema: pa.Schema | None = None) -> Path:
    """An empty frame is written as ``schema``'s empty table: pandas types its empty columns float64, which Arrow
    cannot convert to a list or string column."""
    if schema is not None and frame.empty:
        table = schema.empty_table()
    else:
        table = pa.Table.from_pandas(frame, schema=schema, preserve_index=False)
    with atomic_path(target) as tmp:
        pq.write_table(table, tmp)
    return target


def read_parquet(path: Path, columns: list[str] | None = None) -> pd.DataFrame:
    return pq.read_table(path, columns=columns).to_pandas()


def write_json(data: Any, target: Path) -> Path:
    with atomic_path(target) as tmp:
        tmp.write_text(json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")
    return target


def read_json(path: Path) -> Any:
    return json.loads(path.read_text())


def jsonable(value: Any) -> Any:
    """A numpy or pandas value as plain Python for JSON (arrays → lists, numpy scalars → numbers); others as they
    are."""
    return value.tolist() if hasattr(value, "tolist") else value
