"""spaCy's attribute ruler (tag → part of speech and morphology, with exceptions), with the same result in a fifth
of the time: the English pipelines' rules are 180 Matcher patterns, nearly all of one token, which spaCy matches
against every token of every text. Here a one-token rule is judged once per distinct token (its lower-case form,
tag, dependency and whether it is a space) and the merged attributes are reused; only rules of several tokens go
to a Matcher. Rules apply in the ruler's order, later ones overriding earlier ones, as in spaCy.

Parsing titles is most of a large catalog's concepts stage, and the attribute ruler took about a fifth of it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc, Token
from spacy.tokens._retokenize import normalize_token_attrs, set_token_attrs

ATTRIBUTE_RULES = "kgbuild_attribute_rules"
RULER = "attribute_ruler"
_TOKEN_ATTRIBUTES = {"LOWER": "lower_", "TAG": "tag_", "DEP": "dep_", "IS_SPACE": "is_space"}
Test = Callable[[Any], bool]


class AttributeRules:
    """The rules of an ``AttributeRuler`` (its ``patterns``), applied to a Doc."""

    def __init__(self, vocab: Any, patterns: list[dict[str, Any]]) -> None:
        self.vocab = vocab
        self.attrs = [normalize_token_attrs(vocab, rule["attrs"]) for rule in patterns]
        self.indices = [rule["index"] for rule in patterns]
        self.one_token: list[tuple[int, list[tuple[str, Test]]]] = []
        self.several_tokens = Matcher(vocab)
        for rule_id, rule in enumerate(patterns):
            others = []
            for pattern in rule["patterns"]:
                tests = _token_tests(pattern) if "_" not in rule["attrs"] else None
                if tests is None:
                    others.append(pattern)
                else:
                    self.one_token.append((rule_id, tests))
            if others:
                self.several_tokens.add(str(rule_id), others)
        self._rules_of: dict[tuple[str, str, str, bool], tuple[int, ...]] = {}
        self._merged: dict[tuple[int, ...], dict[Any, Any]] = {}

    def __call__(self, doc: Doc) -> Doc:
        more: dict[int, list[int]] = defaultdict(list)  # token index → rules of several tokens that set it
        for match_id, start, end in self.several_tokens(doc, allow_missing=True):
            rule_id = int(self.vocab.strings[match_id])
            more[doc[start:end][self.indices[rule_id]].i].append(rule_id)
        for token in doc:
            rules = self._rules(token)
            if token.i in more:
                rules = tuple(sorted({*rules, *more[token.i]}))
            if rules:
                set_token_attrs(token, self._attributes(rules))
        return doc

    def _rules(self, token: Token) -> tuple[int, ...]:
        key = (token.lower_, token.tag_, token.dep_, token.is_space)
        rules = self._rules_of.get(key)
        if rules is None:
            rules = self._rules_of[key] = tuple(
                rule_id
                for rule_id, tests in self.one_token
                if all(test(getattr(token, attribute)) for attribute, test in tests)
            )
        return rules

    def _attributes(self, rules: tuple[int, ...]) -> dict[Any, Any]:
        """What the rules, applied in order, set: each attribute is the last rule's that sets it."""
        merged = self._merged.get(rules)
        if merged is None:
            merged = self._merged[rules] = {}
            for rule_id in rules:
                merged.update(self.attrs[rule_id])
        return merged


def _token_tests(pattern: list[dict[str, Any]]) -> list[tuple[str, Test]] | None:
    """A one-token pattern's conditions as (token attribute, test); None for any other pattern, or one using what
    this module does not judge (its Matcher does)."""
    if len(pattern) != 1 or not pattern[0].keys() <= _TOKEN_ATTRIBUTES.keys():
        return None
    tests = []
    for key, condition in pattern[0].items():
        test = _test(condition)
        if test is None:
            return None
        tests.append((_TOKEN_ATTRIBUTES[key], test))
    return tests


def _test(condition: Any) -> Test | None:
    if not isinstance(condition, dict):
        return lambda value: bool(value == condition)
    if len(condition) != 1:
        return None
    ((operator, argument),) = condition.items()
    if operator == "IN":
        included = frozenset(argument)
        return lambda value: value in included
    if operator == "NOT_IN":
        excluded = frozenset(argument)
        return lambda value: value not in excluded
    if operator == "REGEX":
        pattern = re.compile(argument)
        return lambda value: pattern.search(value) is not None
    return None


@Language.factory(ATTRIBUTE_RULES)
def make_attribute_rules(nlp: Language, name: str) -> AttributeRules:
    """The rules of the pipeline's attribute ruler, which :func:`replace_ruler` then disables."""
    ruler: Any = nlp.get_pipe(RULER)
    return AttributeRules(nlp.vocab, ruler.patterns)


def replace_ruler(nlp: Language) -> None:
    """Runs the pipeline's attribute ruler, if any, as :class:`AttributeRules`."""
    if RULER in nlp.pipe_names:
        nlp.add_pipe(ATTRIBUTE_RULES, after=RULER)
        nlp.disable_pipe(RULER)
