"""Words as concept mining sees them: lower-case surface, canonical form (lemma, spelling variants unified,
plural-only nouns kept plural), whether the catalog wrote the word as a name (capitalised inside a sentence, in
capitals, or in mixed case) and whether the tagger read it as a noun."""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from kgbuild import lexicon

_TSHIRT = re.compile(r"\bt[\s-]?shirt(s?)\b", re.IGNORECASE)
_WITH = re.compile(r"\b[Ww]/(?![Oo]\b)\s*(?=[A-Za-z])")  # "Blade w/Case": "with"; not "w/o"
_HYPHENATED = re.compile(r"(?<![\w-])\w+(?:-\w+)+(?![\w-])")  # a whole hyphenated word
_INNER_HYPHEN = re.compile(r"(?<=[A-Za-z])-(?=[A-Za-z])")
_DANGLING_HYPHEN = re.compile(r"(?<=[A-Za-z])-(?=\s|$)")  # "Brain Teaser- MC327"; not "Stain -Blocking"
# Words a hyphen makes part of a word ("A-line", "Drop-In", "Slip-On", "Light-up", "No-Rinse"): alone they would
# be an article, a link that cuts a title, a particle, or open a segment saying what a product lacks.
_JOINED = lexicon.LINKING | lexicon.PARTICLES | {"a", "no"}
_NOUN_TAGS = {"NOUN", "PROPN"}
_ES_PLURAL = re.compile(r"(?:s|x|z|ch|sh|o)$")
_INNER_CAPITAL = re.compile(r"[a-z][A-Z]")  # a name written in mixed case ("boAt", "iPhone", "McCain")


class Word(NamedTuple):  # a tuple: millions are built from the analysis cache at each build
    surface: str
    canonical: str
    proper: bool = False  # written as a name: capitalised inside a sentence, or all in capitals
    noun: bool = True  # tagged as a noun where it stands


def prepare(text: str, split_hyphens: bool = True) -> str:
    """One token per t-shirt spelling, "w/" as "with" and, with ``split_hyphens``, inner hyphens as spaces ("V-Neck"
    → "V Neck": a title is a phrase), except in a word joined to a function word ("A-line", "Drop-In"), and a
    hyphen hanging off a word's end as a dash ("Brain Teaser- MC327"); case is kept. Prose keeps its hyphens,
    which the parser reads as one modifier ("Space-saving baskets")."""
    text = _WITH.sub("with ", _TSHIRT.sub(r"tshirt\1", text))
    return _DANGLING_HYPHEN.sub(" - ", _HYPHENATED.sub(_split_hyphens, text)) if split_hyphens else text


def _split_hyphens(match: re.Match[str]) -> str:
    word = match.group()
    return word if _joins_function_word(word.split("-")) else _INNER_HYPHEN.sub(" ", word)


def _joins_function_word(parts: list[str]) -> bool:
    """Whether hyphen-joined parts are one word: all letters, one of them a function word, and not an attribute
    name the lexicon writes in words ("Off-White")."""
    words = [part.lower() for part in parts]
    return (
        all(word.isalpha() for word in words)
        and any(word in _JOINED for word in words)
        and not any(" ".join(words) in names for names in lexicon.ATTRIBUTE_KINDS.values())
    )


HYPHEN_COMPOUNDS = "kgbuild_hyphen_compounds"
_JOINED_WORDS = "|".join(sorted(_JOINED))
_JOINED_HYPHEN = re.compile(rf"\b(?:{_JOINED_WORDS})-[A-Za-z]|[A-Za-z]-(?:{_JOINED_WORDS})\b", re.I)  # a quick test


def join_hyphen_compounds(doc: Any) -> Any:
    """A spaCy component before the tagger: words joined by hyphens to a function word are one word ("A-line dress",
    "Drop-In sink", "Slip-On shoes"), not an article, a link or a particle that would cut the phrase."""
    if not _JOINED_HYPHEN.search(doc.text):  # most texts: no token to look at
        return doc
    spans = []
    start = 0
    while start < len(doc):
        end = start + 1
        while inner_hyphen(doc, end) and doc[end + 1].is_alpha:
            end += 2
        parts = [doc[i].text for i in range(start, end, 2)]
        whole = (start == 0 or doc[start - 1].whitespace_ or doc[start - 1].text != "-") and (
            end == len(doc) or doc[end - 1].whitespace_ or doc[end].text != "-"
        )
        if len(parts) > 1 and whole and _joins_function_word(parts):
            spans.append(doc[start:end])
        start = end
    with doc.retokenize() as retokenizer:
        for span in spans:
            retokenizer.merge(span)
    return doc


def inner_hyphen(doc: Any, index: int) -> bool:
    """Whether the token at ``index`` is a hyphen written inside a word ("all-purpose"), not a dash between words."""
    return (
        0 < index < len(doc) - 1
        and doc[index].text == "-"
        and not doc[index - 1].whitespace_
        and not doc[index].whitespace_
    )


def word_of(token: Any, cased: str | None = None) -> Word:
    """``cased``: the original text when ``token`` comes from a lower-cased copy of it (titles are tagged lower-case,
    which tags their words as common nouns more reliably)."""
    original = cased[token.idx : token.idx + len(token.text)] if cased is not None else token.text
    proper = (
        (original.isupper() and len(original) > 1)
        or (original[:1].isupper() and (cased is not None or not token.is_sent_start))
        or _INNER_CAPITAL.search(original) is not None
    )
    return Word(token.lower_, canonical(token), proper, token.pos_ in _NOUN_TAGS)


def words_of(doc: Any, cased: str | None = None) -> list[Word]:
    if cased is not None and len(cased) != len(doc.text):
        cased = doc.text  # lower-casing changed the length (rare scripts): no case information
    return [word_of(t, cased) for t in doc if not t.is_space]


def kept_as_written(plural: str, lemma: str) -> bool:
    """Whether a Latin plural stays as written: English writes "data", "media" as mass nouns, not as the plurals of
    "datum", "medium"."""
    return plural.endswith("a") and lemma in {plural[:-1] + "um", plural[:-1] + "on"}


def canonical(token: Any) -> str:
    text = token.lower_
    spelled = lexicon.VARIANTS.get(text, text)
    if spelled in lexicon.PLURAL_ONLY or token.pos_ not in _NOUN_TAGS:
        return spelled
    lemma = token.lemma_.lower()
    if "_" in lemma and "_" not in text:  # a multi-word lemma of one word ("comics" → "comic_strip")
        lemma = text[:-1] if text.endswith("s") else text
    if lemma == text[:-2] and text.endswith("es") and not _ES_PLURAL.search(lemma):
        lemma = text[:-1]  # the lemmatizer's "soles" → "sol": "-es" is a plural only after a hissing sound or "o"
    if kept_as_written(text, lemma):
        lemma = text
    return lexicon.VARIANTS.get(lemma, lemma)
