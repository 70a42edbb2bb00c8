"""The description role: a description is sentences (prose, bullets, spec lines), not a phrase.

From each parsed description this module finds where the text names the product and which other noun phrases
describe it, as word spans; what the spans mean (a type, a detail, a style name) is decided catalog-wide in
:mod:`kgbuild.vocabulary` and :mod:`kgbuild.concepts`:

* **sentences**: bullets ("•", "|", line breaks) and spaCy's sentence boundaries; a sentence that is mostly numbers
  and measures is spec text, and one about what is sold separately or not included names other products: both
  yield nothing;
* **type candidates**, in order of trust: "this/these X", the subject of the first sentence ("the Chaz Hoodie
  promises …", "HYTTAN door has …"), what a style name is said to be ("VEDDINGE is a smooth door"), and an opening
  noun phrase ("Decorative noticeboard that you can hang …");
* **details**: every other noun phrase ("ribbed cuffs", "drawstring adjustable hood"), none from a sentence about
  the warranty or guarantee.

Boilerplate (sentences that many product families repeat: care, guarantee, "sold separately") is recognised from the
catalog by :func:`kgbuild.vocabulary.boilerplate`, so each sentence keeps its normalised text.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any

from kgbuild import lexicon
from kgbuild.words import Word, inner_hyphen, word_of

_BULLETS = re.compile(r"\s*(?:[•·|\n\r\t]|\s-\s)+\s*")
_TAGS = re.compile(r"<[^>]+>")
# Tags that end a block of text (paragraph, list item, line break, heading, table cell): an exported HTML description
# ("<li>Soft cotton</li><li>Ribbed cuffs</li>") reads as its blocks, not as one run-on sentence.
_BLOCK_TAGS = re.compile(
    r"<\s*/?\s*(?:p|div|li|ul|ol|br|hr|h[1-6]|tr|td|th|dt|dd|section|article|blockquote)\b[^>]*>", re.I
)
_MARKS = re.compile("[\u2122\u00ae\u00a9\u2120]")  # ™ ® © ℠
_NOT_LETTERS = re.compile(r"[\d\W]+")
_NOUNS = {"NOUN", "PROPN"}
_LISTED_DEPS = {"appos", "conj"}
_MODIFIER_POS = {"ADJ", "NOUN", "PROPN"}
_SUBJECTS = {"nsubj", "nsubjpass"}
DEMONSTRATIVES = {"this", "these"}
INTRODUCING = DEMONSTRATIVES | {"a", "an"}  # "A small fridge that …", "This dolls house lets …"
_OPENING_LINKS = {"in", "with"}  # "Shirt in cotton", "Sandals with straps"
_REFERRING_DETERMINERS = {"the", "this", "these", "every", "each"}
_REFERRING_ROLES = {"nsubj", "nsubjpass", "dobj"}
_INDEFINITE = {"a", "an"}
_MISREAD_VERB_TAGS = {"VBN", "VBD"}  # "lined", "rouched", "green": a bullet's participle or colour read as its verb
_DEGREE_TAGS = {"JJR", "JJS"}  # "best results", "finer quality": a comparison, not a kind
UNIT_LETTERS = 3  # a word this short right after a number is its unit ("cm", "oz", "ft")
SPEC_SHARE = 0.3  # a sentence whose alphanumeric tokens contain digits this often is spec text
SPEC_LABEL_WORDS, SPEC_VALUE_WORDS = 3, 4  # "Duty rating: Type IA" is a specification line
OTHER_PRODUCTS = re.compile(r"\b(?:sold|bought|purchased|available) separately\b|\bnot included\b")
# A sentence about the seller's warranty or guarantee ("1 year warranty against manufacturing defects, contact the
# brand's toll-free number") describes the sale, not the product: it may still name the product, but none of its
# other phrases is a detail.
SERVICE_TEXT = re.compile(r"\b(?:warrant(?:y|ies|ied)|guarantee[sd]?)\b")


def clean(text: str) -> str:
    """Markup, entities and trademark signs out, bullets and HTML blocks as sentence ends."""
    text = unescape(text, blocks="\n")
    parts = [" ".join(part.split()).strip(" .;,") for part in _BULLETS.split(text)]
    return ". ".join(part for part in parts if part) + "."


def unescape(text: str, blocks: str = " ") -> str:
    """Markup out (the end of an HTML block as ``blocks``), entities decoded, trademark signs dropped
    ("HeatTech&trade; Jacket" → "HeatTech Jacket")."""
    text = _BLOCK_TAGS.sub(blocks, html.unescape(text))
    return _MARKS.sub("", html.unescape(_TAGS.sub(" ", text)))


@dataclass
class Sentence:
    key: str  # lower-case text without digits: the same sentence in another product has the same key
    words: list[Word]
    types: list[list[Word]] = field(default_factory=list)  # type candidates, most trusted first
    fragment: bool = False  # the sentence is one noun phrase: its head is the first type candidate
    references: list[list[Word]] = field(default_factory=list)  # "the rug", "every basket": the product, maybe
    details: list[list[Word]] = field(default_factory=list)
    silent: bool = False  # spec text, or about other products: no concepts
    named: tuple[list[Word], ...] = ()  # candidates and references that name one thing ("the curtains", "A towel …")


# Penn tags of a capitalised word that opens a clause ("The", "You", "Create", "Easy", "As"), not a name.
_CLAUSE_OPENING_TAGS = {"DT", "PRP", "PRP$", "VB", "VBD", "VBG", "VBN", "VBP", "VBZ", "JJ", "IN", "TO", "RB", "MD"}
RUN_ON_SENTENCES = "kgbuild_run_on_sentences"
STYLE_NAME_LETTERS = 4  # a word in capitals this long is a name rather than an acronym ("LED", "USB", "PVC")


def mark_run_on_sentences(doc: Any) -> Any:
    """A spaCy component between the tagger and the parser: a capitalised word that opens a clause, or a style name
    in capitals, right after a lower-case noun starts a sentence. Copy scraped from a page loses the breaks after
    headings and bullets ("View more product information The fabric gives …", "rosewood Handcrafted wooden hull").
    """
    for previous, token in zip(doc[:-1], doc[1:], strict=True):
        if (
            previous.is_lower
            and previous.is_alpha
            and previous.tag_ in {"NN", "NNS"}
            and (
                (token.is_title and len(token) > 1 and token.tag_ in _CLAUSE_OPENING_TAGS)
                or _opens_with_style_name(token)
            )
        ):
            token.is_sent_start = True
    return doc


def _opens_with_style_name(token: Any) -> bool:
    """A word in capitals, longer than most acronyms, before a lower-case word ("… information VEDDINGE white is",
    "… information BROKHULT door has")."""
    following = token.nbor(1) if token.i + 1 < len(token.doc) else None
    return (
        token.is_upper
        and token.is_alpha
        and len(token) >= STYLE_NAME_LETTERS
        and following is not None
        and following.is_lower
        and following.is_alpha
    )


def comparison_key(text: str) -> str:
    """The text's words in lower case, without digits and punctuation: what boilerplate is compared by."""
    return _NOT_LETTERS.sub(" ", text.lower()).strip()


def analyze(doc: Any) -> list[Sentence]:
    """The sentences of one parsed description with their type candidates and detail phrases."""
    sentences = []
    for span in doc.sents:
        tokens = [t for t in span if not t.is_space]
        alnum = [t for t in tokens if any(c.isalnum() for c in t.text)]
        if not alnum:
            continue
        key = comparison_key(span.text)
        sentence = Sentence(key, [word_of(t) for t in tokens if t.text != "-"])
        digits = sum(any(c.isdigit() for c in t.text) for t in alnum)
        spec = digits >= SPEC_SHARE * len(alnum) or _labelled_value(tokens)
        sentence.silent = spec or bool(OTHER_PRODUCTS.search(key))
        if not sentence.silent:
            opening = fragment_head(tokens)
            typed = _type_candidates(tokens, opening)
            sentence.fragment = opening is not None
            referring = [noun for noun in _references(tokens) if noun not in typed]
            phrase_of = {noun: _phrase(noun, span.start) for noun in [*typed, *referring]}
            sentence.types = [phrase_of[noun] for noun in typed]
            sentence.references = [phrase_of[noun] for noun in referring]
            sentence.named = tuple(phrase for noun, phrase in phrase_of.items() if _names_one(noun, opening))
            sentence.details = (
                []
                if SERVICE_TEXT.search(key)
                else [
                    _phrase(noun, span.start)
                    for noun in _nouns_heading_phrases(tokens)
                    if noun not in typed and noun not in referring
                ]
            )
        sentences.append(sentence)
    return sentences


def _labelled_value(tokens: list[Any]) -> bool:
    """A specification line: a short label, a colon and a short value ("Type: Extension ladder", "Finish:
    Matte"); not a headed sentence ("What it is: A soft matte foundation that …")."""
    colon = next((i for i, t in enumerate(tokens) if t.text == ":"), None)
    if colon is None or not 0 < colon <= SPEC_LABEL_WORDS:
        return False
    return sum(any(c.isalnum() for c in t.text) for t in tokens[colon + 1 :]) <= SPEC_VALUE_WORDS


def _type_candidates(tokens: list[Any], opening: Any) -> list[Any]:
    """Head nouns of the phrases that name the product, most trusted first; ``opening`` is the sentence's head
    when the whole sentence is one noun phrase."""
    found = []
    for index, token in enumerate(tokens):
        if token.lower_ not in DEMONSTRATIVES:
            continue
        # the noun "this" determines, past listed modifiers ("this hard-wearing, stackable and waterproof box")
        determined = token.head if token.dep_ == "det" and token.head.i > token.i else None
        noun = determined if determined is not None and determined.pos_ in _NOUNS else _next_head(tokens, index + 1)
        if noun is not None:
            found.append(noun)
    subjects = [t for t in tokens if t.dep_ in _SUBJECTS]
    # the subject of a "be" the sentence opens with ("HÄGGEBY is a door …, it offers …"), else the main clause's
    subject = next((t for t in subjects if t.left_edge.i == tokens[0].i and t.head.lemma_ == "be"), None) or next(
        (t for t in subjects if t.head.dep_ == "ROOT"), None
    )
    # not a modifier of an opening found past a misread verb ("Mint green heather tank")
    if subject is not None and (opening is None or opening.dep_ == "ROOT" or subject.i > opening.i):
        colour = subject.lower_ in lexicon.COLOURS
        if subject.pos_ == "NOUN" or (subject.pos_ == "PROPN" and subject.head.lemma_ != "be"):
            found.append(subject)
        if subject.head.lemma_ == "be" and (subject.pos_ != "NOUN" or colour):
            # what a name or a colour is said to be ("VEDDINGE white is a smooth door", "TINGSRYD black is a door")
            found.extend(c for c in subject.head.children if c.dep_ == "attr" and c.pos_ == "NOUN")
    if opening is not None:
        found.append(opening)
    return _named_things(found)


def _named_things(nouns: list[Any]) -> list[Any]:
    """The nouns, each once, a count word as what it counts ("each piece of furniture", "A set of 4 glasses"); a
    noun of something else names no product ("Key Features of …", "the range of …")."""
    named = []
    for noun in nouns:
        of = noun.doc[noun.i + 1] if noun.i + 1 < len(noun.doc) and noun.doc[noun.i + 1].lower_ == "of" else None
        if of is None:
            named.append(noun)
        elif noun.lower_ in lexicon.COUNT_WORDS:
            named += [t for t in of.children if t.dep_ == "pobj" and t.pos_ == "NOUN"]
    return list(dict.fromkeys(named))


def _references(tokens: list[Any]) -> list[Any]:
    """Nouns a definite or distributive determiner points at as a subject or object ("keeps the rug in place",
    "makes every basket unique"): in a product's own description these often name the product itself."""
    referred = [
        t
        for t in tokens
        if t.pos_ == "NOUN"
        and t.dep_ in _REFERRING_ROLES
        and any(c.dep_ == "det" and c.lower_ in _REFERRING_DETERMINERS for c in t.children)
    ]
    return _named_things([noun for t in referred if (noun := _past_measure(t)) is not None])


def _measures_adjective(noun: Any) -> bool:
    """Whether the noun says how the adjective right after it holds: read so ("heat resistant"), or after a noun
    the parser made its compound ("makes the bowl impact resistant" is about the bowl; not "makes the cover easy
    to remove")."""
    following = noun.doc[noun.i + 1] if noun.i + 1 < len(noun.doc) else None
    if following is None or following.pos_ != "ADJ" or noun.head != following:
        return False
    return noun.dep_ == "npadvmod" or _compound_before(noun) is not None


def _compound_before(noun: Any) -> Any:
    """The noun right before ``noun`` that the parser made its compound ("bowl" of "bowl impact"), if any."""
    previous = noun.doc[noun.i - 1] if noun.i else None
    return previous if previous is not None and previous.pos_ == "NOUN" and previous.head == noun else None


def _past_measure(noun: Any) -> Any:
    """The noun, or where it measures an adjective, the noun the parser made its compound ("the bowl" of "the bowl
    impact resistant"), if any."""
    return _compound_before(noun) if _measures_adjective(noun) else noun


def _names_one(noun: Any, opening: Any) -> bool:
    """A definite or demonstrative phrase ("the curtains", "this chair"), or an opening one with "a"/"an" ("A terry
    towel in …"): copy written for several products names each of them so. A bare plural or mass noun ("Pre-drilled
    holes for legs", "Densely woven fabric with …") names a feature."""
    determiners = {c.lower_ for c in noun.children if c.dep_ == "det"}
    return bool(determiners & _REFERRING_DETERMINERS) or (noun is opening and bool(determiners & _INDEFINITE))


def fragment_head(tokens: list[Any]) -> Any:
    """The head of a sentence that is one noun phrase ("A terry towel that …", "Space-saving baskets that …",
    "Shirt in cotton with …", "Fully lined swimsuit with …" or "Gray rouched bra top", where the tagger reads a
    participle or a colour as the verb). A bare first word is taken only before "in" or "with": the tagger reads many
    sentence-initial adjectives and verbs as nouns ("Ideal for …"). A sentence that lists features ("Regular fit,
    round neckline, short sleeves") names no product."""
    root = next((t for t in tokens if t.dep_ == "ROOT"), None)
    if root is None:
        return None
    position = tokens.index(root)
    if root.tag_ in _MISREAD_VERB_TAGS and _bare_modifiers(tokens[:position]):
        return _next_head(tokens, position + 1)
    if root.pos_ not in _NOUNS or root.left_edge.i != tokens[0].i or _listed(tokens, position):
        return None
    if position == 0:
        following = tokens[1] if len(tokens) > 1 else None
        return root if following is not None and following.lower_ in _OPENING_LINKS and following.head == root else None
    return root if root.pos_ == "NOUN" else None


def _listed(tokens: list[Any], position: int) -> bool:
    """Whether the noun at ``position`` is an inner item of a list of noun phrases: after a comma and before a comma
    and another noun phrase ("Regular fit, round neckline, short sleeves"; not "Soft, stretchy bra top")."""
    root = tokens[position]
    following = tokens[position + 2 :] if position + 1 < len(tokens) and tokens[position + 1].text == "," else []
    return any(t.text == "," for t in tokens[1:position]) and any(
        t.head == root and t.dep_ in _LISTED_DEPS and t.pos_ in _NOUNS for t in following
    )


def _bare_modifiers(tokens: list[Any]) -> bool:
    """Adverbs ("Fully lined …"), or adjectives and nouns with no determiner ("Mint green heather tank", "Mesh
    lined hood"): words before a participle that read as the modifiers of a noun phrase, not as a clause's subject."""
    return all(t.pos_ == "ADV" for t in tokens) or all(t.pos_ in _MODIFIER_POS for t in tokens)


def _next_head(tokens: list[Any], start: int) -> Any:
    """The last noun of the modifier-and-noun run starting at ``start`` ("brushed steel knobs give" → knobs)."""
    head = None
    for token in tokens[start:]:
        if token.pos_ in _NOUNS:
            head = token
        elif head is None and (
            token.pos_ == "ADJ"
            or token.dep_ in {"amod", "compound"}
            or token.text == "-"
            or (token.pos_ == "ADV" and token.head.i > token.i)  # "this extra thick", "hard-wearing"
        ):
            continue
        else:
            break
    return head


def _nouns_heading_phrases(tokens: list[Any]) -> list[Any]:
    """Nouns that end a noun phrase (not the first part of a compound), but not a label before a colon ("… Women's
    Top Price: Rs. 399", "Care instructions: …") nor one that measures an adjective ("heat resistant")."""
    return [
        t
        for t in tokens
        if t.pos_ == "NOUN"
        and t.dep_ != "compound"
        and not (t.i + 1 < len(t.doc) and t.doc[t.i + 1].text == ":")
        and not _measures_adjective(t)
    ]


def _phrase(noun: Any, first: int) -> list[Word]:
    """The noun with the adjectives and nouns right before it in its sentence, which starts at token ``first``
    ("drawstring-adjustable hood"), less a quantifier or a comparison it opens with ("best results" → results)."""
    start = noun.i
    doc = noun.doc
    while start > first:
        previous = doc[start - 1]
        if inner_hyphen(doc, start - 1) and start - 2 >= first and doc[start - 2].text[-1:].isalnum():
            start -= 2  # a hyphenated word is whole ("hard-wearing", "all-purpose")
        elif previous.pos_ in _MODIFIER_POS or (previous.pos_ == "VERB" and previous.dep_ == "amod"):
            start -= 1
        else:
            break
    while start < noun.i and (doc[start].lower_ in lexicon.QUANTIFIERS or doc[start].tag_ in _DEGREE_TAGS):
        start += 1
    if start < noun.i and start > first and doc[start - 1].text[:1].isdigit() and len(doc[start]) <= UNIT_LETTERS:
        start += 1  # the unit of the number before the phrase ("65 cm plastic shell"; not "2 extension leaves")
    words: list[Word] = []
    joined = False
    for token in doc[start : noun.i + 1]:
        if token.text == "-":
            joined = bool(words)
            continue
        word = word_of(token)
        if joined:  # "space-saving" stays one modifier
            last = words.pop()
            word = Word(f"{last.surface} {word.surface}", f"{last.canonical} {word.canonical}", last.proper, word.noun)
        words.append(word)
        joined = False
    return words
