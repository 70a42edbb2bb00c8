"""Near-synonym merging, layered from safe to fuzzy, always within one concept kind:

1. the same comparison key (case, hyphens, spaces, punctuation and plural ignored: "sun glasses" = "sunglasses");
2. spelling variants: the same number of words and the same head, every differing word pair sharing a stem of
   at least four letters, and sentence-transformers embeddings (all-MiniLM-L6-v2) and string similarity both
   above their thresholds. So "stripe shirt" / "striped shirt" merge, while related but different products stay
   apart: "striped shirt" / "striped t-shirt", "kurta" / "kurti", "printed shirt" / "striped shirt", and a phrase
   and its own refinement ("leather shoe" / "classic leather shoe").

The canonical name is the variant with the most products; the others become aliases.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import lru_cache
from typing import Any

import numpy as np

from kgbuild import lexicon, models
from kgbuild.domain import CATEGORY
from kgbuild.settings import Settings

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_Y_OR_IE = re.compile(r"(?<=[a-z])(?:ie|y)$")
_STEM = 4
_COMPOUND_EVIDENCE = 3


def singular(word: str) -> str:
    if irregular := models.irregular_plurals().get(word):  # "mice", "knives", "tomatoes"
        return irregular
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if re.search(r"(?:ss|ch|sh|x)es$", word):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


@lru_cache(maxsize=1 << 18)
def match_key(text: str) -> str:
    """Comparison key: lower case, no punctuation, hyphens or spaces, each word singular ("T-Shirts" → "tshirt");
    a final "y" or "ie" reads as "i", since "ies" may be the plural of either ("hoodies" = "hoodie")."""
    words = _NON_ALNUM.sub(" ", text.lower().replace("-", "")).split()
    return "".join(_Y_OR_IE.sub("i", singular(w)) for w in words)


@dataclass
class Concept:
    kind: str
    name: str
    aliases: set[str] = field(default_factory=set)
    products: dict[str, str] = field(default_factory=dict)  # product id → field it was found in


Evidence = dict[str, Any]


@dataclass(frozen=True)
class NamedAlike:
    """Product families per category name, and per pair of names one product is called by."""

    families: Counter
    together: Counter

    def evidence(self, a: str, b: str, share: float) -> int:
        """Families that call one product both ``a`` and ``b``, if they are at least two and at least ``share`` of
        the rarer name's families; else 0."""
        both = self.together[frozenset((a, b))]
        rarer = min(self.families[a], self.families[b])
        return both if both >= 2 and rarer and both >= share * rarer else 0


def merge(
    members: dict[tuple[str, str], dict[str, str]],
    encoder: Any,
    settings: Settings,
    named: NamedAlike | None = None,
) -> tuple[list[Concept], list[Evidence]]:
    """The concepts after merging, and one evidence record per name merged into another. With ``named``, category
    names near in meaning that products are called by interchangeably merge too ("quilt cover"/"duvet cover").
    ``members``' product maps become the concepts' own (extended in place), so the caller drops ``members``."""
    by_key: dict[tuple[str, str], list[tuple[str, dict[str, str]]]] = defaultdict(list)
    for (kind, name), products in members.items():
        by_key[(kind, match_key(name))].append((name, products))
    concepts = [_combine(kind, variants) for (kind, _), variants in by_key.items()]
    evidence = [
        {"kind": c.kind, "concept": c.name, "merged": alias, "evidence": "same comparison key", "key": match_key(alias)}
        for c in concepts
        for alias in sorted(c.aliases)
    ]
    if encoder is None:
        return concepts, evidence
    is_candidate = [c.kind == CATEGORY and len(c.products) >= settings.min_support for c in concepts]
    candidates = [c for c, chosen in zip(concepts, is_candidate, strict=True) if chosen]
    others = [c for c, chosen in zip(concepts, is_candidate, strict=True) if not chosen]
    merged, by_meaning = _merge_by_embedding(candidates, encoder, settings, named or NamedAlike(Counter(), Counter()))
    return others + merged, evidence + by_meaning


def _combine(kind: str, variants: list[tuple[str, dict[str, str]]]) -> Concept:
    variants = sorted(variants, key=lambda v: (-len(v[1]), len(v[0]), v[0]))
    name, products = variants[0]
    concept = Concept(kind, name, products=products)  # extended in place: a million products' links, not copied
    for name, products in variants[1:]:
        _absorb(concept, name, products)
    return concept


def _absorb(concept: Concept, name: str, products: dict[str, str]) -> None:
    if name != concept.name:
        concept.aliases.add(name)
    for product_id, found_in in products.items():
        concept.products.setdefault(product_id, found_in)


def _merge_by_embedding(
    concepts: list[Concept], encoder: Any, settings: Settings, named: NamedAlike
) -> tuple[list[Concept], list[Evidence]]:
    if len(concepts) < 2:
        return concepts, []
    names = [c.name for c in concepts]
    # Every spelling of a candidate is embedded with the names: when products leave and another spelling comes to
    # name the concept ("stripes cap" for "stripe cap"), the rebuild finds it cached and loads no model.
    spellings = sorted({alias for c in concepts for alias in c.aliases} - set(names))
    vectors = encoder.encode(names + spellings)[: len(names)]
    similarity = vectors @ vectors.T
    parent = list(range(len(concepts)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    evidence: dict[str, Evidence] = {}
    # A pair can merge as spelling variants (cosine ≥ merge_cosine) or by products called by both names; only
    # those pairs are judged one by one.
    possible = similarity >= settings.merge_cosine
    position = {name: index for index, name in enumerate(names)}
    for pair, count in named.together.items():
        if count >= 2 and len(pair) == 2 and pair <= position.keys():
            a, b = (position[name] for name in pair)
            possible[a, b] = possible[b, a] = True
    near = possible & (similarity >= min(settings.merge_cosine, settings.synonym_cosine))
    for i, j in zip(*np.nonzero(np.triu(near, k=1)), strict=True):
        a, b, cosine = names[i], names[j], round(float(similarity[i, j]), 4)
        spelling = cosine >= settings.merge_cosine and _spelling_variants(a, b)
        if spelling and (ratio := SequenceMatcher(None, a, b).ratio()) >= settings.merge_string:
            found = {"evidence": "spelling variant", "cosine": cosine, "string": round(ratio, 4)}
        elif (families := named.evidence(a, b, settings.alias_share)) and not _contained(a, b):
            found = {"evidence": "products called by both names", "cosine": cosine, "families": families}
        else:
            continue
        parent[root(int(i))] = root(int(j))
        evidence[a] = {"with": b, **found}
        evidence[b] = {"with": a, **found}
    groups: dict[int, list[Concept]] = defaultdict(list)
    for index, concept in enumerate(concepts):
        groups[root(index)].append(concept)
    merged, records = [], []
    for group in groups.values():
        group.sort(key=lambda c: (-len(c.products), len(c.name), c.name))
        head = group[0]
        for other in group[1:]:
            _absorb(head, other.name, other.products)
            head.aliases |= other.aliases
            records.append({"kind": head.kind, "concept": head.name, "merged": other.name, **evidence[other.name]})
        merged.append(head)
    return merged, records


def _contained(a: str, b: str) -> bool:
    """One name inside the other ("shirt"/"t-shirt", "bed"/"bedspread"): related, distinct products."""
    key_a, key_b = match_key(a), match_key(b)
    return key_a in key_b or key_b in key_a


def _spelling_variants(a: str, b: str) -> bool:
    words_a, words_b = a.split(), b.split()
    if len(words_a) != len(words_b) or match_key(words_a[-1]) != match_key(words_b[-1]):
        return False
    return all(
        x[:_STEM] == y[:_STEM] and min(len(x), len(y)) >= _STEM for x, y in zip(words_a, words_b, strict=True) if x != y
    )


def drop_absorbed_heads(concepts: list[Concept], share: float) -> list[Concept]:
    """Removes a category concept when one compound covers at least ``share`` of its products ("flops" inside
    "flip flops"), so the compound becomes the head. It takes evidence (at least three products) and a modifier
    that is no typed attribute ("casual shoes" is no compound)."""
    categories = {c.name: c for c in concepts if c.kind == CATEGORY}
    absorbed = set()
    for name, concept in categories.items():
        first, _, rest = name.partition(" ")
        if not rest or rest not in categories or first in lexicon.LINKING:
            continue
        if any(first in vocabulary for vocabulary in lexicon.ATTRIBUTE_KINDS.values()):
            continue
        head = categories[rest]
        if len(head.products) >= _COMPOUND_EVIDENCE and len(concept.products) >= share * len(head.products):
            absorbed.add(rest)
    return [c for c in concepts if not (c.kind == CATEGORY and c.name in absorbed)]
