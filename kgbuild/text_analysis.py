"""Per-text analysis for concept mining: a title's words, a description's sentences, as spaCy reads them.

Analyses are kept across builds (a :class:`~kgbuild.embedding_cache.ResultCache` in the work directory's cache),
keyed by the sha256 of the analyser's identity (the spaCy pipeline, its version and the code that reads its output)
and of the text: a rebuild parses only new or changed texts, and a text repeated in a catalog is parsed once. What is
left to parse, of titles and descriptions alike, is cut into shards of at most ``parse_shard_texts`` and, with more
than one shard and ``parse_workers`` > 1, parsed by one pool of worker processes, each role's shards of equal size and
as many as make the workers' shares even.

A scheduler can parse shards as tasks of their own, on any worker sharing the work directory, before the concepts
stage: :func:`plan_shards` writes the texts left to parse as shard files, :func:`parse_shard_file` parses one into a
part of the cache, and :func:`analyze` then finds them cached (and folds the parts into the cache's main file).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import inspect
import json
import multiprocessing
import os
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from kgbuild import descriptions, lexicon, models, words
from kgbuild.descriptions import Sentence
from kgbuild.embedding_cache import ResultCache, result_path
from kgbuild.settings import Settings
from kgbuild.words import Word
from kgbuild.workdir import atomic_path

TITLE, DESCRIPTION = "title", "description"
_READERS = (words, descriptions, lexicon)  # the code that turns a parse into words and sentences


@dataclass
class Analyses:
    by_role: dict[str, list[Any]]  # per role, each text's analysis, in the order given
    parsed: dict[str, int]  # per role, the distinct texts parsed now (the others came from the cache)
    parse_seconds: float


def analyze(texts_by_role: dict[str, list[str]], settings: Settings, cache_folder: Path | None = None) -> Analyses:
    """Per role, each text's analysis (``TITLE``: its words; ``DESCRIPTION``: its sentences), from the cache when
    there."""
    caches = {role: ResultCache(cache_folder, "analysis", identity(role, settings)) for role in texts_by_role}
    missing = {role: _missing(texts, caches[role]) for role, texts in texts_by_role.items()}
    started = time.perf_counter()
    for role, text, encoded in _parse(missing, settings):
        caches[role].put(text, encoded)
    parse_seconds = time.perf_counter() - started
    analyses = {}
    for role, texts in texts_by_role.items():
        caches[role].save()
        decode = _decode_title if role == TITLE else _decode_description
        decoded = {text: decode(json.loads(caches[role].get(text))) for text in dict.fromkeys(texts)}
        analyses[role] = [decoded[text] for text in texts]
    return Analyses(analyses, {role: len(texts) for role, texts in missing.items()}, round(parse_seconds, 3))


def plan_shards(
    texts_by_role: dict[str, list[str]], settings: Settings, cache_folder: Path, shard_folder: Path
) -> list[Path]:
    """Writes the distinct texts (per role, as :func:`kgbuild.concepts.texts_to_analyze` gives them) not in the cache
    as shard files in ``shard_folder`` (one role and at most ``parse_shard_texts`` texts each, named by role, position
    and contents: planning again writes the same files), for :func:`parse_shard_file`. Their paths; none when every
    text is cached."""
    paths = []
    for role, texts in texts_by_role.items():
        missing = _missing(texts, ResultCache(cache_folder, "analysis", identity(role, settings)))
        for index, shard in enumerate(_shards(missing, settings.parse_shard_texts)):
            digest = hashlib.sha256(json.dumps(shard).encode()).hexdigest()[:12]
            path = Path(shard_folder) / f"{role}-{index:05d}-{digest}.parquet"
            with atomic_path(path) as tmp:
                pq.write_table(pa.table({"role": [role] * len(shard), "text": shard}), tmp)
            paths.append(path)
    return paths


def parse_shard_file(shard: Path, settings: Settings, cache_folder: Path) -> int:
    """Parses a shard file of :func:`plan_shards` into a part of the cache (named after the shard, written
    atomically; the main file is left to :func:`analyze`): safe to run again or on several workers at once. The
    number of texts parsed: 0 when the shard's part is there already."""
    table = pq.read_table(shard)
    role, texts, name = table["role"][0].as_py(), table["text"].to_pylist(), Path(shard).stem
    analyser = identity(role, settings)
    if result_path(cache_folder, "analysis", analyser, name).is_file():
        return 0
    parsed = dict(zip(texts, parse_shard(role, texts, settings), strict=True))
    ResultCache.write_part(cache_folder, "analysis", analyser, name, parsed)
    return len(texts)


def identity(role: str, settings: Settings) -> str:
    name, version = models.spacy_model_name(settings), models.spacy_model_version(settings)
    readers = hashlib.sha256(b"".join(inspect.getsource(module).encode() for module in _READERS)).hexdigest()
    return f"{role}|{name}|{version}|spacy {importlib.metadata.version('spacy')}|{readers}"


def _missing(texts: list[str], cache: ResultCache) -> list[str]:
    """The distinct texts not in ``cache``, in order."""
    return [text for text in dict.fromkeys(texts) if text not in cache]


def _shards(texts: list[str], size: int, multiple_of: int = 1) -> list[list[str]]:
    """``texts`` cut into shards of at most ``size`` texts; with ``multiple_of``, as many shards of equal size as
    make a multiple of it."""
    count = -(-len(texts) // size)
    count += -count % multiple_of if len(texts) >= multiple_of else 0
    return [texts[len(texts) * n // count : len(texts) * (n + 1) // count] for n in range(count)]


def _parse(missing: dict[str, list[str]], settings: Settings) -> Iterator[tuple[str, str, str]]:
    """(role, text, encoded analysis) for each text of ``missing``. Descriptions' shards go first: each costs more
    than a title shard, and the costliest last would leave the other workers idle."""
    workers = settings.parse_workers or min(os.cpu_count() or 1, 4)
    if sum(map(len, missing.values())) <= settings.parse_shard_texts:
        workers = 1
    jobs = [
        (role, shard)
        for role in sorted(missing, key=lambda role: role != DESCRIPTION)
        for shard in _shards(missing[role], settings.parse_shard_texts, workers)
    ]
    pool = None
    if workers > 1 and len(jobs) > 1:  # spawn: a forked copy of a process holding torch's threads can deadlock
        pool = ProcessPoolExecutor(
            min(workers, len(jobs)),
            mp_context=multiprocessing.get_context("spawn"),
            initializer=models.parse_worker_without_torch,
        )
    with pool or nullcontext():
        roles, shards = [role for role, _ in jobs], [shard for _, shard in jobs]
        parsed = (pool.map if pool else map)(parse_shard, roles, shards, [settings] * len(jobs))
        for role, shard, encoded in zip(roles, shards, parsed, strict=True):
            yield from ((role, text, result) for text, result in zip(shard, encoded, strict=True))


def parse_shard(role: str, texts: list[str], settings: Settings) -> list[str]:
    """One shard's analyses, JSON-encoded (what a worker process returns and the cache keeps)."""
    if role == TITLE:  # tagged lower-case, which tags a title's words as common nouns more reliably
        docs = models.spacy_pipeline(settings).pipe((t.lower() for t in texts), batch_size=settings.spacy_batch_size)
        return [json.dumps(_encode_words(words.words_of(doc, text))) for text, doc in zip(texts, docs, strict=True)]
    docs = models.spacy_parser(settings).pipe(texts, batch_size=64)
    return [json.dumps([_encode_sentence(s) for s in descriptions.analyze(doc)]) for doc in docs]


def _encode_words(items: list[Word]) -> list[list[Any]]:
    return [[w.surface, w.canonical, w.proper, w.noun] for w in items]


def _decode_words(items: list[list[Any]]) -> list[Word]:
    return [_interned(*item) for item in items]


@lru_cache(maxsize=1 << 20)
def _interned(surface: str, canonical: str, proper: bool, noun: bool) -> Word:
    """One shared Word per distinct reading: a catalog's millions of words are mostly repeats."""
    return Word(surface, canonical, proper, noun)


def _encode_sentence(sentence: Sentence) -> dict[str, Any]:
    return {
        "key": sentence.key,
        "words": _encode_words(sentence.words),
        "types": [_encode_words(p) for p in sentence.types],
        "fragment": sentence.fragment,
        "references": [_encode_words(p) for p in sentence.references],
        "details": [_encode_words(p) for p in sentence.details],
        "silent": sentence.silent,
        **({"named": [_encode_words(p) for p in sentence.named]} if sentence.named else {}),
    }


def _decode_title(encoded: list[list[Any]]) -> list[Word]:
    return _decode_words(encoded)


def _decode_description(encoded: list[dict[str, Any]]) -> list[Sentence]:
    return [
        Sentence(
            key=s["key"],
            words=_decode_words(s["words"]),
            types=[_decode_words(p) for p in s["types"]],
            fragment=s["fragment"],
            references=[_decode_words(p) for p in s["references"]],
            details=[_decode_words(p) for p in s["details"]],
            silent=s["silent"],
            named=tuple(_decode_words(p) for p in s["named"]) if "named" in s else (),
        )
        for s in encoded
    ]
