"""Concept mining stage: product text → typed concepts at several granularities + product→concept links.

Per text (titles by default; ``text_cols`` adds descriptions):

1. spaCy tokenizes and lemmatizes; spelling variants are unified ("T-shirt", "Tshirt", "tee" → "t-shirt") and
   plural-only nouns keep their plural ("jeans", "flip flops").
2. The brand is removed: taken from a brand column when the catalog has one, else learned from the catalog
   (words before an audience word such as "Men", and leading words that recur across unrelated product types).
3. Audience, colour, pattern, material and style words become typed concepts (``kind``) linked to the product.
4. The title's main phrase (of the segments not introduced by "with"/"in", the one whose last word most often
   ends titles in this catalog) gives the category concepts: the head noun and each longer modifier+head phrase, plus "X with/in Y".
5. Near-synonyms merge into one canonical concept with aliases (see :mod:`kgbuild.synonyms`), concepts below
   ``min_support`` products are dropped, and a head that almost only occurs inside one compound ("flops" in
   "flip flops") gives way to the compound.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import pyarrow as pa
from tqdm import tqdm

from kgbuild import lexicon, models, synonyms
from kgbuild.settings import Settings
from kgbuild.workdir import Layout, read_parquet, write_parquet

STAGE = "concepts"
CATEGORY = "category"
CONCEPT_SCHEMA = pa.schema(
    [
        ("concept_id", pa.string()),
        ("name", pa.string()),
        ("kind", pa.string()),
        ("aliases", pa.list_(pa.string())),
        ("product_count", pa.int64()),
        ("embedding", pa.list_(pa.float32())),  # sentence embedding of the name, for Neo4j's vector index
    ]
)
PRODUCT_CONCEPT_SCHEMA = pa.schema([("product_id", pa.string()), ("concept_id", pa.string()), ("field", pa.string())])
# Every category phrase mined from a product before merging and thresholds (FashionKLIP's "phrases").
PRODUCT_PHRASE_SCHEMA = pa.schema([("product_id", pa.string()), ("phrase", pa.string())])
_TSHIRT = re.compile(r"\bt[\s-]?shirt(s?)\b")
_INNER_HYPHEN = re.compile(r"(?<=[a-z])-(?=[a-z])")
_HAS_DIGIT = re.compile(r"\d")
_MAX_LEXICON_WORDS = 3


def concept_id(name: str, kind: str = CATEGORY) -> str:
    """Stable id from kind and canonical name, so re-runs and new catalogs extend the graph instead of renumbering it."""
    return "c_" + hashlib.sha256(f"{kind}:{name}".encode()).hexdigest()[:16]


def prepare(text: str) -> str:
    """Lower case, one token per t-shirt spelling, inner hyphens as spaces ("V-Neck" → "v neck")."""
    return _INNER_HYPHEN.sub(" ", _TSHIRT.sub(r"tshirt\1", text.lower()))


@dataclass(frozen=True)
class Word:
    surface: str
    canonical: str


def words_of(doc: Any) -> list[Word]:
    return [Word(t.lower_, _canonical(t)) for t in doc if not t.is_space]


def _canonical(token: Any) -> str:
    text = token.lower_
    if text in lexicon.VARIANTS:
        return lexicon.VARIANTS[text]
    if text in lexicon.PLURAL_ONLY or token.pos_ not in {"NOUN", "PROPN"}:
        return text
    lemma = token.lemma_.lower()
    return lexicon.VARIANTS.get(lemma, lemma)


@dataclass
class Mention:
    """What one text says: typed attribute values and category phrases."""

    attributes: set[tuple[str, str]] = field(default_factory=set)
    phrases: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Vocabulary:
    """What is learned from the whole catalog before phrases are cut: brands and how often a word ends a title."""

    brands: frozenset[tuple[str, ...]]
    head_score: Counter

    def strip_brand(self, words: list[Word]) -> tuple[str | None, list[Word]]:
        surfaces = tuple(w.surface for w in words)
        for size in range(min(len(words) - 1, 6), 0, -1):
            if surfaces[:size] in self.brands:
                return " ".join(surfaces[:size]), words[size:]
        return None, words


def learn_vocabulary(texts: list[list[Word]], brand_values: list[str | None]) -> Vocabulary:
    brands: set[tuple[str, ...]] = set()
    for words, brand in zip(texts, brand_values):
        if brand:
            brands.add(tuple(brand.lower().split()))
            continue
        surfaces = [w.surface for w in words]
        audience = next((i for i, s in enumerate(surfaces[:6]) if s in lexicon.GENDER), None)
        if audience and not any(_typed_kind(s) for s in surfaces[:audience]):
            brands.add(tuple(surfaces[:audience]))
    brands |= _leading_brands(texts, brands)
    head_score: Counter = Counter()
    for words in texts:
        phrases = [_phrase_words(items) for _, items in _segments(_typed(words))]
        if phrases and phrases[-1]:
            head_score[phrases[-1][-1]] += 1
    return Vocabulary(frozenset(brands), head_score)


def _leading_brands(texts: list[list[Word]], known: set[tuple[str, ...]]) -> set[tuple[str, ...]]:
    """Leading words that almost never appear elsewhere and lead titles of at least two different product types."""
    leading: Counter = Counter()
    anywhere: Counter = Counter()
    endings: dict[str, set[str]] = defaultdict(set)
    for words in texts:
        if not words:
            continue
        first = words[0].surface
        leading[first] += 1
        endings[first].add(words[-1].canonical)
        anywhere.update({w.surface for w in words})
    known_first_words = {brand[0] for brand in known}
    return {
        (word,)
        for word, count in leading.items()
        if count / anywhere[word] >= 0.9
        and len(endings[word]) >= 2
        and word not in known_first_words
        and word.isalpha()
        and not _typed_kind(word)
        and word not in lexicon.GENDER
    }


def _typed_kind(text: str) -> str | None:
    for kind, vocabulary in lexicon.ATTRIBUTE_KINDS.items():
        if text in vocabulary:
            return kind
    return None


@dataclass(frozen=True)
class Typed:
    """A word or lexicon phrase with its role in the title."""

    text: str
    role: str  # content, separator, linking, audience, junk, colour, pattern, material, style


def _typed(words: list[Word]) -> list[Typed]:
    """Longest-match typing of the words against the lexicons."""
    result: list[Typed] = []
    index = 0
    while index < len(words):
        for size in range(min(_MAX_LEXICON_WORDS, len(words) - index), 0, -1):
            span = " ".join(w.surface for w in words[index : index + size])
            canonical_span = " ".join(w.canonical for w in words[index : index + size])
            matched = span if _typed_kind(span) else canonical_span
            kind = _typed_kind(matched)
            if kind:
                result.append(Typed(lexicon.COLOUR_VARIANTS.get(matched, matched) if kind == "colour" else matched, kind))
                index += size
                break
        else:
            result.append(_typed_word(words[index]))
            index += 1
    return result


def _typed_word(word: Word) -> Typed:
    surface = word.surface
    if surface in lexicon.SEPARATORS or not any(c.isalnum() for c in surface):
        return Typed(surface, "separator")
    if surface in lexicon.LINKING:
        return Typed(surface, "linking")
    if surface in lexicon.GENDER:
        return Typed(lexicon.GENDER[surface], "audience")
    if surface in lexicon.COLOUR_VARIANTS:
        colour = lexicon.COLOUR_VARIANTS[surface]
        return Typed(colour, "colour") if colour else Typed(surface, "junk")
    if _HAS_DIGIT.search(surface) or surface in lexicon.PACK_WORDS or len(surface) < 2:
        return Typed(surface, "junk")
    return Typed(word.canonical, "content")


_PHRASE_ROLES = {"content", "pattern", "material", "style"}


def _segments(typed: list[Typed]) -> list[tuple[str | None, list[Typed]]]:
    """(linking word before it, items) per segment: separators and linking words cut segments; audience words and
    junk are left out."""
    segments: list[tuple[str | None, list[Typed]]] = [(None, [])]
    for item in typed:
        if item.role in {"separator", "linking"}:
            if segments[-1][1]:
                segments.append((item.text if item.role == "linking" else None, []))
        elif item.role in _PHRASE_ROLES or item.role == "colour":
            segments[-1][1].append(item)
    return [s for s in segments if s[1]]


def _phrase_words(items: list[Typed]) -> list[str]:
    """Words of a category phrase: colours are attributes and are left out."""
    return [t.text for t in items if t.role in _PHRASE_ROLES]


def analyze(words: list[Word], vocabulary: Vocabulary, max_words: int) -> Mention:
    brand, words = vocabulary.strip_brand(words)
    typed = _typed(words)
    mention = Mention()
    if brand:
        mention.attributes.add(("brand", brand))
    mention.attributes |= {(t.role, t.text) for t in typed if t.role in {"colour", "pattern", "material", "style", "audience"}}
    segments = [(link, items, _phrase_words(items)) for link, items in _segments(typed)]
    candidates = [i for i, (_, _, phrase) in enumerate(segments) if phrase]
    if not candidates:
        return mention
    # A segment after "with"/"in" describes the product ("... with Zip Closure"); it is the main one only if alone.
    candidates = [i for i in candidates if segments[i][0] is None] or candidates
    main = max(candidates, key=lambda i: (vocabulary.head_score[segments[i][2][-1]], i))
    run = segments[main][2][-max_words:]
    mention.phrases.extend(" ".join(run[start:]) for start in range(len(run) - 1, -1, -1))
    if main + 1 < len(segments) and segments[main + 1][0]:
        link, tail, _ = segments[main + 1]
        tail_text = " ".join(t.text for t in tail[-max_words:])  # "in white": here a colour belongs to the phrase
        mention.phrases.append(f"{run[-1]} {link} {tail_text}")
        if len(run) > 1:
            mention.phrases.append(f"{' '.join(run)} {link} {tail_text}")
    return mention


def mine(
    products: pd.DataFrame, nlp: Any, settings: Settings, encoder: Any
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(concepts, product_concepts, product_phrases) for products with product_id, the text columns and attributes;
    ``encoder`` (a sentence-transformers model) merges near-synonyms and embeds concept names."""
    attributes = products["attributes"].map(json.loads)
    brand_values = [a.get(settings.brand_col) for a in attributes]
    texts: list[tuple[str, str, list[Word]]] = []
    for column in settings.text_cols:
        if column not in products.columns:
            raise ValueError(f"text column {column!r} is not a product field (title, description)")
        present = products[products[column].notna()]
        docs = nlp.pipe((prepare(t) for t in present[column]), batch_size=settings.spacy_batch_size)
        for product_id, doc in tqdm(zip(present["product_id"], docs), total=len(present), desc=f"concepts ({column})", unit="text"):
            texts.append((product_id, column, words_of(doc)))
    brand_of = dict(zip(products["product_id"], brand_values))
    vocabulary = learn_vocabulary([w for _, _, w in texts], [brand_of[p] for p, _, _ in texts])
    members: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)  # (kind, name) → product → first field
    phrases: dict[tuple[str, str], None] = {}
    for product_id, column, words in texts:
        mention = analyze(words, vocabulary, settings.max_phrase_words)
        phrases.update(dict.fromkeys((product_id, p) for p in mention.phrases))
        for key in [*mention.attributes, *((CATEGORY, p) for p in mention.phrases)]:
            members[key].setdefault(product_id, column)
    merged = synonyms.merge(members, encoder if settings.merge_cosine < 1 else None, settings)
    concepts, links = _tables(merged, settings, encoder)
    return concepts, links, pd.DataFrame(list(phrases), columns=PRODUCT_PHRASE_SCHEMA.names)


def _tables(merged: list[synonyms.Concept], settings: Settings, encoder: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
    kept = [c for c in merged if len(c.products) >= settings.min_support]
    kept = synonyms.drop_absorbed_heads(kept, settings.compound_share)
    kept.sort(key=lambda c: (c.kind, c.name))
    concepts = pd.DataFrame(
        {
            "concept_id": [concept_id(c.name, c.kind) for c in kept],
            "name": [c.name for c in kept],
            "kind": [c.kind for c in kept],
            "aliases": [sorted(c.aliases) for c in kept],
            "product_count": [len(c.products) for c in kept],
            "embedding": list(encoder.encode([c.name for c in kept], batch_size=256, normalize_embeddings=True))
            if kept
            else [],
        },
        columns=CONCEPT_SCHEMA.names,
    )
    links = pd.DataFrame(
        [(p, concept_id(c.name, c.kind), f) for c in kept for p, f in sorted(c.products.items())],
        columns=PRODUCT_CONCEPT_SCHEMA.names,
    )
    return concepts, links


def run(layout: Layout, settings: Settings) -> dict[str, Any]:
    products = read_parquet(layout.products)
    concepts, links, phrases = mine(products, models.spacy_pipeline(settings), settings, models.sentence_encoder(settings))
    write_parquet(phrases, layout.product_phrases, PRODUCT_PHRASE_SCHEMA)
    write_parquet(links, layout.product_concepts, PRODUCT_CONCEPT_SCHEMA)
    write_parquet(concepts, layout.mined_concepts, CONCEPT_SCHEMA)
    categories = set(concepts.loc[concepts["kind"] == CATEGORY, "concept_id"])
    return {
        "products": len(products),
        "concepts": len(concepts),
        "concepts_by_kind": {k: int(v) for k, v in concepts["kind"].value_counts().items()},
        "links": len(links),
        "products_with_category": int(links.loc[links["concept_id"].isin(categories), "product_id"].nunique()),
    }

