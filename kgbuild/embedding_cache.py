"""Results kept across builds, keyed by content. Embeddings: by the sha256 of an image's bytes or of a text, within
one model (its id and weights checksum), so an unchanged image or prompt is never encoded twice. Other per-item
results (a text's analysis, an image's colours): as JSON, within the identity of what computed them."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from kgbuild.workdir import atomic_path


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class EmbeddingCache:
    """One Parquet file per (model, kind): columns key and embedding (float32 list)."""

    def __init__(self, folder: Path, model_id: str, weights_sha256: str | None, kind: str) -> None:
        model_key = hashlib.sha256(f"{model_id}|{weights_sha256}".encode()).hexdigest()[:16]
        self.path = Path(folder) / f"{kind}-{model_key}.parquet"
        self._vectors: dict[str, np.ndarray] = {}
        if self.path.is_file():
            table = pq.read_table(self.path)
            keys = table.column("key").to_pylist()
            matrix = np.stack(table.column("embedding").to_numpy(zero_copy_only=False)) if keys else np.empty((0, 0))
            self._vectors = dict(zip(keys, matrix.astype(np.float32), strict=True))
        self._added = 0

    def __contains__(self, key: str) -> bool:
        return key in self._vectors

    def get(self, key: str) -> np.ndarray:
        return self._vectors[key]

    def put(self, key: str, vector: np.ndarray) -> None:
        self._vectors[key] = np.asarray(vector, dtype=np.float32)
        self._added += 1

    def save(self) -> None:
        """Writes the cache atomically when something was added."""
        if not self._added:
            return
        keys = sorted(self._vectors)
        table = pa.table(
            {"key": keys, "embedding": pa.array([self._vectors[k].tolist() for k in keys], type=pa.list_(pa.float32()))}
        )
        with atomic_path(self.path) as tmp:
            pq.write_table(table, tmp)
        self._added = 0


class CachedEncoder:
    """A sentence-transformers model whose unit-length vectors are kept in ``cache``: a text is encoded once, ever.
    The model is loaded (``load_model()``) only when a text is not in the cache: a rebuild that brings no new
    names never imports it."""

    def __init__(self, load_model: Callable[[], Any], cache: EmbeddingCache) -> None:
        self._load_model, self.cache = load_model, cache

    @cached_property
    def model(self) -> Any:
        return self._load_model()

    def encode(self, texts: list[str]) -> np.ndarray:
        missing = list(dict.fromkeys(t for t in texts if text_key(t) not in self.cache))
        if missing:
            vectors = self.model.encode(missing, batch_size=256, normalize_embeddings=True, convert_to_numpy=True)
            for text, vector in zip(missing, vectors, strict=True):
                self.cache.put(text_key(text), vector)
        if not texts:
            return np.empty((0, self.model.get_sentence_embedding_dimension()), dtype=np.float32)
        return np.stack([self.cache.get(text_key(t)) for t in texts])


class ResultCache:
    """One Parquet file per (kind, identity of the computation): columns key (sha256 of the item) and result
    (JSON text). Without a folder, it lives in memory only. Workers running at once add results as part files
    (:meth:`write_part`), which a cache reads along with its main file and its :meth:`save` folds in."""

    def __init__(self, folder: Path | None, kind: str, identity: str) -> None:
        self.path = result_path(folder, kind, identity) if folder else None
        self._parts: list[Path] = []
        self._results: dict[str, str] = {}
        if self.path:
            self._parts = sorted(self.path.parent.glob(f"{self.path.stem}.part-*.parquet"))
            for path in ([self.path] if self.path.is_file() else []) + self._parts:
                table = pq.read_table(path)
                self._results |= dict(zip(table["key"].to_pylist(), table["result"].to_pylist(), strict=True))
        self._added = 0

    def __contains__(self, item: str) -> bool:
        return text_key(item) in self._results

    def keys(self) -> frozenset[str]:
        """The keys held (each item's :func:`text_key`), for a worker process to check membership with."""
        return frozenset(self._results)

    def get(self, item: str) -> str:
        return self._results[text_key(item)]

    def put(self, item: str, result: str) -> None:
        self._results[text_key(item)] = result
        self._added += 1

    def save(self) -> None:
        """Writes the cache atomically when something was added or parts were read, then removes those parts."""
        if not (self.path and (self._added or self._parts)):
            return
        _write_results(self.path, self._results)
        for part in self._parts:
            part.unlink(missing_ok=True)
        self._added, self._parts = 0, []

    @staticmethod
    def write_part(folder: Path, kind: str, identity: str, name: str, results: dict[str, str]) -> Path:
        """Writes ``results`` (item → result) atomically as the cache's part ``name``, without reading or rewriting
        its main file: safe beside other writers of parts. Its path."""
        path = result_path(folder, kind, identity, name)
        _write_results(path, {text_key(item): result for item, result in results.items()})
        return path


def result_path(folder: Path, kind: str, identity: str, part: str | None = None) -> Path:
    """The main file of a :class:`ResultCache`, or its part ``part``."""
    stem = f"{kind}-{hashlib.sha256(identity.encode()).hexdigest()[:16]}"
    return Path(folder) / (f"{stem}.parquet" if part is None else f"{stem}.part-{part}.parquet")


def _write_results(path: Path, results: dict[str, str]) -> None:
    keys = sorted(results)
    with atomic_path(path) as tmp:
        pq.write_table(pa.table({"key": keys, "result": [results[k] for k in keys]}), tmp)
