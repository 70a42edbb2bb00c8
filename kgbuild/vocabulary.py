"""What concept mining learns from the catalog itself before it decides what a word means.

* **brands**: a brand column when the catalog has one; for products without a value in it, words before an
  audience word ("Roadster Men …", "Red Tape Men …"; not "Navy Blue Men …", "Titan Analog Watch for Men") and
  leading words that recur across titles ending in different words (with the words nearly all their titles go on
  with: "Kirkton House"), never an article alone ("The …"), a name only a variant number follows ("Theron (1)")
  nor a word that is a whole title or that most of its titles go on from with "with", "in" or "for" ("Hoodie",
  "Hoodie with Pocket"), and only where the catalog's copy names them: leading words that the descriptions of
  their products (their own, not copy many families repeat) hardly ever repeat are a single brand's style names
  ("Emma dress", "Babette long"), and words the descriptions write in lower case are common words ("Microwave Safe
  Bowl"). What a title says the product fits does not count against a leading word ("Remote for Samsung TV", "Case
  Compatible with Samsung Galaxy").
* **style names** (product lines): title words the catalog writes only as names (capitalised or in capitals, never
  in lower case anywhere in its text but a sentence's first word, in a catalog with enough lower-case text of its
  own, not copy many families repeat, to tell; where titles are all in lower case, the title words the descriptions
  write as names)
  that are not brands, not written by many makers (unless they label a number: "SPF 50") and not the end of many
  titles: "Chaz", "KURA" (not "USB", "Watch"). They are typed ``line``; they never become categories.
* **colours**: basic colour terms and multi-word colour names everywhere; a single-word colour name ("wine",
  "steel"), or two written as one ("rose gold"), only when this catalog uses it where it uses basic colours (the
  same neighbours; in a description's list, beside a colour) at least as often as elsewhere, so "coffee table"
  keeps its "coffee" in a home catalog and "rain, snow, and wind" has no colour.
* **units**: words the catalog writes mostly right after a number ("128 GB", "6 ft", "2 pack", "24-Watt"); another
  word after a number is still a word ("iPhone 13 Smartphone", "Pack of 3 Socks").
* **complements**: words titles write right before "for"/"with" in most of their uses ("Compatible for …",
  "Suitable for …"): where the catalog reads them as no noun, they end no product's name.
* **nouns**: words the tagger reads as nouns in most of their uses here, each distinct text counted once
  ("compatible", "works" are not, nor "fits" where a range repeats "Fits in TROFAST frames."); the
  *described* ones head phrases in descriptions ("drill", not "cordless").
* **boilerplate**: description sentences that many product families repeat word for word once their own title's
  words are set aside (care, guarantee, "sold separately", "Buy <title> for Rs. 999 online"), and what more than
  half of them repeat ("Lorem ipsum …").
* **headers**: capitalised words that open the descriptions of many product families, each time followed by
  different words, and that the catalog hardly ever writes anywhere else: a heading its pages put before the copy
  ("Product Description The …", "Key Features of …").
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from itertools import chain
from typing import Any

from kgbuild import lexicon
from kgbuild.descriptions import Sentence, comparison_key
from kgbuild.domain import COLOUR
from kgbuild.synonyms import match_key, singular
from kgbuild.words import Word

LOWER_CASE_EVIDENCE = 0.3  # share of lower-case words a catalog needs before "never lower case" means a name
TITLE_CASE_SHARE = 0.05  # share of capitalised words below which titles are all in lower case and tell no names
SHARED_WORD_LEADERS = 5  # a title word after this many different first words is no style name
_POSSESSIVE = {"'s", "’s"}
BRAND_WORDS = 4  # a brand before an audience word is this many words at most ("SDL by Sweet Dreams Men …"; not
# "Swagtron Foldable Electric Scooter for Adults")
LETTER_NAME_TITLES = 3  # titles that write a noun with one capital letter after it before the two are one name
TITLE_HEAD_TITLES, TITLE_HEAD_MODIFIERS = 3, 2  # a word ending 3 titles after 2 different words names products
# What a brand before an audience word never ends in: a mark ending a part of the title ("Tooth Brush - Kids 3-6
# Years") or "for" ("Deospray For Men").
_NO_BRAND_ENDS = {",", "-", "|", ";", "(", "for"}
_TITLE_END_MARKS = {",", "-", "(", "for", *lexicon.LINKING}
BOILERPLATE_FAMILIES = 3  # a sentence repeated in this many product families is boilerplate
HEADER_WORDS = 3  # a heading opening descriptions is this many words at most ("About This Item")
HEADER_ELSEWHERE_SHARE = 0.25  # a heading is written elsewhere at most this often for each time it opens the copy
# A marketplace's copy names the maker of a good share of the products a leading title word leads ("Feit
# Electric's elegant …"); a single brand's store names a style that way in hardly any ("Babette long", "KURA").
MAKERS_NAMED_SHARE = 0.25
WHOLE_NAME_SHARE = 0.9  # a maker's name goes on with the word this share of its titles go on with,
WHOLE_NAME_TITLES = 3  # and at least this many
_NAME_JOINERS = {"&", "and"}  # "Melissa & Doug": inside a maker's name, never its end
COMMON_WORD_USES = 3  # uses inside description sentences that tell a common word from a name by its case
UNIT_SHARE = 0.5  # a word written right after a number more often than this is a unit
NUMBER_LABEL_SHARE = 0.9  # a word written right before a number this often says what the number is
# A word titles write before "for"/"with" in this share of its uses, and this many times, says what the product
# goes with ("Compatible for …").
COMPLEMENT_SHARE, COMPLEMENT_USES = 0.8, 3
_COMPLEMENT_LINKS = {"for", "with"}
_NAME_LINKS = {*lexicon.LINKING, "for"}  # what a product's name goes on with ("Hoodie with Pocket")
_MAKER_MARKS = {"-", "|", "by"}  # what a maker's name may follow at a title's end ("Wireless Mouse - Logitech")
PLAIN_NAME_TAILS = 20  # a name this many others follow is a plain name ("Unisex Sunglasses"), no variant's
_INNER_JOINERS = {"&", "and", "of"}  # inside a maker's name ("United Colors of Benetton", "Marks & Spencer")
NUMBER = re.compile(r"\+?\d+(?:[.,/]\d+)*")  # "128", "6.2", "1/4", "+1"; not a model code ("S21")
COLOUR_EVIDENCE = 2
# Single words that may name a colour in this catalog: colour names that are not materials ("silver" is a colour,
# "leather" is not) and not colour modifiers ("light", "dark").
_MAYBE_COLOURS = lexicon.CANDIDATE_COLOURS - lexicon.MATERIALS - lexicon.COLOUR_MODIFIERS
# Between a description's commas and conjunctions any noun of a list stands where a colour could ("rain, snow, and
# wind"): there a colour name is a colour only in a list with a colour ("navy blue, aqua and grey").
_LIST_CONTEXT = lexicon.SEPARATORS | {""}
_NOT_ALPHANUMERIC = re.compile(r"\W+")
_CLITIC = re.compile(r" (['’]s|[.!?])(?= |$)")  # "rubie 's" → "rubie's", "hey ! play !" → "hey! play!"
_BESIDE_COLOUR = lexicon.BASIC_COLOURS | set(lexicon.COLOUR_VARIANTS)  # "black silver shoe", "silver toned"
_PHRASE_ENDS = lexicon.SEPARATORS | lexicon.LINKING  # where a phrase of a title or sentence ends


@dataclass(frozen=True)
class Vocabulary:
    brands: frozenset[tuple[str, ...]]
    lines: frozenset[str]
    colours: frozenset[str]
    units: frozenset[str]
    number_labels: frozenset[str]  # words that label the number after them ("SPF 30", "Lacquer 44")
    complements: frozenset[str]  # words titles write before "for"/"with" ("Remote Compatible for …")
    nouns: frozenset[str]  # words mostly read as nouns
    boilerplate: frozenset[str]
    everywhere: frozenset[str]  # boilerplate most families repeat ("Lorem ipsum …")
    headers: frozenset[tuple[str, ...]]  # the words of headings that open descriptions, as written in lower case
    lettered: frozenset[tuple[str, str]]  # a noun and the capital letter that names a thing with it ("type", "c")
    head_score: Counter  # how often a word ends an unlinked segment of a title in this catalog
    described: frozenset[str]  # comparison keys of the nouns descriptions head phrases with

    def strip_brand(self, words: list[Word]) -> tuple[str | None, list[Word]]:
        """The maker's name a title starts with, or else ends with after a dash, a bar or "by", and the title
        without it."""
        surfaces = _surfaces(words)
        for size in range(min(len(words) - 1, 6), 0, -1):
            if surfaces[:size] in self.brands:
                return _CLITIC.sub(r"\1", " ".join(surfaces[:size])), words[size:]
        if (maker := _trailing_maker(words)) in self.brands:
            return _CLITIC.sub(r"\1", " ".join(maker)), words[: len(words) - len(maker) - 1]
        return None, words

    def spelled(self, canonical: str) -> str:
        """A singular as the catalog writes it: the lemmatizer makes "cookies" "cooky" where the catalog writes
        "cookie" ("berries" stays "berry")."""
        written = canonical[:-1] + "ie"
        return written if canonical not in self.nouns and written in self.nouns else canonical

    @staticmethod
    def strip_own_brand(words: list[Word], brand: str) -> tuple[str, list[Word]]:
        """``brand`` (a product's brand column) as a name, and the title without it where the title starts with it
        however it is spaced or punctuated ("Levi's", "Levi 's"); a title starting with another product's brand
        keeps it ("Pure Radiance Facial Oil" of a brand whose neighbour is called "Pure")."""
        wanted = _letters(brand)
        for size in range(1, min(len(words) - 1, 6) + 1) if wanted else ():
            if _letters("".join(w.surface for w in words[:size])) == wanted:
                return _brand_name(brand), words[size:]
        return _brand_name(brand), words

    @cached_property
    def phrase_starts(self) -> frozenset[str]:
        """First words of the multi-word colour and attribute names: where a longer match can begin."""
        names = [self.colours, *lexicon.ATTRIBUTE_KINDS.values()]
        return frozenset(name.split()[0] for vocabulary in names for name in vocabulary if " " in name)

    @cached_property
    def _kinds(self) -> dict[str, str]:
        """Name → kind; a name of several kinds takes the first (this catalog's colours, then lexicon order)."""
        kinds: dict[str, str] = {}
        for kind, names in reversed(lexicon.ATTRIBUTE_KINDS.items()):
            if kind != COLOUR:
                kinds |= dict.fromkeys(names, kind)
        return kinds | dict.fromkeys(self.colours, COLOUR)

    @cached_property
    def typed_words(self) -> dict[tuple[str, str, bool], Any]:
        """Memo of :func:`kgbuild.concepts.typed`'s reading of one word: (surface, canonical form, whether it is a
        quantity: a unit after its number or a word counting the products) → the word typed."""
        return {}

    def kind_of(self, text: str) -> str | None:
        """The attribute kind of a word or phrase in this catalog (colour, pattern, material, style), if any."""
        return self._kinds.get(text)


def _brand_name(value: str) -> str:
    """A brand column's value as a concept name: lower case, single spaces."""
    return " ".join(value.lower().split())


def _letters(text: str) -> str:
    return _NOT_ALPHANUMERIC.sub("", text.lower())


def learn(
    titles: list[list[Word]],
    families: list[str],
    descriptions: list[list[Sentence]],
    brand_values: list[str | None],
) -> Vocabulary:
    """``brand_values``: each product's value in the brand column, None where it has none."""
    sentences = [s.words for described in descriptions for s in described]
    everything = [*titles, *sentences]
    boilerplate, everywhere = _boilerplate(families, descriptions)
    # A sentence's first word is capitalised whatever it is: it tells nothing about how the catalog writes it,
    # unless it heads the phrase naming the product ("Joggers in woven fabric"). Nor do titles all in lower case
    # ("chaz kangeroo hoodie"): there, names are the title words the descriptions write as names.
    cased = _cased(titles)
    lower = _lower_case_words(
        chain(
            ((title, True) for title in (titles if cased else [])),
            ((s.words[1:], s.key not in boilerplate) for described in descriptions for s in described),
            ((words, True) for words in _named_types(descriptions)),
        )
    )
    written_as_names = set() if cased else {w.surface for words in sentences for w in words[1:] if w.proper}
    complements = _complements(titles)
    product_words = _heads_of_titles(titles)
    # the brand column speaks for the products it names: brands are learned from the others' titles
    brands = {tuple(_brand_name(brand).split()) for brand in brand_values if brand}
    unbranded = [i for i, brand in enumerate(brand_values) if not brand]
    unbranded_titles = [titles[i] for i in unbranded]
    unbranded_descriptions = [descriptions[i] for i in unbranded]
    before_audience = _brands_before_audience(unbranded_titles)
    one_word = {brand[0] for brand in before_audience if len(brand) == 1}
    brands |= before_audience - _common_words(unbranded_descriptions, one_word)
    trailing = _trailing_makers(unbranded_titles, lower, product_words)
    if trailing:  # a title that ends in its maker's name starts with none ("Wireless Mouse - Logitech")
        untrailed = [i for i, words in enumerate(unbranded_titles) if _trailing_maker(words) not in trailing]
        unbranded_titles = [unbranded_titles[i] for i in untrailed]
        unbranded_descriptions = [unbranded_descriptions[i] for i in untrailed]
    brands |= _makers(unbranded_titles, unbranded_descriptions, brands, complements, product_words, boilerplate)
    brands |= trailing
    brand_words = {word for brand in brands for word in brand}
    units = _units(everything)
    nouns = _nouns(everything)
    lettered = _lettered(titles, nouns)
    return Vocabulary(
        brands=frozenset(brands),
        lines=frozenset(_lines(titles, lower, product_words, written_as_names) - brand_words),
        colours=frozenset(lexicon.COLOURS | _catalog_colours(everything, len(titles))),
        units=frozenset(units),
        number_labels=frozenset(_number_labels(titles, units)),
        complements=frozenset(complements),
        nouns=frozenset(nouns),
        boilerplate=frozenset(boilerplate),
        everywhere=frozenset(everywhere),
        headers=frozenset(_headers(families, titles, descriptions)),
        lettered=frozenset(lettered),
        head_score=Counter(),
        described=frozenset(
            match_key(phrase[-1].canonical)
            for described in descriptions
            for sentence in described
            for phrase in (*sentence.types, *sentence.references, *sentence.details)
            if phrase and not _fixed_kind(phrase[-1].canonical)
        ),
    )


def _brands_before_audience(titles: list[list[Word]]) -> set[tuple[str, ...]]:
    """The words before an audience word that starts a title ("Roadster Men …", "United Colors of Benetton Women
    …")."""
    brands: set[tuple[str, ...]] = set()
    for words in titles:
        surfaces = [w.surface for w in words]
        audience = next((i for i, s in enumerate(surfaces[: BRAND_WORDS + 1]) if s in lexicon.GENDER), None)
        leading = surfaces[:audience] if audience else []
        # A colour word may start a brand ("Red Tape Men …") but not be all of it ("Navy Blue Men …"); an audience
        # after a dash or comma starts a variant, and after "for" says whom the product is for, not whose range it
        # is ("Tooth Brush - Kids 3-6 Years", "Deospray For Men - Energy"); a model number ends the maker's name
        # ("Playmobil 5252 Native American Boy").
        named = leading[1:] if len(leading) > 1 else leading
        if (
            leading
            and not any(_fixed_kind(s) for s in named)
            and not any(c.isdigit() for s in leading[1:] for c in s)
            and not set(leading) <= lexicon.SEPARATORS
            and leading[-1] not in _NO_BRAND_ENDS
        ):
            brands.add(tuple(leading))
    return brands


def _makers(
    titles: list[list[Word]],
    descriptions: list[list[Sentence]],
    known: set[tuple[str, ...]],
    complements: set[str],
    product_words: set[str],
    boilerplate: set[str],
) -> set[tuple[str, ...]]:
    """Words leading titles that name their makers: none where the products they lead have descriptions of their
    own (not only copy many families repeat, such as placeholder text) and fewer than ``MAKERS_NAMED_SHARE`` of
    those descriptions name the word (style names, typed ``line`` instead), and never a word that names products
    (``product_words``: "Ground Beef" beside "Plant Based Ground") or that the descriptions write as a common word."""
    leading = {name for name in _leading_brands(titles, known, complements) if name[0] not in product_words}
    leading -= _common_words(descriptions, {word for (word,) in leading})
    described = named = 0
    for words, sentences in zip(titles, descriptions, strict=True):
        if not words or (words[0].surface,) not in leading:
            continue
        if any(s.key not in boilerplate for s in sentences):  # copy of its own
            described += 1
            named += any(w.surface == words[0].surface for s in sentences for w in s.words)
    return (
        set() if described and named < MAKERS_NAMED_SHARE * described else _whole_names(leading, titles, product_words)
    )


def _whole_names(
    makers: set[tuple[str, ...]], titles: list[list[Word]], product_words: set[str]
) -> set[tuple[str, ...]]:
    """Each maker's name with the words nearly all its titles go on with, up to ``BRAND_WORDS`` words, none of
    them one of ``product_words`` (:func:`_heads_of_titles`: "Kirkton House …", "Melissa & Doug …"; not
    "Energizer Batteries AA" where titles end in "AA Batteries", "AAA Batteries"): the maker's first word alone
    may name someone else's range."""
    led: dict[tuple[str, ...], list[list[str]]] = defaultdict(list)
    for words in titles:
        if words and (words[0].surface,) in makers:
            led[(words[0].surface,)].append([w.surface for w in words])
    whole = set()
    for name, surfaces in led.items():
        while len(name) < BRAND_WORDS:
            following = Counter(s[len(name)] for s in surfaces if len(s) > len(name) + 1)
            word, count = following.most_common(1)[0] if following else ("", 0)
            going_on = [s for s in surfaces if len(s) > len(name) + 1 and s[len(name)] == word]
            # the titles going on with it name different products ("Logi Wireless Mouse, Black" and "…, Rose
            # Gold" are one product)
            products = {next((w for w in reversed(s) if w.isalpha() and not _fixed_kind(w)), "") for s in going_on}
            if (
                count < max(WHOLE_NAME_TITLES, WHOLE_NAME_SHARE * len(surfaces))
                or word in product_words
                or not (word.isalpha() or word == "&")
                or len(products - {word}) < 2
            ):
                break
            name, surfaces = (*name, word), going_on
        whole.add(name[:-1] if name[-1] in _NAME_JOINERS else name)
    return whole | makers  # the first word alone still names the maker of its other titles ("Eureka Vacuum …")


def _common_words(descriptions: list[list[Sentence]], candidates: set[str]) -> set[tuple[str]]:
    """The ``candidates`` the descriptions write inside sentences ``COMMON_WORD_USES`` times or more, in lower case
    more often than as a name: vocabulary ("Microwave Safe Bowl", "Best Rice"), not a maker's name ("boAt",
    "Playmobil")."""
    uses: Counter = Counter()
    lower: Counter = Counter()
    for described in descriptions:
        for sentence in described:
            for word in sentence.words[1:]:
                if word.surface in candidates:
                    uses[word.surface] += 1
                    lower[word.surface] += not word.proper
    return {(word,) for word, count in uses.items() if count >= COMMON_WORD_USES and lower[word] * 2 > count}


def _leading_brands(
    titles: list[list[Word]], known: set[tuple[str, ...]], complements: set[str]
) -> set[tuple[str, ...]]:
    """Leading words that almost never appear elsewhere and lead titles ending in at least two different words;
    what a title says the product is for or fits (after "for" or one of ``complements``) is not counted."""
    leading: Counter = Counter()
    anywhere: Counter = Counter()
    endings: dict[str, set[str]] = defaultdict(set)
    whole_titles: set[str] = set()
    linked: Counter = Counter()  # titles that go on from the word with "with", "in" or "for": it names the product
    for words in titles:
        if not words:
            continue
        first = words[0].surface
        leading[first] += 1
        if len(words) == 1:
            whole_titles.add(first)
        linked[first] += len(words) > 1 and words[1].surface in _NAME_LINKS
        # the last word of the product's name, past its variant ("Theron (1)", "Classic Vest, S" end in their
        # names: no second ending)
        last = next((w for w in reversed(product_name(words)[1:]) if any(c.isalpha() for c in w.surface)), words[0])
        if last.surface != first:
            endings[first].add(last.canonical)
        # a maker's name also says what a product fits ("Remote for Samsung TV", "Case Compatible with Samsung")
        fits = (i for i, w in enumerate(words) if i and (w.surface == "for" or w.surface in complements))
        anywhere.update({w.surface for w in words[: next(fits, len(words))]})
    known_first_words = {brand[0] for brand in known}
    return {
        (word,)
        for word, count in leading.items()
        if count / anywhere[word] >= 0.9
        and len(endings[word]) >= 2
        and word not in known_first_words
        # a maker's name alone is no title, nor what most of its titles go on from with "with" ("Hoodie" beside
        # "Hoodie - Red, No", "Hoodie with Pocket", "Allium in a Pot")
        and word not in whole_titles
        and linked[word] * 2 <= count
        and word.isalpha()
        and word not in lexicon.SEPARATORS  # "The …" leads titles of many makers
        and not _fixed_kind(word)
        and word not in lexicon.GENDER
    }


def _surfaces(words: list[Word]) -> tuple[str, ...]:
    return tuple(w.surface for w in words)


def product_name(title: list[Word]) -> list[Word]:
    """A title's words before the first comma, after which titles name a variant ("Classic Vest, S"): titles with
    the same name are one product's variants."""
    return title[: next((i for i, w in enumerate(title) if i and w.surface == ","), len(title))]


def _trailing_maker(words: list[Word]) -> tuple[str, ...]:
    """The words of a title's last phrase when they could be a maker's name after a dash, a bar or "by" (up to
    ``BRAND_WORDS`` words written as names, no colour or other attribute word: not "T-Shirt - Blue"; "&", "and" or
    "of" may join them: "Kurta - United Colors of Benetton"), after the product's name; empty if none."""
    mark = next(
        (
            i
            for i in range(len(words) - 1, 0, -1)
            if words[i].surface in lexicon.SEPARATORS
            and not (words[i].surface in _INNER_JOINERS and words[i - 1].proper and words[i + 1 :])
        ),
        None,
    )
    if mark is None or words[mark].surface not in _MAKER_MARKS or len(words) - mark - 1 > BRAND_WORDS:
        return ()
    named = [w for w in words[mark + 1 :] if w.surface not in _INNER_JOINERS]
    maker = (
        named
        and words[-1] == named[-1]
        and all(w.proper and w.surface.isalpha() and len(w.surface) > 1 and not _fixed_kind(w.surface) for w in named)
        and words[mark - 1].surface.isalpha()
    )
    return _surfaces(words[mark + 1 :]) if maker else ()


def _trailing_makers(titles: list[list[Word]], lower: set[str] | None, product_words: set[str]) -> set[tuple[str, ...]]:
    """Names that end titles as makers' names do ("Wireless Mouse - Logitech", "Bluetooth Speaker by JBL"): after
    the names of products ending in at least two different words, mostly names of two words or more (a bare type
    is named with its variety: "Juice - Litchi", "Drink - Litchi"), fewer than half of which any one other such
    name follows too (a variant's are: "Mug - Large" beside "Mug - Small"; makers share a few plain names,
    "Unisex Sunglasses"), their words almost never written elsewhere in titles (but where the name leads one) nor
    in lower case in the catalog's own text, and none a word that names products ("Mountain Fox - Vector
    Graphics")."""
    endings: dict[tuple[str, ...], set[str]] = defaultdict(set)
    follows: dict[tuple[str, ...], set[tuple[str, ...]]] = defaultdict(set)
    tails_after: dict[tuple[str, ...], set[tuple[str, ...]]] = defaultdict(set)
    tail_uses: Counter = Counter()
    for words in titles:
        if maker := _trailing_maker(words):
            name = _surfaces(words[: len(words) - len(maker) - 1])
            tail_uses.update(maker)
            endings[maker].add(words[len(name) - 1].canonical)
            follows[maker].add(name)
            tails_after[name].add(maker)
    if not follows:
        return set()
    shared: dict[tuple[str, ...], Counter] = defaultdict(Counter)  # name → the names it shares products with
    for tails in tails_after.values():
        for tail in tails if len(tails) <= PLAIN_NAME_TAILS else ():
            shared[tail].update(tails - {tail})
    uses: Counter = Counter()
    for words in titles:  # a maker's name may lead titles too ("Fastrack Watch" beside "Backpack - Fastrack")
        uses.update(w.surface for w in words)
        leading = next((size for size in range(BRAND_WORDS, 0, -1) if _surfaces(words[:size]) in follows), 0)
        tail_uses.update(_surfaces(words[:leading]))
    return {
        maker
        for maker, names in follows.items()
        if len(endings[maker]) >= 2
        and sum(len(name) > 1 for name in names) * 2 >= len(names)
        and all(count * 2 < len(names) for count in shared[maker].values())
        and all(tail_uses[word] >= 0.9 * uses[word] for word in set(maker) - _INNER_JOINERS)
        and not any(singular(word) in (lower or ()) for word in set(maker) - _INNER_JOINERS)
        and maker[-1] not in product_words
        and not any(word in lexicon.GENDER for word in maker)
    }


def _named_types(descriptions: list[list[Sentence]]) -> Iterable[list[Word]]:
    """A sentence's first word where the sentence is one noun phrase headed by it ("Joggers in woven fabric …")."""
    for described in descriptions:
        for sentence in described:
            if sentence.fragment and sentence.words and any(p == sentence.words[:1] for p in sentence.types):
                yield sentence.words[:1]


def _lower_case_words(texts: Iterable[tuple[list[Word], bool]]) -> set[str] | None:
    """The words (singular, as written and as the lexicon spells them: "tee" is "t-shirt") the catalog writes in
    lower case; None when it has too little lower-case text to tell a name by its case, counting only its own text
    (flagged True): copy many families repeat (care text, placeholder text such as "Lorem ipsum …" under titles
    such as "Hoodie with Pocket") does not tell."""
    lower: set[Word] = set()  # each distinct reading once: a catalog's words are mostly repeats
    words = lower_words = 0
    for text, own in texts:
        for word in text:
            if word.surface.isalpha():
                words += own
                if not word.proper:
                    lower_words += own
                    lower.add(word)
    if not words or lower_words < LOWER_CASE_EVIDENCE * words:
        return None
    return {singular(spelling) for word in lower for spelling in (word.surface, word.canonical)}


def _cased(titles: list[list[Word]]) -> bool:
    """Whether the titles write some words as names (``TITLE_CASE_SHARE`` of their words at least), as opposed to
    all in lower case."""
    words = capitalised = 0
    for title in titles:
        for word in title:
            if word.surface.isalpha():
                words += 1
                capitalised += word.proper
    return capitalised >= TITLE_CASE_SHARE * words


def _lines(
    titles: list[list[Word]], lower: set[str] | None, product_words: set[str], written_as_names: set[str]
) -> set[str]:
    """``written_as_names``: words that are names wherever the descriptions write them, where the titles have no
    case to tell."""
    if lower is None:
        return set()
    shared = _shared_title_words(titles) | product_words
    return {
        w.surface
        for title in titles
        for w in title
        if (w.proper or w.surface in written_as_names)
        and w.surface.isalpha()
        and len(w.surface) > 1
        and singular(w.surface) not in lower
        and singular(w.canonical) not in lower
        and w.surface not in shared
        and w.surface not in lexicon.GENDER
        and not _fixed_kind(w.surface)
    }


def _shared_title_words(titles: list[list[Word]]) -> set[str]:
    """Words in titles that start with many different words ("Anker … USB C Cable", "Belkin … USB-C to USB-C"): a
    style name belongs to one maker's product family, a word every maker writes is vocabulary."""
    leaders: dict[str, set[str]] = defaultdict(set)
    uses: Counter = Counter()
    before_number: Counter = Counter()  # "SPF 50", "Series 9": a label of the number after it, as a name is
    for title in titles:
        for i, word in enumerate(title[1:], start=1):
            uses[word.surface] += 1
            before_number[word.surface] += i + 1 < len(title) and bool(NUMBER.fullmatch(title[i + 1].surface))
            if title[0].surface != word.surface:
                leaders[word.surface].add(title[0].surface)
    return {
        word
        for word, found in leaders.items()
        if len(found) >= SHARED_WORD_LEADERS and before_number[word] * 2 <= uses[word]
    }


def _heads_of_titles(titles: list[list[Word]]) -> set[str]:
    """Words that end several titles after different words ("Digital Watch", "Analog Watch - For Men", "Women's
    Waistcoat"; not "EKBY VALTER"): they name what the products are, however the catalog capitalises them."""
    before: dict[str, set[str]] = defaultdict(set)
    ending: dict[str, set[tuple[str, ...]]] = defaultdict(set)
    for title in titles:
        surfaces = [w.surface for w in title]
        for i in range(1, len(surfaces)):
            previous = surfaces[i - 2] if i > 1 and surfaces[i - 1] in _POSSESSIVE else surfaces[i - 1]
            if (
                previous.isalpha()
                and previous not in lexicon.SEPARATORS
                and (i + 1 == len(surfaces) or surfaces[i + 1] in _TITLE_END_MARKS)
            ):
                before[surfaces[i]].add(previous)
                ending[surfaces[i]].add(tuple(surfaces))
    return {
        word
        for word, previous in before.items()
        if len(previous) >= TITLE_HEAD_MODIFIERS and len(ending[word]) >= TITLE_HEAD_TITLES
    }


def _catalog_colours(texts: list[list[Word]], titles: int) -> set[str]:
    """Single-word colour names used where the catalog uses basic colours (after a word that precedes basic
    colours and before a word that follows them; in a description's list, only beside a colour), or right beside a
    colour word ("black silver shoe", "silver toned"; not at a phrase's end, "Green Tea", where it names what is
    coloured), and at least once the former: beside a colour alone, a noun is what is coloured. The first
    ``titles`` texts are titles, the others description sentences."""
    before: set[str] = set()
    after: set[str] = set()
    for words in texts:
        for i, word in enumerate(words):
            if _colour_word(word.surface) in lexicon.BASIC_COLOURS:
                previous, following = _context(words, i)
                before.add(previous)
                after.add(following)
    colour_uses: Counter = Counter()
    in_place: Counter = Counter()  # uses where a basic colour could stand
    uses: Counter = Counter()
    for number, words in enumerate(texts):
        for i, word in enumerate(words):
            if word.surface not in _MAYBE_COLOURS:
                continue
            uses[word.surface] += 1
            previous, following = _context(words, i)
            beside = {w.surface for w in words[max(i - 1, 0) : i + 2]} - {word.surface}
            listed = number >= titles and {previous, following} <= _LIST_CONTEXT
            if previous in before and following in after and (not listed or _listed_with_colour(words, i)):
                colour_uses[word.surface] += 1
                in_place[word.surface] += 1
            elif beside & _BESIDE_COLOUR and not _coloured_head(words, i):
                colour_uses[word.surface] += 1
    singles = {w for w, n in colour_uses.items() if in_place[w] and n >= COLOUR_EVIDENCE and n * 2 >= uses[w]}
    return singles | _colour_pairs(texts, before, after)


def _coloured_head(words: list[Word], index: int) -> bool:
    """Whether the word at ``index`` ends a phrase right after a colour word: what is coloured ("Green Tea", "Black
    Tea - 100 Bags"), not a second colour ("Black Silver Shoe")."""
    ends = index + 1 == len(words) or words[index + 1].surface in _PHRASE_ENDS
    return ends and index > 0 and words[index - 1].surface in _BESIDE_COLOUR


def _listed_with_colour(words: list[Word], index: int) -> bool:
    """Whether the nearest word on either side of ``index``, past separators, is a colour word."""
    for step in (-1, 1):
        at = index + step
        while 0 <= at < len(words) and words[at].surface in lexicon.SEPARATORS:
            at += step
        if 0 <= at < len(words) and words[at].surface in _BESIDE_COLOUR:
            return True
    return False


def _colour_pairs(texts: list[list[Word]], before: set[str], after: set[str]) -> set[str]:
    """Two colour names written as one ("Rose Gold", "Champagne Gold") where the catalog writes basic colours, in
    at least half of their uses and in ``COLOUR_EVIDENCE`` different texts (a name repeated by one product's
    variants, "Red Rose White Camisole", is one text)."""
    in_place: Counter = Counter()
    uses: Counter = Counter()
    for words in {_surfaces(words): words for words in texts}.values():
        for i in range(len(words) - 1):
            first, second = words[i].surface, words[i + 1].surface
            if first not in _MAYBE_COLOURS or (second not in _MAYBE_COLOURS and second not in lexicon.BASIC_COLOURS):
                continue
            pair = f"{first} {second}"
            uses[pair] += 1
            previous, following = _context(words, i)[0], _context(words, i + 1)[1]
            in_place[pair] += previous in before and following in after
    return {pair for pair, n in in_place.items() if n >= COLOUR_EVIDENCE and n * 2 >= uses[pair]}


def _colour_word(surface: str) -> str:
    return lexicon.COLOUR_VARIANTS.get(surface, surface)


def _context(words: list[Word], index: int) -> tuple[str, str]:
    """The neighbouring words, audience words as one ("men", "women" → audience)."""
    before = _class(words[index - 1]) if index else ""
    after = _class(words[index + 1]) if index + 1 < len(words) else ""
    return before, after


def _class(word: Word) -> str:
    return "(audience)" if word.surface in lexicon.GENDER else word.canonical


def _lettered(titles: list[list[Word]], nouns: set[str]) -> set[tuple[str, str]]:
    """``nouns`` that titles write with the same capital letter after them in at least ``LETTER_NAME_TITLES``
    titles: the two words are one name ("Type C Cable", "Vitamin C Serum", "Grade A Eggs"), not a noun and a stray
    letter or an article."""
    titles_with: Counter = Counter()
    for words in dict.fromkeys(map(tuple, titles)):  # colour variants of one product are one title
        titles_with.update(
            {
                (word.surface, letter.surface)
                for word, letter in zip(words, words[1:], strict=False)
                if word.surface in nouns and len(letter.surface) == 1 and letter.surface.isalpha() and letter.proper
            }
        )
    return {pair for pair, count in titles_with.items() if count >= LETTER_NAME_TITLES}


def _nouns(texts: list[list[Word]]) -> set[str]:
    """Words the tagger reads as nouns in most of their uses in the catalog's distinct texts (one reading can be
    wrong, and copy repeated across a range, "Fits in TROFAST frames.", would repeat its misreading)."""
    as_noun: Counter = Counter()
    uses: Counter = Counter()
    for words in dict.fromkeys(map(tuple, texts)):
        for word in words:
            uses[word.surface] += 1
            as_noun[word.surface] += word.noun
    return {word for word, count in uses.items() if as_noun[word] * 2 > count}


def _units(texts: Iterable[list[Word]]) -> set[str]:
    """Words written right after a number in more than ``UNIT_SHARE`` of their uses; "of 3 socks" counts as no
    such use (what is counted is the product)."""
    seen: Counter = Counter()
    after_number: Counter = Counter()
    for words in texts:
        for index, word in enumerate(words):
            seen[word.surface] += 1
            number = number_before(words, index)
            if number is not None and (number < 1 or words[number - 1].surface != "of"):
                after_number[word.surface] += 1
    return {word for word, count in after_number.items() if count > UNIT_SHARE * seen[word]}


def _number_labels(titles: list[list[Word]], units: set[str]) -> set[str]:
    """Words written right before a number in at least ``NUMBER_LABEL_SHARE`` of their title uses (at least two),
    mostly a bare number: they say what the number is ("SPF 30", "Nail Lacquer 44"), where a noun before a measure
    names a product ("Yoga Strap 6 foot")."""
    uses: Counter = Counter()
    before_number: Counter = Counter()
    before_bare_number: Counter = Counter()
    for words in titles:
        for i, word in enumerate(words):
            uses[word.surface] += 1
            if i + 1 < len(words) and NUMBER.fullmatch(words[i + 1].surface):
                before_number[word.surface] += 1
                before_bare_number[word.surface] += i + 2 == len(words) or words[i + 2].surface not in units
    return {
        word
        for word, count in before_number.items()
        if count >= 2 and count >= NUMBER_LABEL_SHARE * uses[word] and before_bare_number[word] * 2 > count
    }


def _complements(titles: list[list[Word]]) -> set[str]:
    """Words titles write right before "for" or "with" in at least ``COMPLEMENT_SHARE`` of their uses (at least
    ``COMPLEMENT_USES``): where the catalog reads them as no noun, they say what the product goes with
    ("Compatible for", "Suitable for", "Ideal for"), not what it is."""
    uses: Counter = Counter()
    before_link: Counter = Counter()
    for words in titles:
        for word, following in zip(words, [*words[1:], None], strict=True):
            uses[word.surface] += 1
            before_link[word.surface] += following is not None and following.surface in _COMPLEMENT_LINKS
    return {
        word
        for word, count in before_link.items()
        if count >= COMPLEMENT_USES and count >= COMPLEMENT_SHARE * uses[word]
    }


def number_before(words: list[Word], index: int) -> int | None:
    """The position of the number the word at ``index`` follows, directly or after a hyphen or plus ("24-Watt", "4+
    Years"), or None."""
    before = index - 1
    if before > 0 and words[before].surface in {"-", "+"}:
        before -= 1
    return before if before >= 0 and NUMBER.fullmatch(words[before].surface) else None


def _boilerplate(families: list[str], descriptions: list[list[Sentence]]) -> tuple[set[str], set[str]]:
    """Keys of sentences that many families repeat word for word once their own title's words are set aside
    ("Buy <title> for Rs. 999 online", "<title> at best prices with free shipping"), and of those that more than
    half of the families with descriptions repeat (placeholder text, shop-wide notes)."""
    seen: dict[str, set[str]] = defaultdict(set)
    keys: dict[str, set[str]] = defaultdict(set)
    described: set[str] = set()
    for family, sentences in zip(families, descriptions, strict=True):
        named = set(comparison_key(family).split())
        if sentences:
            described.add(family)
        for sentence in sentences:
            template = " ".join(word for word in sentence.key.split() if word not in named)
            seen[template].add(family)
            keys[template].add(sentence.key)
    repeated = {template: len(found_in) for template, found_in in seen.items() if template}
    boilerplate = {
        key for template, count in repeated.items() if count >= BOILERPLATE_FAMILIES for key in keys[template]
    }
    everywhere = {key for template, count in repeated.items() if count * 2 > len(described) for key in keys[template]}
    return boilerplate - {""}, everywhere & boilerplate


def _headers(families: list[str], titles: list[list[Word]], descriptions: list[list[Sentence]]) -> set[tuple[str, ...]]:
    """Runs of two or more capitalised words that open the descriptions of ``BOILERPLATE_FAMILIES`` families or more,
    are followed there by as many different words, and are hardly ever written anywhere else in the catalog: a
    heading ("Product Description The …", "Key Features of <title>"), not the name of a product or of its maker
    ("Bunk Bed with …", "Apple Cider Vinegar is …", "Behr Premium …")."""
    families_of: dict[tuple[str, ...], set[str]] = defaultdict(set)
    followers: dict[tuple[str, ...], set[str]] = defaultdict(set)
    openings: Counter = Counter()
    for family, described in zip(families, descriptions, strict=True):
        words = described[0].words if described else []
        capitalised = 1  # a sentence's first word is capitalised whatever it is
        while capitalised < min(len(words), HEADER_WORDS) and words[capitalised].proper:
            capitalised += 1
        for size in range(2, capitalised + 1):
            opening = _surfaces(words[:size])
            openings[opening] += 1
            families_of[opening].add(family)
            # what follows, past a word in lower case ("Key Features of <title>")
            follower = words[size : size + (1 if size < len(words) and words[size].proper else 2)]
            followers[opening].add(" ".join(w.surface for w in follower))
    candidates = {
        opening
        for opening, found_in in families_of.items()
        if len(found_in) >= BOILERPLATE_FAMILIES and len(followers[opening]) >= BOILERPLATE_FAMILIES
    }
    if not candidates:
        return set()
    first_words = {opening[0] for opening in candidates}
    written: Counter = Counter()
    for words in [*titles, *(sentence.words for described in descriptions for sentence in described)]:
        for start, word in enumerate(words):
            if word.surface in first_words:
                run = _surfaces(words[start : start + HEADER_WORDS])
                written.update(run[:size] for size in range(2, len(run) + 1) if run[:size] in candidates)
    headers = {o for o in candidates if written[o] - openings[o] <= HEADER_ELSEWHERE_SHARE * openings[o]}
    # a heading and the copy's first words after it are no longer heading ("Product Description The …")
    return {header for header in headers if not any(header[:size] in headers for size in range(2, len(header)))}


def _fixed_kind(text: str) -> str | None:
    if text in lexicon.COLOURS or text in lexicon.CANDIDATE_COLOURS:
        return COLOUR
    for kind, vocabulary in lexicon.ATTRIBUTE_KINDS.items():
        if text in vocabulary:
            return kind
    return None
