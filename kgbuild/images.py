"""Image grounding stage: each concept gets the catalog images that show it best.

Every referenced image is read once, hashed (sha256 = identity, so byte-identical images are one image) and
decoded; bad ones are quarantined with a reason and the build goes on. Then, per concept:

* CLIP (FashionKLIP): encode the prompt "a photo of {concept}" and all images, take the ``top_k`` images by cosine
  similarity, re-rank them by Maximal Marginal Relevance with ``mmr_diversity`` and keep ``images_per_concept``.
* text evidence (``--clip-model none``): images of the products linked to the concept, most specific title first
  (score = concept words / title words), keeping ``images_per_concept``.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from typing import Any

import fsspec
import numpy as np
import pandas as pd
import pyarrow as pa
from PIL import Image, UnidentifiedImageError
from tqdm import tqdm

from kgbuild import models, quarantine
from kgbuild.concepts import prepare
from kgbuild.quarantine import Rejected
from kgbuild.settings import Settings
from kgbuild.workdir import Layout, read_parquet, write_parquet

STAGE = "images"
IMAGE_SCHEMA = pa.schema(
    [("product_id", pa.string()), ("image_id", pa.string()), ("uri", pa.string()), ("sha256", pa.string())]
)
CONCEPT_IMAGE_SCHEMA = pa.schema(
    [
        ("concept_id", pa.string()),
        ("image_id", pa.string()),
        ("product_id", pa.string()),
        ("image_uri", pa.string()),
        ("score", pa.float64()),
        ("rank", pa.int64()),
        ("model", pa.string()),
    ]
)
TEXT_EVIDENCE_MODEL = "text-evidence"


@dataclass(frozen=True)
class Inspected:
    sha256: str
    image: Image.Image


def image_id(sha256: str) -> str:
    return "img_" + sha256[:20]


def inspect(uri: str) -> Inspected:
    """Reads and fully decodes one image; raises ValueError with a reason a person can act on."""
    try:
        with fsspec.open(uri, "rb") as stream:
            data = stream.read()
    except FileNotFoundError:
        raise ValueError("image file not found") from None
    except Exception as error:  # fsspec backends raise their own error types for unreachable URLs
        raise ValueError(f"image cannot be read: {type(error).__name__}: {error}") from None
    if not data:
        raise ValueError("image file is empty (0 bytes)")
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except UnidentifiedImageError:
        raise ValueError("not an image (unrecognised format)") from None
    except (OSError, SyntaxError) as error:
        raise ValueError(f"image cannot be decoded (truncated or corrupt): {error}") from None
    return Inspected(hashlib.sha256(data).hexdigest(), image.convert("RGB"))


def mmr(relevance: np.ndarray, embeddings: np.ndarray, keep: int, diversity: float) -> list[int]:
    """Maximal Marginal Relevance: indices chosen one by one, trading relevance against similarity to those chosen."""
    if len(relevance) == 0:
        return []
    chosen = [int(np.argmax(relevance))]
    remaining = [i for i in range(len(relevance)) if i != chosen[0]]
    pairwise = embeddings @ embeddings.T
    while remaining and len(chosen) < keep:
        redundancy = pairwise[np.ix_(remaining, chosen)].max(axis=1)
        scores = (1 - diversity) * relevance[remaining] - diversity * redundancy
        chosen.append(remaining.pop(int(np.argmax(scores))))
    return chosen


def run(layout: Layout, settings: Settings) -> dict[str, Any]:
    products = read_parquet(layout.products)
    referenced = int(products["image_uri"].notna().sum())
    if settings.skip_images:
        write_parquet(pd.DataFrame(columns=IMAGE_SCHEMA.names), layout.images, IMAGE_SCHEMA)
        write_parquet(pd.DataFrame(columns=CONCEPT_IMAGE_SCHEMA.names), layout.concept_images, CONCEPT_IMAGE_SCHEMA)
        quarantine.write([], layout.quarantine(STAGE))
        return {"mode": settings.grounding_mode, "input_rows": 0, "accepted": 0, "quarantined": 0, "not_read": referenced}
    concepts = read_parquet(layout.concepts)
    links = read_parquet(layout.product_concepts)
    images, decoded, rejected = _inspect_all(products, settings)
    write_parquet(images, layout.images, IMAGE_SCHEMA)
    quarantine.write(rejected, layout.quarantine(STAGE))
    if settings.text_evidence:
        chosen = _ground_by_text(concepts, links, products, images, settings)
    else:
        chosen = _ground_by_clip(concepts, images, decoded, settings)
    write_parquet(chosen, layout.concept_images, CONCEPT_IMAGE_SCHEMA)
    report = {
        "mode": settings.grounding_mode,
        "input_rows": referenced,
        "accepted": len(images),
        "quarantined": len(rejected),
        "unique_images": int(images["sha256"].nunique()),
        "concepts_with_images": int(chosen["concept_id"].nunique()),
        "concept_images": len(chosen),
    }
    assert report["input_rows"] == report["accepted"] + report["quarantined"], report
    return report


def _inspect_all(products: pd.DataFrame, settings: Settings) -> tuple[pd.DataFrame, dict[str, Image.Image], list[Rejected]]:
    rows, rejected, decoded = [], [], {}
    referenced = products[products["image_uri"].notna()]
    for product in tqdm(referenced.itertuples(index=False), total=len(referenced), desc="images", unit="img"):
        try:
            found = inspect(product.image_uri)
        except ValueError as error:
            raw = {"image_uri": product.image_uri}
            rejected.append(Rejected(product.source_row, product.product_id, STAGE, settings.image_col, str(error), raw))
            continue
        rows.append((product.product_id, image_id(found.sha256), product.image_uri, found.sha256))
        if not settings.text_evidence:
            decoded.setdefault(found.sha256, found.image)
    return pd.DataFrame(rows, columns=IMAGE_SCHEMA.names), decoded, rejected


def _ground_by_text(
    concepts: pd.DataFrame, links: pd.DataFrame, products: pd.DataFrame, images: pd.DataFrame, settings: Settings
) -> pd.DataFrame:
    title_words = {pid: len(prepare(title).split()) for pid, title in zip(products["product_id"], products["title"])}
    concept_words = dict(zip(concepts["concept_id"], concepts["name"].str.split().str.len()))
    candidates = links.merge(images, on="product_id")
    candidates["score"] = [
        min(1.0, concept_words[c] / max(title_words[p], 1))
        for c, p in zip(candidates["concept_id"], candidates["product_id"])
    ]
    candidates = candidates.sort_values(["concept_id", "score", "product_id"], ascending=[True, False, True])
    candidates = candidates.drop_duplicates(["concept_id", "sha256"])
    candidates["rank"] = candidates.groupby("concept_id").cumcount() + 1
    chosen = candidates[candidates["rank"] <= settings.images_per_concept]
    return chosen.assign(image_uri=chosen["uri"], model=TEXT_EVIDENCE_MODEL)[CONCEPT_IMAGE_SCHEMA.names]


def _ground_by_clip(
    concepts: pd.DataFrame, images: pd.DataFrame, decoded: dict[str, Image.Image], settings: Settings
) -> pd.DataFrame:
    import torch

    encoder = models.clip_encoder(settings)
    pool = images.sort_values("product_id").drop_duplicates("sha256")  # one entry per distinct image
    if pool.empty or concepts.empty:
        return pd.DataFrame(columns=CONCEPT_IMAGE_SCHEMA.names)
    with torch.inference_mode():
        image_embeddings = _encode_images([decoded[sha] for sha in pool["sha256"]], encoder, settings.clip_batch_size)
        prompts = [settings.prompt.format(concept=name) for name in concepts["name"]]
        text_embeddings = _encode_texts(prompts, encoder, settings.clip_batch_size)
    similarity = text_embeddings @ image_embeddings.T
    top_k = min(settings.top_k, len(pool))
    rows = []
    for concept_index, concept in enumerate(concepts["concept_id"]):
        candidates = np.argsort(-similarity[concept_index], kind="stable")[:top_k]
        order = mmr(similarity[concept_index, candidates], image_embeddings[candidates], settings.images_per_concept, settings.mmr_diversity)
        for rank, position in enumerate(order, start=1):
            image = pool.iloc[candidates[position]]
            score = float(similarity[concept_index, candidates[position]])
            rows.append((concept, image["image_id"], image["product_id"], image["uri"], score, rank, encoder.model_id))
    return pd.DataFrame(rows, columns=CONCEPT_IMAGE_SCHEMA.names)


def _encode_images(pictures: list[Image.Image], encoder: models.ClipEncoder, batch_size: int) -> np.ndarray:
    import torch

    batches = []
    for start in tqdm(range(0, len(pictures), batch_size), desc="clip images", unit="batch"):
        pixels = torch.stack([encoder.preprocess(p) for p in pictures[start : start + batch_size]]).to(encoder.device)
        batches.append(_normalized(encoder.model.encode_image(pixels)))
    return np.concatenate(batches)


def _encode_texts(texts: list[str], encoder: models.ClipEncoder, batch_size: int) -> np.ndarray:
    batches = []
    for start in range(0, len(texts), batch_size):
        tokens = encoder.tokenizer(texts[start : start + batch_size]).to(encoder.device)
        batches.append(_normalized(encoder.model.encode_text(tokens)))
    return np.concatenate(batches)


def _normalized(features: Any) -> np.ndarray:
    array = features.float().cpu().numpy()
    return array / np.maximum(np.linalg.norm(array, axis=1, keepdims=True), 1e-12)
