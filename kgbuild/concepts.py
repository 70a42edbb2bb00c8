"""Concept mining stage: product text → typed concepts at several granularities + product→concept links, with one
primary category per product.

Titles and descriptions play different roles (text fields: ``text_cols``, by default title and description where
the catalog has them):

* a **title** is a phrase: after its brand, style name and typed attribute words are taken out, its main segment
  gives category phrases, the head noun and each longer modifier+head phrase ("short sleeve t-shirt" → "t-shirt"),
  plus "X with/in Y";
* a **description** is sentences (:mod:`kgbuild.descriptions`): where it names the product ("this X", the first
  sentence's subject) gives a type candidate; its other noun phrases become ``detail`` concepts; boilerplate and
  spec text and what is sold separately give nothing.

What words mean is learned from the catalog (:mod:`kgbuild.vocabulary`): brands, style names (kind ``line``),
colours, units, boilerplate, and which nouns are **product types**: nouns that head product names (titles' heads,
descriptions' type candidates) in at least two product families, and do so in a fair share of the families that use
them at all, or that titles and their own descriptions agree on in two families. Parts ("hood", "cuff") and generic
words, used mostly inside other products' descriptions, are not types and never become categories. Each product's
primary category is its title's when the title's head is a type, else its description's; it is marked ``primary`` on
the link. Near-synonyms merge into one concept with aliases (:mod:`kgbuild.synonyms`), concepts below ``min_support``
products are dropped, except a type that is the only one a product names: its head stays, as that product's primary
category.
"""

from __future__ import annotations

import gc
import hashlib
import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

import pandas as pd

from kgbuild import descriptions, lexicon, models, synonyms, text_analysis, vocabulary
from kgbuild.descriptions import Sentence
from kgbuild.domain import (
    AUDIENCE,
    BRAND,
    CATEGORY,
    COLOUR,
    CONCEPT_SCHEMA,
    DETAIL,
    LINE,
    MATERIAL,
    MINED_LINK_SCHEMA,
    PATTERN,
    PRODUCT_PHRASE_SCHEMA,
    STYLE,
)
from kgbuild.embedding_cache import CachedEncoder, EmbeddingCache
from kgbuild.errors import BadInput
from kgbuild.settings import Settings
from kgbuild.stage import BuildContext, StageReport
from kgbuild.text_analysis import DESCRIPTION, TITLE
from kgbuild.vocabulary import HEADER_WORDS, Vocabulary
from kgbuild.words import Word, prepare
from kgbuild.workdir import read_parquet, write_json, write_parquet

STAGE = "concepts"
TEXT_FIELDS = ("title", "description")
_HAS_DIGIT = re.compile(r"\d")
_SEGMENT_ENDS = lexicon.SEPARATORS | lexicon.LINKING | set(lexicon.GENDER)
_COLOUR_NOUNS = {"colour", "color"}
_NEGATION = "no"  # "No Added Sugar": a segment opening with it names what the product lacks
_CONJUNCTIONS = {"and", "&", "+"}  # a segment after one continues the link of the one before
MEASURED = ""  # the link of a title segment after a number and its unit
PURPOSE = "for"  # the link of a title segment naming what the product is for ("Webcam for Laptop")
ASIDE = "("  # the link of a title segment in brackets ("Running Tee (V-neck)", "Badge (1inch/25mm diameter)")
TRAILING_NAME_HEADS = 2  # titles a word must end before a name after it is taken for a variant name
TITLE_CODE_TITLES = 3  # titles a word no description uses must end to be taken for a code after the type ("SG")
_MAX_LEXICON_WORDS = 3
_PHRASE_ROLES = {"content", PATTERN, MATERIAL, STYLE}
_HEAD_ROLES = {"content", MATERIAL}
_ATTRIBUTE_ROLES = {COLOUR, PATTERN, MATERIAL, STYLE, AUDIENCE, BRAND}


def concept_id(name: str, kind: str = CATEGORY) -> str:
    """Stable id from kind and canonical name, so re-runs and new catalogs extend the graph instead of renumbering
    it."""
    return "c_" + hashlib.sha256(f"{kind}:{name}".encode()).hexdigest()[:16]


def text_fields(products: pd.DataFrame, settings: Settings) -> list[str]:
    """The text columns mined: those of ``text_cols`` that some product fills."""
    for column in settings.text_cols:
        if column not in TEXT_FIELDS:
            raise BadInput(f"text column {column!r} is not a product text field ({', '.join(TEXT_FIELDS)})")
    return [c for c in settings.text_cols if products[c].notna().any()]


@dataclass(frozen=True)
class Typed:
    """A word or lexicon phrase with its role: content, separator, linking, audience, junk, line, brand, or an
    attribute kind."""

    text: str
    role: str
    surface: str = ""


def typed(words: list[Word], vocab: Vocabulary) -> list[Typed]:
    """Longest-match typing of the words against the catalog's vocabulary."""
    result: list[Typed] = []
    index = 0
    while index < len(words):
        first = words[index]
        if first.canonical.endswith("y"):
            first = first._replace(canonical=vocab.spelled(first.canonical))
        starts = {first.surface.split(" ", 1)[0], first.canonical.split(" ", 1)[0]}
        if starts & vocab.phrase_starts and (phrase := _lexicon_phrase(words, index, vocab)):
            result.append(phrase[0])
            index += phrase[1]
            continue
        # "Type C", "Vitamin C": one name (most catalogs learn none, so most words skip the lookup)
        if vocab.lettered and index + 1 < len(words) and (first.surface, words[index + 1].surface) in vocab.lettered:
            letter = words[index + 1].surface
            result.append(Typed(f"{first.canonical} {letter}", "content", f"{first.surface} {letter}"))
            index += 2
            continue
        if first.surface in _COLOUR_NOUNS and index and _names_a_thing(words[index - 1], vocab):
            result.append(Typed(first.canonical, "content", first.surface))  # "Hair Colour", not "Black Colour"
            index += 1
            continue
        quantity = (first.surface in vocab.units and vocabulary.number_before(words, index) is not None) or _counting(
            words, index
        )
        key = (first.surface, first.canonical, quantity)
        if key not in vocab.typed_words:  # a word reads the same wherever it stands
            matched = first.surface if vocab.kind_of(first.surface) else first.canonical
            kind = vocab.kind_of(matched)
            vocab.typed_words[key] = (
                Typed(matched, kind, first.surface) if kind else _typed_word(first, vocab, quantity)
            )
        result.append(vocab.typed_words[key])
        index += 1
    return result


def _names_a_thing(word: Word, vocab: Vocabulary) -> bool:
    """Whether a word before "colour" makes it a product ("Hair Colour", "Lip Color"): a noun that is no attribute
    ("Black Colour", "Assorted Colour" and "Multi Colour" say which colour)."""
    return word.surface in vocab.nouns and not vocab.kind_of(word.surface) and word.surface not in lexicon.GENDER


def _counting(words: list[Word], index: int) -> bool:
    """Whether the word at ``index`` counts the products or sits inside a name: a count word with its number ("2
    Pairs", "Pack of 3", "Combo Pack of 2"), the number word after one ("Pack of Five"), or a count word before
    another word of the name ("Aroma Burner Combo Lemongrass Air Freshener", "Vintage Set White Shoe")."""
    surface = words[index].surface
    if surface in lexicon.NUMBER_WORDS:
        return index > 1 and words[index - 1].surface == "of" and words[index - 2].surface in lexicon.COUNT_WORDS
    if surface not in lexicon.COUNT_WORDS:
        return False
    if vocabulary.number_before(words, index) is not None:
        return True
    after = [w.surface for w in words[index + 1 : index + 3]]
    if after[:1] == ["of"]:
        return len(after) > 1 and bool(vocabulary.NUMBER.fullmatch(after[1]) or after[1] in lexicon.NUMBER_WORDS)
    if after[:1] and after[0] in lexicon.COUNT_WORDS:  # "Combo Pack of 2" counts, "Combo Pack" is a product
        return _counting(words, index + 1)
    return bool(after) and after[0].isalpha() and after[0] not in _SEGMENT_ENDS


def _lexicon_phrase(words: list[Word], index: int, vocab: Vocabulary) -> tuple[Typed, int] | None:
    """The longest colour or attribute name of two or more words starting at ``index``, and its length."""
    for size in range(min(_MAX_LEXICON_WORDS, len(words) - index), 1, -1):
        span = " ".join(w.surface for w in words[index : index + size])
        canonical_span = " ".join(w.canonical for w in words[index : index + size])
        matched = span if vocab.kind_of(span) else canonical_span
        if kind := vocab.kind_of(matched):
            return Typed(matched, kind, span), size
    return None


def _typed_word(word: Word, vocab: Vocabulary, quantity: bool) -> Typed:
    surface = word.surface
    if surface in lexicon.SEPARATORS or not any(c.isalnum() for c in surface):
        return Typed(surface, "separator", surface)
    if quantity:  # a unit or a count, even a word elsewhere ("1/2 in. Drive Wrench", "6 foot", "Pack of 3")
        return Typed(surface, "junk", surface)
    if surface in lexicon.LINKING:
        return Typed(surface, "linking", surface)
    if surface in lexicon.GENDER:
        return Typed(lexicon.GENDER[surface], AUDIENCE, surface)
    if surface in lexicon.COLOUR_VARIANTS:
        colour = lexicon.COLOUR_VARIANTS[surface]
        return Typed(colour, COLOUR, surface) if colour else Typed(surface, "junk", surface)
    if _HAS_DIGIT.search(surface) or surface in lexicon.NO_PRODUCT_WORDS or len(surface) < 2:
        return Typed(surface, "junk", surface)  # numbers, sizes, pieces
    if surface in vocab.lines:
        return Typed(surface, LINE, surface)
    if (surface,) in vocab.brands:  # a title that is only its brand ("HEMNES" where "HEMNES …" titles vary)
        return Typed(surface, BRAND, surface)
    return Typed(word.canonical, "content", surface)


class Segment(NamedTuple):
    link: str | None  # the linking word before it
    items: list[Typed]
    labels_number: bool  # it ends right before a bare number, which its last word names ("USB 2.0", "iPhone 13")


def _segments(items: list[Typed]) -> list[Segment]:
    """The title's segments: separators and linking words cut segments, and so do numbers ("iPhone 13 Smartphone
    128GB Midnight"), within the segment's link; what follows a number and its unit set apart after the product's
    name is the package (link ``MEASURED``: "Ground Coffee, 12 oz Bag"; not "6 ft. Step Ladder",
    nor "Yellow Gold 22 K Ring", where the measure is part of the name), and what follows "for" the product's purpose
    (link ``PURPOSE``: "Webcam for Laptop", "Scooter for Adults & Teens"), also right after a number ("SPF 45 with
    Sea Moss"; "in" there is a unit or "3 in 1"); what a title puts in brackets is an aside (link ``ASIDE``: "Badge
    (Size is 1inch/25mm diameter)"), after which the title goes on with the link before it; "and" cuts nothing
    between two colours nor where it joins one word to the phrase after it ("Litchi & Aloe Vera Smoothie").
    Audience words and junk are left out."""
    segments: list[tuple[str | None, list[Typed]]] = [(None, [])]
    labelling: set[int] = set()  # segments that end before a bare number
    after_number = after_unit = after_hyphened = aside = False
    resumed: str | None = None
    separated = True  # a separator since the last phrase word
    for index, item in enumerate(items):
        number = _is_number(item)
        if item.role in {"separator", "linking"}:
            links = item.role == "linking" or item.text == PURPOSE
            if item.text == "(" and not aside:  # the link the title goes on with after the aside
                resumed = segments[-1][0]
            closes = aside and item.text == ")"
            aside = (aside or item.text == "(") and not closes
            if segments[-1][1] and not _joins_without_cut(segments[-1][1], items, index):
                # "for Adults & Teens", "Compatible for SD/HD", "with HD Display, 100 Sports Modes"
                link = segments[-1][0] if _continues_link(item.text, segments[-1][0]) else None
                segments.append((item.text if links else ASIDE if aside else resumed if closes else link, []))
            elif links and len(segments) > 1 and not (item.text == "in" and (after_number or after_hyphened)):
                segments[-1] = (item.text, [])  # after a number: "SPF 45 with Sea Moss"; not "24 in.", "3 in 1"
            elif not segments[-1][1] and (closes or segments[-1][0] in {None, ASIDE}):
                # a measure in the aside ends with it ("80 cm (32 inches) Smart TV")
                segments[-1] = (ASIDE if aside else resumed if closes else None, [])
            # not the period of a unit ("24 in. x 39 in. Door Mat") nor a hyphen after a number ("1-1/2 in.")
            separated = separated or not ((after_unit and item.text == ".") or (after_number and item.text == "-"))
        elif number:
            if segments[-1][1]:
                if _bare_number(items, index):
                    labelling.add(len(segments) - 1)
                segments.append((segments[-1][0], []))
        elif (
            item.role == "junk"
            and after_number
            and separated
            and not segments[-1][1]
            and any(seg[1] for seg in segments)
        ):
            segments[-1] = (MEASURED, [])
        elif item.role in _PHRASE_ROLES or item.role in {COLOUR, LINE} or item.text in lexicon.GROUP_WORDS:
            segments[-1][1].append(item)  # a group word stays: a segment ending in one names no product
            separated = False
        after_unit = item.role == "junk" and after_number
        after_hyphened = after_number and item.text == "-"  # "1.75-in"
        after_number = number
    return [Segment(link, words, i in labelling) for i, (link, words) in enumerate(segments) if words]


def _continues_link(separator: str, link: str | None) -> bool:
    """Whether the segment after ``separator`` keeps the link of the one before: after a conjunction or a slash
    (alternatives), and after a comma where "with"/"in" opened a list ("Smart Watch with HD Display, 100 Sports
    Modes": features, not the product)."""
    return separator in _CONJUNCTIONS or separator == "/" or (separator == "," and link in lexicon.LINKING)


def _is_number(item: Typed) -> bool:
    return item.role == "junk" and bool(_HAS_DIGIT.search(item.text))


def _bare_number(items: list[Typed], index: int) -> bool:
    """Whether the item at ``index`` is a number without a unit after it ("2.0" in "USB 2.0 64GB"; not "6 foot")."""
    following = items[index + 1] if index + 1 < len(items) else None
    return bool(vocabulary.NUMBER.fullmatch(items[index].text)) and (
        following is None or following.role != "junk" or _is_number(following)
    )


def _joins_without_cut(segment: list[Typed], items: list[Typed], index: int) -> bool:
    """Whether the conjunction at ``index`` continues ``segment`` instead of cutting it: between two colours ("FNF
    Magenta & Gold Collection"), or joining one word to the phrase after it as a second modifier ("Litchi & Aloe
    Vera Smoothie", "Knife & Peeler Set"); two words name two products ("Shampoo & Conditioner") and a list names
    several ("Vac with Filter, Hose, Accessories and Pro Gear Attachment")."""
    if items[index].text not in _CONJUNCTIONS:
        return False
    if segment[-1].role == COLOUR and index + 1 < len(items) and items[index + 1].role == COLOUR:
        return True
    if len(segment) != 1 or segment[0].role not in _PHRASE_ROLES:
        return False
    if index > 1 and items[index - 2].text == "," and any(item.text == "," for item in items[: index - 2]):
        return False  # "A, B, C and D E"; not "Dog Treats - Above 4 Months, Milk & Chicken Flavor"
    ahead = 0
    for item in items[index + 1 :]:
        if item.role in {"separator", "linking"} or _is_number(item):
            break
        ahead += item.role in _PHRASE_ROLES
    return ahead >= 2


def _labels_left_out(phrase: list[Typed], vocab: Vocabulary) -> list[Typed]:
    """A phrase without a final word that labels the number after it, where the word before it ends other titles'
    product names ("Day Lotion SPF 24": a lotion; "Nail Lacquer 44" keeps its lacquer)."""
    if (
        len(phrase) > 1
        and phrase[-1].surface in vocab.number_labels
        and vocab.head_score[phrase[-2].text] >= TRAILING_NAME_HEADS
    ):
        return phrase[:-1]
    return phrase


def _code_left_out(phrase: list[Typed], vocab: Vocabulary) -> list[Typed]:
    """The product's name without a final word the catalog reads as no noun, after a noun its descriptions head
    phrases with that ends other titles: a code that ends many titles and no description uses ("Lurex tights SG":
    tights), or a word written to say what the product goes with ("Universal Remote Compatible for …": remote)."""
    if len(phrase) < 2:
        return phrase
    last, before = phrase[-1], phrase[-2]
    code = vocab.head_score[last.text] >= TITLE_CODE_TITLES and synonyms.match_key(last.text) not in vocab.described
    if (
        last.surface not in vocab.nouns
        and (code or last.surface in vocab.complements)
        and vocab.head_score[before.text] >= TRAILING_NAME_HEADS
        and before.surface in vocab.nouns
        and synonyms.match_key(before.text) in vocab.described
    ):
        return phrase[:-1]
    return phrase


def _phrase_items(items: list[Typed]) -> list[Typed]:
    """The items of a category phrase: colours are attributes and are left out, and so is a modifier that repeats
    the head ("Polo Tee Black Tshirt" is a polo t-shirt, not a "polo t-shirt t-shirt") or the word before it
    ("Casual Beige Casual Shoes", "USB USB Fan")."""
    phrase_words = [t for t in items if t.role in _PHRASE_ROLES]
    kept = [t for i, t in enumerate(phrase_words) if i == 0 or t.text != phrase_words[i - 1].text]
    return [t for t in kept[:-1] if t.text != kept[-1].text] + kept[-1:]


TitleType = tuple[str, list[tuple[str, str]], list[tuple[str, str]]]  # a title's head, chain and linked phrases


@dataclass(slots=True)
class Mention:
    """What one product's text says, before the catalog-wide decisions."""

    attributes: set[tuple[str, str]] = field(default_factory=set)
    title_chain: list[tuple[str, str]] = field(default_factory=list)  # (phrase, surface), head first
    title_linked: list[tuple[str, str]] = field(default_factory=list)  # "X with Y"
    title_head: str | None = None
    title_name: str | None = None  # the title's first segment's last content word, where it is a noun
    type_chains: list[list[tuple[str, str]]] = field(default_factory=list)  # from the description, most trusted first
    opens_with_type: bool = False  # the description opens by naming a type ("Hooded top in …", "This t-shirt …")
    introduces_type: bool = False  # … with "a"/"this" before it ("A small fridge that …"): its first type chain
    references: list[list[tuple[str, str]]] = field(default_factory=list)  # "keeps the rug in place"
    shared_chains: tuple[list[tuple[str, str]], ...] = ()  # named in copy other families repeat; mostly none
    details: list[tuple[str, str]] = field(default_factory=list)
    detail_heads: frozenset[str] = frozenset()  # mostly empty: the empty frozenset is shared

    @property
    def described_chains(self) -> tuple[list[tuple[str, str]], ...]:
        """Every chain the description names a thing by: type candidates, references, shared copy."""
        return (*self.type_chains, *self.references, *self.shared_chains)


def typed_titles(
    titles: list[list[Word]], vocab: Vocabulary, brands: list[str | None] | None = None
) -> list[tuple[str | None, list[Typed]]]:
    """Per title, its brand and its other words typed; a title repeated in the catalog (colour variants, sizes) is
    typed once. A product's ``brands`` value (the catalog's brand column, None where blank) is its brand, left out
    of its title where the title starts with it; without one, the brand is the one the title starts with, if any."""
    done: dict[tuple[tuple[Word, ...], str | None], tuple[str | None, list[Typed]]] = {}
    result = []
    for words, own in zip(titles, brands or [None] * len(titles), strict=True):
        key = (tuple(words), own)
        if key not in done:
            brand, rest = vocab.strip_own_brand(words, own) if own else vocab.strip_brand(words)
            done[key] = (brand, typed(rest, vocab))
        result.append(done[key])
    return result


def analyze_title(title: tuple[str | None, list[Typed]], vocab: Vocabulary, max_words: int, mention: Mention) -> None:
    brand, items = title
    if brand:
        mention.attributes.add((BRAND, brand))
    # Another brand later in the title is what the product fits or goes with ("Case for Samsung Galaxy"), not whose
    # product it is.
    mention.attributes |= {
        _pair(t.role, t.text) for t in items if t.role in _ATTRIBUTE_ROLES and (t.role != BRAND or not brand)
    }
    mention.attributes |= {_pair(LINE, name) for name in _runs(items, LINE)}
    found = _segments(items)
    segments = [(s.link, s.items, _labels_left_out(_phrase_items(s.items), vocab)) for s in found]
    if segments:
        last = next((t for t in reversed(segments[0][1]) if t.role == "content"), None)
        mention.title_name = last.text if last is not None and last.surface in vocab.nouns else None
    # A product is named by a noun, a material among them ("Flame Retardant Paper", "Nail Lacquer"), never by its
    # pattern or style ("Cotton Embroidered DIWAN Set", "Solid Men's Waistcoat" where the type reads as a name), by
    # a segment ending in a group of products ("FNF Pink Collection for Wedding Sari"), nor by a later segment
    # saying what it lacks ("Deospray - Energy, No Alcohol"; not "No Show White Socks").
    candidates = [
        i
        for i, (_, segment, phrase) in enumerate(segments)
        if phrase
        and phrase[-1].role in _HEAD_ROLES
        and segment[-1].text not in lexicon.GROUP_WORDS
        and (i == 0 or segment[0].text != _NEGATION)
    ]
    if not candidates:
        return
    # The main segment follows no "with"/"in", "for" or size unless all do ("... with Zip Closure", "Webcam for
    # Laptop", "Ground Coffee, 12 oz Bag"; "in" may join a modifier: "Wired in Ear Earphones"); among those, it is
    # more than a material and its colour unless all are ("Coffee Table, Grey Oak"), then ends in a word the catalog
    # reads as a noun ("…, Compatible with iPhone" does not), then in one its descriptions head phrases with
    # ("Cordless, Drill Kit": kit, not cordless), then in no word that labels a number after it ("USB 2.0 64GB Pen
    # Drive": drive, not USB), and then in the word that ends most titles' product names.
    main = max(
        [i for i in candidates if segments[i][0] is None or _joined_by_in(segments, i, vocab)] or candidates,
        key=lambda i: (
            not all(t.role in _ATTRIBUTE_ROLES for t in segments[i][1]),
            segments[i][2][-1].surface in vocab.nouns,
            synonyms.match_key(segments[i][2][-1].text) in vocab.described,
            not found[i].labels_number,
            vocab.head_score[segments[i][2][-1].text],
            i,
        ),
    )
    named = [t for t in segments[main][1] if t.role != COLOUR]
    if named[-1].role == LINE:
        # The title ends in a name ("Jupiter All-Weather Trainer"): the words before it name no product, unless
        # they end other titles too ("Day Cream SPF").
        before_name = next((t for t in reversed(named) if t.role != LINE), None)
        if before_name is None or vocab.head_score[before_name.text] < TRAILING_NAME_HEADS:
            return
    run = _code_left_out(segments[main][2], vocab)[-max_words:]
    mention.title_head = run[-1].text
    mention.title_chain = _chain(run)
    for link, _, phrase in segments[main + 1 :]:
        if link is None:
            break
        if phrase and link != ASIDE:  # an aside may restate the type ("Cold Cream (Skin Moisturiser)")
            mention.detail_heads |= {phrase[-1].text}
    if (
        main + 1 < len(segments)
        and segments[main + 1][0] in lexicon.LINKING
        # "in white", "with hood"; not "… Blade with Additional 9 in. Blade"
        and (segments[main + 1][1][-1].role == COLOUR or segments[main + 1][1][-1].surface in vocab.nouns)
    ):
        link, tail, _ = segments[main + 1]
        tail_text = " ".join(t.text for t in tail[-max_words:])  # "in white": here a colour belongs to the phrase
        tail_surface = " ".join(t.surface for t in tail[-max_words:])
        mention.title_linked.append((f"{run[-1].text} {link} {tail_text}", f"{run[-1].surface} {link} {tail_surface}"))
        if len(run) > 1:
            text, surface = mention.title_chain[-1]
            mention.title_linked.append((f"{text} {link} {tail_text}", f"{surface} {link} {tail_surface}"))


def _joined_by_in(segments: list[tuple[str | None, list[Typed], list[Typed]]], index: int, vocab: Vocabulary) -> bool:
    """Whether the segment at ``index`` is a phrase of two words or more after "in" that names the product with the
    word before "in" as one modifier ("Wired in Ear Earphones", "Up in Smoke Interior Paint"): that word is no noun
    in the catalog, and the phrase's noun ends ``TRAILING_NAME_HEADS`` titles at least; not what the product comes
    in ("Sardines in Olive Oil"), its colour, material or origin ("Shirt in Navy Blue", "Made in India")."""
    link, _, phrase = segments[index]
    if link != "in" or len(phrase) < 2 or phrase[-1].surface not in vocab.nouns:
        return False
    before_link, _, before = segments[index - 1]
    return (
        before_link is None
        and bool(before)
        and before[-1].surface not in vocab.nouns
        and vocab.head_score[phrase[-1].text] >= TRAILING_NAME_HEADS
    )


def _chain(run: list[Typed]) -> list[tuple[str, str]]:
    """(phrase, surface) for the head and each longer modifier+head phrase, head first; no phrase starts with a
    particle ("Light Up Trainer": "trainer", "light up trainer", not "up trainer")."""
    return [
        _pair(" ".join(t.text for t in run[start:]), " ".join(t.surface for t in run[start:]))
        for start in range(len(run) - 1, -1, -1)
        if start == len(run) - 1 or run[start].text not in lexicon.PARTICLES
    ]


@lru_cache(maxsize=1 << 20)
def _pair(first: str, second: str) -> tuple[str, str]:
    """One shared (kind, value) or (phrase, surface) per distinct pair: a million products repeat a few thousand."""
    return first, second


def _runs(items: list[Typed], role: str) -> list[str]:
    """Consecutive items of one role as phrases ("chaz kangeroo")."""
    runs, current = [], []
    for item in [*items, Typed("", "")]:
        if item.role == role:
            current.append(item.text)
        elif current:
            runs.append(" ".join(current))
            current = []
    return runs


def analyze_description(sentences: list[Sentence], vocab: Vocabulary, max_words: int, mention: Mention) -> None:
    if sentences:
        sentences = [_past_header(sentences[0], vocab.headers), *sentences[1:]]
    spoken = [s for s in sentences if not s.silent]
    kept = [s for s in spoken if s.key not in vocab.boilerplate]
    # Copy that several families repeat is no evidence of what a word means, but where it opens the description,
    # what it names as one thing ("The curtains lower the light level …") may still be this product; so may the
    # phrase it opens with ("Tights in a soft, fine knit …", "Lace push-up bra with …"; not "Pre-drilled holes for
    # legs") where the title ends in a word of its own ("Basic 2pk tights SG"), which it may stand in for, unless
    # most families repeat it ("Pellentesque habitant morbi …" under "Scarf").
    for position, sentence in enumerate(spoken[:2]):
        if sentence.key not in vocab.boilerplate:
            continue
        for phrase in sentence.named:
            if run := _description_phrase(phrase, vocab, max_words):
                mention.shared_chains += (_chain(run),)
        if (
            position == 0
            and not sentence.named
            and sentence.types
            and mention.title_head is not None
            and sentence.key not in vocab.everywhere
        ):
            run = _description_phrase(sentence.types[0], vocab, max_words)
            if run and _opens_with(sentence, sentence.types[0], run):
                mention.shared_chains += (_chain(run),)
                mention.opens_with_type = True
    first_fragment = True
    references: list[list[tuple[str, str]]] = []
    for position, sentence in enumerate(kept):
        items = typed(sentence.words, vocab)
        mention.attributes |= {_pair(t.role, t.text) for t in items if t.role in {COLOUR, PATTERN, MATERIAL}}
        # Where catalogs name the product: the first two sentences, and the first one-phrase sentence
        # ("• Black hoodie.").
        if position < 2 or (sentence.fragment and first_fragment):
            first_fragment = first_fragment and not sentence.fragment
            opening = sentence.words[0].surface if position == 0 else None
            for candidate in sentence.types:
                if run := _description_phrase(candidate, vocab, max_words):
                    mention.introduces_type |= not mention.type_chains and opening in descriptions.INTRODUCING
                    mention.type_chains.append(_chain(run))
                    mention.opens_with_type |= opening is not None and _opens_with(sentence, candidate, run)
        for reference in sentence.references:
            if run := _description_phrase(reference, vocab, max_words):
                references.append(_chain(run))
        heads = {chain[0][0] for chain in mention.type_chains}
        for detail in sentence.details:
            run = _description_phrase(detail, vocab, max_words)
            if run and run[-1].text not in heads:
                mention.details.append((" ".join(t.text for t in run), " ".join(t.surface for t in run)))
    mention.references = references


def _past_header(sentence: Sentence, headers: frozenset[tuple[str, ...]]) -> Sentence:
    """The sentence with the words of the heading it opens with (``Vocabulary.headers``) left out of its phrases:
    "Product Description The finger puppet …" names a finger puppet, "Key Features of …" no feature."""
    opening = tuple(w.surface for w in sentence.words[:HEADER_WORDS])
    header = max((h for h in headers if opening[: len(h)] == h), key=len, default=None)
    if header is None:
        return sentence

    def past(phrase: list[Word]) -> list[Word]:
        surfaces = tuple(w.surface for w in phrase)
        cut = next((len(header) - i for i in range(len(header)) if surfaces[: len(header) - i] == header[i:]), 0)
        return phrase[cut:]

    def kept(phrases: Iterable[list[Word]]) -> list[list[Word]]:
        return [rest for phrase in phrases if (rest := past(phrase))]

    return replace(
        sentence,
        types=kept(sentence.types),
        references=kept(sentence.references),
        details=kept(sentence.details),
        named=tuple(kept(sentence.named)),
    )


def _opens_with(sentence: Sentence, candidate: list[Word], run: list[Typed]) -> bool:
    """Whether a description's first sentence names the product by ``candidate`` (read as ``run``): it is one noun
    phrase ("Hooded top in …"), opens with "this" ("This t-shirt …"), or its first words are the candidate, a type
    with its modifier ("Push-up bra in …", however the tagger parses the rest; not a bare word: "Ideal for …")."""
    opening = sentence.words[0].surface
    return (
        sentence.fragment
        or opening in descriptions.DEMONSTRATIVES
        or (len(run) > 1 and candidate[0].surface.split()[0] == opening)
    )


def _description_phrase(words: list[Word], vocab: Vocabulary, max_words: int) -> list[Typed]:
    """The phrase's content words; empty when its head is no content word (a style name, a colour) or a word the
    catalog mostly reads as no noun (the tagger's "Ideal in your living room …")."""
    items = typed([w for w in words if not _is_name(w, vocab)], vocab)
    if not items or items[-1].role != "content" or (words and _is_name(words[-1], vocab)):
        return []
    if words[-1].surface not in vocab.nouns:
        return []
    return _phrase_items(items)[-max_words:]


def _is_name(word: Word, vocab: Vocabulary) -> bool:
    return word.surface in vocab.lines or (word.proper and not word.surface.isalpha())


@dataclass
class Parsed:
    product_ids: list[str]
    families: list[str]  # one product family per product name (:func:`kgbuild.vocabulary.product_name`)
    titles: list[list[Word]]
    descriptions: list[list[Sentence]]
    parsed: dict[str, int]  # per role, the distinct texts parsed for this build (the others were cached)
    parse_seconds: float


def parse(products: pd.DataFrame, fields: list[str], settings: Settings, cache_folder: Path | None = None) -> Parsed:
    """Each product's title words and description sentences (:mod:`kgbuild.text_analysis`, cached by text)."""
    ids = products["product_id"].tolist()
    titles: list[list[Word]] = [[] for _ in ids]
    described: list[list[Sentence]] = [[] for _ in ids]
    present = {role: _prepared(products, role) for role in (TITLE, DESCRIPTION) if role in fields}
    texts = {role: [text for _, text in role_present] for role, role_present in present.items()}
    analyses = text_analysis.analyze(texts, settings, cache_folder)
    for role, results in ((TITLE, titles), (DESCRIPTION, described)):
        for (index, _), analysis in zip(present.get(role, []), analyses.by_role.get(role, []), strict=True):
            results[index] = analysis
    names = (" ".join(w.surface for w in vocabulary.product_name(words)) for words in titles)
    families = [name or pid for name, pid in zip(names, ids, strict=True)]
    return Parsed(ids, families, titles, described, analyses.parsed, analyses.parse_seconds)


def texts_to_analyze(products: pd.DataFrame, settings: Settings) -> dict[str, list[str]]:
    """Per role mined (:func:`text_fields`), the prepared texts :func:`parse` analyses, in product order."""
    fields = text_fields(products, settings)
    return {role: [text for _, text in _prepared(products, role)] for role in (TITLE, DESCRIPTION) if role in fields}


def _prepared(products: pd.DataFrame, role: str) -> list[tuple[int, str]]:
    """Each product's ``role`` text as analysed, with the product's position; products without one left out."""
    present = [(i, text) for i, text in enumerate(products[role]) if isinstance(text, str)]
    read = _prepared_title if role == TITLE else _prepared_description
    prepared = {text: read(text) for text in dict.fromkeys(text for _, text in present)}  # variants share texts
    return [(i, prepared[text]) for i, text in present]


def _prepared_title(text: str) -> str:
    return prepare(descriptions.unescape(text))


def _prepared_description(text: str) -> str:
    return descriptions.clean(prepare(text, split_hyphens=False))


@dataclass
class Mined:
    concepts: pd.DataFrame
    links: pd.DataFrame
    phrases: pd.DataFrame
    merges: list[dict[str, Any]]
    typed_products: int  # products whose text names a product type
    parsed: dict[str, int]
    parse_seconds: float


def mine(products: pd.DataFrame, settings: Settings, encoder: Any, cache_folder: Path | None = None) -> Mined:
    """Concepts and links for products with product_id, title, description and attributes; ``encoder`` (a
    :class:`CachedEncoder`) merges near-synonyms and embeds concept names; text analyses are kept in
    ``cache_folder`` across builds."""
    fields = text_fields(products, settings)
    parsed = parse(products, fields, settings, cache_folder)
    brands = [
        (json.loads(attributes).get(settings.brand_col) or "").strip() or None for attributes in products["attributes"]
    ]
    vocab = vocabulary.learn(parsed.titles, parsed.families, parsed.descriptions, brands)
    titles = typed_titles(parsed.titles, vocab, brands)
    vocab = replace(vocab, head_score=_head_score(titles))
    mentions = []
    for title, sentences in zip(titles, parsed.descriptions, strict=True):
        mention = Mention()
        analyze_title(title, vocab, settings.max_phrase_words, mention)
        analyze_description(sentences, vocab, settings.max_phrase_words, mention)
        mentions.append(mention)
    product_ids, families = parsed.product_ids, parsed.families
    parsed_texts, parse_seconds = parsed.parsed, parsed.parse_seconds
    del parsed, titles  # the words are read: at a million products they hold gigabytes
    deferred = _defer_unconfirmed_title_heads(mentions, vocab)
    types = product_types(mentions, families, settings)
    if _restore_unreplaced_title_heads(deferred, types):
        types = product_types(mentions, families, settings)
    members: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)
    surfaces: dict[tuple[str, str], set[str]] = defaultdict(set)
    title_aliases = _title_aliases(mentions, families, types, vocab.described, settings)
    if _name_aliased_title_heads(mentions, title_aliases):
        types = product_types(mentions, families, settings)
    for word, evidence in title_aliases.items():
        surfaces[(CATEGORY, evidence["concept"])].add(word)
    primary_chains: dict[str, list[str]] = {}
    phrases: dict[str, list[str]] = {"product_id": [], "phrase": []}
    for product_id, mention in zip(product_ids, mentions, strict=True):
        found = _categories(mention, types)
        primary_chains[product_id] = [phrase for phrase, _, _, primary in reversed(found) if primary]
        distinct = list(dict.fromkeys(phrase for phrase, _, _, _ in found))
        phrases["product_id"] += [product_id] * len(distinct)
        phrases["phrase"] += distinct
        for phrase, surface, found_in, _ in found:
            members[(CATEGORY, phrase)].setdefault(product_id, found_in)
            surfaces[(CATEGORY, phrase)].add(surface)
        for kind, value in mention.attributes:
            if not (kind == LINE and value in title_aliases):  # an abbreviation of a type is no style name
                members[(kind, value)].setdefault(product_id, "text")
        for phrase, surface in mention.details:
            # A detail describes the product ("ribbed cuffs"); a bare noun in prose is context ("hang on the wall").
            if " " in phrase and synonyms.match_key(phrase.split()[-1]) not in types:
                members[(DETAIL, phrase)].setdefault(product_id, "description")
                surfaces[(DETAIL, phrase)].add(surface)
    named = _named_alike(mentions, families, types, vocab)
    family_of = dict(zip(product_ids, families, strict=True))
    product_phrases = pd.DataFrame(phrases, columns=PRODUCT_PHRASE_SCHEMA.names)
    del mentions, phrases
    merged, merges = synonyms.merge(members, encoder if settings.merge_cosine < 1 else None, settings, named)
    del members  # the merged concepts hold their products now
    merges += title_aliases.values()
    # A detail one product family's copy alone mentions is its marketing ("paradise package"), not a shared trait.
    merged = [
        c for c in merged if c.kind != DETAIL or len({family_of[p] for p in c.products}) >= settings.detail_min_families
    ]
    for concept in merged:
        for name in [concept.name, *concept.aliases]:
            concept.aliases |= {
                s
                for s in surfaces.get((concept.kind, name), ())
                if synonyms.match_key(s) != synonyms.match_key(concept.name)
            }
    concepts, links = _tables(merged, settings, encoder, primary_chains)
    typed_products = sum(bool(chain) for chain in primary_chains.values())
    return Mined(concepts, links, product_phrases, merges, typed_products, parsed_texts, parse_seconds)


def _defer_unconfirmed_title_heads(mentions: list[Mention], vocab: Vocabulary) -> list[tuple[Mention, TitleType]]:
    """Where a title ends in a word the catalog's descriptions never use as a noun ("Ella cropped", "Lumber check",
    "Max aviator": a style word or a modifier) and the product's own description opens by naming its type ("Short
    hooded top in …", "This t-shirt …", "Push-up bra in …" however the tagger parses it; not a feature bullet),
    the description speaks for the product. So it does wherever that word reads as no noun anywhere in the catalog
    ("Basic 2pk tights", "Skinny H.W") and the description names a type at all. The title's last word stays its
    ``title_name`` (an abbreviation may alias the description's type). Returns the title types set aside that
    read as nouns: a word that never does ("Spot It! (Color/Packaging May Vary)") names no type either way."""
    deferred = []
    for mention in mentions:
        head = mention.title_head
        if not head or synonyms.match_key(head) in vocab.described:
            continue
        read_as_no_noun = mention.title_chain[0][1] not in vocab.nouns
        if mention.opens_with_type or (read_as_no_noun and mention.described_chains):
            if not read_as_no_noun:
                deferred.append((mention, (head, mention.title_chain, mention.title_linked)))
            mention.title_head, mention.title_chain, mention.title_linked = None, [], []
    return deferred


def _restore_unreplaced_title_heads(deferred: list[tuple[Mention, TitleType]], types: set[str]) -> bool:
    """Gives a product its title's type back where its description names none of the catalog's types after all
    ("The 48 in. Carabiner Flat Bungee Cord …": cord is no type here); whether any came back."""
    key = synonyms.match_key
    restored = False
    for mention, (head, chain, linked) in deferred:
        if not any(key(described[0][0]) in types for described in mention.described_chains):
            mention.title_head, mention.title_chain, mention.title_linked = head, chain, linked
            restored = True
    return restored


def _head_score(titles: list[tuple[str | None, list[Typed]]]) -> Counter:
    """How often each word ends an unlinked segment of a title ("Wireless Keyboard, Rose": keyboard and rose; not
    "de" in "Eau de Toilette", which ends in a name, nor "bag" in "Coffee, 12 oz Bag")."""
    score: Counter = Counter()
    for _, title_items in titles:
        ends = ([t for t in s.items if t.role != COLOUR] for s in _segments(title_items) if s.link is None)
        score.update({named[-1].text for named in ends if named and named[-1].role in _PHRASE_ROLES})
    return score


def product_types(mentions: list[Mention], families: list[str], settings: Settings) -> set[str]:
    """Comparison keys (:func:`kgbuild.synonyms.match_key`) of the nouns that head product names: a title's head,
    a description's candidate that agrees with it, or, where the title names no type, the description's first
    candidate. A title's head is evidence enough; a noun named only in descriptions needs ``type_min_families``
    families, or one whose description opens with it after "a" or "this" ("A small fridge that …"). Either way it
    must head product names in at least ``type_share`` of the families that use it at all: a part ("pocket",
    "surface"), named after the product's own type or used as a detail, gathers uses but no evidence. A noun that
    a title ends in and its description names first, in ``type_min_families`` families, is a type however often
    other copy uses it as a part ("Betty Bow Belt": "Belt in imitation leather …"; dresses have "a tie belt")."""
    key = synonyms.match_key
    title_heads: set[str] = set()
    introduced: set[str] = set()
    confirmed: dict[str, set[str]] = defaultdict(set)  # families whose title and description name it first
    evidence: dict[str, set[str]] = defaultdict(set)
    uses: dict[str, set[str]] = defaultdict(set)
    for mention, family in zip(mentions, families, strict=True):
        title_head = key(mention.title_head) if mention.title_head else None
        if title_head:
            title_heads.add(title_head)
            evidence[title_head].add(family)
            uses[title_head].add(family)
        for position, chain in enumerate(mention.type_chains):
            head = key(chain[0][0])
            uses[head].add(family)
            if head == title_head or (title_head is None and position == 0):
                evidence[head].add(family)
            if head == title_head and position == 0:
                confirmed[head].add(family)
        if title_head is None and mention.introduces_type:  # its first type chain is the one introduced
            introduced.add(key(mention.type_chains[0][0][0]))
        for position, chain in enumerate(mention.references):
            head = key(chain[0][0])
            uses[head].add(family)
            if title_head is None and not mention.type_chains and position == 0:
                evidence[head].add(family)
        for phrase, _ in mention.details:
            uses[key(phrase.split()[-1])].add(family)
        for head in mention.detail_heads:
            uses[key(head)].add(family)
    return {
        noun
        for noun, found_in in evidence.items()
        if (
            (noun in title_heads or noun in introduced or len(found_in) >= settings.type_min_families)
            and len(found_in) >= settings.type_share * len(uses[noun])
        )
        or len(confirmed[noun]) >= settings.type_min_families
    }


def _title_aliases(
    mentions: list[Mention], families: list[str], types: set[str], described: frozenset[str], settings: Settings
) -> dict[str, dict[str, Any]]:
    """Title nouns that head no phrase of any description and stand, in most of their families, where the
    description names a type ("TS" where descriptions say "t-shirt"), in titles that name no other type: word →
    merge evidence naming the type. A title that ends in the word is evidence of no type of its own ("Linda jkt"
    beside "Dre decorated jkt" whose description says "jacket"), unless the word is no abbreviation of that type.
    A style name or a modifier ("FIRRE conscious") is no such word."""
    key = synonyms.match_key
    families_of: dict[str, set[str]] = defaultdict(set)
    together: dict[tuple[str, str], set[str]] = defaultdict(set)
    for mention, family in zip(mentions, families, strict=True):
        word = mention.title_name
        if word is None or key(word) in described:
            continue
        if mention.title_head is not None and key(mention.title_head) in types - {key(word)}:
            continue
        families_of[word].add(family)
        typed_chains = [chain for chain in mention.type_chains if key(chain[0][0]) in types]
        if typed_chains and key(typed_chains[0][0][0]) != key(word):
            together[(word, typed_chains[0][0][0])].add(family)
    aliases: dict[str, dict[str, Any]] = {}
    decided: set[str] = set()
    for (word, type_name), found_in in sorted(together.items(), key=lambda item: -len(item[1])):
        if word in decided:
            continue
        decided.add(word)
        share = len(found_in) / len(families_of[word])
        # a word that ends titles as a type of its own stands for another only as its abbreviation ("jkt" for
        # jacket); "tank" where descriptions say "top" and "anorak" where they say "jacket" are types of their own
        abbreviates = key(word) not in types or _abbreviation(word, type_name)
        if abbreviates and len(found_in) >= settings.alias_families and share >= settings.alias_share:
            aliases[word] = {
                "kind": CATEGORY,
                "concept": type_name,
                "merged": word,
                "evidence": "title word where descriptions name the type",
                "families": len(found_in),
                "share": round(share, 4),
            }
    return aliases


def _abbreviation(short: str, full: str) -> bool:
    """Whether ``short`` is written with some of the letters of ``full``, in order, from its first ("jkt", "trs" and
    "ts" for jacket, trousers and t-shirt)."""
    letters = iter(c for c in full if c.isalnum())
    return len(short) < len(full) and short[:1] == full[:1] and all(c in letters for c in short if c.isalnum())


def _name_aliased_title_heads(mentions: list[Mention], aliases: dict[str, dict[str, Any]]) -> bool:
    """Names by its type the title phrases of a product whose title ends in a type's alias ("padded jkt" → "padded
    jacket"); whether any was renamed."""
    renamed = False
    for mention in mentions:
        evidence = aliases.get(mention.title_head or "")
        if evidence is not None:
            word, concept = evidence["merged"], evidence["concept"]
            mention.title_head = concept
            mention.title_chain = [(_renamed(p, word, concept), s) for p, s in mention.title_chain]
            mention.title_linked = [(_renamed(p, word, concept), s) for p, s in mention.title_linked]
            renamed = True
    return renamed


def _renamed(phrase: str, word: str, concept: str) -> str:
    """The phrase with its last ``word`` (its head, or the head before "with"/"in") replaced by ``concept``."""
    words = phrase.split(" ")
    at = next((i for i in range(len(words) - 1, -1, -1) if words[i] == word), None)
    return phrase if at is None else " ".join([*words[:at], concept, *words[at + 1 :]])


def _named_alike(
    mentions: list[Mention], families: list[str], types: set[str], vocab: Vocabulary
) -> synonyms.NamedAlike:
    """How many families name their product by each category phrase, and by each pair of phrases at once (the
    title says one, the description another): the evidence that two names near in meaning are synonyms. A pair
    counts only when the names have as many words and differ in no attribute word ("leather stiletto heels" and
    "solid stiletto heels" name one product by two of its attributes, not by two synonyms)."""
    key = synonyms.match_key
    names_of: dict[str, set[str]] = defaultdict(set)
    pairs_of: dict[str, set[frozenset[str]]] = defaultdict(set)
    for mention, family in zip(mentions, families, strict=True):
        chains = [chain for chain in [mention.title_chain, *mention.type_chains] if chain and key(chain[0][0]) in types]
        names = {chain[-1][0] for chain in chains}
        names_of[family] |= names
        pairs_of[family] |= {frozenset((a, b)) for a in names for b in names if a < b and _alike(a, b, vocab)}
    return synonyms.NamedAlike(
        Counter(name for names in names_of.values() for name in names),
        Counter(pair for pairs in pairs_of.values() for pair in pairs),
    )


def _alike(a: str, b: str, vocab: Vocabulary) -> bool:
    words_a, words_b = a.split(), b.split()
    differing = set(words_a) ^ set(words_b)
    return len(words_a) == len(words_b) and not any(vocab.kind_of(word) for word in differing)


def _categories(mention: Mention, types: set[str]) -> list[tuple[str, str, str, bool]]:
    """(phrase, surface, field, primary) of the product's category phrases; ``primary`` marks the chain its primary
    category comes from (the title's when its head is a type, else the description's first typed one)."""
    key = synonyms.match_key
    found: list[tuple[str, str, str, bool]] = []
    if mention.title_head and key(mention.title_head) in types:
        found += [(p, s, "title", True) for p, s in mention.title_chain]
        found += [(p, s, "title", False) for p, s in mention.title_linked]
    for chain in mention.type_chains:
        if key(chain[0][0]) in types:
            primary = not found
            found += [(p, s, "description", primary) for p, s in chain]
    # Where neither the title nor an opening names a type, a definite reference does ("keeps the rug in place");
    # failing that, the first type named in copy the product shares with others ("The curtains lower …").
    for chain in [*mention.references, *mention.shared_chains] if not found else []:
        if key(chain[0][0]) in types:
            found += [(p, s, "description", True) for p, s in chain]
            break
    return found


def _primary_concepts(
    concepts: list[synonyms.Concept], primary_chains: dict[str, list[str]]
) -> dict[str, synonyms.Concept]:
    """Per product, the category concept of the most specific phrase of its primary chain that has the product."""
    category_of = {name: c for c in concepts if c.kind == CATEGORY for name in [c.name, *c.aliases]}
    chosen = {}
    for product_id, chain in primary_chains.items():
        found = next(
            (category_of[p] for p in chain if p in category_of and product_id in category_of[p].products), None
        )
        if found is not None:
            chosen[product_id] = found
    return chosen


def _sole_types(
    merged: list[synonyms.Concept], kept: list[synonyms.Concept], primary_chains: dict[str, list[str]], support: int
) -> list[synonyms.Concept]:
    """Categories below ``support`` products that are a product's only type: a product whose text names a type no
    other product shares still gets its primary category, the type's head ("rope" of "Zing Jump Rope"); one whose
    type is only a word that counts products gets the phrase that says what it counts ("chemistry set" of "Chem
    C2000 Chemistry Set", not just "set")."""
    typed = _primary_concepts(kept, primary_chains)
    heads = {}
    for product_id, chain in primary_chains.items():
        counts = len(chain) > 1 and chain[-1] in lexicon.COUNT_WORDS
        if product_id not in typed or (counts and typed[product_id].name in lexicon.COUNT_WORDS):
            heads[product_id] = chain[-2:-1] if counts else chain[-1:]
    unsupported = [c for c in merged if len(c.products) < support]
    return list({c.name: c for c in _primary_concepts(unsupported, heads).values()}.values())


def _tables(
    merged: list[synonyms.Concept], settings: Settings, encoder: Any, primary_chains: dict[str, list[str]]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    kept = [c for c in merged if len(c.products) >= settings.min_support]
    kept = synonyms.drop_absorbed_heads(kept, settings.compound_share)
    kept += _sole_types(merged, kept, primary_chains, settings.min_support)
    kept.sort(key=lambda c: (c.kind, c.name))
    ids = [concept_id(c.name, c.kind) for c in kept]
    concepts = pd.DataFrame(
        {
            "concept_id": ids,
            "name": [c.name for c in kept],
            "kind": [c.kind for c in kept],
            "aliases": [sorted(c.aliases) for c in kept],
            "product_count": [len(c.products) for c in kept],
            "embedding": list(encoder.encode([c.name for c in kept])) if kept else [],
        },
        columns=CONCEPT_SCHEMA.names,
    )
    primary = {p: concept_id(c.name, c.kind) for p, c in _primary_concepts(kept, primary_chains).items()}
    columns: dict[str, list[str]] = {"product_id": [], "concept_id": [], "field": []}  # no tuple per link
    for concept, cid in zip(kept, ids, strict=True):
        products = sorted(concept.products.items())
        columns["product_id"] += [p for p, _ in products]
        columns["concept_id"] += [cid] * len(products)
        columns["field"] += [found_in for _, found_in in products]
    links = pd.DataFrame(columns, columns=MINED_LINK_SCHEMA.names[:3])
    del columns
    links["primary"] = links["product_id"].map(primary).to_numpy() == links["concept_id"].to_numpy()
    return concepts, links


def run(context: BuildContext) -> StageReport:
    layout, settings = context.layout, context.settings
    products = read_parquet(layout.products)
    cache_folder = settings.cache_dir or layout.cache
    names = EmbeddingCache(cache_folder, settings.embedding_model, None, "names")
    with _collector_paused():
        mined = mine(products, settings, CachedEncoder(lambda: models.sentence_encoder(settings), names), cache_folder)
    names.save()
    write_parquet(mined.phrases, layout.product_phrases, PRODUCT_PHRASE_SCHEMA)
    write_parquet(mined.links, layout.mined_links, MINED_LINK_SCHEMA)
    write_parquet(mined.concepts, layout.mined_concepts, CONCEPT_SCHEMA)
    write_json(mined.merges, layout.concept_merges)
    concepts, links = mined.concepts, mined.links
    categories = set(concepts.loc[concepts["kind"] == CATEGORY, "concept_id"])
    with_primary = int(links.loc[links["primary"], "product_id"].nunique())
    return StageReport(
        STAGE,
        {
            "products": len(products),
            "text_fields": text_fields(products, settings),
            "concepts": len(concepts),
            "concepts_by_kind": {k: int(v) for k, v in concepts["kind"].value_counts().items()},
            "links": len(links),
            "products_with_category": int(links.loc[links["concept_id"].isin(categories), "product_id"].nunique()),
            "products_naming_a_type": mined.typed_products,
            "products_with_primary": with_primary,
            "primary_share_of_typed": round(with_primary / mined.typed_products, 4) if mined.typed_products else None,
            "merges": len(mined.merges),
            # distinct texts parsed for this build, per text field, and how long that took; the others were cached
            "parsed_texts": mined.parsed,
            "parse_seconds": mined.parse_seconds,
        },
    )


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector paused while mining: it allocates millions of small objects that live until it ends,
    and each collection would walk them all (about a tenth of the stage's time) to find almost no cycles."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
