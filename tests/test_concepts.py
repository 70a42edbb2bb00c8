"""Concept mining, attribute typing, merging and hierarchy on hand-written titles."""

import itertools
import json
from collections import Counter

import numpy as np
import pandas as pd
import pytest

from kgbuild import concepts, descriptions, hierarchy, models, synonyms, vocabulary
from kgbuild.embedding_cache import CachedEncoder, EmbeddingCache
from kgbuild.settings import Settings


@pytest.fixture(scope="module")
def settings():
    return Settings(clip_model="none")


@pytest.fixture(scope="module")
def nlp(settings):
    return models.spacy_pipeline(settings)


@pytest.fixture(scope="module")
def parser(settings):
    return models.spacy_parser(settings)


@pytest.fixture(scope="module")
def encoder(settings, tmp_path_factory):
    names = EmbeddingCache(tmp_path_factory.mktemp("names"), settings.embedding_model, None, "names")
    return CachedEncoder(lambda: models.sentence_encoder(settings), names)


def catalog(titles, descriptions=None, **columns):
    return pd.DataFrame(
        {
            "product_id": [str(i) for i in range(1, len(titles) + 1)],
            "title": titles,
            "description": descriptions or None,
            "attributes": [json.dumps({k: v[i] for k, v in columns.items()}) for i in range(len(titles))],
        }
    )


def mine(titles, nlp, parser, encoder, descriptions=None, min_support=1, **columns):
    settings = Settings(clip_model="none", min_support=min_support)
    return concepts.mine(catalog(titles, descriptions, **columns), settings, encoder)


def mined(titles, nlp, encoder, min_support=1, parser=None, descriptions=None, **columns):
    result = mine(titles, nlp, parser, encoder, descriptions, min_support, **columns)
    names_of = (
        result.links.merge(result.concepts, on="concept_id")
        .groupby("product_id")
        .apply(lambda g: set(zip(g["kind"], g["name"], strict=True)), include_groups=False)
    )
    return result.concepts, names_of.to_dict()


def primary_of(result):
    chosen = result.links[result.links["primary"]].merge(result.concepts, on="concept_id")
    return dict(zip(chosen["product_id"], chosen["name"], strict=True))


def primary_heads(result):
    """Each product's primary category's last word: its type, whatever modifiers the phrase keeps."""
    return {product: name.split()[-1] for product, name in primary_of(result).items()}


def test_a_type_only_one_product_names_stays_as_its_primary_category(nlp, parser, encoder):
    titles = ["Nike Men Running Shoes", "Puma Men Running Shoes", "Zing Jump Rope", "Puma Men Black Running Shoes"]
    result = mine(titles, nlp, parser, encoder, min_support=2, brand=["Nike", "Puma", "Zing", "Puma"])
    assert primary_of(result) == {"1": "running shoe", "2": "running shoe", "3": "rope", "4": "running shoe"}
    below_support = result.concepts[result.concepts["product_count"] < 2]
    assert below_support[["kind", "name"]].values.tolist() == [["category", "rope"]]  # not "jump rope", no "zing"


def test_spelling_variants_become_one_concept_with_aliases(nlp, encoder):
    titles = [
        "Nike Men Red T-shirt",
        "Puma Men Red Tshirts",
        "Adidas Men Red T Shirt",
        "Nike Men Red Tee",
        "Puma Unisex Sun Glasses",
        "Nike Men Sunglasses",
    ]
    found, _ = mined(titles, nlp, encoder)
    categories = found[found["kind"] == "category"].set_index("name")
    assert categories.loc["t-shirt", "product_count"] == 4
    assert categories.loc["sunglasses", "product_count"] == 2
    assert list(categories.loc["sunglasses", "aliases"]) == ["sun glasses"]


def test_plural_only_nouns_keep_their_plural(nlp, encoder):
    found, _ = mined(["Levis Men Blue Skinny Jeans", "Nike Women Black Shorts"], nlp, encoder)
    names = set(found["name"])
    assert {"jeans", "skinny jeans", "shorts"} <= names
    assert not {"jean", "short"} & names


def test_attributes_are_typed_and_brands_learned_from_recurring_leading_words(nlp, encoder):
    titles = [
        "Roadster Men Navy Blue Striped Cotton Slim Fit Shirt",
        "Roadster Women Red Lace Dress",
        "Kalini Red Floral Print Kurta",
        "Kalini Blue Leather Handbag",
    ]
    _, names_of = mined(titles, nlp, encoder)
    assert names_of["1"] >= {
        ("brand", "roadster"),
        ("audience", "men"),
        ("colour", "navy blue"),
        ("pattern", "striped"),
        ("material", "cotton"),
        ("style", "slim fit"),
        ("category", "shirt"),
        ("category", "slim fit shirt"),
    }
    # "red lace dress" stays reachable: the colour and the category are both linked to the product.
    assert {("colour", "red"), ("category", "lace dress"), ("category", "dress")} <= names_of["2"]
    # "Kalini" has no audience word after it, but leads titles of two product types: a brand, not a category.
    assert ("brand", "kalini") in names_of["3"] and ("brand", "kalini") in names_of["4"]
    categories = {name for names in names_of.values() for kind, name in names if kind == "category"}
    assert not any(
        word in name.split() for name in categories for word in ("roadster", "kalini", "men", "women", "red", "blue")
    )


def test_a_word_that_is_a_whole_title_or_goes_on_with_with_is_no_brand(nlp, parser, encoder):
    # "Hoodie" leads titles ending in different words, as a maker's name does, but it is also a title on its own;
    # "Jacket" is what the titles it leads go on from with "with".
    titles = ["Hoodie", "Hoodie - Red", "Hoodie - Blue, Zip", "T-Shirt", "T-Shirt - Blue", "T-Shirt - Red, Logo"]
    titles += ["Jacket with Hood", "Jacket with Zipper", "Parka with Belt", "Parka with Hood"]
    result = mine(titles, nlp, parser, encoder)
    assert not names(result, "brand")  # not "hoodie" and "tshirt", which left "zip" and "logo" as the products
    assert primary_heads(result) == (
        dict.fromkeys(["1", "2", "3"], "hoodie")
        | dict.fromkeys(["4", "5", "6"], "t-shirt")
        | dict.fromkeys(["7", "8"], "jacket")
        | dict.fromkeys(["9", "10"], "parka")
    )


def test_brand_column_is_used_when_present(nlp, encoder):
    _, names_of = mined(
        ["Mother Earth Brown Kurta", "Mother Earth Blue Tunic"], nlp, encoder, brand=["Mother Earth", "Mother Earth"]
    )
    assert names_of["1"] >= {("brand", "mother earth"), ("category", "kurta")}
    assert ("category", "earth kurta") not in names_of["1"]


def test_model_numbers_sizes_and_trailing_variant_names_leave_the_type(nlp, parser, encoder):
    titles = [
        "Apple iPhone 13 Smartphone 128GB Midnight",
        "Samsung Galaxy S21 Smartphone 256GB, Phantom Black",
        "Logitech K380 Bluetooth Keyboard, Rose",
        "Keychron K2 Mechanical Keyboard, Aluminium Frame",
        "SanDisk 128GB Memory Card",
        "SanDisk 256GB Memory Card",
        "Puma Pack of 3 Socks",
        "Nike Pack of 2 Socks",
        "Puma Black Ankle Socks",
    ]
    brands = ["Apple", "Samsung", "Logitech", "Keychron", "SanDisk", "SanDisk", "Puma", "Nike", "Puma"]
    result = mine(titles, nlp, parser, encoder, brand=brands)
    primary = primary_of(result)
    # "Smartphone" after "13" and "Socks" after "3" are words: this catalog writes only "GB" always after numbers.
    assert primary["1"] == primary["2"] == "smartphone"
    # The type ends the first segment of two titles; a colour name ends one title's last segment only.
    assert primary["3"] == "bluetooth keyboard" and primary["4"] == "mechanical keyboard"
    assert primary["5"] == primary["6"] == "memory card"
    assert primary["7"] == primary["8"] == "sock"
    every_name = {name for kind in ("category", "detail", "line") for name in names(result, kind)}
    assert not {"gb", "midnight", "rose", "iphone midnight", "galaxy smartphone"} & every_name


def test_a_unit_after_a_number_and_a_plus_is_a_size(nlp, parser, encoder):
    titles = [
        "Kids Toothpaste - 6+ Years, Strawberry",
        "Energy Bars - Nutty, 4 + Years",
        "Tooth Brush - Kid 3-6 Years",
        "Wet Cat Food - Ocean Fish, +1 Year",
        "Dry Cat Food - +1 Year",
    ]
    result = mine(titles, nlp, parser, encoder)
    primary = primary_of(result)
    # "Kid" after a separator starts the variant: "Tooth Brush -" is no brand.
    assert primary["1"] == "toothpaste" and primary["2"] == "energy bar" and primary["3"] == "tooth brush"
    assert primary["4"] == "wet cat food" and primary["5"] == "dry cat food"
    assert not {"year", "years"} & set(names(result, "category"))


def test_a_word_labelling_the_number_after_it_names_no_product(nlp, parser, encoder):
    titles = [
        "Isle Glow Face Moisturizer SPF 45 with Sea Moss",
        "Daily Face Moisturizer",
        "Oil Free Moisturizer",
        "Day Lotion SPF 24",
        "Night Lotion",
        "Body Lotion",
        "Mineral Sunscreen SPF 30",
        "Tinted Sunscreen",
        "Sheer Sunscreen",
        "Matte Nail Lacquer 44",
        "Gloss Nail Lacquer 12",
        "Sprite Yoga Strap 6 foot",
        "Sprite Yoga Strap 8 foot",
        "Curl 3 in 1 Conditioner",
        "Moisture Conditioner",
        "Leave In Conditioner",
    ]
    found, names_of = mined(titles, nlp, encoder, parser=parser)
    # "SPF" labels the number after it; "with" after the number still links what follows to the product, "in"
    # after a number does not ("3 in 1").
    assert ("category", "conditioner") in names_of["14"]
    assert ("category", "face moisturizer") in names_of["1"] and ("category", "sea moss") not in names_of["1"]
    assert ("category", "day lotion") in names_of["4"] and ("category", "mineral sunscreen") in names_of["7"]
    assert not {name for name in found["name"] if "spf" in name.split()}
    # A word before a shade number that no other title ends with stays; so does a noun before a measure.
    assert ("category", "nail lacquer") in names_of["10"] and ("category", "yoga strap") in names_of["12"]


def test_what_a_product_lacks_or_whom_it_is_for_is_no_type_and_no_brand(nlp, parser, encoder):
    titles = [
        "Deospray For Men - Energy, No Alcohol",
        "Body Deospray - Fresh",
        "Storage Plastic Basket Without Lid - Brown",
        "Plastic Basket - Small",
        "Vanilla Instant Coffee - No Sugar, Vegan",
        "Filter Coffee - Strong",
        "No Show White Socks",
        "Ankle Socks - Black",
        "Kombucha 2-in-1 No-Rinse Cleanser",
        "Gentle Cleanser",
    ]
    result = mine(titles, nlp, parser, encoder)
    primary = primary_of(result)
    assert primary["1"] == "deospray" and primary["3"] == "storage plastic basket"
    assert primary["5"] == "vanilla instant coffee" and primary["6"] == "filter coffee"
    assert primary["7"] == "no show sock"  # a first segment is the name, whatever opens it
    assert primary["9"] == "no-rinse cleanser"  # "no" hyphenated to a word is part of it
    assert "storage plastic basket without lid" in names(result, "category")
    # "For Men" says whom the deospray is for.
    assert not {"deospray", "deospray for"} & set(names(result, "brand"))
    assert not {"alcohol", "sugar", "lid"} & set(names(result, "category"))


def test_a_word_joined_by_and_to_a_phrase_is_its_modifier(nlp, parser, encoder):
    titles = [
        "Litchi & Aloe Vera Smoothie - Natural",
        "Juice - Litchi",
        "Drink - Litchi",
        "Mango Smoothie",
        "Knife & Peeler Set",
        "Shampoo & Conditioner",
        "Tool Kit - Filter, Hose, Accessories and Spare Nozzle",
        "Dog Treats - Small, Milk & Chicken Flavour",
    ]
    result = mine(titles, nlp, parser, encoder)
    primary = primary_of(result)
    # "litchi" ends three segments and "smoothie" two, but "Litchi &" only modifies the smoothie.
    assert primary["1"] == "litchi aloe vera smoothie" and "aloe vera smoothie" in names(result, "category")
    assert primary["5"] == "knife peeler set"
    assert primary["6"] in {"shampoo", "conditioner"}  # two single words name two products: either is the type
    assert not {name for name in names(result, "category") if name.startswith("accessory")}  # a list's last item
    assert "milk chicken flavour" in names(result, "category")  # one comma makes no list


def test_a_count_word_is_a_product_unless_it_counts(nlp, parser, encoder):
    titles = [
        "Puma Men Pack of 3 Socks",
        "Lino Perros Men Pack of Five Socks",
        "Umbro Men Set of 2 Deos",
        "Asics Unisex 2 Pairs Socks",
        "Nautica Voyage Men Fragrance Gift Set",
        "Biba Women Kurta Set",
        "Strive Shoulder Pack",
        "Savvy Shoulder Tote",
        "Adidas Women Vintage Set White Shoe",
        "Newworld Pack Of One Tempered Glass",
        "Arrow Men Tie and Cufflink Combo Pack",
        "FNF Pink Collection for Wedding Sari",
        "FNF Pink & Black Collection for Wedding Sari",
    ]
    brands = [
        "Puma",
        "Lino Perros",
        "Umbro",
        "Asics",
        "Nautica Voyage",
        "Biba",
        None,
        None,
        "Adidas",
        "Newworld",
        "Arrow",
        None,
        None,
    ]
    primary = primary_of(mine(titles, nlp, parser, encoder, brand=brands))
    assert primary["1"] == primary["2"] == primary["4"] == "sock" and primary["3"] == "deo"
    assert primary["5"] == "fragrance gift set" and primary["6"] == "kurta set"
    assert primary["7"].endswith("shoulder pack") and primary["8"].endswith("shoulder tote")
    # inside a name a count word is no product either
    assert primary["9"] == "vintage shoe" and primary["10"] == "tempered glass"
    assert primary["11"].endswith("combo pack")  # before its head a count word is part of the name
    # a collection is no kind of product, nor its brand, and "&" between two colours cuts no segment
    assert primary["12"] == primary["13"] == "wedding saree"


def test_adults_are_an_audience_not_a_type(nlp, parser, encoder):
    titles = ["Rubie's Adult Pirate Costume", "Rubie's Adult 2-Tone Costume Wig", "Rubie's Kids Pirate Costume"]
    result = mine(titles, nlp, parser, encoder, brand=["Rubie's"] * 3)
    primary = primary_of(result)
    assert primary["1"] == "pirate costume" and primary["2"].endswith("costume wig")
    assert "adult" not in names(result, "category") and names(result, "audience") == {"adults", "kids"}


def test_a_name_after_a_type_other_titles_end_in_is_a_variant_name(nlp, parser, encoder):
    titles = [
        "Revitalift Night Cream, 50ml",
        "Olay Moisturizing Cream, 16 oz",
        "Revitalift Day Cream SPF 30, 50ml",
        "Dior Sauvage Eau de Toilette, 100ml",
        "Calvin Klein Eau de Toilette, 200ml",
    ]
    descriptions = [
        "A night cream for dry skin.",
        "A rich cream for dry skin.",
        "Protects your skin from the sun all day.",
        "A fragrance with notes of pepper.",
        "A fragrance with citrus notes.",
    ]
    result = mine(titles, nlp, parser, encoder, descriptions)
    primary = primary_of(result)
    assert primary["3"] == "day cream"  # "SPF" is a name, and "cream" ends two other titles
    # "Toilette" is a name too, but "de" ends no title: the descriptions name the type.
    assert primary["4"] == primary["5"] == "fragrance"
    assert "de" not in names(result, "category")


def test_a_package_after_a_size_is_no_type_and_a_noun_after_a_colour_no_colour(nlp, parser, encoder):
    titles = [
        "Folgers Ground Coffee, 30.5 oz Canister",
        "Starbucks Ground Coffee, 12 oz Bag",
        "Lavazza Whole Bean Coffee, 2.2 lb Bag",
        "Bigelow Green Tea, 40 Count",
        "Twinings Green Tea, 20 Count",
        "Lipton Black Tea, 100 Count",
        "Puma Black Shoe",
        "Nike White Shoe",
    ]
    brands = ["Folgers", "Starbucks", "Lavazza", "Bigelow", "Twinings", "Lipton", "Puma", "Nike"]
    result = mine(titles, nlp, parser, encoder, brand=brands)
    primary = primary_of(result)
    assert primary["1"] == primary["2"] == "ground coffee" and primary["3"] == "whole bean coffee"
    assert primary["4"] == primary["5"] == primary["6"] == "tea"
    assert "bag" not in names(result, "category")
    assert names(result, "colour") == {"black", "green", "white"}


def test_with_phrases_and_main_segment(nlp, encoder):
    titles = [
        "Biba Women Printed Churidar Kurta with Dupatta",
        "Biba Women Blue Kurta",
        "Biba Women Green Kurta",
        "Biba Women Short Sleeve T-shirt in White",
    ]
    _, names_of = mined(titles, nlp, encoder)
    assert {("category", "kurta"), ("category", "churidar kurta"), ("category", "kurta with dupatta")} <= names_of["1"]
    assert ("category", "dupatta") not in names_of["1"]
    assert {
        ("category", "t-shirt"),
        ("category", "short sleeve t-shirt"),
        ("category", "short sleeve t-shirt in white"),
    } <= names_of["4"]


def test_compound_head_replaces_a_head_that_never_stands_alone(nlp, encoder):
    titles = ["Puma Men Blue Flip Flops", "Nike Men Black Flip Flops", "Adidas Men Grey Flip Flops"]
    found, _ = mined(titles, nlp, encoder)
    names = set(found[found["kind"] == "category"]["name"])
    assert "flip flops" in names and "flops" not in names


def test_min_support_and_stable_ids(nlp, encoder):
    titles = ["Levis Men Blue Skinny Jeans", "Levis Men Black Skinny Jeans", "Levis Men Brown Leather Wallet"]
    found, _ = mined(titles, nlp, encoder, min_support=2)
    categories = found[found["kind"] == "category"]
    # "leather wallet" has one product; "wallet" too, but it is that product's only type.
    expected = {"jeans": 2, "skinny jeans": 2, "wallet": 1}
    assert dict(zip(categories["name"], categories["product_count"], strict=True)) == expected
    # Another catalog sharing only "jeans": same id, the documented recipe "c_" + sha256("kind:name")[:16].
    other, _ = mined(["Roadster Women Blue Jeans", "Nike Men Blue Jeans", "Puma Men Grey T-shirt"], nlp, encoder, 2)

    def ids(frame):
        return dict(zip(zip(frame["kind"], frame["name"], strict=True), frame["concept_id"], strict=True))

    assert ids(found)[("category", "jeans")] == ids(other)[("category", "jeans")] == "c_b3f3394360bed086"
    assert ids(other)[("colour", "blue")] == "c_456953ce8622fea5"  # the kind is part of the id: not category:blue


@pytest.mark.parametrize(
    ("a", "b", "merged"),
    [
        ("stripe shirt", "striped shirt", True),
        ("striped shirt", "striped t-shirt", False),
        ("shirt", "t-shirt", False),
        ("kurta", "kurti", False),
        ("printed shirt", "striped shirt", False),
        ("leather shoe", "classic leather shoe", False),
    ],
)
def test_embedding_merging_is_conservative(encoder, a, b, merged):
    members = {("category", a): {"1": "title", "2": "title"}, ("category", b): {"3": "title", "4": "title"}}
    result, evidence = synonyms.merge(members, encoder, Settings(clip_model="none"))
    assert (len(result) == 1) is merged
    assert len(evidence) == int(merged)


@pytest.mark.parametrize(
    ("name", "parent"),
    [
        ("short sleeve t-shirt in white", "short sleeve t-shirt"),
        ("kurta with dupatta", "kurta"),
        ("short sleeve t-shirt", "sleeve t-shirt"),
        ("t-shirt", None),
    ],
)
def test_generalize_removes_the_outermost_modifier(name, parent):
    assert hierarchy.generalize(name) == parent


def test_hierarchy_skips_missing_levels_stays_within_a_kind_and_is_acyclic():
    frame = pd.DataFrame(
        {
            "concept_id": ["a", "b", "c", "d", "e", "f"],
            "name": ["t-shirt", "short sleeve t-shirt", "short sleeve t-shirt in white", "dress", "blue", "navy blue"],
            "kind": ["category"] * 4 + ["colour"] * 2,
            "aliases": [[]] * 6,
            "product_count": [5, 3, 2, 4, 3, 2],
            "embedding": [[0.0, 1.0]] * 6,
        }
    )
    built = hierarchy.build(frame).set_index("name")
    assert {name: parent if isinstance(parent, str) else None for name, parent in built["parent_id"].items()} == {
        "t-shirt": None,
        "short sleeve t-shirt": "a",
        "short sleeve t-shirt in white": "b",
        "dress": None,
        "blue": None,
        "navy blue": "e",
    }
    assert built["level"].tolist() == [0, 1, 2, 0, 0, 1]


# Text roles, learned vocabulary and primary categories, on hand-written catalogs of style-name titles.
STYLE_NAMED = [
    (
        "Chaz Kangeroo Hoodie",
        "The Chaz Hoodie keeps you warm. • Two-tone gray hoodie with ribbed cuffs. • Machine wash/dry.",
    ),
    (
        "Teton Pullover Hoodie",
        "This pullover hoodie has a drawstring adjustable hood and ribbed cuffs. • Machine wash/dry.",
    ),
    ("Orion Trail Jacket", "The Orion jacket blocks wind with front pockets. • Machine wash/dry."),
    ("Lando Gym Jacket", "This jacket has a soft lining and front pockets. • Machine wash/dry."),
    ("Kenobi Trail Kit", "The Kenobi jacket has a warm lining and front pockets. • Machine wash/dry."),
    ("KURA", "Turned upside down the bed converts. The bed has ribbed cuffs. 10 year guarantee."),
    ("MALM", "Knobs are sold separately. This bed has soft-closing drawers. 10 year guarantee."),
    ("HEMNES", "Knobs are sold separately. The bed is made of solid pine. 90x200 cm."),
]


@pytest.fixture(scope="module")
def style_named(nlp, parser, encoder):
    titles, descriptions = zip(*STYLE_NAMED, strict=True)
    return mine(list(titles), nlp, parser, encoder, list(descriptions))


def names(result, kind):
    return set(result.concepts.loc[result.concepts["kind"] == kind, "name"])


def test_descriptions_name_the_type_and_give_details(style_named):
    categories = names(style_named, "category")
    assert {"hoodie", "jacket", "bed"} <= categories
    assert {"ribbed cuff", "front pocket"} <= names(style_named, "detail")
    # Parts and boilerplate never become categories; measures and care text give no concept at all.
    assert not categories & {"cuff", "ribbed cuff", "pocket", "front pocket", "hood", "drawer", "guarantee", "year"}
    everything = set(style_named.concepts["name"])
    unwanted = ("wash", "guarantee", "cm", "90x200", "knob")
    assert not any(word in name.split() for name in everything for word in unwanted)


def test_style_names_are_lines_not_brands_or_categories(style_named):
    lines = names(style_named, "line")
    assert {"chaz kangeroo", "kura"} <= lines or {"chaz", "kura"} <= {w for line in lines for w in line.split()}
    assert not names(style_named, "brand") & {"chaz", "teton", "kura", "malm"}
    assert not any(
        word in name.split() for name in names(style_named, "category") for word in ("chaz", "kura", "malm", "orion")
    )


def test_copy_every_family_repeats_makes_no_style_names(nlp, parser, encoder):
    # Placeholder copy has plenty of lower-case text, but copy many families repeat says nothing of how the catalog
    # writes its own words: that "Jacket" is capitalised wherever it is written makes it no name.
    titles = ["Jacket with Hood", "Jacket with Zipper", "Beanie with Logo", "Beanie", "Belt", "Cap"]
    filler = "Lorem ipsum dolor sit amet, consectetur adipiscing elit. Donec eu libero sit amet quam egestas semper."
    result = mine(titles, nlp, parser, encoder, descriptions=[filler] * len(titles))
    assert not names(result, "line") and not names(result, "brand")
    heads = primary_heads(result)
    assert [heads.get(str(i)) for i in range(1, 7)] == ["jacket", "jacket", "beanie", "beanie", "belt", "cap"]


def test_a_title_word_spelling_a_type_the_copy_writes_in_lower_case_is_no_style_name(nlp, parser, encoder):
    # "Tee" is capitalised wherever the catalog writes it, but it spells "t-shirt", which the copy writes as a word.
    titles = ["Ocean Blue Shirt", "Floral White Top", "Classic Leather Jacket", "Red Sports Tee", "Zipped Jacket"]
    descriptions = [
        "Ocean blue cotton shirt with a narrow collar and long sleeves.",
        "Stylish sleeveless white top with a floral pattern.",
        "Zipped leather jacket with shoulder pads and a front pocket.",
        "Red sporty t-shirt with colourful details on the sleeves and a small white pocket.",
        "Light jacket with a full zip and two side pockets.",
    ]
    result = mine(titles, nlp, parser, encoder, descriptions=descriptions)
    assert "tee" not in names(result, "line")
    assert primary_heads(result)["4"] == "t-shirt"


def test_copy_every_family_repeats_is_no_description_that_fails_to_name_a_maker(nlp, parser, encoder):
    # Leading words are makers only where the products' own copy names them; placeholder copy is nobody's own.
    titles = [
        "Spree Tote Bag",
        "Spree Mug",
        "Spree Baseball Jersey",
        "Apache Baseball Jersey",
        "Apache Mug",
        "Apache Cap",
    ]
    filler = "Lorem ipsum dolor sit amet, consectetur adipiscing elit. Nulla nec tellus at nisl interdum commodo."
    result = mine(titles, nlp, parser, encoder, descriptions=[filler] * len(titles))
    assert names(result, "brand") == {"spree", "apache"}
    assert primary_heads(result) == {"1": "bag", "2": "mug", "3": "jersey", "4": "jersey", "5": "mug", "6": "cap"}


def test_copy_most_families_repeat_names_no_product(nlp, parser, encoder):
    # An opening many families share may name a product in place of a title word of its own ("Tights in a soft,
    # fine knit …" for "Ella cropped"); one most of the catalog repeats names none, and the titles keep their types.
    titles = ["Hoodie with Pocket", "Hoodie with Zipper", "Beanie with Logo", "Beanie", "Belt", "Scarf", "Cap", "Tote"]
    filler = "Pellentesque habitant morbi tristique senectus et netus et malesuada fames ac turpis egestas."
    result = mine(titles, nlp, parser, encoder, descriptions=[filler] * len(titles))
    heads = primary_heads(result)
    assert [heads.get(str(i)) for i in range(1, 9)] == [
        "hoodie", "hoodie", "beanie", "beanie", "belt", "scarf", "cap", "tote"
    ]  # fmt: skip


def test_a_list_of_features_names_no_product(nlp, parser, encoder):
    # The parser makes "neckline" the head of "Regular fit, round neckline, short sleeves": one item of a list.
    titles = ["Hummingbird printed t-shirt", "Hummingbird printed sweater", "Mountain fox t-shirt"]
    descriptions = [
        "Regular fit, round neckline, short sleeves. Made of extra long staple pima cotton.",
        "Regular fit, round neckline, long sleeves. Brushed inner side for extra comfort.",
        "Slim fit, round neckline, short sleeves.",
    ]
    result = mine(titles, nlp, parser, encoder, descriptions)
    assert primary_heads(result) == {"1": "t-shirt", "2": "sweater", "3": "t-shirt"}
    assert "neckline" not in names(result, "category") and "round neckline" in names(result, "detail")


def test_titles_all_in_lower_case_take_their_names_from_the_descriptions(nlp, parser, encoder):
    titles = ["chaz kangeroo hoodie", "teton pullover hoodie", "bruno compete hoodie", "oslo trek jacket"]
    descriptions = [
        "Ideal for layering, the Chaz Kangeroo Hoodie has a kangaroo pocket. This hoodie is soft.",
        "Meet the Teton Pullover Hoodie: a warm hoodie for cold mornings.",
        "The Bruno Compete Hoodie is a lightweight hoodie for training.",
        "Light rain is no problem in the Oslo Trek Jacket, a packable jacket.",
    ]
    result = mine(titles, nlp, parser, encoder, descriptions)
    assert {"chaz", "teton", "bruno", "oslo"} <= {w for line in names(result, "line") for w in line.split()}
    assert primary_heads(result) == {"1": "hoodie", "2": "hoodie", "3": "hoodie", "4": "jacket"}
    assert not any(name in category for name in ("chaz", "teton", "oslo") for category in names(result, "category"))


def test_a_name_that_opens_sentences_is_still_a_style_name(nlp, parser, encoder):
    titles = ["Lavazza Whole Bean Coffee", "Lavazza Ground Coffee", "Illy Ground Coffee", "Illy Whole Bean Coffee"]
    descriptions = [
        "Lavazza roasts this whole bean coffee in small batches.",
        "Lavazza grinds this ground coffee for espresso machines.",
        "Illy grinds this ground coffee for a smooth cup.",
        "Illy roasts this whole bean coffee for moka pots.",
    ]
    found, names_of = mined(titles, nlp, encoder, parser=parser, descriptions=descriptions)
    # A sentence's first word is capitalised whatever it is: "Lavazza roasts …" is no lower-case use of "lavazza".
    assert {("line", "lavazza"), ("category", "whole bean coffee")} <= names_of["1"]
    assert {("line", "illy"), ("category", "ground coffee")} <= names_of["3"]
    assert not {name for name in found.loc[found["kind"] == "category", "name"] if "lavazza" in name or "illy" in name}


def test_a_detail_only_one_familys_copy_names_is_no_concept(nlp, parser, encoder):
    titles = ["Chaz Hoodie", "Chaz Hoodie", "Teton Hoodie"]
    descriptions = [
        "Warm hoodie with ribbed cuffs and a kangaroo pocket for your paradise package.",
        "Warm hoodie with ribbed cuffs and a kangaroo pocket for your paradise package.",
        "Light hoodie with ribbed cuffs.",
    ]
    found, names_of = mined(titles, nlp, encoder, parser=parser, descriptions=descriptions)
    details = set(found.loc[found["kind"] == "detail", "name"])
    assert "ribbed cuff" in details and ("detail", "ribbed cuff") in names_of["3"]
    # Two products, one family: its own copy, not a trait products share.
    assert not {"paradise package", "kangaroo pocket"} & details


def test_words_that_count_or_point_start_no_phrase(nlp, parser, encoder):
    titles = ["Orion Jacket", "Lando Jacket"]
    descriptions = [
        "Warm jacket with quilted panels in many different sizes for other jackets.",
        "Light jacket with quilted panels in many different sizes for other jackets.",
    ]
    found, names_of = mined(titles, nlp, encoder, parser=parser, descriptions=descriptions)
    assert ("detail", "quilted panel") in names_of["1"] and ("category", "jacket") in names_of["2"]
    quantifiers = {"other", "many", "different"}
    assert not [name for name in found["name"] if quantifiers & set(name.split())]


def test_one_primary_category_per_typed_product(style_named):
    primary = primary_of(style_named)
    assert style_named.links.groupby("product_id")["primary"].sum().max() == 1
    assert primary["1"] == "hoodie" and primary["2"] == "pullover hoodie"
    assert primary["5"] == "jacket"  # the title's "Kit" names no type in this catalog: the description's does
    assert primary["6"] == primary["7"] == primary["8"] == "bed"
    fields = style_named.links[style_named.links["primary"]].set_index("product_id")["field"]
    assert fields["1"] == "title" and fields["6"] == "description"
    assert style_named.typed_products == 8


def test_colour_names_depend_on_how_the_catalog_uses_them(nlp, parser, encoder):
    titles = [
        "Oak Coffee Table",
        "Pine Coffee Table",
        "Wine Glass",
        "Clear Wine Glass",
        "Red Mug",
        "Teal Mug",
        "Red Bowl",
        "Teal Bowl",
        "Green Tea - Lemon",
        "Black Tea - Assam",
        "Masala Tea",
        "Water Bottle - Orange",
        "Lunch Box - Blue",
        "Steel Mug - Tea",
    ]
    found, names_of = mined(titles, nlp, encoder, parser=parser)
    colours = set(found.loc[found["kind"] == "colour", "name"])
    # "coffee" and "wine" are colour names, but this catalog uses them to name products, never where it puts colours.
    assert ("category", "coffee table") in names_of["1"] and ("category", "wine glass") in names_of["3"]
    assert ("colour", "teal") in names_of["6"] and ("category", "mug") in names_of["6"]
    assert ("colour", "red") in names_of["5"] and ("colour", "orange") in names_of["12"]
    # "tea" once stands where this catalog puts colours, but after "green" and "black" it is what they colour.
    assert ("category", "tea") in names_of["9"] and ("category", "tea") in names_of["10"]
    assert not colours & {"coffee", "wine", "tea"}


def test_colour_after_a_noun_names_a_product_and_after_a_colour_word_is_no_word(nlp, parser, encoder):
    titles = [
        "Cream Hair Colour - Burgundy",
        "Creme Hair Color With Keratin",
        "Lip Color - Pink",
        "Plastic Laundry Basket - Assorted Colour",
        "Padded Dog Lead - Black Colour",
        "Face Towel - Colour May Vary",
    ]
    found, names_of = mined(titles, nlp, encoder, parser=parser)
    result = mine(titles, nlp, parser, encoder)
    primary = primary_of(result)
    assert ("category", "hair colour") in names_of["1"] and ("category", "hair colour") in names_of["2"]
    assert primary["3"] == "lip colour" and ("colour", "pink") in names_of["3"]
    assert primary["4"] == "plastic laundry basket" and primary["6"] == "face towel"
    assert primary["5"] == "padded dog lead" and ("colour", "black") in names_of["5"]
    hair_colour = found.set_index("name").loc["hair colour"]
    assert hair_colour["product_count"] == 2 and "hair color" in list(hair_colour["aliases"])


def test_two_colour_names_written_as_one_are_one_colour_where_the_catalog_puts_colours(nlp, parser, encoder):
    titles = [
        "Logi Wireless Mouse, Black",
        "Logi Wireless Mouse, Rose Gold",
        "Anker Portable Charger, White",
        "Anker Portable Charger, Rose Gold",
        "Red Rose White Camisole",
        "Red Rose White Camisole",
    ]
    found, names_of = mined(titles, nlp, encoder, parser=parser)
    assert ("colour", "rose gold") in names_of["2"] and ("category", "wireless mouse") in names_of["2"]
    assert ("colour", "rose gold") in names_of["4"] and ("category", "portable charger") in names_of["4"]
    assert not {name for name in found["name"] if "gold" in name} - {"rose gold"}  # no "rose gold" category
    # One title repeated by a product's variants is one piece of evidence: "rose white" is no colour.
    assert ("colour", "white") in names_of["5"] and "rose white" not in set(found["name"])


def test_aliases_keep_the_spellings_users_search_by(nlp, encoder):
    found, _ = mined(["Nike Men Red Tee", "Puma Men Blue Tshirt", "Puma Men Grey Tshirt"], nlp, encoder)
    tshirt = found[found["name"] == "t-shirt"].iloc[0]
    assert "tee" in set(tshirt["aliases"])


def test_merges_keep_their_evidence(nlp, parser, encoder):
    result = mine(
        ["Roadster Men Stripe Shirt", "Roadster Men Striped Shirt", "Roadster Men Stripe Shirt"], nlp, parser, encoder
    )
    merged = [m for m in result.merges if m["evidence"] == "spelling variant"]
    assert merged and merged[0]["concept"] == "stripe shirt" and merged[0]["merged"] == "striped shirt"
    assert merged[0]["cosine"] >= 0.85


def test_words_before_a_closing_style_name_and_bare_openings_name_no_type(nlp, parser, encoder):
    titles = ["Jupiter All-Weather Trainer", "Orion All-Weather Trainer", "Lando Gym Jacket", "Kenobi Trail Jacket"]
    descriptions = [
        "Ideal for rainy days. Built for all weather.",
        "Ideal for cold days. Built for all weather.",
        "Ideal for the gym. The jacket has front pockets.",
        "Ideal for trails. This jacket has a hood.",
    ]
    result = mine(titles, nlp, parser, encoder, descriptions)
    assert {name.split()[-1] for name in names(result, "category")} == {"jacket"}  # no "weather", no "ideal"
    assert set(primary_of(result)) == {"3", "4"}


def test_a_part_named_after_the_product_is_no_type(nlp, parser, encoder):
    titles = ["LACK", "MALM", "MALM", "HEMNES", "HEMNES", "LACK"]
    descriptions = [
        "This table is sturdy. The surface is easy to clean.",
        "This table is light. The surface resists stains.",
        "This desk has room for a laptop. The surface is smooth.",
        "This desk is compact. The surface is scratch resistant.",
        "This bench seats two. The surface is easy to wipe.",
        "This bench is solid pine. The surface is waxed.",
    ]
    result = mine(titles, nlp, parser, encoder, descriptions)
    assert {"table", "desk", "bench"} <= names(result, "category")
    assert "surface" not in names(result, "category")
    assert set(primary_of(result).values()) == {"table", "desk", "bench"}


def test_title_abbreviations_become_aliases_of_the_type_descriptions_name(nlp, parser, encoder):
    titles = ["Roadster Men Blue TS", "Puma Men Red TS", "Nike Men Grey TS", "Nike Men Black Jacket", "Puma Men Jacket"]
    descriptions = ["This t-shirt is soft cotton.", "This t-shirt is light.", "This t-shirt keeps you cool."]
    descriptions += [None, None]
    result = mine(titles, nlp, parser, encoder, descriptions)
    tshirt = result.concepts[result.concepts["name"] == "t-shirt"].iloc[0]
    assert "ts" in set(tshirt["aliases"]) and tshirt["product_count"] == 3
    assert "ts" not in names(result, "line") and "ts" not in names(result, "category")
    assert {"concept": "t-shirt", "merged": "ts", "families": 3}.items() <= next(
        m for m in result.merges if m["merged"] == "ts"
    ).items()


def test_a_product_whose_title_ends_in_an_alias_takes_the_type_its_description_would_name(nlp, parser, encoder):
    titles = ["Linda jkt", "Dre padded jkt", "Bee func jkt", "Sol jkt", "Kai anorak", "Nate anorak", "Olle anorak"]
    descriptions = [
        "Lined, with press-studs.",  # names no type
        "Padded jacket with a hood.",
        "Jacket in woven fabric.",
        "Short jacket in denim.",
        "Lined, with a drawstring hood.",
        "Padded jacket in woven fabric with a lined hood.",
        "Jacket in windproof fabric with a hood.",
    ]
    result = mine(titles, nlp, parser, encoder, descriptions)
    primary = primary_heads(result)
    assert [primary[str(i)] for i in range(1, 5)] == ["jacket"] * 4
    assert "jkt" not in names(result, "category")
    jacket = result.concepts[result.concepts["name"] == "jacket"].iloc[0]
    assert "jkt" in set(jacket["aliases"]) and "anorak" not in set(jacket["aliases"])
    # a type of its own that descriptions call by a broader word is no abbreviation of it: "Kai anorak" stays one
    assert primary["5"] == "anorak"


def test_a_modifier_ending_titles_is_no_alias_of_the_type(nlp, parser, encoder):
    titles = ["FIRRE conscious", "SUPREME conscious", "Kiri sports tights", "Luna tights"]
    descriptions = [
        "Sports tights in fast-drying functional fabric with an elasticated waist.",
        "Sports tights with wide ribbing at the waist.",
        "Sports tights with a key pocket.",
        "Tights in a soft cotton blend.",
    ]
    result = mine(titles, nlp, parser, encoder, descriptions)
    tights = result.concepts.set_index("name").loc["tights"]
    assert "conscious" not in set(tights["aliases"]) and not [m for m in result.merges if m["merged"] == "conscious"]
    assert primary_of(result)["1"] == "sports tights"


def test_names_one_product_is_called_by_merge_and_distinct_types_stay_apart(nlp, parser, encoder):
    titles = ["Aina Duvet Cover", "Bera Duvet Cover", "Cora Duvet Cover", "Dela Cushion Cover", "Eira Cushion Cover"]
    descriptions = [
        "This quilt cover is soft cotton, for any duvet.",
        "This quilt cover has press studs that keep the duvet in place.",
        "This quilt cover is easy to wash.",
        "This cushion cover has a zip.",
        "This cushion cover is linen.",
    ]
    result = mine(titles, nlp, parser, encoder, descriptions)
    categories = result.concepts[result.concepts["kind"] == "category"].set_index("name")
    assert "quilt cover" in set(categories.loc["duvet cover", "aliases"]) and "quilt cover" not in categories.index
    assert "cushion cover" in categories.index and categories.loc["duvet cover", "product_count"] == 3
    merged = next(m for m in result.merges if m["merged"] == "quilt cover")
    assert merged["evidence"] == "products called by both names" and merged["families"] == 3


@pytest.mark.parametrize(("a", "b"), [("shirt", "t-shirt"), ("bed", "bedspread")])
def test_names_inside_one_another_never_merge_by_meaning(encoder, a, b):
    members = {("category", a): {"1": "title", "2": "title"}, ("category", b): {"1": "description", "2": "description"}}
    named = synonyms.NamedAlike(Counter({a: 2, b: 2}), Counter({frozenset((a, b)): 2}))
    result, _ = synonyms.merge(members, encoder, Settings(clip_model="none", synonym_cosine=0.0), named)
    assert len(result) == 2


def test_hierarchy_reaches_a_concept_through_its_alias():
    assert hierarchy.parents(["quilt cover", "white duvet cover"], {"duvet cover": "quilt cover"}) == {
        "quilt cover": None,
        "white duvet cover": "quilt cover",
    }


def test_names_that_differ_by_an_attribute_never_merge(nlp, parser, encoder):
    titles = ["Aina Leather Stiletto Heels", "Bera Leather Stiletto Heels", "Cora Leather Stiletto Heels"]
    descriptions = [f"These solid stiletto heels are {word}." for word in ("comfortable", "elegant", "light")]
    result = mine(titles, nlp, parser, encoder, descriptions)
    assert {"leather stiletto heels", "solid stiletto heels"} <= names(result, "category")
    assert not [m for m in result.merges if m["evidence"] == "products called by both names"]


def test_definite_references_type_a_product_whose_openings_do_not(nlp, parser, encoder):
    titles = ["STICKAT", "LURVIG", "TOFTBO", "HAMPEN", "KURA", "LACK"]
    descriptions = [
        "The latex backing keeps the rug in place.",
        "You can turn the rug over and use it longer.",
        "This rug is soft. It dampens sound.",
        "This rug has a thick pile.",
        "This bed converts from low to high.",
        "Place it on the bed or a chair.",
    ]
    result = mine(titles, nlp, parser, encoder, descriptions)
    primary = primary_of(result)
    assert primary["1"] == primary["2"] == "rug"
    # "the bed" as the object of a preposition is where the product goes, not what it is.
    assert "6" not in primary
    assert "backing" not in names(result, "category")


def test_copy_several_families_share_types_a_product_by_the_type_it_names(nlp, parser, encoder):
    titles = ["AINA", "MERETE", "HILJA", "LILL", "VIVAN", "SANELA", "BENNY"]
    shared = "The curtains lower the light level and give privacy. Read about the terms in the guarantee brochure."
    descriptions = ["These curtains are made of linen.", "This curtain has a rod pocket.", *[shared] * 5]
    result = mine(titles, nlp, parser, encoder, descriptions)
    primary = primary_of(result)
    assert {primary.get(str(i)) for i in range(3, 8)} == {"curtain"}
    # Repeated copy is no evidence: a noun it alone names ("term", "brochure") is no category.
    assert names(result, "category") == {"curtain"}


def test_shared_copy_names_the_product_by_a_determiner_not_by_a_bare_feature(parser):
    doc = parser(
        "Pre-drilled holes for legs for easy assembly. A terry towel in medium thickness that is soft. "
        "The curtains lower the light level."
    )
    named = [[" ".join(w.surface for w in phrase) for phrase in s.named] for s in descriptions.analyze(doc)]
    assert named == [[], ["terry towel"], ["curtains", "light level"]]


def test_bare_nouns_in_prose_are_context_not_details(nlp, parser, encoder):
    titles = ["MALM", "MALM", "HEMNES", "HEMNES"]
    descriptions = [
        "This wardrobe has soft-closing drawers. Hang it on the wall.",
        "This wardrobe has soft-closing drawers. Fix it to the wall.",
        "This dresser has soft-closing drawers and fits by the wall.",
        "This dresser has soft-closing drawers. Place a lamp on the top.",
    ]
    result = mine(titles, nlp, parser, encoder, descriptions)
    details = names(result, "detail")
    assert "soft-closing drawer" in details or "soft closing drawer" in details
    assert not details & {"wall", "top", "lamp"}


def test_openings_with_hyphenated_modifiers_and_trademark_signs_name_the_type(nlp, parser, encoder):
    titles = ["STICKAT", "KNUFF", "Mars HeatTech&trade; Pullover", "Nova HeatTech&trade; Pullover"]
    descriptions = [
        "Space-saving baskets that keep toys organised.",
        "Hand-woven baskets that keep toys organised.",
        "The Mars HeatTech&trade; Jacket keeps out winter climes.",
        "The Nova HeatTech® Jacket keeps out the rain.",
    ]
    result = mine(titles, nlp, parser, encoder, descriptions)
    primary = primary_of(result)
    categories = names(result, "category")
    assert (primary["1"], primary["2"]) == ("space saving basket", "hand woven basket")
    assert "basket" in categories
    assert not {"saving basket", "woven basket"} & categories  # a hyphenated modifier is one word
    assert primary["3"] == primary["4"] == "jacket"
    assert not {"™", "®"} & {char for name in categories for char in name}


def test_this_before_adverb_led_hyphenated_modifiers_names_the_type(nlp, parser, encoder):
    titles = ["KVARN", "OSTED"]
    descriptions = [
        "Play around with the shape of this hard-wearing rug until you find the perfect spot.",
        "Enjoy this tightly-woven rug in any room.",
    ]
    result = mine(titles, nlp, parser, encoder, descriptions)
    assert primary_of(result) == {"1": "hard wearing rug", "2": "tightly woven rug"}
    assert "rug" in names(result, "category")


def test_names_already_embedded_need_no_model(tmp_path, encoder):
    cache = EmbeddingCache(tmp_path, "minilm", None, "names")
    first = CachedEncoder(lambda: encoder.model, cache).encode(["shirt", "t-shirt"])

    def no_model():
        raise AssertionError("the model was loaded for names the cache holds")

    assert np.array_equal(CachedEncoder(no_model, cache).encode(["t-shirt", "shirt"]), first[::-1])


def test_a_concept_renamed_by_products_leaving_needs_no_model(tmp_path, encoder):
    """Spellings of one name merge, and the commonest names the concept; every spelling is embedded when merging,
    so a rebuild in which the commonest changes finds the new name cached."""
    cache = EmbeddingCache(tmp_path, "minilm", None, "names")
    members = {
        ("category", "stripe cap"): {"1": "title", "2": "title", "3": "title"},
        ("category", "stripes cap"): {"4": "title", "5": "title"},
        ("category", "sun hat"): {"6": "title", "7": "title"},
    }
    settings = Settings(clip_model="none")
    (cap, _), _ = synonyms.merge(members, CachedEncoder(lambda: encoder.model, cache), settings)
    assert (cap.name, cap.aliases) == ("stripe cap", {"stripes cap"})

    def no_model():
        raise AssertionError("the model was loaded for a name the first build embedded")

    members[("category", "stripe cap")] = {"1": "title"}
    (cap, _), _ = synonyms.merge(members, CachedEncoder(no_model, cache), settings)
    assert (cap.name, cap.aliases) == ("stripes cap", {"stripe cap"})


def test_a_title_word_no_description_names_products_by_yields_to_the_description(nlp, parser, encoder):
    titles = ["Ella cropped", "Karin cropped", "Lumber check", "Jacob check", "Mia hoodie", "Noor hoodie"]
    descriptions = [
        "Short hooded top in sweatshirt fabric with a drawstring hood.",
        "Hooded top in soft jersey with long sleeves.",
        "Shirt in checked cotton flannel with a collar and a chest pocket.",
        "Shirt in cotton Oxford with a button-down collar.",
        "Hoodie in sweatshirt fabric with a kangaroo pocket.",
        "Hoodie in soft fleece with a kangaroo pocket.",
    ]
    result = mine(titles, nlp, parser, encoder, descriptions)
    primary = primary_of(result)
    assert (primary["1"], primary["2"]) == ("short hooded top", "hooded top")
    assert primary["3"] == primary["4"] == "shirt"  # "Shirt in …": a bare first word before "in" names the type
    assert primary["5"] == primary["6"] == "hoodie"  # a title word descriptions use as a type keeps its place
    assert not {"cropped", "check"} & names(result, "category")


def test_a_title_word_read_as_no_noun_yields_to_any_type_the_description_names(nlp, parser, encoder):
    """The description's type speaks for the product where the title ends in a word the catalog never reads as a
    noun, even when the description does not open with the type; a title noun keeps its place."""
    titles = ["Kaj slim", "Liam slim", "Ola jeans", "Pia jeans", "Nova parka", "Tove parka"]
    descriptions = [
        "Shaping. Jeans in stretch denim with slim legs and a regular waist.",
        "Shaping. Jeans in washed denim with slim legs.",
        "Jeans in stretch denim with slim legs.",
        "Jeans in soft denim with wide legs and a slim fit.",
        "Great for cold days. Jacket in padded fabric with a hood.",
        "Warm and light. Jacket in quilted fabric with a stand-up collar.",
    ]
    result = mine(titles, nlp, parser, encoder, descriptions)
    primary = primary_of(result)
    assert primary["1"] == primary["2"] == primary["3"] == primary["4"] == "jeans"
    assert primary["5"] == primary["6"] == "parka"
    assert "slim" not in names(result, "category")


def test_copy_shared_by_families_names_the_type_in_place_of_a_title_word_of_its_own(nlp, parser, encoder):
    """A description that is one phrase repeated across families ("Tights in a soft, fine knit …") names the type of
    a product whose title ends in a word of its own ("Ella cropped"); the same shape of copy never types a product
    by a feature."""
    titles = ["Ella cropped", "Karin cropped", "Mia cropped", "Ola tights", "Pia tights", "KURA", "LACK", "BEST"]
    titles += ["Hazel push wonder", "Saturn push wonder", "Fissa push wonder", "Ola bra"]
    descriptions = ["Tights in a soft, fine knit with an elasticated waist."] * 3
    descriptions += ["Tights in fine knit.", "Tights in sheer nylon."]
    descriptions += ["Pre-drilled holes for legs."] * 3
    # one phrase however the tagger parses it: its first words are a type with its modifier
    descriptions += [
        "Lace push-up bra with underwired, moulded, padded cups for a larger bust and fuller cleavage."
    ] * 3
    descriptions += ["Soft bra in jersey with narrow straps."]
    result = mine(titles, nlp, parser, encoder, descriptions)
    primary = primary_of(result)
    assert [primary.get(str(i)) for i in range(1, 6)] == ["tights"] * 5
    assert not {"6", "7", "8"} & set(primary)
    assert [primary.get(str(i)) for i in range(9, 12)] == ["lace push-up bra"] * 3
    assert not {"cropped", "hole", "pre drilled hole", "wonder", "push wonder"} & names(result, "category")


def test_a_description_opening_with_a_modified_type_names_the_product_however_it_parses(nlp, parser, encoder):
    """A description whose first words name a type with its modifier ("Push-up bra in microfibre …", which the
    tagger reads as a sentence) speaks for a title ending in a word no description uses ("Java push wonder");
    a bare word opening it ("Ideal for …") does not."""
    titles = ["Java push wonder", "Nutella push wonder", "Ola bra", "Pia bra", "Mia chair", "Noor chair"]
    descriptions = [
        "Push-up bra in microfibre with underwired, moulded, padded cups for a larger bust and fuller cleavage.",
        "Push-up bra in lace with underwired, moulded, padded cups for a larger bust and fuller cleavage.",
        "Soft bra in jersey with narrow straps.",
        "Lace bra with underwired cups.",
        "Ideal for a small balcony, it folds flat.",
        "Ideal for the kitchen, it stacks.",
    ]
    result = mine(titles, nlp, parser, encoder, descriptions)
    primary = primary_of(result)
    assert primary["1"] == primary["2"] == "push-up bra"
    assert primary["5"] == primary["6"] == "chair"
    assert not {"wonder", "push wonder", "ideal"} & names(result, "category")


def test_a_title_keeps_its_type_where_the_description_opening_names_none(nlp, parser, encoder):
    """A title word no description uses gives way only to a type the catalog knows: an opening phrase that is no
    type here ("Weather resistant polyester fabric …") leaves the product its title's type."""
    titles = ["Dragon twister", "Ola kite", "Pia kite"]
    descriptions = [
        "Weather resistant polyester fabric and moveable wings.",
        "Kite in nylon with a long tail.",
        "Kite in ripstop with two lines.",
    ]
    result = mine(titles, nlp, parser, encoder, descriptions)
    primary = primary_of(result)
    assert (primary.get("1"), primary["2"], primary["3"]) == ("twister", "kite", "kite")
    assert "fabric" not in names(result, "category")


def test_participle_openings_name_the_type_and_headings_do_not(nlp, parser, encoder):
    titles = ["Hawaii Brazilian", "Ola HW", "Alisha cycling shorts", "Bela cycling shorts"]
    descriptions = [
        "Fully lined bikini bottoms with a low waist and narrow sides.",
        "Fully lined bikini bottoms with a high waist.",
        "Key Features of Alisha cycling shorts Cotton Lycra Navy Specifications.",
        "Key Features of Bela cycling shorts Cotton Lycra Red Specifications.",
    ]
    result = mine(titles, nlp, parser, encoder, descriptions)
    primary = primary_of(result)
    assert primary["1"] == primary["2"] == "bikini bottoms"
    assert primary["3"] == primary["4"] == "cycling shorts"
    assert not {name for name in result.concepts["name"] if "feature" in name}


def test_no_phrase_starts_with_a_particle(nlp, encoder):
    titles = [
        "Lumo Kids Light Up Trainer",
        "Zed Kids Light Up Trainer",
        "Kali Women Push-Up Bra",  # hyphenated: one word
        "Mira Women Push-Up Bra",
    ]
    found, names_of = mined(titles, nlp, encoder)
    categories = set(found.loc[found["kind"] == "category", "name"])
    assert {"trainer", "bra"} <= categories and {"light up trainer", "push-up bra"} <= categories
    assert not [name for name in categories if name.split()[0] in {"up", "down", "out", "off"}]


def test_sentences_that_only_differ_by_their_own_title_are_boilerplate(nlp, parser, encoder):
    titles = ["Jiya Stoneware Mug", "Kiyo Ceramic Mug", "Luma Glass Tumbler", "Nomi Steel Tumbler"]
    descriptions = [
        f"Buy {title} for Rs. {price} online. {title} at best prices with FREE shipping & cash on delivery. "
        f"The {title.split()[-1].lower()} is dishwasher safe."
        for title, price in zip(titles, (250, 300, 199, 410), strict=True)
    ]
    found, names_of = mined(titles, nlp, encoder, parser=parser, descriptions=descriptions)
    assert {("category", "stoneware mug"), ("category", "mug")} <= names_of["1"]
    assert not {name for name in found["name"] if {"price", "shipping", "delivery"} & set(name.split())}


def test_a_type_one_product_introduces_is_its_type_and_a_feature_is_not(nlp, parser, encoder):
    titles = ["TILLREDA", "ANTILOP", "GRUNDTAL", "KORKEN"]
    descriptions = [
        "A small, free-standing fridge that fits easily into kitchens of all sizes.",
        "This highchair makes it easier for small children to eat at the table.",
        "Concealed suspension fitting.",
        "Tight-fitting stopper that prevents leakage.",
    ]
    result = mine(titles, nlp, parser, encoder, descriptions)
    assert primary_of(result) == {"1": "free standing fridge", "2": "highchair"}
    assert not names(result, "category") & {"fitting", "suspension fitting", "stopper"}


def test_a_code_after_the_type_is_no_type(nlp, parser, encoder):
    # "SG" ends titles of five ranges, so it is everyone's word, not a style name; the copy the ranges share is
    # boilerplate, so no description speaks for them. The catalog reads it as no noun and never writes it in
    # descriptions, and "tights" ends other titles and heads descriptions: the code labels the tights.
    ranges = ("Alba", "Bera", "Cora", "Dina", "Eira")
    titles = ["Keri tights", "Basic tights", *(f"{name} tights SG" for name in ranges)]
    descriptions = ["Tights in a soft cotton blend.", "Matt tights with an elasticated waist."]
    descriptions += ["Thin tights with an elasticated waist."] * 5
    result = mine(titles, nlp, parser, encoder, descriptions)
    assert set(primary_of(result).values()) == {"tights"}
    assert not {name for name in result.concepts["name"] if "sg" in name.split()}


def test_a_style_name_with_variant_numbers_is_no_brand_and_no_alias(nlp, parser, encoder):
    titles = ["Theron", "Theron (1)", "Kevin softshell jacket", "Lando jacket"]
    descriptions = ["Jacket in sweatshirt fabric with a lined drawstring hood."] * 2
    descriptions += ["Softshell jacket with a hood.", "Padded jacket with a hood."]
    result = mine(titles, nlp, parser, encoder, descriptions)
    assert "theron" in names(result, "line") and "theron" not in names(result, "brand")
    jacket = result.concepts.set_index("name").loc["jacket"]
    assert "theron" not in set(jacket["aliases"]) and not [m for m in result.merges if m["merged"] == "theron"]
    assert primary_of(result)["1"] == "jacket"


def test_titles_that_differ_after_a_comma_are_one_product_in_variants(nlp, parser, encoder):
    # Sizes after a comma make neither a maker ("Half" leads titles ending in "S", "M", "L", all of one product) nor
    # boilerplate of the copy the sizes share ("Value-priced bike …" under six sizes in two colours names a bike).
    titles = [f"Half-Finger Gloves, {size}" for size in "SML"] + [f"Full-Finger Gloves, {size}" for size in "SML"]
    titles += [f"Road-650 {colour}, {size}" for colour in ("Red", "Black") for size in (44, 48, 52)]
    titles += ["Road-450 Red, 58", "Road-450 Red, 60", "Classic Jersey, M"]
    descriptions = ["Full padding, improved finger flex, durable palm, adjustable closure."] * 3
    descriptions += ["Synthetic palm, flexible knuckles, breathable mesh upper."] * 3
    descriptions += ["Value-priced bike with many features of our top-of-the-line models."] * 6
    descriptions += ["A true multi-sport bike that offers streamlined riding."] * 2
    descriptions += ["Short-sleeve classic jersey with a full-length zipper."]
    result = mine(titles, nlp, parser, encoder, descriptions=descriptions)
    assert not names(result, "brand") & {"half", "full", "half finger gloves", "full finger gloves"}
    heads = primary_heads(result)
    assert [heads.get(str(i)) for i in range(7, 15)] == ["bike"] * 8


def test_a_capitalised_word_ending_many_titles_after_different_words_is_a_type_not_a_style_name(nlp, parser, encoder):
    titles = [
        "Casio Vintage Digital Watch",
        "Titan Analog Watch - For Men",
        "Fastrack Sports Watch",
        "Timex Kids Watch",
    ]
    descriptions = [
        "A classic piece with a steel strap and a date display.",
        "A slim piece for office wear with a leather strap.",
        "A sturdy piece for training with a rubber strap.",
        "A bright piece for children with a soft strap.",
    ]
    found, names_of = mined(titles, nlp, encoder, parser=parser, descriptions=descriptions)
    assert all(("category", "watch") in names_of[product] for product in ("1", "2", "3", "4"))
    assert "watch" not in set(found.loc[found["kind"] == "line", "name"])


def test_a_sentence_opening_with_a_bare_type_before_in_names_it(nlp, parser, encoder):
    titles = ["Tom Tailored Joggers", "Sam Relaxed Joggers", "Kim Linen", "Ada Oxford"]
    descriptions = [
        "Joggers in woven fabric with an elasticated drawstring waist and side pockets.",
        "Joggers in soft sweatshirt fabric with a drawstring waist and tapered legs.",
        "Shirt in airy linen with a turn-down collar and long sleeves with buttoned cuffs.",
        "Shirt in cotton Oxford with a button-down collar and a chest pocket.",
    ]
    found, names_of = mined(titles, nlp, encoder, parser=parser, descriptions=descriptions)
    # Its first word is capitalised as every sentence's is, yet it names the product: no style name.
    assert ("category", "joggers") in names_of["1"] and ("category", "joggers") in names_of["2"]
    assert ("category", "shirt") in names_of["3"] and ("category", "shirt") in names_of["4"]
    assert not {"joggers", "shirt"} & set(found.loc[found["kind"] == "line", "name"])


def test_the_main_title_segment_ends_in_a_noun_and_names_no_purpose(nlp, encoder):
    titles = [
        "Anker USB Cable, Compatible with iPhone",
        "Belkin HDMI Cable, Compatible with MacBook",
        "Ugreen Charger, Compatible with Galaxy",
        "Kasa Smart Plug, Compatible with Alexa",
        "Logitech Webcam for Laptop",
        "Insta Webcam for Laptop",
        "Roost Stand for Laptop",
        "Ugreen Hub for Laptop",
    ]
    found, names_of = mined(titles, nlp, encoder)
    primary = primary_of(mine(titles, nlp, None, encoder))
    assert [primary[str(i)].split()[-1] for i in range(1, 9)] == [
        *("cable", "cable", "charger", "plug"),
        *("webcam", "webcam", "stand", "hub"),
    ]
    assert not {"compatible", "laptop"} & set(found.loc[found["kind"] == "category", "name"])


def test_a_phrase_after_in_ending_more_titles_names_the_product_with_its_modifier(nlp, parser, encoder):
    titles = [
        "Candes All in One Room Heater",
        "Behr Up in Smoke Matte Interior Paint",
        "Bajaj Fan Room Heater",
        "Usha Quartz Room Heater",
        "Behr Eggshell Interior Paint",
        "Glidden Flat Interior Paint",
        "Wild Sardines in Olive Oil",
        "Pacific Sardines in Spring Water",
        "Extra Virgin Olive Oil",
        "Organic Coconut Oil",
        "Kohler Slim Cotton Shirt in Navy Blue",
        "Levis Oxford Shirt",
    ]
    descriptions = ["Warms all your rooms.", *[None] * 11]
    heads = primary_heads(mine(titles, nlp, parser, encoder, descriptions))
    assert heads["1"] == "heater" and heads["2"] == "paint"  # not "all", "up": words the catalog reads as no noun
    # what the product comes in, or its colour, stays apart
    assert [heads[str(i)] for i in (7, 8, 11)] == ["sardine", "sardine", "shirt"]


def test_a_word_many_makers_write_in_capitals_is_no_style_name(nlp, parser, encoder):
    titles = ["Anker USB Cable", "Belkin USB Cable", "Ugreen USB Hub", "Sony USB Speaker", "Kasa USB Plug"]
    descriptions = [f"A sturdy {title.split()[-1].lower()} for your desk and your bag." for title in titles]
    found, names_of = mined(titles, nlp, encoder, parser=parser, descriptions=descriptions)
    assert ("category", "usb cable") in names_of["1"] and ("category", "usb hub") in names_of["3"]
    assert "usb" not in set(found.loc[found["kind"] == "line", "name"])


def test_a_feature_bullet_never_displaces_the_titles_type(nlp, parser, encoder):
    titles = ["Tecknet Wireless Mouse", "Logi Silent Mouse", "Razer Gaming Mouse"]
    descriptions = [
        "COMFORTABLE DESIGN: Contoured shape supports your hand all day.",
        "QUIET CLICKS: Silent switches cut click noise by up to 90%.",
        "COMFORTABLE DESIGN: Contoured shape supports your hand during long games.",
    ]
    result = mine(titles, nlp, parser, encoder, descriptions)
    assert primary_heads(result) == {"1": "mouse", "2": "mouse", "3": "mouse"}


def test_a_word_the_catalog_reads_as_no_noun_names_no_type(nlp, parser, encoder):
    titles = ["MORUM", "LOHALS", "STOCKHOLM", "TIPHEDE"]
    descriptions = [
        "Ideal in your living room or under your dining table. The soft pile is ideal for bare feet.",
        "Ideal in your hallway or under your dining table. The flat weave is ideal for busy areas.",
        "This rug is ideal for a bedroom.",
        "This rug is ideal for a hallway.",
    ]
    found, names_of = mined(titles, nlp, encoder, parser=parser, descriptions=descriptions)
    assert "ideal" not in set(found["name"])
    # each distinct text counts once: copy a range repeats does not outvote how the catalog uses a word
    titles = ["TROFAST", "TROFAST", "TROFAST", "TROFAST", "DOMSJO", "KUGGIS", "SAMLA", "MOPPE"]
    descriptions = [
        *["Fits in TROFAST frames."] * 4,  # the tagger reads "Fits" opening a sentence as a plural noun
        "Fits in the bowl of DOMSJO sink.",
        "This box fits on a shelf.",
        "This lid fits tightly on the box.",
        "This chest fits in a drawer.",
    ]
    found, _ = mined(titles, nlp, encoder, parser=parser, descriptions=descriptions)
    assert "fit" not in set(found["name"])
    assert "trofast" in set(found.loc[found["kind"] == "line", "name"])


def test_a_title_segment_that_is_only_a_material_and_its_colour_names_no_product(nlp, parser, encoder):
    titles = ["Coffee Table, Grey Oak", "Side Table, Walnut", "Bookcase, White Oak", "Desk, Black Oak"]
    titles += ["Dining Chair, Oak", "Flame Retardant Paper", "Pro Curling Iron, Black"]
    heads = primary_heads(mine(titles, nlp, parser, encoder))
    assert heads == {"1": "table", "2": "table", "3": "bookcase", "4": "desk", "5": "chair", "6": "paper", "7": "iron"}


def test_titles_with_sizes_and_spec_lines_name_their_type(nlp, parser, encoder):
    titles = [
        "Werner 6 ft. Fiberglass step ladder with 300 lb. Load Capacity",
        "Werner 8 ft. Aluminum Step Ladder with 250 lb. Load Capacity",
        "Husky 1/2 in. Drive Torque Wrench",
        "Husky 3/8 in. Drive Torque Wrench",
        "Lavazza Ground Coffee, 12 oz Bag",
        "Illy Ground Coffee, 8 oz Bag",
    ]
    descriptions = [
        "Built for the job site. Material: Fiberglass.",
        "Light enough for the home. Material: Aluminum.",
        "A precise torque wrench with a 1/2 in. drive for lug nuts.",
        "A precise torque wrench with a 3/8 in. drive for small bolts.",
        "Dark roast ground coffee for espresso.",
        "Medium roast ground coffee for moka pots.",
    ]
    result = mine(titles, nlp, parser, encoder, descriptions)
    primary = primary_of(result)
    assert primary["1"].endswith("step ladder") and primary["2"].endswith("step ladder")
    assert primary["3"].endswith("torque wrench") and primary["4"].endswith("torque wrench")
    assert not {name for name in result.concepts["name"] if name.split()[0] == "in"}
    assert primary["5"].endswith("ground coffee") and primary["6"].endswith("ground coffee")  # then a size: package
    assert not {name for name in result.concepts["name"] if "material" in name}  # "Material: Fiberglass" is a spec


def test_specification_lines_give_no_concepts(parser):
    doc = parser("A sturdy ladder. Duty rating: Type IA. Material: Fiberglass. What it is: A light ladder that folds.")
    silent = [sentence.silent for sentence in descriptions.analyze(doc)]
    assert silent == [False, True, True, False]


def test_a_label_before_a_colon_is_no_detail(parser):
    doc = parser(
        "Svt Ada Collections Casual Full Sleeve Checkered Women's Top Price: Rs. 1,215 This elegant women top is a "
        "unique winter collection from the house of SVT."
    )
    details = [" ".join(w.surface for w in phrase) for s in descriptions.analyze(doc) for phrase in s.details]
    assert "unique winter collection" in details and not [phrase for phrase in details if "price" in phrase]


def test_a_unit_after_a_number_is_no_linking_word(settings):
    titles = [
        "Husky 1/2 in. Torque Wrench",
        "Husky 3/8 in. Torque Wrench",
        "Stanley 12 in. Level",
        "Rain Jacket in Navy",
    ]
    parsed = concepts.parse(catalog(titles), ["title"], settings)
    vocab = vocabulary.learn(parsed.titles, parsed.families, parsed.descriptions, [None] * len(titles))
    roles = [[(t.surface, t.role) for t in concepts.typed(words, vocab)] for words in parsed.titles]
    assert ("in", "junk") in roles[0] and ("in", "linking") in roles[3]


def test_a_size_starts_the_package_only_after_the_products_name(settings):
    titles = ["Werner 6 ft. Fiberglass step ladder with 300 lb. Load Capacity", "Lavazza Ground Coffee, 12 oz Bag"]
    parsed = concepts.parse(catalog(titles), ["title"], settings)
    vocab = vocabulary.learn(parsed.titles, parsed.families, parsed.descriptions, ["Werner", "Lavazza"])
    links = [
        {segment.items[-1].text: segment.link for segment in concepts._segments(items)}
        for _, items in concepts.typed_titles(parsed.titles, vocab)
    ]
    assert links[0]["ladder"] is None and links[0]["capacity"] == concepts.MEASURED
    assert links[1]["coffee"] is None and links[1]["bag"] == concepts.MEASURED


def test_a_capitalised_label_of_a_number_stays_a_name_whoever_writes_it(nlp, parser, encoder):
    makers = ["Supergoop", "Kiehls", "Shiseido", "Clinique", "Olay"]
    titles = [f"{maker} Daily Sunscreen SPF {spf}" for maker, spf in zip(makers, (30, 40, 50, 15, 25), strict=True)]
    descriptions = [
        "A light sunscreen from supergoop for every day.",
        "Water-resistant sunscreen by kiehls for the beach.",
        "Mineral sunscreen for sensitive skin, from shiseido.",
        "Tinted sunscreen with a matte finish, made by clinique.",
        "Sheer sunscreen from olay that layers under makeup.",
    ]
    result = mine(titles, nlp, parser, encoder, descriptions)
    assert "spf" in names(result, "line")
    assert not [name for name in names(result, "category") if "spf" in name.split()]


def test_an_article_leading_titles_of_many_makers_is_no_brand(nlp, encoder):
    titles = [
        "The Puppet Company Bear Hand Puppet",
        "The Color Monster Card Game",
        "The Doll Maker Rag Doll",
        "The Kids Room Canvas Wall Art",
        "Funko Pop Vinyl Figure",
        "Funko Mini Plush Toy",
    ]
    found, names_of = mined(titles, nlp, encoder)
    brands = set(found.loc[found["kind"] == "brand", "name"])
    assert "funko" in brands and not {brand for brand in brands if brand.split()[0] == "the"}
    assert ("category", "hand puppet") in names_of["1"] and ("category", "card game") in names_of["2"]


def test_words_leading_titles_are_brands_only_where_the_copy_names_them(nlp, parser, encoder):
    """A single brand's store leads titles with style names its copy never repeats: they are no brands. A
    marketplace's copy names the makers its titles start with."""
    store = ["Emma dress", "Emma top", "Nora cardigan", "Nora tee", "Flirty earring", "Flirty headband"]
    store_copy = [
        "Dress in soft jersey with short sleeves.",
        "Top in ribbed jersey with a round neck.",
        "Cardigan in a soft, fine knit with buttons down the front.",
        "T-shirt in cotton jersey with a round neck.",
        "Earrings in metal with a hook.",
        "Headband in satin with a bow.",
    ]
    found, _ = mined(store, nlp, encoder, parser=parser, descriptions=store_copy)
    assert not set(found.loc[found["kind"] == "brand", "name"])
    marketplace = ["Husky socket set", "Husky wrench", "Ryobi drill", "Ryobi saw", "Emma dress", "Emma top"]
    marketplace_copy = [
        "The Husky socket set has forty pieces in a case.",
        "Husky wrenches are forged from steel.",
        "The Ryobi drill is cordless and light.",
        "This Ryobi saw cuts wood and plastic.",
        "Dress in soft jersey with short sleeves.",
        "Top in ribbed jersey with a round neck.",
    ]
    found, _ = mined(marketplace, nlp, encoder, parser=parser, descriptions=marketplace_copy)
    assert {"husky", "ryobi"} <= set(found.loc[found["kind"] == "brand", "name"])


def test_a_colour_name_in_a_list_of_prose_is_a_colour_only_beside_colours(nlp, parser, encoder):
    titles = ["Kite", "Kite", "Helmet", "Helmet", "Sled", "Sled"]
    texts = [
        "Comes in red and blue or green.",
        "Comes in navy, aqua and grey.",
        "It keeps out rain, snow, and wind.",
        "Choose pink, white or aqua.",
        "Made for ice, snow, and mud.",
        "It glides over hills, snow, and ice.",
    ]
    found, names_of = mined(titles, nlp, encoder, parser=parser, descriptions=texts)
    colours = set(found.loc[found["kind"] == "colour", "name"])
    assert "aqua" in colours and ("colour", "aqua") in names_of["2"]
    assert "snow" not in colours  # listed with weather and ice, never with a colour


def test_an_html_description_reads_as_its_blocks(parser):
    html = (
        "<p>This hoodie keeps you warm on cold runs.</p>"
        "<ul><li>Ribbed cuffs</li><li>Kangaroo <b>pocket</b></li><li>Machine wash</li></ul>"
    )
    text = descriptions.clean(html)
    assert text == "This hoodie keeps you warm on cold runs. Ribbed cuffs. Kangaroo pocket. Machine wash."
    # Each list item is a phrase of its own, not one run-on noun phrase ("cuffs kangaroo pocket machine wash").
    phrases = [[" ".join(w.surface for w in p) for p in s.types] for s in descriptions.analyze(parser(text))]
    assert phrases == [["hoodie"], ["ribbed cuffs"], ["kangaroo pocket"], ["machine wash"]]


def test_a_heading_glued_to_the_next_sentence_is_a_sentence_of_its_own(nlp, parser, encoder):
    glued = "View more product information The fabric protects against the sun."
    sentences = [[w.surface for w in s.words] for s in descriptions.analyze(parser(glued))]
    assert sentences[0] == ["view", "more", "product", "information"]
    # A name after a noun is no sentence start ("Shirt in cotton Oxford").
    assert len(descriptions.analyze(parser("A shirt in cotton Oxford with a button-down collar."))) == 1
    titles = ["SOLIG", "SOLIG", "KARLS", "KARLS", "DYNING", "DYNING"]
    copy = [
        "This parasol shades a whole table. View more product information The pole tilts.",
        "This umbrella folds flat. View more product information You can tilt the canopy.",
        "This gazebo stands on any patio. View more product information Easy to assemble with two people.",
    ]
    texts = [text for text in copy for _ in range(2)]  # two products of each family
    found, _ = mined(titles, nlp, encoder, parser=parser, descriptions=texts)
    # The heading repeated by three families is boilerplate: it names no detail of any product.
    assert "product information" not in set(found["name"])


def test_a_style_name_says_what_the_product_is_wherever_its_sentence_starts(parser):
    def types(text: str) -> list[list[str]]:
        return [[" ".join(w.surface for w in p) for p in s.types] for s in descriptions.analyze(parser(text))]

    # A style name in capitals after a heading starts a sentence; its phrase does not reach back into the heading.
    assert types("View more product information BROKHULT door has simple straight lines.") == [
        [],
        ["brokhult door"],
    ]
    # An acronym is no style name: "LED" stays inside its sentence.
    assert len(types("A kitchen cabinet LED strip lights the worktop.")) == 1
    # What a name or a colour is said to be, also where a second clause follows.
    assert types("HÄGGEBY is a white door that looks modern, it offers good quality.") == [["white door"]]
    assert types("TINGSRYD wood effect black is a smooth-faced door.")[0][-1:] == ["smooth faced door"]
    # A noun that is neither keeps its own reading: no "thanks", no "material".
    assert types("KNOPPARP sofa is very durable thanks to the metal frame.") == [["knopparp sofa"]]
    assert types("Solid wood is a durable natural material.") == [["solid wood"]]
    # "this" names the noun it determines, past listed modifiers, and a hyphenated modifier stays whole
    assert types("You can use this hard-wearing, stackable and waterproof box outdoors.")[0][0].endswith(" box")
    assert types("Guys who love yoga love this all-purpose yoga pant.") == [["all purpose yoga pant"]]
    # the unit of a number before the phrase is no modifier
    assert types("The 65 cm plastic shell is tough.") == [["plastic shell"]]
    # a count word names what it counts; another noun "of" something names no product
    assert types("Each piece of furniture is unique.") == [["furniture"]]
    assert types("A set of 4 glasses in clear glass.") == [["glasses"]]
    assert types("The range of lamps is wide.") == [[]]


def test_a_word_reads_as_one_word_even_where_its_lemma_is_several(nlp, encoder):
    found, names_of = mined(["Kook Men Comics T-shirt", "Vibe Men Comics T-shirt"], nlp, encoder)
    assert ("category", "comic t-shirt") in names_of["1"]
    assert not [name for name in found["name"] if "_" in name]


def test_a_joined_by_a_hyphen_is_part_of_its_word_not_an_article(nlp, parser, encoder):
    found, names_of = mined(["Libas Women's A-line Kurta", "Aks Women's A-Line Dress"], nlp, encoder)
    assert ("category", "a-line kurta") in names_of["1"] and ("category", "a-line dress") in names_of["2"]
    assert not [name for name in found["name"] if name.startswith("line ")]
    sentences = descriptions.analyze(parser("This A-frame tent stands on a flat surface."))
    assert [" ".join(w.surface for w in p) for p in sentences[0].types] == ["a-frame tent"]


def test_measures_hyphenated_words_and_w_slash_leave_the_product_its_name(nlp, encoder):
    titles = [
        "Glacier Bay 33 in. Drop-In Double Bowl Kitchen Sink",
        "Kohler 25 in. Undermount Kitchen Sink",
        "Trafficmaster Granite 24 in. x 39 in. Door Mat",
        "Feit 60-Watt Equivalent LED Light Bulb",
        "Feit 40-Watt Equivalent LED Light Bulb",
        "360 Electrical 24-Watt Surge Protector",
        "Milwaukee Saw Blade w/Additional 9 in. Blade",
        "Emoh 48 in. Sash Rod in White",
        "Swagtron Foldable Electric Scooter for Adults & Teens",
    ]
    found, names_of = mined(titles, nlp, encoder)
    # "Drop-In" is one word, not a link that cuts the title after "drop"
    assert ("category", "drop-in double bowl kitchen sink") in names_of["1"]
    # a period after a unit ("24 in.") sets no measure apart: the door mat is no package of a granite
    assert ("category", "door mat") in names_of["3"] and ("category", "granite") not in names_of["3"]
    # "24-Watt" is a number and its unit
    assert ("category", "surge protector") in names_of["6"] and "watt" not in set(found["name"])
    # "w/" is "with", and "with" an adjective names nothing; "in" a colour still does
    assert ("category", "saw blade") in names_of["7"] and not [n for n in found["name"] if "additional" in n]
    assert ("category", "rod in white") in names_of["8"]
    # what follows "&" continues the segment before it: the scooter is for teens, not a teen
    assert ("category", "electric scooter") in names_of["9"] and "teen" not in set(found["name"])


def test_a_pattern_or_style_never_names_the_product_but_a_material_may(nlp, parser, encoder):
    titles = [
        "Kajci Embroidered Women's Zorbacoat",
        "Desi Printed Women's Kurta",
        "Libas Printed Women's Kurta",
        "Decorol Flame Retardant Paper",
        "Colorbar Pretty Please 2 Nail Lacquer",
    ]
    # "Zorbacoat" is never written in lower case, so the catalog reads it as a style name
    texts = ["Hand embroidered.", "A printed kurta in cotton.", "A kurta for every day.", "A paper for crafts.", ""]
    found, names_of = mined(titles, nlp, encoder, parser=parser, descriptions=texts)
    categories = set(found.loc[found["kind"] == "category", "name"])
    assert ("line", "zorbacoat") in names_of["1"] and not categories & {"embroidered", "printed"}
    assert ("category", "kurta") in names_of["2"] and ("category", "paper") in names_of["4"]
    assert ("category", "lacquer") in names_of["5"] and "please" not in categories


def test_a_word_ending_titles_after_an_audience_is_a_type_however_it_is_capitalised(nlp, parser, encoder):
    titles = ["Raymond Checkered Men's Vestcoat", "Kajci Embroidered Women's Vestcoat", "Elm Solid Men's Vestcoat"]
    # lower-case copy that never writes "vestcoat": a word only ever capitalised reads as a name, unless it ends titles
    texts = [
        "Made of soft wool for the cold days of the year.",
        "Hand embroidered with a fine silk thread in the city.",
        "A solid colour that goes with every shirt you own.",
    ]
    found, names_of = mined(titles, nlp, encoder, parser=parser, descriptions=texts)
    assert all(("category", "vestcoat") in names_of[str(i)] for i in (1, 2, 3))
    assert "vestcoat" not in set(found.loc[found["kind"] == "line", "name"])


def test_a_brand_is_named_as_written(nlp, encoder):
    _, names_of = mined(["Levi's Men Blue Jeans", "Levi's Women Black Jeans", "Hey! Play! Kids Ball Pit"], nlp, encoder)
    assert ("brand", "levi's") in names_of["1"] and ("brand", "levi's") in names_of["2"]
    assert ("brand", "hey! play!") in names_of["3"]


def test_a_modifier_that_repeats_the_head_is_left_out(nlp, encoder):
    found, names_of = mined(["Facit Men Polo Tee Black Tshirt", "Puma Women Logo Tee White Tshirts"], nlp, encoder)
    assert ("category", "polo t-shirt") in names_of["1"] and ("category", "logo t-shirt") in names_of["2"]
    assert not [name for name in found["name"] if name.count("t-shirt") > 1]


def test_a_brand_may_start_with_a_colour_word_but_a_colour_is_no_brand(nlp, encoder):
    titles = [
        "Red Tape Men Brown Formal Shoes",
        "Red Tape Men Black Casual Shoes",
        "Indigo Nation Men Blue Checks Shirt",
        "Navy Blue Men Slim Fit Shirt",
    ]
    found, names_of = mined(titles, nlp, encoder)
    assert ("brand", "red tape") in names_of["1"] and ("colour", "brown") in names_of["1"]
    assert ("brand", "indigo nation") in names_of["3"] and ("colour", "blue") in names_of["3"]
    assert ("colour", "navy blue") in names_of["4"] and not {n for k, n in names_of["4"] if k == "brand"}
    assert not [name for name in found.loc[found["kind"] == "category", "name"] if "tape" in name or "nation" in name]


def test_a_measure_inside_the_name_is_no_package(nlp, encoder):
    titles = [
        "Kiara Sterling Silver Opal Ring",
        "Nishtaa Yellow Gold 22 K Ring",
        "Avsar Gold Diamond 18 K Ring",
        "Lavazza Ground Coffee, 12 oz Bag",
        "Illy Ground Coffee, 8 oz Bag",
    ]
    primary = primary_of(mine(titles, nlp, None, encoder))
    assert [primary[str(i)].split()[-1] for i in range(1, 6)] == ["ring", "ring", "ring", "coffee", "coffee"]


def test_features_listed_after_with_never_name_the_product(nlp, encoder):
    """A "with" opens a list of features that goes on past its commas: the product is named before it."""
    titles = [
        "Noise Smart Watch with HD Display, 100 Sports Modes",
        "Boat Smart Watch with AMOLED Display, 60 Sports Modes",
        "Fire Smart Watch with Touch Screen, 120 Sports Modes",
        "Zeb Smart Watch with Metal Strap, Sports Modes",
    ]
    primary = primary_of(mine(titles, nlp, None, encoder))
    assert {name.split()[-1] for name in primary.values()} == {"watch"}


def test_a_maker_named_for_what_other_products_fit_is_still_a_brand(nlp, encoder):
    """Accessories name the maker whose products they fit ("… for Samsung TV", "… compatible with Samsung …"); its
    own titles still lead with it."""
    titles = [
        "Samsung Galaxy Phone",
        "Samsung Smart TV",
        "Samsung Soundbar",
        "Ambrane Cable for Samsung Phone",
        "Lohaya Remote for Samsung TV",
        "Zoul cable compatible with Samsung phones",
        "Boat case compatible with Samsung phones",
        "Vu remote compatible for LG TV",
        "Realme Narzo Phone",
        "Realme Buds",
    ]
    found, names_of = mined(titles, nlp, encoder)
    assert {"samsung", "realme"} <= set(found.loc[found["kind"] == "brand", "name"])
    assert "samsung" not in set(found.loc[found["kind"] == "category", "name"])


def test_a_word_saying_what_the_product_fits_is_no_type(nlp, parser, encoder):
    """Catalogs write "compatible for …" after the product's name, and the alternatives a slash joins after "for"
    are what the product is for as well."""
    titles = [
        "Tata universal remote compatible for TV/projector",
        "Dish remote compatible for TV/projector",
        "Airtel remote compatible for set top box",
        "Lohaya remote compatible for TV/soundbar",
        "Sony tv remote",
        "Mi smart remote",
        "Epson home projector",
        "Boat soundbar",
        "Vu remote compatible for LED TV",
    ]
    descriptions = [
        "This remote controls the set top box.",
        "A remote with backlit keys.",
        "The remote pairs in seconds.",
        "A remote for LG TVs.",
        "A slim remote for Sony TVs.",
        "This remote has voice control.",
        "This projector is bright.",
        "This soundbar has deep bass.",
        # its copy names no type, and uses "compatible" as a noun, as the tagger reads it in real copy too
        "Works with most makes after pairing. Check the compatibles before you order.",
    ]
    result = mine(titles, nlp, parser, encoder, descriptions)
    assert [primary_of(result)[str(i)].split()[-1] for i in range(1, 10)] == [
        *["remote"] * 6,
        *("projector", "soundbar", "remote"),
    ]
    assert "compatible" not in set(result.concepts["name"])


def test_warranty_text_gives_no_details_but_may_name_the_product(nlp, parser, encoder):
    titles = ["Usha Kettle", "Bajaj Kettle", "Prestige Iron", "Philips Iron"]
    descriptions = [
        "This kettle boils water fast. One year warranty against manufacturing defects.",
        "This kettle comes with a two year warranty against manufacturing defects.",
        "This iron has a non-stick soleplate. The warranty covers manufacturing defects and the heating plate.",
        "This iron heats up fast and has a ceramic soleplate.",
    ]
    result = mine(titles, nlp, parser, encoder, descriptions)
    assert primary_of(result) == {"1": "kettle", "2": "kettle", "3": "iron", "4": "iron"}
    details = set(result.concepts.loc[result.concepts["kind"] == "detail", "name"])
    assert not {name for name in details if "defect" in name or "warranty" in name}


def test_a_word_that_counts_products_is_no_products_only_type(nlp, encoder):
    titles = [
        "Thames Chemistry Set with 250 Experiments",
        "Mudpuppy Magic Set",
        "Eurospa Face Towel Set",
        "Janlynn Friendship Bracelet Pack",
        "Lego Castle Set",
        "Lego Castle Set",
    ]
    brands = ["Thames", "Mudpuppy", "Eurospa", "Janlynn", "Lego", "Lego"]
    result = mine(titles, nlp, None, encoder, min_support=2, brand=brands)
    primary = primary_of(result)
    assert [primary[str(i)] for i in range(1, 7)] == [
        *("chemistry set", "magic set", "towel set", "bracelet pack"),
        *("castle set", "castle set"),
    ]
    set_concept = result.concepts.loc[result.concepts["name"] == "set"]
    assert set_concept["product_count"].tolist() == [5]  # still the concept of every set


def test_a_word_the_copy_writes_in_lower_case_leads_titles_of_no_maker(nlp, parser, encoder):
    titles = [
        "Microwave Safe Glass Bowl",
        "Microwave Safe Dinner Plate",
        "Microwave Egg Poacher",
        "boAt Rockerz Wireless Headphones",
        "boAt Airdopes Wireless Earbuds",
        "boAt Stone Bluetooth Speaker",
    ]
    copy = [
        "A glass bowl you can use in the microwave and in the oven for best results.",
        "This plate goes from the fridge to the microwave.",
        "Poach two eggs in the microwave in a minute.",
        "The boAt Rockerz headphones play for 40 hours.",
        "Earbuds from boAt with a charging case.",
        "A speaker from boAt with deep bass for best results.",
    ]
    result = mine(titles, nlp, parser, encoder, copy)
    assert "boat" in names(result, "brand") and "microwave" not in names(result, "brand")
    assert not [name for name in names(result, "detail") if name.startswith("best ")]


def test_a_word_the_copy_writes_in_lower_case_before_an_audience_is_no_brand(nlp, parser, encoder):
    titles = [
        "Puppet Girl Sarah With Moving Mouth",
        "Puppet Boy Tom With Moving Arms",
        "Large Kids Rocking Horse",
        "Large Girls Play Tent",
        "Roadster Men Denim Jacket",
        "Roadster Women Denim Jacket",
    ]
    copy = [
        "A girl puppet named Sarah, a hand puppet to tell stories with.",
        "A boy puppet for a large puppet theatre.",
        "A large horse that rocks.",
        "A tent for a large garden.",
        "A denim jacket from Roadster.",
        "A cropped denim jacket by Roadster.",
    ]
    brands = names(mine(titles, nlp, parser, encoder, copy), "brand")
    assert "roadster" in brands and not {"puppet", "large"} & brands


def test_a_model_number_ends_the_makers_name_before_an_audience(nlp, parser, encoder):
    titles = ["Playmobil 5252 Native American Boy", "Playmobil 4872 Falcon Knight Cannon", "Playmobil 5146 Bed Chamber"]
    _, names_of = mined(titles, nlp, encoder, parser=parser)
    brands = {product: {name for kind, name in found if kind == "brand"} for product, found in names_of.items()}
    assert brands == {"1": {"playmobil"}, "2": {"playmobil"}, "3": {"playmobil"}}


def test_a_heading_that_opens_many_descriptions_names_nothing(nlp, parser, encoder, settings):
    titles = [
        *("Jungle Finger Puppet", "Knight Castle Playset", "Spooky Bat Kite"),
        *("Whole Urad Dal", "Organic Split Urad Dal", "Urad Dal Gota"),
        *("KURA", "MYDAL", "TUFFING", "Bunk Bed Ladder"),
    ]
    copy = [
        "Product Description Finger puppets are great for small and large hands alike.",
        "Product Description This well-known playset comes with a drawbridge and two knights.",
        "Product Description The Spooky Bat Kite is a single line kite.",
        # the name of a product or of its type opening its copy, and written elsewhere too, is no heading
        "Urad Dal Whole is rich in protein. Soak the urad dal overnight.",
        "Urad Dal Split cooks in twenty minutes. Rinse the urad dal first.",
        "Urad Dal Gota is a lentil from India. Grind the urad dal for batter.",
        "Bunk Bed with a guard rail.",
        "Bunk Bed for two children.",
        "Bunk Bed in solid pine.",
        "A ladder that hooks onto a bunk bed.",
    ]
    parsed = concepts.parse(catalog(titles, copy), ["title", "description"], settings)
    vocab = vocabulary.learn(parsed.titles, parsed.families, parsed.descriptions, [None] * len(titles))
    assert vocab.headers == {("product", "description")}
    result = mine(titles, nlp, parser, encoder, copy)
    assert not [name for name in result.concepts["name"] if "description" in name]
    primary = primary_of(result)
    assert [primary.get(str(i)) for i in range(1, 7)] == [
        *("puppet", "knight playset", "kite"),
        *("urad dal", "urad dal", "urad dal"),
    ]


def test_a_hyphen_hanging_off_a_title_word_is_a_dash(nlp, parser, encoder):
    titles = ["Magic Cube Puzzle Brain Teaser- MC327", "Wooden Brain Teaser- Set of 3", "Metal Brain Teaser"]
    result = mine(titles, nlp, parser, encoder)
    assert not [name for name in result.concepts["name"] if "-" in name]
    assert primary_of(result) == {
        "1": "magic cube puzzle brain teaser",
        "2": "wooden brain teaser",
        "3": "metal brain teaser",
    }


def test_a_makers_name_goes_on_with_the_words_its_titles_go_on_with(nlp, parser, encoder):
    titles = [
        *("Kirkton House Grey Chindi Rug", "Kirkton House Pink Mug Set", "Kirkton House Cotton Cushion"),
        *("Kirkton House Wine Rack", "Kirkton House Wall Clock", "Kirkton House Desk Chair"),
        *("Kirkton House Velvet Stool", "Kirkton House Arch Mirror", "Kirkton House Throw", "Kirkton Wire Basket"),
        *("Ambiano Soup Maker", "Ambiano Popcorn Maker", "Ambiano Glass Kettle"),
        *("Energizer Batteries AA", "Energizer Batteries AAA", "Energizer Batteries C"),
        # one product in three colours, and another
        *("Zolo Wireless Mouse, Black", "Zolo Wireless Mouse, White", "Zolo Wireless Mouse, Blue"),
        "Zolo Gaming Keyboard",
        *("Duracell AA Batteries", "Varta AAA Batteries", "Panasonic Rechargeable Batteries", "Bee & Insect House"),
    ]
    _, names_of = mined(titles, nlp, encoder, parser=parser)
    brands = [sorted(name for kind, name in names_of[str(i)] if kind == "brand") for i in range(1, 21)]
    assert brands == [["kirkton house"]] * 9 + [["kirkton"]] + [["ambiano"]] * 3 + [["energizer"]] * 3 + [["zolo"]] * 4


def test_a_plural_in_ies_is_named_as_the_catalog_writes_its_singular(nlp, parser, encoder):
    titles = ["Chocolate Chip Cookies", "Oatmeal Raisin Cookies", "Double Chocolate Cookie", "Frozen Mixed Berries"]
    categories = names(mine(titles, nlp, parser, encoder), "category")
    assert {"chocolate chip cookie", "cookie", "frozen mixed berry"} <= categories
    assert not [name for name in categories if "cooky" in name]


def test_a_latin_plural_english_writes_as_a_mass_noun_keeps_its_form(nlp, parser, encoder):
    titles = ["Ambrane USB Data Cable", "Portronics Type C Data Cable", "Zebronics Media Player"]
    categories = names(mine(titles, nlp, parser, encoder), "category")
    assert {"data cable", "media player"} <= categories and not {"datum cable", "medium player"} & categories


def test_a_makers_name_ending_titles_after_a_dash_a_bar_or_by_is_their_brand(nlp, parser, encoder):
    # Makers' names end these titles after the names of different products; a size ends them too, but after names
    # other sizes follow as well, and a colour is no maker.
    titles = ["Wireless Mouse - Logitech", "Gaming Keyboard - Logitech", "HD Webcam - Logitech"]
    titles += ["Running Shoes | Nike", "Sports Bra | Nike", "Bluetooth Speaker by JBL", "Wireless Earbuds by JBL"]
    titles += ["Coffee Mug - Large", "Coffee Mug - Small", "Tote Bag - Large", "Cotton T-Shirt - Blue"]
    # a maker's name of several words, which also leads a title
    titles += ["Printed Kurta - United Colors of Benetton", "Polo T-Shirt - United Colors of Benetton"]
    titles += ["United Colors of Benetton Scarf"]
    _, names_of = mined(titles, nlp, encoder, parser=parser)
    brands = [sorted(name for kind, name in names_of[str(i)] if kind == "brand") for i in range(1, 15)]
    assert (
        brands == [["logitech"]] * 3 + [["nike"]] * 2 + [["jbl"]] * 2 + [[]] * 4 + [["united colors of benetton"]] * 3
    )
    result = mine(titles, nlp, parser, encoder)
    heads = primary_heads(result)
    assert [heads.get(str(i)) for i in range(1, 15)] == [
        *("mouse", "keyboard", "webcam", "shoe", "bra", "speaker", "earbud", "mug", "mug", "bag", "t-shirt"),
        *("kurta", "t-shirt", "scarf"),
    ]


def test_a_leading_word_that_names_products_is_no_maker(nlp, parser, encoder):
    # "Ground" leads the unbranded titles, ending in different words, as a maker's name does, but titles also end
    # in it after different words: it names what those products are.
    titles = ["Ground Beef", "Ground Turkey", "Ground Cumin", "Kirkland Almond Butter", "Kirkland Olive Oil"]
    titles += ["Beefless Ground", "Plant Based Ground", "Stone Ground"]
    result = mine(titles, nlp, parser, encoder, brand=[""] * 5 + ["Beyond", "Impossible", "Maya"])
    assert names(result, "brand") == {"kirkland", "beyond", "impossible", "maya"}


def test_a_brand_column_gives_each_product_its_own_brand(nlp, parser, encoder):
    titles = ["Pure Radiance Facial Oil", "Pure Coconut Hair Oil", "Peanut Butter Crunchy", "Levi's Slim Fit Jeans"]
    _, names_of = mined(titles, nlp, encoder, parser=parser, brand=["StBotanica", "Pure", "Yoga Bar", "Levi's"])
    brands = {product: {name for kind, name in found if kind == "brand"} for product, found in names_of.items()}
    assert brands == {"1": {"stbotanica"}, "2": {"pure"}, "3": {"yoga bar"}, "4": {"levi's"}}
    assert not [name for kind, name in names_of["4"] if kind == "category" and "levi" in name]


def test_what_a_title_puts_in_brackets_is_an_aside(nlp, parser, encoder):
    titles = [
        "I Heart Maths Badge (Size is 1inch/25mm diameter)",
        "Pirate Bay Punk Badge (Size is 1inch/25mm diameter)",
        "Soviet Red Army Badge (1inch/25mm diameter)",
    ]
    assert primary_of(mine(titles, nlp, parser, encoder)) == {"1": "badge", "2": "badge", "3": "badge"}


def test_a_maker_named_later_in_a_title_is_not_the_products_brand(nlp, parser, encoder):
    titles = [
        "Samsung Galaxy S21 Smartphone",
        "Samsung Galaxy Smart Watch",
        "Spigen Rugged Case for Samsung Galaxy S21",
        "Spigen Tempered Glass Screen Protector",
    ]
    _, names_of = mined(titles, nlp, encoder, parser=parser)
    assert {name for kind, name in names_of["3"] if kind == "brand"} == {"spigen"}
    assert ("brand", "samsung") in names_of["1"]


def test_words_leading_titles_of_branded_products_are_no_makers(nlp, parser, encoder):
    titles = ["Mini Lip Balm", "Mini Face Cream", "Mini Eye Cream", "Mini Hair Oil"]
    result = mine(titles, nlp, parser, encoder, brand=["Fresh", "Clinique", "Fresh", "Kiehls"])
    assert names(result, "brand") == {"fresh", "clinique", "kiehls"}
    assert primary_of(result)["1"] == "mini lip balm"


def test_a_measure_in_brackets_ends_with_them(nlp, parser, encoder):
    titles = [
        "OnePlus 80 cm (32 inches) Y Series HD Ready Smart LED TV (Black)",
        "Kodak 108 cm (43 inches) 4K Ultra HD Smart LED TV (Black)",
        "Mi 80 cm (32 inches) HD Ready Android LED TV (Black)",
        "Noise Smart Watch with 1.75 Inch (4.4 cm) HD Display and Heart Rate Monitor",
    ]
    primary = primary_of(mine(titles, nlp, parser, encoder))
    assert [primary[p].split()[-1] for p in "123"] == ["tv", "tv", "tv"]
    assert primary["4"].endswith("smart watch")  # the list after the aside still follows "with"


def test_a_blank_brand_value_is_no_brand(nlp, parser, encoder):
    titles = ["Roadster Men Blue Jeans", "Roadster Men Black Jeans", "Nike Men Running Shoes"]
    result = mine(titles, nlp, parser, encoder, brand=["  ", "", "Nike"])
    assert names(result, "brand") == {"roadster", "nike"}


def test_a_word_repeated_once_the_colour_is_out_is_named_once(nlp, parser, encoder):
    titles = [
        "Ganuchi Men Casual Beige Casual Shoes",
        "Red Tape Men Casual Brown Casual Shoes",
        "Lifestyle USB USB Fan",
    ]
    categories = names(mine(titles, nlp, parser, encoder), "category")
    assert {"casual shoe", "usb fan"} <= categories
    assert not [name for name in categories if any(a == b for a, b in itertools.pairwise(name.split()))]


def test_a_bullet_whose_colour_or_participle_reads_as_a_verb_still_names_the_product(nlp, parser, encoder):
    """ "Mint green heather tank", "Gray rouched tank": the tagger reads "green" and "rouched" as the verb of a
    sentence whose subject is "Mint", "Gray"; the bullet is one noun phrase, and its head names the product."""
    titles = ["Maya", "Nora", "Lia"]
    descriptions = [
        "Soft and light for yoga. • Mint green heather tunic-style tank. • Wrapped back.",
        "Made for hot studios. • Gray rouched tank. • Flat seams.",
        "Breathable and quick to dry. • Mint green heather tank. • Mesh lined back.",
    ]
    result = mine(titles, nlp, parser, encoder, descriptions)
    assert primary_heads(result) == {"1": "tank", "2": "tank", "3": "tank"}
    assert not {"mint", "gray", "grey", "mesh"} & names(result, "category")


def test_a_word_that_labels_a_number_does_not_name_the_product(nlp, parser, encoder):
    """ "USB 2.0 64GB Pen Drive": USB ends more titles' segments than drive in this catalog ("Charging Cable, USB"),
    but here it says what the number after it is, a version; the product is the pen drive."""
    titles = [
        "HP v236w USB 2.0 64GB Pen Drive, Metal",
        "SanDisk Ultra USB 3.0 128GB Pen Drive, Black",
        "Kingston USB 3.2 32GB Pen Drive, Red",
        "Boat Charging Cable, USB",
        "Wayona Fast Charging Cable, USB",
        "Portronics Data Cable, USB",
    ]
    result = mine(titles, nlp, parser, encoder)
    primary = primary_of(result)
    assert [primary.get(key) for key in "123"] == ["pen drive"] * 3


def test_a_type_other_copy_uses_as_a_part_stays_a_type_where_title_and_description_agree(nlp, parser, encoder):
    """Ten dresses have "a tie belt"; two belts are named so by their titles and their descriptions' openings. The
    word heads product names in few of the families that use it, but two fields agree that these products are
    belts."""
    dresses = {
        "Anna dress": "Short dress in a viscose weave with a detachable tie belt.",
        "Bella dress": "Long dress in crêpe with a narrow tie belt at the waist.",
        "Cara dress": "Wrap dress in jersey with a wide tie belt.",
        "Dina dress": "Shirt dress in cotton poplin with buttons and a tie belt.",
        "Edda dress": "Sleeveless dress in linen with a detachable tie belt and pockets.",
        "Fay dress": "Fitted dress in ribbed jersey with a thin tie belt.",
        "Gina dress": "Midi dress in satin with a tie belt and a flared skirt.",
        "Hedy dress": "Denim dress with a collar, press-studs and a detachable tie belt.",
        "Ines dress": "Knee-length dress in a patterned weave with a covered tie belt.",
        "Jola dress": "Puff-sleeved dress in chiffon with smocking and a tie belt.",
    }
    titles = ["Betty Bow belt", "Tobias Nubuck Belt", *dresses]
    descriptions = [
        "Belt in imitation leather with a metal buckle. Width 1.5 cm.",
        "Belt in nubuck with a metal buckle. Width 3 cm.",
        *dresses.values(),
    ]
    result = mine(titles, nlp, parser, encoder, descriptions)
    primary = primary_of(result)
    assert (primary.get("1"), primary.get("2", "").split()[-1:]) == ("belt", ["belt"])
    assert primary["3"] == "dress"


def test_a_capital_letter_titles_write_after_one_noun_names_a_thing_with_it(nlp, parser, encoder):
    """ "Vitamin C", "Grade A": three titles write the same letter after the noun, so the two are one name; alone,
    the letter would be dropped ("vitamin serum") or read as an article that ends the product's name ("grade")."""
    titles = [
        "Lakme Vitamin C Serum",
        "Plum Vitamin C Face Wash",
        "Mamaearth Vitamin C Face Wash",
        "Organic Grade A Maple Syrup",
        "Grade A Large Eggs",
        "Happy Hens Grade A Brown Eggs",
    ]
    result = mine(titles, nlp, parser, encoder)
    primary = primary_of(result)
    assert primary["1"].endswith("vitamin c serum") and primary["2"].endswith("vitamin c face wash")
    assert primary["5"].startswith("grade a") and primary["5"].split()[-1] == "egg"
    assert not {"grade", "vitamin serum"} & names(result, "category")


def test_a_noun_that_measures_an_adjective_is_neither_the_product_nor_a_detail(nlp, parser, encoder):
    """ "makes the bowl impact resistant": the parser makes "impact" the noun "the" points at, with "bowl" its
    compound; "impact" says how the bowl is resistant, and the bowl is what the copy refers to."""
    titles = ["FÄRGRIK", "DINERA", "OFTAST", "GURLI", "SANELA"]
    descriptions = [
        "Made of feldspar porcelain, which makes the bowl impact resistant and durable.",
        "Made of stoneware, which makes the bowl impact resistant and durable.",
        "The glass is heat resistant and the plate is dishwasher safe.",
        "Soft cotton that makes the cover easy to remove.",
        "Velvet that makes the cover easy to remove.",
    ]
    result = mine(titles, nlp, parser, encoder, descriptions)
    primary = primary_of(result)
    assert (primary.get("1"), primary.get("2")) == ("bowl", "bowl")
    assert (primary.get("4"), primary.get("5")) == ("cover", "cover")  # "easy" says how the cover is, not "cover"
    assert not {"impact", "bowl impact", "heat"} & set(result.concepts["name"])
