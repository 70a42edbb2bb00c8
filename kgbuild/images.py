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

Reading is bounded (:class:`ImagePolicy`): ``image_timeout_s`` per image, ``max_image_bytes`` and
``max_image_pixels`` checked before reading and decoding; local images must be regular files inside the catalog's
folder or ``image_roots``; URLs must use one of ``image_url_schemes`` and, unless ``allow_private_urls``, resolve
(every redirect hop too) to public addresses only.
"""

from __future__ import annotations

import hashlib
import io
import ipaddress
import json
import os
import socket
import stat
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast
from urllib.parse import SplitResult, urljoin, urlsplit
from urllib.request import url2pathname

import fsspec
import numpy as np
import pandas as pd
import urllib3
from PIL import Image, UnidentifiedImageError
from tqdm import tqdm

from kgbuild import colours, models, quarantine, visual
from kgbuild.domain import CATEGORY, CONCEPT_IMAGE_SCHEMA, HIERARCHY_SCHEMA, IMAGE_SCHEMA, PRODUCT_CONCEPT_SCHEMA
from kgbuild.embedding_cache import CachedEncoder, EmbeddingCache, ResultCache, text_key
from kgbuild.errors import check_accounting
from kgbuild.quarantine import Rejected
from kgbuild.settings import Settings
from kgbuild.stage import BuildContext, StageReport
from kgbuild.workdir import Layout, read_parquet, write_parquet

STAGE = "images"
TEXT_EVIDENCE_MODEL = "text-evidence"
HTTP_SCHEMES = ("http", "https")
MAX_REDIRECTS = 5
CHUNK_BYTES = 1 << 16
UNREACHABLE = "image URL unreachable or not found"
NEVER_FETCHED = ("unspecified", "multicast", "reserved")  # refused even with allow_private_urls
NOT_PUBLIC = ("unspecified", "multicast", "loopback", "link_local", "reserved", "private")  # ::1 is reserved too


def image_id(sha256: str) -> str:
    return "img_" + sha256[:20]


@dataclass(frozen=True)
class ImagePolicy:
    """How images may be read: the settings' time, size, pixel and URL limits, and the folders local images may lie
    in (resolved; None: anywhere, for trusted callers). Picklable, for the DataLoader's worker processes."""

    settings: Settings = field(default_factory=Settings)
    roots: tuple[Path, ...] | None = None

    @classmethod
    def for_catalog(cls, catalog: Path, settings: Settings) -> ImagePolicy:
        """Local images confined to the catalog's folder and ``settings.image_roots``."""
        folders = [Path(catalog).parent, *map(Path, settings.image_roots)]
        return cls(settings, tuple(folder.expanduser().resolve() for folder in folders))


def read_image(uri: str, policy: ImagePolicy | None = None) -> tuple[str, Image.Image]:
    """(sha256 of the bytes, decoded RGB image) of a path or URL read within ``policy`` (default: the environment's
    settings, local paths anywhere); raises ValueError with a reason a person can act on."""
    policy = policy or ImagePolicy()
    data = _read_bytes(uri, policy)
    if not data:
        raise ValueError("image file is empty (0 bytes)")
    return hashlib.sha256(data).hexdigest(), _decode(data, policy.settings.max_image_pixels)


def _read_bytes(uri: str, policy: ImagePolicy) -> bytes:
    timeout = policy.settings.image_timeout_s
    deadline = time.monotonic() + timeout
    try:
        return _read_url(uri, policy, deadline) if "://" in uri else _read_file(Path(uri), policy, deadline)
    except ValueError:
        raise
    except (urllib3.exceptions.NewConnectionError, FileNotFoundError):  # a NewConnectionError is a TimeoutError too
        raise ValueError(UNREACHABLE) from None
    except (urllib3.exceptions.TimeoutError, TimeoutError):
        raise ValueError(f"image not read within {timeout:g} s (see --image-timeout-s)") from None
    except urllib3.exceptions.SSLError as error:
        raise ValueError(f"image URL's TLS connection failed: {error}") from None
    except (urllib3.exceptions.HTTPError, ConnectionError):
        raise ValueError(UNREACHABLE) from None
    except Exception as error:  # fsspec backends raise their own error types
        raise ValueError(f"image cannot be read: {type(error).__name__}: {error}") from None


def _read_file(path: Path, policy: ImagePolicy, deadline: float) -> bytes:
    """A regular file's bytes, if it lies (symlinks followed) inside the policy's folders."""
    try:
        resolved = path.resolve(strict=True)
    except FileNotFoundError:
        raise ValueError("image file not found") from None
    if policy.roots is not None and not any(resolved.is_relative_to(root) for root in policy.roots):
        raise ValueError("image path leaves the allowed folders (the catalog's and --image-roots)")
    _check_regular(os.stat(resolved), policy)  # before opening: a FIFO or device is never opened
    descriptor = os.open(resolved, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW)
    with open(descriptor, "rb", buffering=0) as stream:
        _check_regular(os.fstat(descriptor), policy)  # the file opened may have replaced the one checked
        return _read_capped(stream.read, policy, deadline)


def _check_regular(info: os.stat_result, policy: ImagePolicy) -> None:
    if not stat.S_ISREG(info.st_mode):
        raise ValueError("not a regular file")
    _check_size(info.st_size, policy)


def _check_size(size: int | None, policy: ImagePolicy) -> None:
    """Refuses a file whose announced size passes the byte limit, before reading it."""
    limit = policy.settings.max_image_bytes
    if size is not None and size > limit:
        raise ValueError(f"image file too large ({size} bytes > {limit}; see --max-image-bytes)")


def _read_capped(read: Callable[[int], bytes], policy: ImagePolicy, deadline: float) -> bytes:
    """Reads to the end in chunks; stops as soon as the stream passes the byte limit or the deadline."""
    chunks, size, limit = [], 0, policy.settings.max_image_bytes
    while chunk := read(CHUNK_BYTES):
        size += len(chunk)
        if size > limit:
            raise ValueError(f"image file too large (over {limit} bytes; see --max-image-bytes)")
        if time.monotonic() > deadline:
            raise TimeoutError
        chunks.append(chunk)
    return b"".join(chunks)


def _read_url(url: str, policy: ImagePolicy, deadline: float) -> bytes:
    scheme = _allowed_scheme(url, policy)
    if scheme == "file":
        return _read_file(Path(url2pathname(urlsplit(url).path)), policy, deadline)
    if scheme in HTTP_SCHEMES:
        return _read_http(url, policy, deadline)
    with fsspec.open(url, "rb") as stream:  # another scheme the settings allow (s3, gs, ...)
        _check_size(getattr(stream, "size", None), policy)
        return _read_capped(stream.read, policy, deadline)


def _allowed_scheme(url: str, policy: ImagePolicy) -> str:
    scheme = urlsplit(url).scheme.lower()
    allowed = [s.lower() for s in policy.settings.image_url_schemes]
    if scheme not in allowed:
        listed = ", ".join(allowed) or "none"
        raise ValueError(f"image URL scheme {scheme!r} is not allowed (allowed: {listed}; see --image-url-schemes)")
    return scheme


def _read_http(url: str, policy: ImagePolicy, deadline: float) -> bytes:
    """GET with redirects followed here, each hop's scheme and addresses checked; the connection goes to the address
    checked (no second DNS lookup)."""
    for _ in range(MAX_REDIRECTS + 1):
        parts = urlsplit(url)
        address = _checked_address(parts, policy)
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError
        timeout = urllib3.Timeout(connect=remaining, read=remaining)
        pool: urllib3.HTTPConnectionPool
        if parts.scheme.lower() == "https":
            pool = urllib3.HTTPSConnectionPool(
                address, parts.port, timeout=timeout, retries=False, server_hostname=parts.hostname
            )
        else:
            pool = urllib3.HTTPConnectionPool(address, parts.port, timeout=timeout, retries=False)
        with pool:
            response = pool.urlopen(
                "GET",
                (parts.path or "/") + (f"?{parts.query}" if parts.query else ""),
                headers={"Host": parts.netloc.rpartition("@")[2], "Accept-Encoding": "identity"},
                redirect=False,
                preload_content=False,
                decode_content=False,
            )
            location = response.get_redirect_location()
            if not location:
                if response.status >= 400:
                    raise ValueError(f"{UNREACHABLE} (HTTP {response.status})")
                _check_size(response.length_remaining, policy)
                # urlopen's responses are HTTPResponse; its signature names their base class
                reader = _deadline_reader(cast(urllib3.HTTPResponse, response), deadline)
                return _read_capped(reader, policy, deadline)
        url = urljoin(url, location)
        if _allowed_scheme(url, policy) not in HTTP_SCHEMES:
            raise ValueError(f"image URL redirects to a non-HTTP URL ({url[:100]})")
    raise ValueError(f"image URL redirects more than {MAX_REDIRECTS} times")


def _deadline_reader(response: urllib3.HTTPResponse, deadline: float) -> Callable[[int], bytes]:
    """``response.read1`` with the socket's timeout cut to what is left before the deadline, read by read."""

    def read(size: int) -> bytes:
        if response.connection is not None and response.connection.sock is not None:
            response.connection.sock.settimeout(max(deadline - time.monotonic(), 0.001))
        return response.read1(size)

    return read


def _checked_address(parts: SplitResult, policy: ImagePolicy) -> str:
    """The host's first address, once all its addresses are known to be allowed."""
    host = parts.hostname
    if not host:
        raise ValueError("image URL has no host")
    try:
        found = socket.getaddrinfo(host, parts.port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise ValueError(f"{UNREACHABLE} (cannot resolve {host!r})") from None
    addresses = [ipaddress.ip_address(info[4][0]) for info in found]
    for address in addresses:
        kind = _address_kind(address)
        refused = f"image URL host {host!r} resolves to {address} ({kind} address)"
        if kind in NEVER_FETCHED:
            raise ValueError(f"{refused}: never fetched")
        if kind and not policy.settings.allow_private_urls:
            raise ValueError(f"{refused}: see --allow-private-urls")
    return str(addresses[0])


def _address_kind(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why an address is not a public one (None: it is)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    kind = next((kind for kind in NOT_PUBLIC if getattr(address, f"is_{kind}")), None)
    if kind is None and not address.is_global:
        kind = "private"  # shared (100.64.0.0/10) and other ranges not routed on the internet
    return kind and kind.replace("_", "-")


def _decode(data: bytes, max_pixels: int) -> Image.Image:
    """The RGB image; its pixel count is checked from the header, before any pixel is decoded."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # the limit is checked here instead
            image = Image.open(io.BytesIO(data))
            if image.width * image.height > max_pixels:
                raise ValueError(
                    f"image has too many pixels ({image.width}x{image.height} > {max_pixels}; see --max-image-pixels)"
                )
            image.load()
    except Image.DecompressionBombError as error:
        raise ValueError(f"image has too many pixels (decompression bomb): {error}") from None
    except UnidentifiedImageError:
        raise ValueError("not an image (unrecognised format)") from None
    except (OSError, SyntaxError) as error:
        raise ValueError(f"image cannot be decoded (truncated or corrupt): {error}") from None
    return image.convert("RGB")


@dataclass(frozen=True)
class Loaded:
    index: int
    sha256: str | None
    reason: str | None
    pixels: Any  # preprocessed tensor in CLIP mode, else None
    colours: list[visual.Reading] | None = None  # read by pixels, unless cached or not asked for
    colour_seconds: float = 0.0


class ImageSource:
    """Map-style dataset for torch's DataLoader: reads, hashes, verifies and (optionally) preprocesses each image,
    and reads the colours of those whose sha256 is not in ``known_colours`` when given a ``palette``."""

    def __init__(
        self,
        uris: list[str],
        policy: ImagePolicy,
        preprocess: Any = None,
        palette: colours.Palette | None = None,
        known_colours: frozenset[str] = frozenset(),
    ) -> None:
        self.uris, self.policy, self.preprocess = uris, policy, preprocess
        self.palette, self.known_colours = palette, known_colours

    def __len__(self) -> int:
        return len(self.uris)

    def __getitem__(self, index: int) -> Loaded:
        try:
            sha256, image = read_image(self.uris[index], self.policy)
        except ValueError as error:
            return Loaded(index, None, str(error), None)
        found, started = None, time.perf_counter()
        if self.palette is not None and text_key(sha256) not in self.known_colours:
            found = visual.read_colours(image, self.palette)
        seconds = time.perf_counter() - started
        return Loaded(index, sha256, None, self.preprocess(image) if self.preprocess else None, found, seconds)


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


def run(context: BuildContext) -> StageReport:
    layout, settings = context.layout, context.settings
    products = read_parquet(layout.products)
    referenced = products[products["image_uri"].notna()]
    mined, text_links = read_parquet(layout.hierarchy), read_parquet(layout.mined_links)
    if settings.skip_images:
        write_parquet(pd.DataFrame(columns=IMAGE_SCHEMA.names), layout.images, IMAGE_SCHEMA)
        write_parquet(pd.DataFrame(columns=CONCEPT_IMAGE_SCHEMA.names), layout.concept_images, CONCEPT_IMAGE_SCHEMA)
        _write_concepts(layout, visual.text_only(mined, text_links))
        quarantine.write([], layout.quarantine(STAGE))
        figures = {"input_rows": 0, "accepted": 0, "quarantined": 0, "not_read": len(referenced)}
        return StageReport(STAGE, {"mode": settings.grounding_mode, **figures})
    encoder = None if settings.text_evidence else models.clip_encoder(settings)
    cache = _caches(layout, settings, encoder)
    policy = ImagePolicy.for_catalog(context.catalog, settings)
    clip_colours = encoder if settings.colour_method == "clip" and not settings.skip_visual_attributes else None
    colour_cache = ResultCache(
        None if settings.skip_visual_attributes else settings.cache_dir or layout.cache,
        "colours",
        visual.identity(settings, clip_colours.model_id if clip_colours else None),
    )
    read_by_pixels = not settings.skip_visual_attributes and clip_colours is None
    clock = time.perf_counter()
    read = _read_all(
        referenced, policy, encoder, cache, visual.palette(settings) if read_by_pixels else None, colour_cache
    )
    images = read.images
    write_parquet(images, layout.images, IMAGE_SCHEMA)
    quarantine.write(read.rejected, layout.quarantine(STAGE))
    seconds = {"images": time.perf_counter() - clock, "colour_reading": read.colour_seconds}
    if settings.skip_visual_attributes:
        attached = visual.text_only(mined, text_links)
    else:
        clock = time.perf_counter()
        if clip_colours is not None:
            read.colours_read = _clip_colours(images, settings, clip_colours, cache, colour_cache)
        readings = {sha: json.loads(colour_cache.get(sha)) for sha in images["sha256"].unique() if sha in colour_cache}
        attached = visual.attach(
            mined, text_links, products, images, readings, settings, _concept_embedder(layout, settings)
        )
        seconds["colour_links"] = time.perf_counter() - clock
    _write_concepts(layout, attached)
    concepts = attached.concepts
    links = attached.links[~attached.links["contradicts_text"].fillna(False).astype(bool)]  # a concept's own products
    grounded = concepts[concepts["kind"].isin(settings.grounded_kinds)]
    clock = time.perf_counter()
    if encoder is None:
        chosen = ground_by_text(grounded, links, images, settings)
    else:
        concept_vectors = _concept_vectors(grounded["name"].tolist(), settings, encoder, cache["text"])
        seconds["prompts"] = time.perf_counter() - clock
        chosen = _ground_by_clip(grounded, concept_vectors, links, images, settings, encoder, cache["image"])
    seconds["grounding"] = time.perf_counter() - clock - seconds.get("prompts", 0)
    write_parquet(chosen, layout.concept_images, CONCEPT_IMAGE_SCHEMA)
    report = {
        "mode": settings.grounding_mode,
        "input_rows": len(referenced),
        "accepted": len(images),
        "quarantined": len(read.rejected),
        "unique_images": int(images["sha256"].nunique()),
        "encoded_images": read.encoded,
        "cached_images": int(images["sha256"].nunique()) - read.encoded if encoder else 0,
        "colours_read": read.colours_read,
        "visual_attributes": attached.figures,
        "concepts_with_images": int(chosen["concept_id"].nunique()),
        "concept_images": len(chosen),
        "phase_seconds": {phase: round(value, 3) for phase, value in seconds.items()},
    }
    check_accounting(STAGE, report)
    return StageReport(STAGE, report)


def _write_concepts(layout: Layout, attached: visual.Attached) -> None:
    write_parquet(attached.concepts, layout.concepts, HIERARCHY_SCHEMA)
    write_parquet(attached.links, layout.product_concepts, PRODUCT_CONCEPT_SCHEMA)


def _concept_embedder(layout: Layout, settings: Settings) -> Callable[[list[str]], np.ndarray]:
    """Embeds new concepts' names with the concepts stage's model and cache; loads the model only when called."""

    def embed(names: list[str]) -> np.ndarray:
        cache = EmbeddingCache(settings.cache_dir or layout.cache, settings.embedding_model, None, "names")
        vectors = CachedEncoder(lambda: models.sentence_encoder(settings), cache).encode(names)
        cache.save()
        return vectors

    return embed


def _clip_colours(
    images: pd.DataFrame,
    settings: Settings,
    encoder: models.ClipEncoder,
    cache: dict[str, EmbeddingCache],
    colour_cache: ResultCache,
) -> int:
    """Colours read zero-shot by CLIP for the images not yet in ``colour_cache``; returns how many were read."""
    missing = [sha for sha in images["sha256"].unique() if sha not in colour_cache]
    if not missing:
        return 0
    names = list(visual.palette(settings).names)
    colour_vectors = _concept_vectors([f"{name} product" for name in names], settings, encoder, cache["text"])
    image_vectors = np.stack([cache["image"].get(sha) for sha in missing])
    for sha, readings in zip(missing, visual.zero_shot(image_vectors, colour_vectors, names), strict=True):
        colour_cache.put(sha, json.dumps(readings))
    colour_cache.save()
    return len(missing)


def _caches(layout: Layout, settings: Settings, encoder: models.ClipEncoder | None) -> dict[str, EmbeddingCache]:
    if encoder is None:
        return {}
    folder = settings.cache_dir or layout.cache
    return {kind: EmbeddingCache(folder, encoder.model_id, encoder.weights_sha256, kind) for kind in ("image", "text")}


@dataclass
class _Read:
    images: pd.DataFrame
    rejected: list[Rejected]
    encoded: int
    colours_read: int
    colour_seconds: float  # spent reading colours, summed over the images (and worker processes)


def _read_all(
    referenced: pd.DataFrame,
    policy: ImagePolicy,
    encoder: models.ClipEncoder | None,
    cache: dict[str, EmbeddingCache],
    palette: colours.Palette | None,
    colour_cache: ResultCache,
) -> _Read:
    """Reads every referenced image once, within ``policy``; in CLIP mode encodes those not in the cache; with a
    ``palette``, reads the colours of those not in ``colour_cache`` and keeps them there."""
    from torch.utils.data import DataLoader, Dataset

    settings = policy.settings
    known = colour_cache.keys() if palette else frozenset()
    source = ImageSource(
        referenced["image_uri"].tolist(), policy, encoder.preprocess if encoder else None, palette, known
    )
    # ImageSource is a map-style dataset (__getitem__ and __len__), which is all DataLoader needs of a Dataset
    loader: DataLoader[Loaded] = DataLoader(
        cast("Dataset[Loaded]", source),
        batch_size=settings.clip_batch_size,
        num_workers=settings.clip_workers,
        collate_fn=list,
    )
    rows, rejected, encoded, colours_read, colour_seconds = [], [], 0, 0, 0.0
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
            colour_seconds += item.colour_seconds
            if item.colours is not None and item.sha256 not in colour_cache:
                colour_cache.put(item.sha256, json.dumps(item.colours))
                colours_read += 1
            if encoder is not None and item.sha256 not in cache["image"]:
                pending.setdefault(item.sha256, item.pixels)
        if pending and encoder is not None:
            vectors = _encode_pixels(list(pending.values()), encoder)
            for sha256, vector in zip(pending, vectors, strict=True):
                cache["image"].put(sha256, vector)
            encoded += len(pending)
    if encoder is not None:
        cache["image"].save()
    colour_cache.save()
    return _Read(pd.DataFrame(rows, columns=IMAGE_SCHEMA.names), rejected, encoded, colours_read, colour_seconds)


def ground_by_text(
    concepts: pd.DataFrame, links: pd.DataFrame, images: pd.DataFrame, settings: Settings
) -> pd.DataFrame:
    """Images for each category concept without CLIP: its own products' images, ranked by how typical each product's
    categories are of the concept's products (also used by the concept-quality benchmark for its baseline)."""
    from scipy import sparse

    categories = concepts.loc[concepts["kind"] == CATEGORY, "concept_id"]
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
    position_of_sha = dict(zip(pool["sha256"], pool.index, strict=True))
    with_images = links.merge(images[["product_id", "sha256"]], on="product_id")
    shas_of = with_images.groupby("concept_id")["sha256"].agg(set).to_dict()
    own = {concept: {position_of_sha[sha] for sha in shas} for concept, shas in shas_of.items()}
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
        for text, vector in zip(batch, _encode_texts(batch, encoder), strict=True):
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
