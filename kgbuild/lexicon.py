"""General retail vocabulary for typing words: who a product is for, colours, patterns, materials, styles, spelling
variants and plural-only nouns. General English, not any one catalog's labels: brands, style names, which colour
names a catalog uses and which nouns are its product types are learned from each catalog (see
:mod:`kgbuild.vocabulary`)."""

from __future__ import annotations

from kgbuild.domain import COLOUR, MATERIAL, PATTERN, STYLE

# Audience words: attributes, never category concepts. Possessives are split off by the tokenizer ("men's").
GENDER = {
    "men": "men",
    "man": "men",
    "mens": "men",
    "male": "men",
    "gents": "men",
    "him": "men",
    "women": "women",
    "woman": "women",
    "womens": "women",
    "female": "women",
    "ladies": "women",
    "lady": "women",
    "her": "women",
    "boys": "boys",
    "boy": "boys",
    "girls": "girls",
    "girl": "girls",
    "unisex": "unisex",
    "kids": "kids",
    "kid": "kids",
    "children": "kids",
    "child": "kids",
    "infant": "infants",
    "infants": "infants",
    "baby": "infants",
    "adult": "adults",
    "adults": "adults",
}

# Berlin and Kay's eleven basic colour terms: a colour in any catalog. Every other colour name comes from the
# xkcd colour survey and the CSS colour names that ship with matplotlib; a multi-word name ending in a basic term
# ("navy blue") is a colour anywhere, a single word ("wine", "coffee", "steel") only where the catalog uses it as one.
BASIC_COLOURS = frozenset(
    {"black", "white", "red", "green", "yellow", "blue", "brown", "orange", "pink", "purple", "grey"}
)
COLOUR_VARIANTS = {
    "gray": "grey",
    "golden": "gold",
    "multicolour": "multi",
    "multicolor": "multi",
    "multicoloured": "multi",
    "multicolored": "multi",
    "colour": "",
    "color": "",
    "coloured": "",
    "colored": "",
    "toned": "",
}
COLOUR_MODIFIERS = frozenset({"light", "dark", "pale", "deep", "bright", "neon", "pastel", "dusty", "faded", "off"})


def _colour_names() -> tuple[frozenset[str], frozenset[str]]:
    """(names that are colours anywhere, single words that may be colours) from matplotlib's colour tables."""
    from matplotlib import colors

    names = {name.removeprefix("xkcd:").replace("gray", "grey") for name in colors.XKCD_COLORS}
    names |= {name.replace("gray", "grey") for name in colors.CSS4_COLORS}
    always = {n for n in names if n in BASIC_COLOURS or (" " in n and n.split()[-1] in BASIC_COLOURS)}
    always |= {f"{modifier} {basic}" for modifier in COLOUR_MODIFIERS for basic in BASIC_COLOURS}
    always.add("multi")  # what the multicolour spellings normalise to
    maybe = {n for n in names if " " not in n and n.isalpha() and n not in always}
    return frozenset(always), frozenset(maybe)


COLOURS, CANDIDATE_COLOURS = _colour_names()

PATTERNS = {
    "solid",
    "striped",
    "stripes",
    "stripe",
    "checked",
    "checks",
    "check",
    "printed",
    "print",
    "floral",
    "graphic",
    "embroidered",
    "colourblocked",
    "colorblocked",
    "self design",
    "textured",
    "camouflage",
    "abstract",
    "geometric",
    "paisley",
    "polka dot",
    "polka dots",
    "tie dye",
    "washed",
    "melange",
    "ethnic motifs",
    "typography",
}
MATERIALS = {
    "cotton",
    "leather",
    "leatherette",
    "denim",
    "silk",
    "linen",
    "wool",
    "woollen",
    "woolen",
    "polyester",
    "nylon",
    "canvas",
    "suede",
    "synthetic",
    "chiffon",
    "georgette",
    "crepe",
    "satin",
    "velvet",
    "fleece",
    "khadi",
    "rayon",
    "viscose",
    "lycra",
    "mesh",
    "rubber",
    "metal",
    "plastic",
    "brass",
    "acrylic",
    "knitted",
    "knit",
    "poplin",
    "corduroy",
    "chambray",
    "jute",
    "pu",
    "faux leather",
    "stainless steel",
    "spandex",
    "elastane",
    "microfiber",
    "microfibre",
    "bamboo",
    "wood",
    "wooden",
    "solid wood",
    "oak",
    "pine",
    "birch",
    "beech",
    "walnut",
    "teak",
    "rattan",
    "wicker",
    "cork",
    "glass",
    "tempered glass",
    "ceramic",
    "stoneware",
    "porcelain",
    "earthenware",
    "terracotta",
    "marble",
    "stone",
    "concrete",
    "clay",
    "steel",
    "aluminium",
    "aluminum",
    "iron",
    "copper",
    "zinc",
    "paper",
    "cardboard",
    "felt",
    "sisal",
    "foam",
    "memory foam",
    "silicone",
    "latex",
    "resin",
    "veneer",
    "particleboard",
    "fibreboard",
    "fiberboard",
    "mdf",
    "plywood",
    "melamine",
    "lacquer",
    "enamel",
}
STYLES = {
    "casual",
    "formal",
    "sports",
    "sport",
    "party",
    "ethnic",
    "smart casual",
    "slim fit",
    "regular fit",
    "loose fit",
    "skinny fit",
    "relaxed fit",
    "skinny",
    "round neck",
    "v neck",
    "polo",
    "collared",
    "sleeveless",
    "short sleeve",
    "short sleeves",
    "long sleeve",
    "long sleeves",
    "full sleeve",
    "full sleeves",
    "half sleeve",
    "half sleeves",
    "hooded",
    "analog",
    "analogue",
    "digital",
    "chronograph",
    "running",
    "training",
    "walking",
    "high top",
}

# Spelling variants unified before anything else (both sides of evaluation see the same canonical word).
VARIANTS = {
    "tshirt": "t-shirt",
    "tshirts": "t-shirt",
    "tee": "t-shirt",
    "tees": "t-shirt",
    "sari": "saree",
    "saris": "saree",
    "pyjama": "pajama",
    "pyjamas": "pajamas",
    "analogue": "analog",
    "color": "colour",
    "sunglass": "sunglasses",
    "spectacle": "spectacles",
}

# Nouns whose lemma would change the product ("jeans" is not a "jean").
PLURAL_ONLY = {
    "jeans",
    "shorts",
    "trousers",
    "pants",
    "leggings",
    "jeggings",
    "tights",
    "briefs",
    "boxers",
    "trunks",
    "pajamas",
    "joggers",
    "chinos",
    "capris",
    "sunglasses",
    "glasses",
    "spectacles",
    "goggles",
    "flops",
    "slippers",
    "clothes",
    "dungarees",
    "overalls",
    "knickers",
    "bottoms",
    "innerwear",
    "sneakers",
    "heels",
    "flats",
    "loafers",
}

# Words that separate phrases in a title (they are never part of a concept).
SEPARATORS = {
    "and",
    "&",
    "+",
    "/",
    "-",
    "|",
    ",",
    ".",
    ";",
    "!",
    "?",
    "of",
    "for",
    "by",
    "from",
    "to",
    "on",
    "at",
    "the",
    "a",
    "an",
    "'s",
    "’s",
    "(",
    ")",
    ":",
}
LINKING = {"with", "in", "without"}
# English adjectives that count or point rather than describe ("other things", "more space", "many years"): a
# description's noun phrase starts after them.
QUANTIFIERS = frozenset(
    {"other", "another", "such", "many", "much", "more", "most", "few", "fewer", "less", "least", "several", "various"}
    | {"own", "same", "different", "certain"}
)
# Adverb particles of phrasal modifiers ("push-up", "light-up", "pull-on"): part of the modifier, never its start.
PARTICLES = frozenset({"up", "down", "out", "off", "on"})
# Words that name a group of products, not a kind ("A sturdy storage series", "FNF Pink Collection for Wedding Sari").
GROUP_WORDS = frozenset({"series", "collection", "collections", "assortment"})
# Words that name no kind of product: sizes, a piece or a pair ("A classic piece with a steel strap", "Your new
# favourite pair"), a group.
NO_PRODUCT_WORDS = (
    frozenset({"size", "xs", "s", "m", "l", "xl", "xxl", "xxxl", "piece", "pieces", "pcs", "pair", "pairs"})
    | GROUP_WORDS
)
# Words that count what is sold ("Pack of 3", "2 Pairs", "Set of Two", "each piece of furniture"): only there are
# they no product ("Gift Set", "Shoulder Pack", "Kurta Set" are products).
COUNT_WORDS = frozenset({"pack", "set", "combo", "pair", "pairs", "piece", "pieces", "pcs"})
NUMBER_WORDS = frozenset({"one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "twelve"})


# Typed attribute vocabularies by concept kind.
ATTRIBUTE_KINDS = {COLOUR: COLOURS, PATTERN: PATTERNS, MATERIAL: MATERIALS, STYLE: STYLES}
