"""Image grounding stage: each concept gets the catalog images that show it best.

Every referenced image is read once, hashed (sha256 = identity, so byte-identical images are one image) and
decoded; bad ones are quarantined with a reason and the build goes on. Then, per concept:

* CLIP (FashionKLIP): the concept is encoded with each prompt template ("a photo of {concept}", ...) and the
  embeddings are averaged. Candidates are the images of the concept's own products plus the ``global_candidates``
  most similar images of the catalog. The ``top_k`` by cosine similarity are re-ranked by Maximal Marginal Relevance
  (``mmr_diversity``), skipping near-duplicates (cosine ≥ ``near_duplicate`` between embeddings centred on the
  catalog's mean image), and ``images_per_concept`` are kept.
  Image and prompt embeddings are cached by content hash across builds (:mod:`kgbuild.embedding_cache`).
Only concepts of ``grounded_kinds`` get images (brands and audiences are not visual).

* text evidence (``--clip-model none``): the images of the concept's own products, most typical first: a product
  scores the cosine between its category concepts and the mean of those of all the concept's products.
"""

from __future__ import annotations

import hashlib
import io
import time
from dataclasses import dataclass
from typing import Any

import fsspec
import numpy as np
import pandas as pd
import pyarrow as pa
from PIL import Image, UnidentifiedImageError
from tqdm import tqdm

from kgbuild import models, quarantine
from kgbuild.embedding_cache import EmbeddingCache, text_key
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


def image_id(sha256: str) -> str:
    return "img_" + sha256[:20]


def read_image(uri: str) -> tuple[str, Image.Image]:
    """(sha256 of the bytes, decoded RGB image); raises ValueError with a reason a person can act on."""
    try:
        with fsspec.open(uri, "rb") as stream:
            data = stream.read()
    except FileNotFoundError:
        remote = "://" in uri and not uri.startswith("file://")
        raise ValueError("image URL unreachable or not found" if remote else "image file not found") from None
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
    return hashlib.sha256(data).hexdigest(), image.convert("RGB")


@dataclass(frozen=True)
class Loaded:
    index: int
    sha256: str | None
    reason: str | None
    pixels: Any  # preprocessed tensor in CLIP mode, else None


class ImageSource:
    """Map-style dataset for torch's DataLoader: reads, hashes, verifies and (optionally) preprocesses each image."""

    def __init__(self, uris: list[str], preprocess: Any = None) -> None:
        self.uris, self.preprocess = uris, preprocess

    def __len__(self) -> int:
        return len(self.uris)

    def __getitem__(self, index: int) -> Loaded:
        try:
            sha256, image = read_image(self.uris[index])
        except ValueError as error:
            return Loaded(index, None, str(error), None)
        return Loaded(index, sha256, None, self.preprocess(image) if self.preprocess else None)


def mmr(
    relevance: np.ndarray,
    embeddings: np.ndarray,
    keep: int,
    diversity: float,
    duplicate: float = 1.01,
    identity: np.ndarray | None = None,
) -> list[int]:
    """Maximal Marginal Relevance: indices chosen one by one, trading relevance against similarity to those chosen.
    A candidate whose ``identity`` embedding (default: ``embeddings``) is at least ``duplicate``-similar to a chosen
    one's is never chosen."""
    if len(relevance) == 0:
        return []
    pairwise = embeddings @ embeddings.T
    same = pairwise if identity is None else identity @ identity.T
    chosen = [int(np.argmax(relevance))]
    remaining = [i for i in range(len(relevance)) if i != chosen[0] and same[i, chosen[0]] < duplicate]
    while remaining and len(chosen) < keep:
        redundancy = pairwise[np.ix_(remaining, chosen)].max(axis=1)
        scores = (1 - diversity) * relevance[remaining] - diversity * redundancy
        chosen.append(remaining.pop(int(np.argmax(scores))))
        remaining = [i for i in remaining if same[i, chosen[-1]] < duplicate]
    return chosen


def run(layout: Layout, settings: Settings) -> dict[str, Any]:
    products = read_parquet(layout.products)
    referenced = products[products["image_uri"].notna()]
    if settings.skip_images:
        write_parquet(pd.DataFrame(columns=IMAGE_SCHEMA.names), layout.images, IMAGE_SCHEMA)
        write_parquet(pd.DataFrame(columns=CONCEPT_IMAGE_SCHEMA.names), layout.concept_images, CONCEPT_IMAGE_SCHEMA)
        quarantine.write([], layout.quarantine(STAGE))
        return {
            "mode": settings.grounding_mode,
            "input_rows": 0,
            "accepted": 0,
            "quarantined": 0,
            "not_read": len(referenced),
        }
    concepts = read_parquet(layout.concepts)
    links = read_parquet(layout.product_concepts)
    encoder = None if settings.text_evidence else models.clip_encoder(settings)
    cache = _caches(layout, settings, encoder)
    clock = time.perf_counter()
    images, rejected, encoded = _read_all(referenced, settings, encoder, cache)
    write_parquet(images, layout.images, IMAGE_SCHEMA)
    quarantine.write(rejected, layout.quarantine(STAGE))
    seconds = {"images": time.perf_counter() - clock}
    grounded = concepts[concepts["kind"].isin(settings.grounded_kinds)]
    if encoder is None:
        chosen = ground_by_text(grounded, links, images, settings)
    else:
        clock = time.perf_counter()
        concept_vectors = _concept_vectors(grounded["name"].tolist(), settings, encoder, cache["text"])
        seconds["prompts"] = time.perf_counter() - clock
        chosen = _ground_by_clip(grounded, concept_vectors, links, images, settings, encoder, cache["image"])
    seconds["grounding"] = time.perf_counter() - clock - seconds.get("prompts", 0)
    write_parquet(chosen, layout.concept_images, CONCEPT_IMAGE_SCHEMA)
    report = {
        "mode": settings.grounding_mode,
        "input_rows": len(referenced),
        "accepted": len(images),
        "quarantined": len(rejected),
        "unique_images": int(images["sha256"].nunique()),
        "encoded_images": encoded,
        "cached_images": int(images["sha256"].nunique()) - encoded if encoder else 0,
        "concepts_with_images": int(chosen["concept_id"].nunique()),
        "concept_images": len(chosen),
        "phase_seconds": {phase: round(value, 3) for phase, value in seconds.items()},
    }
    assert report["input_rows"] == report["accepted"] + report["quarantined"], report
    return report


def _caches(layout: Layout, settings: Settings, encoder: models.ClipEncoder | None) -> dict[str, EmbeddingCache]:
    if encoder is None:
        return {}
    folder = settings.cache_dir or layout.cache
    return {kind: EmbeddingCache(folder, encoder.model_id, encoder.weights_sha256, kind) for kind in ("image", "text")}


def _read_all(
    referenced: pd.DataFrame, settings: Settings, encoder: models.ClipEncoder | None, cache: dict[str, EmbeddingCache]
) -> tuple[pd.DataFrame, list[Rejected], int]:
    """Reads every referenced image once; in CLIP mode encodes those not in the cache. Returns (images, rejected,
    number encoded)."""
    from torch.utils.data import DataLoader

    source = ImageSource(referenced["image_uri"].tolist(), encoder.preprocess if encoder else None)
    loader = DataLoader(source, batch_size=settings.clip_batch_size, num_workers=settings.clip_workers, collate_fn=list)
    rows, rejected, encoded = [], [], 0
    for batch in tqdm(loader, desc="images", unit="batch"):
        pending: dict[str, Any] = {}
        for item in batch:
            product = referenced.iloc[item.index]
            if item.reason:
                raw = {"image_uri": product.image_uri}
                rejected.append(
                    Rejected(product.source_row, product.product_id, STAGE, settings.image_col, item.reason, raw)
                )
                continue
            rows.append((product.product_id, image_id(item.sha256), product.image_uri, item.sha256))
            if encoder is not None and item.sha256 not in cache["image"]:
                pending.setdefault(item.sha256, item.pixels)
        if pending:
            vectors = _encode_pixels(list(pending.values()), encoder)
            for sha256, vector in zip(pending, vectors):
                cache["image"].put(sha256, vector)
            encoded += len(pending)
    if encoder is not None:
        cache["image"].save()
    return pd.DataFrame(rows, columns=IMAGE_SCHEMA.names), rejected, encoded


def ground_by_text(
    concepts: pd.DataFrame, links: pd.DataFrame, images: pd.DataFrame, settings: Settings
) -> pd.DataFrame:
    """Images for each category concept without CLIP: its own products' images, ranked by how typical each product's
    categories are of the concept's products (also used by the concept-quality benchmark for its baseline)."""
    from scipy import sparse

    categories = concepts.loc[concepts["kind"] == "category", "concept_id"]
    category_links = links[links["concept_id"].isin(set(categories))]
    product_ids = pd.Index(sorted(set(links["product_id"])))
    column_of = {cid: i for i, cid in enumerate(categories)}
    incidence = sparse.csr_matrix(
        (
            np.ones(len(category_links)),
            (product_ids.get_indexer(category_links["product_id"]), category_links["concept_id"].map(column_of)),
        ),
        shape=(len(product_ids), max(len(column_of), 1)),
    )
    norms = np.sqrt(np.asarray(incidence.multiply(incidence).sum(axis=1))).ravel()
    candidates = links.merge(images, on="product_id")
    scores = np.zeros(len(candidates))
    for group in candidates.groupby("concept_id").groups.values():
        rows = product_ids.get_indexer(candidates.loc[group, "product_id"])
        centroid = np.asarray(incidence[rows].mean(axis=0)).ravel()
        dot = incidence[rows] @ centroid
        cosine = dot / np.maximum(norms[rows] * np.linalg.norm(centroid), 1e-12)
        scores[candidates.index.get_indexer(group)] = np.clip(cosine, -1.0, 1.0)  # float rounding can pass 1
    candidates["score"] = scores
    candidates = candidates.sort_values(["concept_id", "score", "product_id"], ascending=[True, False, True])
    candidates = candidates.drop_duplicates(["concept_id", "sha256"])
    candidates["rank"] = candidates.groupby("concept_id").cumcount() + 1
    chosen = candidates[candidates["rank"] <= settings.images_per_concept]
    chosen = chosen.assign(image_uri=chosen["uri"], model=TEXT_EVIDENCE_MODEL)
    return chosen[CONCEPT_IMAGE_SCHEMA.names].reset_index(drop=True)


def _ground_by_clip(
    concepts: pd.DataFrame,
    concept_vectors: np.ndarray,
    links: pd.DataFrame,
    images: pd.DataFrame,
    settings: Settings,
    encoder: models.ClipEncoder,
    image_cache: EmbeddingCache,
) -> pd.DataFrame:
    # one row per distinct image
    pool = images.sort_values("product_id").drop_duplicates("sha256").reset_index(drop=True)
    if pool.empty or concepts.empty:
        return pd.DataFrame(columns=CONCEPT_IMAGE_SCHEMA.names)
    image_vectors = np.stack([image_cache.get(sha) for sha in pool["sha256"]])
    # Near-duplicates are judged without the component all catalog images share (it dominates weak encoders).
    identity = _normalized(image_vectors - image_vectors.mean(axis=0))
    similarity = np.clip(concept_vectors @ image_vectors.T, -1.0, 1.0)  # cosines; float rounding can pass 1
    position_of_sha = dict(zip(pool["sha256"], pool.index))
    with_images = links.merge(images[["product_id", "sha256"]], on="product_id")
    own = with_images.groupby("concept_id")["sha256"].agg(lambda s: {position_of_sha[x] for x in s}).to_dict()
    linked = with_images.drop_duplicates(["concept_id", "sha256"])
    linked_product = linked.set_index(["concept_id", "sha256"])["product_id"]
    rows = []
    for index, concept in enumerate(concepts["concept_id"]):
        nearest = np.argsort(-similarity[index], kind="stable")[: settings.global_candidates]
        candidates = np.array(sorted(own.get(concept, set()) | set(nearest.tolist())))
        candidates = candidates[np.argsort(-similarity[index, candidates], kind="stable")][: settings.top_k]
        order = mmr(
            similarity[index, candidates],
            image_vectors[candidates],
            settings.images_per_concept,
            settings.mmr_diversity,
            settings.near_duplicate,
            identity[candidates],
        )
        for rank, position in enumerate(order, start=1):
            image = pool.iloc[candidates[position]]
            product_id = linked_product.get((concept, image["sha256"]), image["product_id"])
            score = float(similarity[index, candidates[position]])
            rows.append((concept, image["image_id"], product_id, image["uri"], score, rank, encoder.model_id))
    return pd.DataFrame(rows, columns=CONCEPT_IMAGE_SCHEMA.names)


def _concept_vectors(
    names: list[str], settings: Settings, encoder: models.ClipEncoder, cache: EmbeddingCache
) -> np.ndarray:
    """Mean of the normalized prompt-template embeddings of each concept, normalized again."""
    if not names:
        return np.empty((0, 0))
    texts = [template.format(concept=name) for name in names for template in settings.prompts]
    missing = sorted({t for t in texts if text_key(t) not in cache})
    for start in range(0, len(missing), settings.clip_batch_size):
        batch = missing[start : start + settings.clip_batch_size]
        for text, vector in zip(batch, _encode_texts(batch, encoder)):
            cache.put(text_key(text), vector)
    cache.save()
    vectors = np.stack([cache.get(text_key(t)) for t in texts]).reshape(len(names), len(settings.prompts), -1)
    return _normalized(vectors.mean(axis=1))


def _encode_pixels(pixels: list[Any], encoder: models.ClipEncoder) -> np.ndarray:
    import torch

    with torch.inference_mode():
        return _normalized(encoder.model.encode_image(torch.stack(pixels).to(encoder.device)).float().cpu().numpy())


def _encode_texts(texts: list[str], encoder: models.ClipEncoder) -> np.ndarray:
    import open_clip
    import torch

    with torch.inference_mode():
        tokens = encoder.tokenizer(texts).to(encoder.device)
        model = encoder.model
        causal = type(model) is open_clip.CLIP and model.text_pool_type == "argmax" and model.attn_mask is not None
        encoded = _encode_trimmed_text(model, tokens) if causal else model.encode_text(tokens)
        return _normalized(encoded.float().cpu().numpy())


def _encode_trimmed_text(model: Any, tokens: Any) -> Any:
    """``CLIP.encode_text`` on the tokens up to the batch's last end-of-text token instead of the full context.

    Exact: under the causal mask no position attends to the padding after it, and pooling reads the end token
    (the largest id, hence ``argmax``). Prompts are ~10 tokens of 77, so this is several times cheaper.
    """
    from open_clip.transformer import text_global_pool
    from torch import nn

    length = int(tokens.argmax(dim=-1).max()) + 1
    tokens = tokens[:, :length]
    cast_dtype = model.transformer.get_cast_dtype()
    x = model.token_embedding(tokens).to(cast_dtype) + model.positional_embedding[:length].to(cast_dtype)
    x = model.ln_final(model.transformer(x, attn_mask=model.attn_mask[:length, :length]))
    pooled = text_global_pool(x, tokens, "argmax")
    projection = model.text_projection
    if projection is None:
        return pooled
    return projection(pooled) if isinstance(projection, nn.Linear) else pooled @ projection


def _normalized(array: np.ndarray) -> np.ndarray:
    return array / np.maximum(np.linalg.norm(array, axis=-1, keepdims=True), 1e-12)
