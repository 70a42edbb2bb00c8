"""Words as concept mining sees them: lower-case surface, canonical form (lemma, spelling variants unified,
plural-only nouns kept plural), whether the catalog wrote the word as a name (capitalised inside a sentence, or in
capitals) and whether the tagger read it as a noun."""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from kgbuild import lexicon

_TSHIRT = re.compile(r"\bt[\s-]?shirt(s?)\b", re.IGNORECASE)
_INNER_HYPHEN = re.compile(r"(?<=[A-Za-z])(?<!\b[Aa])-(?=[A-Za-z])")  # not after a lone "a": "A-line" is a word
_NOUN_TAGS = {"NOUN", "PROPN"}
_ES_PLURAL = re.compile(r"(?:s|x|z|ch|sh|o)$")


class Word(NamedTuple):  # a tuple: millions are built from the analysis cache at each build
    surface: str
    canonical: str
    proper: bool = False  # written as a name: capitalised inside a sentence, or all in capitals
    noun: bool = True  # tagged as a noun where it stands


def prepare(text: str, split_hyphens: bool = True) -> str:
    """One token per t-shirt spelling and, with ``split_hyphens``, inner hyphens as spaces ("V-Neck" → "V Neck": a
    title is a phrase; "A-line" stays one word); case is kept. Prose keeps its hyphens, which the parser reads as
    one modifier ("Space-saving baskets")."""
    text = _TSHIRT.sub(r"tshirt\1", text)
    return _INNER_HYPHEN.sub(" ", text) if split_hyphens else text


JOINED_ARTICLE = "kgbuild_joined_article"


def join_article_compounds(doc: Any) -> Any:
    """A spaCy component before the tagger: a lone "a" joined by a hyphen to a word is one word with it ("A-line
    dress", "A-frame"), not an article."""
    spans = [
        doc[t.i : t.i + 3]
        for t in doc[:-2]
        if t.lower_ == "a"
        and not t.whitespace_
        and doc[t.i + 1].text == "-"
        and not doc[t.i + 1].whitespace_
        and doc[t.i + 2].is_alpha
        and (t.i == 0 or doc[t.i - 1].whitespace_ or not doc[t.i - 1].is_alpha)
    ]
    with doc.retokenize() as retokenizer:
        for span in spans:
            retokenizer.merge(span)
    return doc


def word_of(token: Any, cased: str | None = None) -> Word:
    """``cased``: the original text when ``token`` comes from a lower-cased copy of it (titles are tagged lower-case,
    which tags their words as common nouns more reliably)."""
    original = cased[token.idx : token.idx + len(token.text)] if cased is not None else token.text
    proper = (original.isupper() and len(original) > 1) or (
        original[:1].isupper() and (cased is not None or not token.is_sent_start)
    )
    return Word(token.lower_, canonical(token), proper, token.pos_ in _NOUN_TAGS)


def words_of(doc: Any, cased: str | None = None) -> list[Word]:
    if cased is not None and len(cased) != len(doc.text):
        cased = doc.text  # lower-casing changed the length (rare scripts): no case information
    return [word_of(t, cased) for t in doc if not t.is_space]


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
    return lexicon.VARIANTS.get(lemma, lemma)
