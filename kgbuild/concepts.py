"""Concept mining stage: product titles → multi-granular concept phrases (spaCy) + product→concept links.

A noun chunk "short sleeve t-shirt" yields every phrase from the head noun outwards ("t-shirt",
"sleeve t-shirt", "short sleeve t-shirt"); a chunk followed by "in"/"with" and another noun phrase also
yields "X in Y" ("short sleeve t-shirt in white"). Phrases with fewer than ``min_support`` products are dropped.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from typing import Any, Iterable

import pandas as pd
import pyarrow as pa
from tqdm import tqdm

from kgbuild import models
from kgbuild.settings import Settings
from kgbuild.workdir import Layout, read_parquet, write_parquet

STAGE = "concepts"
CONCEPT_SCHEMA = pa.schema(
    [("concept_id", pa.string()), ("name", pa.string()), ("kind", pa.string()), ("product_count", pa.int64())]
)
PRODUCT_CONCEPT_SCHEMA = pa.schema([("product_id", pa.string()), ("concept_id", pa.string()), ("field", pa.string())])
SKIPPED_POS = {"DET", "NUM", "PUNCT", "PRON", "CCONJ", "PART", "SYM", "X"}
LINKING_PREPOSITIONS = {"in", "with"}
# Nouns whose singular lemma would change the product ("jeans" is not a "jean").
PLURAL_ONLY = {
    "jeans", "shorts", "trousers", "pants", "leggings", "jeggings", "tights", "briefs", "boxers", "trunks",
    "pyjamas", "joggers", "chinos", "capris", "sunglasses", "glasses", "flops", "slippers", "sneakers", "heels",
    "flats", "shoes", "sandals", "socks", "gloves", "earrings", "clothes",
}
# Spelling variants unified before parsing (one alphabetic token each) and their canonical written form.
_VARIANTS = [(re.compile(r"\bt[\s-]?shirt(s?)\b"), r"tshirt\1")]
CANONICAL_SPELLING = {"tshirt": "t-shirt", "tshirts": "t-shirt"}


def concept_id(name: str) -> str:
    """Stable id from the canonical name, so re-runs and new catalogs extend the graph instead of renumbering it."""
    return "c_" + hashlib.sha256(name.encode()).hexdigest()[:16]


def prepare(text: str) -> str:
    """Lower-cases and unifies spelling variants before parsing (catalog Title Case confuses the tagger)."""
    text = text.lower()
    for pattern, replacement in _VARIANTS:
        text = pattern.sub(replacement, text)
    return text


def word(token: Any) -> str:
    """The canonical form of one word: the lemma for ordinary plurals, the surface form for plural-only nouns."""
    text = token.lower_
    if token.pos_ in {"NOUN", "PROPN"} and text not in PLURAL_ONLY:
        text = token.lemma_.lower()
    return CANONICAL_SPELLING.get(text, text)


def _content(token: Any) -> bool:
    return token.is_alpha and token.pos_ not in SKIPPED_POS


def phrases(doc: Any) -> list[str]:
    """Concept phrases of one parsed title, in order of appearance, without repeats."""
    found: list[str] = []
    for chunk in doc.noun_chunks:
        words = [word(t) for t in chunk if _content(t)]
        for start in range(len(words) - 1, -1, -1):
            found.append(" ".join(words[start:]))
        if words:
            found.extend(_linked_phrases(chunk, " ".join(words)))
    return list(dict.fromkeys(p for p in found if p))


def _linked_phrases(chunk: Any, head_phrase: str) -> Iterable[str]:
    for preposition in chunk.root.children:
        if preposition.dep_ == "prep" and preposition.lower_ in LINKING_PREPOSITIONS:
            for obj in preposition.children:
                if obj.dep_ == "pobj":
                    tail = [word(t) for t in obj.subtree if _content(t)]
                    if tail:
                        yield f"{head_phrase} {preposition.lower_} {' '.join(tail)}"


def mine(products: pd.DataFrame, nlp: Any, batch_size: int, min_support: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(concepts, product_concepts) for products with columns product_id and title."""
    products_of: dict[str, set[str]] = defaultdict(set)
    texts = (prepare(title) for title in products["title"])
    docs = nlp.pipe(texts, batch_size=batch_size)
    for product_id, doc in tqdm(zip(products["product_id"], docs), total=len(products), desc="concepts", unit="title"):
        for phrase in phrases(doc):
            products_of[phrase].add(product_id)
    kept = sorted(name for name, members in products_of.items() if len(members) >= min_support)
    concepts = pd.DataFrame(
        {
            "concept_id": [concept_id(name) for name in kept],
            "name": kept,
            "kind": "category",
            "product_count": [len(products_of[name]) for name in kept],
        },
        columns=CONCEPT_SCHEMA.names,
    )
    links = pd.DataFrame(
        [(product_id, concept_id(name), "title") for name in kept for product_id in sorted(products_of[name])],
        columns=PRODUCT_CONCEPT_SCHEMA.names,
    )
    return concepts, links


def run(layout: Layout, settings: Settings) -> dict[str, Any]:
    products = read_parquet(layout.products)
    concepts, links = mine(products, models.spacy_pipeline(settings), settings.spacy_batch_size, settings.min_support)
    write_parquet(links, layout.product_concepts, PRODUCT_CONCEPT_SCHEMA)
    write_parquet(concepts, layout.mined_concepts, CONCEPT_SCHEMA)
    linked = links["product_id"].nunique()
    return {"products": len(products), "concepts": len(concepts), "links": len(links), "products_linked": int(linked)}
