"""Fashion-domain vocabulary for typing title words: who a product is for, colours, patterns, materials, styles,
spelling variants and plural-only nouns. General English and retail vocabulary, not any one catalog's labels;
brands are learned from each catalog (see :mod:`kgbuild.concepts`)."""

from __future__ import annotations

# Audience words: attributes, never category concepts. Possessives are split off by the tokenizer ("men's").
GENDER = {
    "men": "men", "man": "men", "mens": "men", "male": "men", "gents": "men", "him": "men",
    "women": "women", "woman": "women", "womens": "women", "female": "women", "ladies": "women", "lady": "women", "her": "women",
    "boys": "boys", "boy": "boys", "girls": "girls", "girl": "girls", "unisex": "unisex",
    "kids": "kids", "kid": "kids", "children": "kids", "child": "kids", "infant": "infants", "infants": "infants", "baby": "infants",
}

COLOURS = {
    *"""black white grey blue navy red green yellow orange pink purple violet brown beige cream ivory maroon burgundy
    olive khaki tan teal turquoise aqua cyan magenta lavender lilac mauve peach coral rust mustard gold silver bronze
    copper steel charcoal nude skin taupe rose plum wine indigo lime mint fuchsia ochre camel coffee chocolate
    metallic multi""".split(),
    "navy blue", "sky blue", "royal blue", "turquoise blue", "teal blue", "light blue", "dark blue", "off white",
    "sea green", "lime green", "olive green", "dark green", "bottle green", "fluorescent green", "mint green",
    "grey melange", "charcoal grey", "light grey", "dark grey", "coffee brown", "mushroom brown", "dark brown",
    "light brown", "tan brown", "rose gold", "gun metal", "light pink", "hot pink", "dark red", "wine red",
}
COLOUR_VARIANTS = {
    "gray": "grey", "golden": "gold", "multicolour": "multi", "multicolor": "multi", "multicoloured": "multi",
    "multicolored": "multi", "colour": "", "color": "", "coloured": "", "colored": "", "toned": "", "choclate": "chocolate",
}

PATTERNS = {
    "solid", "striped", "stripes", "stripe", "checked", "checks", "check", "printed", "print", "floral", "graphic",
    "embroidered", "colourblocked", "colorblocked", "self design", "textured", "camouflage", "abstract", "geometric",
    "paisley", "polka dot", "polka dots", "tie dye", "washed", "melange", "ethnic motifs", "typography",
}
MATERIALS = {
    "cotton", "leather", "leatherette", "denim", "silk", "linen", "wool", "woollen", "woolen", "polyester", "nylon",
    "canvas", "suede", "synthetic", "chiffon", "georgette", "crepe", "satin", "velvet", "fleece", "khadi", "rayon",
    "viscose", "lycra", "mesh", "rubber", "metal", "plastic", "brass", "acrylic", "knitted", "knit", "poplin",
    "corduroy", "chambray", "jute", "pu", "faux leather", "stainless steel",
}
STYLES = {
    "casual", "formal", "sports", "sport", "party", "ethnic", "smart casual", "slim fit", "regular fit", "loose fit",
    "skinny fit", "relaxed fit", "skinny", "round neck", "v neck", "polo", "collared", "sleeveless", "short sleeve",
    "short sleeves", "long sleeve", "long sleeves", "full sleeve", "full sleeves", "half sleeve", "half sleeves",
    "hooded", "analog", "analogue", "digital", "chronograph", "running", "training", "walking", "high top",
}

# Spelling variants unified before anything else (both sides of evaluation see the same canonical word).
VARIANTS = {
    "tshirt": "t-shirt", "tshirts": "t-shirts", "tee": "t-shirt", "tees": "t-shirts", "sari": "saree",
    "saris": "sarees", "deo": "deodorant", "deos": "deodorants", "pyjama": "pajama", "pyjamas": "pajamas",
    "analogue": "analog", "sunglass": "sunglasses", "spectacle": "spectacles",
}

# Nouns whose lemma would change the product ("jeans" is not a "jean").
PLURAL_ONLY = {
    "jeans", "shorts", "trousers", "pants", "leggings", "jeggings", "tights", "briefs", "boxers", "trunks",
    "pajamas", "joggers", "chinos", "capris", "sunglasses", "glasses", "spectacles", "goggles", "flops", "slippers",
    "clothes", "dungarees", "overalls", "knickers", "bottoms", "innerwear", "sneakers", "heels", "flats", "loafers",
}

# Words that separate phrases in a title (they are never part of a concept).
SEPARATORS = {"and", "&", "+", "/", "-", "|", ",", ".", ";", "!", "?", "of", "for", "by", "from", "to", "on", "at", "the", "a", "an", "'s", "’s", "(", ")", ":"}
LINKING = {"with", "in"}
PACK_WORDS = {"pack", "set", "combo", "pair", "pairs", "pcs", "pieces", "piece", "size", "xs", "s", "m", "l", "xl", "xxl", "xxxl"}


# Typed attribute vocabularies by concept kind.
ATTRIBUTE_KINDS = {"colour": COLOURS, "pattern": PATTERNS, "material": MATERIALS, "style": STYLES}
