"""Visual attributes: the colours a product's image shows, as links to the same colour concepts its text creates.

The image stage reads each distinct image's dominant colours once (:func:`read_colours`, weight-free by default,
:mod:`kgbuild.colours`; zero-shot with CLIP over the palette's names when ``colour_method`` is ``clip`` and a CLIP
model is configured), keeps them by image sha256 across builds, and :func:`attach` turns the readings of at least
``min_colour_confidence`` into links. A product's text colours count as its own when its title names them or its
description is its own (not shared with a differently pictured product, as colour variants often share one):

* a colour the text also names: the text's link gets the reading's ``confidence`` (both sources agree);
* a colour the image shows where the text names other colours of its own: a link with ``field`` "image", its
  ``confidence`` and ``contradicts_text`` true. The text's colour is never replaced or removed;
* a colour the image shows where the text names none of its own: a link with ``field`` "image", when its confidence
  reaches the threshold the catalog earns: the lowest confidence at which the catalog's images agree with the
  colours its texts do name at least ``min_colour_precision`` of the time (with too few such products to judge by,
  ``min_colour_confidence``).

A colour no text of the catalog names becomes a colour concept (the palette's name, with its aliases), with an
embedding, an is-a parent among the colours and images like any concept, once it has ``min_support`` products.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from PIL import Image

from kgbuild import colours, hierarchy, lexicon
from kgbuild.concepts import concept_id
from kgbuild.domain import COLOUR, CONCEPT_SCHEMA, IMAGE_FIELD, PRODUCT_CONCEPT_SCHEMA
from kgbuild.errors import BadInput
from kgbuild.settings import Settings
from kgbuild.synonyms import match_key

Reading = tuple[str, float]  # (palette colour name, confidence)
CALIBRATION_PRODUCTS = 50  # products naming their own colour needed to judge how far the images agree with texts
_WORDS = re.compile(r"[a-z]+(?:[-'][a-z]+)*")


def palette(settings: Settings) -> colours.Palette:
    """The palette images are read against: ``colour_palette``'s names, or the default."""
    if not settings.colour_palette:
        return colours.DEFAULT_PALETTE
    try:
        return colours.Palette.from_names(settings.colour_palette)
    except ValueError as error:
        raise BadInput(f"--colour-palette: {error}") from error


def identity(settings: Settings, clip_model: str | None) -> str:
    """What a cached reading depends on: the method, the palette and the code that reads colours."""
    method = f"clip {clip_model}" if clip_model else "pixels"
    entries = [(e.name, e.references) for e in palette(settings).entries]
    code = hashlib.sha256(inspect.getsource(colours).encode()).hexdigest()
    return json.dumps([method, entries, code])


def read_colours(image: Image.Image, chosen: colours.Palette) -> list[Reading]:
    """The image's dominant colours by its pixels: (name, confidence), largest first."""
    return [(r.name, round(r.confidence, 4)) for r in colours.dominant_colours(image, chosen)]


def zero_shot(image_vectors: np.ndarray, colour_vectors: np.ndarray, names: list[str]) -> list[list[Reading]]:
    """Per image, the palette colour CLIP finds likeliest (softmax over the palette at CLIP's logit scale 100), with
    its probability as confidence. Vectors are unit length."""
    logits = 100 * image_vectors @ colour_vectors.T
    probabilities = np.exp(logits - logits.max(axis=1, keepdims=True))
    probabilities /= probabilities.sum(axis=1, keepdims=True)
    best = probabilities.argmax(axis=1)
    return [[(names[b], round(float(p[b]), 4))] for b, p in zip(best, probabilities, strict=True)]


@dataclass
class Attached:
    concepts: pd.DataFrame  # HIERARCHY_SCHEMA: the hierarchy's concepts and the colours only images showed
    links: pd.DataFrame  # PRODUCT_CONCEPT_SCHEMA
    figures: dict[str, Any]


def attach(
    concepts: pd.DataFrame,
    links: pd.DataFrame,
    products: pd.DataFrame,
    images: pd.DataFrame,
    readings: dict[str, list[Reading]],
    settings: Settings,
    embed: Callable[[list[str]], np.ndarray],
) -> Attached:
    """The concept and link tables with the image colours of at least ``min_colour_confidence`` added (see the
    module docstring). ``readings``: by image sha256; ``embed`` embeds new colour concepts' names."""
    links = text_only(concepts, links).links
    chosen = palette(settings)
    colour_id = _colour_concepts(concepts, chosen)
    own = own_text_colours(concepts, links, products, images)
    seen: dict[tuple[str, str], float] = {}
    for product_id, sha256 in zip(images["product_id"], images["sha256"], strict=True):
        for name, confidence in readings.get(sha256, []):
            if confidence >= settings.min_colour_confidence:
                key = (product_id, colour_id.get(name) or concept_id(name, COLOUR))
                seen[key] = max(seen.get(key, 0.0), confidence)
    image_links = pd.DataFrame(
        [(p, c, conf) for (p, c), conf in seen.items()], columns=["product_id", "concept_id", "confidence"]
    )
    threshold, calibration = _silent_threshold(image_links, own, settings)
    has_own = image_links["product_id"].map(lambda p: bool(own.get(p))).astype(bool)
    image_links = image_links[has_own | (image_links["confidence"] >= threshold)]
    known = links.set_index(["product_id", "concept_id"]).index
    confirmed = image_links.set_index(["product_id", "concept_id"]).index.isin(known)
    by_pair = dict(
        zip(
            zip(image_links["product_id"], image_links["concept_id"], strict=True),
            image_links["confidence"],
            strict=True,
        )
    )
    pairs = list(zip(links["product_id"], links["concept_id"], strict=True))
    links["confidence"] = [by_pair.get(pair, np.nan) for pair in pairs]
    only_image = image_links[~confirmed].assign(field=IMAGE_FIELD, primary=False)
    only_image["contradicts_text"] = [bool(own.get(p)) for p in only_image["product_id"]]
    added = _new_colours(only_image, concepts, chosen, settings, embed)
    only_image = only_image[only_image["concept_id"].isin(set(concepts["concept_id"]) | set(added["concept_id"]))]
    all_links = pd.concat([links, only_image[PRODUCT_CONCEPT_SCHEMA.names]], ignore_index=True)
    counts = all_links.groupby("concept_id")["product_id"].nunique()
    # new concepts may take is-a parents or children among the colours: then the hierarchy is built again
    final = hierarchy.build(pd.concat([concepts[CONCEPT_SCHEMA.names], added])) if len(added) else concepts.copy()
    final["product_count"] = final["concept_id"].map(counts).fillna(final["product_count"]).astype("int64")
    final["aliases"] = [
        _with_spellings(name, aliases, chosen) if kind == COLOUR else aliases
        for name, kind, aliases in zip(final["name"], final["kind"], final["aliases"], strict=True)
    ]
    figures = {
        "products_with_image_colour": int(image_links["product_id"].nunique()),
        "image_colour_links": len(image_links),
        "confirming_text": int(confirmed.sum()),
        "only_in_image": len(only_image),
        "products_contradicting_text": int(only_image.loc[only_image["contradicts_text"], "product_id"].nunique()),
        "colour_concepts_from_images": len(added),
        "products_with_own_text_colour": sum(map(bool, own.values())),
        "calibration": calibration,
    }
    return Attached(final, all_links[PRODUCT_CONCEPT_SCHEMA.names], figures)


def own_text_colours(
    concepts: pd.DataFrame, links: pd.DataFrame, products: pd.DataFrame, images: pd.DataFrame
) -> dict[str, set[str]]:
    """Per product, the colours its text names that are its own: named in its title, or in a description that no
    product with another image shares (colour variants often share one description, which then names one variant's
    colour, or several)."""
    colours_ = concepts[concepts["kind"] == COLOUR]
    terms = {
        cid: {match_key(t) for t in [name, *aliases]}
        for cid, name, aliases in zip(colours_["concept_id"], colours_["name"], colours_["aliases"], strict=True)
    }
    text = links[links["concept_id"].isin(terms) & (links["field"] != IMAGE_FIELD)]
    named = text.groupby("product_id")["concept_id"].agg(set)
    pictures = products[["product_id", "description"]].merge(images[["product_id", "sha256"]], on="product_id")
    shared = set(
        pictures.dropna(subset=["description"]).groupby("description")["sha256"].nunique().loc[lambda n: n > 1].index
    )
    own: dict[str, set[str]] = {}
    for product_id, title, description in zip(
        products["product_id"], products["title"], products["description"], strict=True
    ):
        if product_id not in named.index:
            continue
        in_title = _title_keys(title or "")
        private = description is not None and description == description and description not in shared
        own[product_id] = {c for c in named[product_id] if private or terms[c] & in_title}
    return own


def _title_keys(title: str) -> set[str]:
    """Comparison keys of every run of one to three words in a title."""
    words = _WORDS.findall(title.lower())
    return {match_key(" ".join(words[i : i + n])) for n in (1, 2, 3) for i in range(len(words) - n + 1)}


def _silent_threshold(
    image_links: pd.DataFrame, own: dict[str, set[str]], settings: Settings
) -> tuple[float, dict[str, Any]]:
    """The confidence an image colour needs to stand alone for a product whose text names no colour of its own:
    the lowest at which the catalog's images agree with the colours its texts do name at least
    ``min_colour_precision`` of the time (on their most confident reading); ``min_colour_confidence`` when too
    few products name their colour to judge by; never (infinity) when no confidence earns that agreement."""
    top = image_links.sort_values("confidence", ascending=False).drop_duplicates("product_id")
    judged = top[top["product_id"].map(lambda p: bool(own.get(p))).astype(bool)]
    agrees = np.array([c in own[p] for p, c in zip(judged["product_id"], judged["concept_id"], strict=True)])
    confidence = judged["confidence"].to_numpy()
    figures: dict[str, Any] = {"products_judged": len(judged)}
    if len(judged) < CALIBRATION_PRODUCTS:
        return settings.min_colour_confidence, figures | {"threshold": settings.min_colour_confidence}
    for threshold in np.arange(settings.min_colour_confidence, 1.0, 0.05):
        chosen = confidence >= threshold
        if chosen.sum() >= CALIBRATION_PRODUCTS / 2 and agrees[chosen].mean() >= settings.min_colour_precision:
            return float(threshold), figures | {
                "threshold": round(float(threshold), 2),
                "agreement": round(float(agrees[chosen].mean()), 4),
            }
    return float("inf"), figures | {"threshold": None}


def _with_spellings(name: str, aliases: Any, chosen: colours.Palette) -> list[str]:
    """A colour concept's aliases with the palette's other spellings of its name ("gray" for "grey"), so it is
    found by either."""
    spelled = _spelling(name)
    return sorted({*aliases, *(t for t in chosen.aliases if t != name and _spelling(t) == spelled)})


def _spelling(term: str) -> str:
    return " ".join(lexicon.COLOUR_VARIANTS.get(word, word) for word in term.split())


def _colour_concepts(concepts: pd.DataFrame, chosen: colours.Palette) -> dict[str, str]:
    """Palette name → the id of the catalog's colour concept with that name or one of its aliases."""
    by_key: dict[str, str] = {}
    colour_rows = concepts[concepts["kind"] == COLOUR]
    for cid, name, aliases in zip(colour_rows["concept_id"], colour_rows["name"], colour_rows["aliases"], strict=True):
        for term in [name, *aliases]:
            by_key.setdefault(match_key(term), cid)
    found = {}
    for entry in chosen.entries:
        ids = [by_key[k] for k in map(match_key, (entry.name, *entry.aliases)) if k in by_key]
        if ids:
            found[entry.name] = ids[0]
    return found


def text_only(concepts: pd.DataFrame, links: pd.DataFrame) -> Attached:
    """The tables as the text made them, when no image colour is read."""
    links = links.assign(confidence=np.nan, contradicts_text=pd.array([pd.NA] * len(links), dtype="boolean"))
    return Attached(concepts, links[PRODUCT_CONCEPT_SCHEMA.names], {})


def _new_colours(
    only_image: pd.DataFrame,
    concepts: pd.DataFrame,
    chosen: colours.Palette,
    settings: Settings,
    embed: Callable[[list[str]], np.ndarray],
) -> pd.DataFrame:
    """Colour concepts for palette colours no text named, with ``min_support`` products or more."""
    existing = set(concepts["concept_id"])
    support = only_image[~only_image["concept_id"].isin(existing)].groupby("concept_id")["product_id"].nunique()
    entries = [e for e in chosen.entries if support.get(concept_id(e.name, COLOUR), 0) >= settings.min_support]
    names = [e.name for e in entries]
    return pd.DataFrame(
        {
            "concept_id": [concept_id(name, COLOUR) for name in names],
            "name": names,
            "kind": COLOUR,
            "aliases": [sorted(e.aliases) for e in entries],
            "product_count": [int(support[concept_id(name, COLOUR)]) for name in names],
            "embedding": list(embed(names)) if names else [],
        },
        columns=CONCEPT_SCHEMA.names,
    )
