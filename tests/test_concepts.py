"""Concept mining, attribute typing, merging and hierarchy on hand-written titles."""

import json

import pandas as pd
import pytest

from kgbuild import concepts, hierarchy, models, synonyms
from kgbuild.settings import Settings


@pytest.fixture(scope="module")
def settings():
    return Settings(clip_model="none")


@pytest.fixture(scope="module")
def nlp(settings):
    return models.spacy_pipeline(settings)


@pytest.fixture(scope="module")
def encoder(settings):
    return models.sentence_encoder(settings)


def catalog(titles, **columns):
    return pd.DataFrame(
        {
            "product_id": [str(i) for i in range(1, len(titles) + 1)],
            "title": titles,
            "description": None,
            "attributes": [json.dumps({k: v[i] for k, v in columns.items()}) for i in range(len(titles))],
        }
    )


def mined(titles, nlp, encoder, min_support=1, **columns):
    found, links, _ = concepts.mine(catalog(titles, **columns), nlp, Settings(clip_model="none", min_support=min_support), encoder)
    names_of = links.merge(found, on="concept_id").groupby("product_id").apply(
        lambda g: set(zip(g["kind"], g["name"])), include_groups=False
    )
    return found, names_of.to_dict()


def test_spelling_variants_become_one_concept_with_aliases(nlp, encoder):
    titles = ["Nike Men Red T-shirt", "Puma Men Red Tshirts", "Adidas Men Red T Shirt", "Nike Men Red Tee", "Puma Unisex Sun Glasses", "Nike Men Sunglasses"]
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
        ("brand", "roadster"), ("audience", "men"), ("colour", "navy blue"), ("pattern", "striped"),
        ("material", "cotton"), ("style", "slim fit"), ("category", "shirt"), ("category", "slim fit shirt"),
    }
    # "red lace dress" stays reachable: the colour and the category are both linked to the product.
    assert {("colour", "red"), ("category", "lace dress"), ("category", "dress")} <= names_of["2"]
    # "Kalini" has no audience word after it, but leads titles of two product types: a brand, not a category.
    assert ("brand", "kalini") in names_of["3"] and ("brand", "kalini") in names_of["4"]
    categories = {name for names in names_of.values() for kind, name in names if kind == "category"}
    assert not any(word in name.split() for name in categories for word in ("roadster", "kalini", "men", "women", "red", "blue"))


def test_brand_column_is_used_when_present(nlp, encoder):
    _, names_of = mined(["Mother Earth Brown Kurta", "Mother Earth Blue Tunic"], nlp, encoder, brand=["Mother Earth", "Mother Earth"])
    assert names_of["1"] >= {("brand", "mother earth"), ("category", "kurta")}
    assert ("category", "earth kurta") not in names_of["1"]


def test_with_phrases_and_main_segment(nlp, encoder):
    titles = ["Biba Women Printed Churidar Kurta with Dupatta", "Biba Women Blue Kurta", "Biba Women Green Kurta", "Biba Women Short Sleeve T-shirt in White"]
    _, names_of = mined(titles, nlp, encoder)
    assert {("category", "kurta"), ("category", "churidar kurta"), ("category", "kurta with dupatta")} <= names_of["1"]
    assert ("category", "dupatta") not in names_of["1"]
    assert {("category", "t-shirt"), ("category", "short sleeve t-shirt"), ("category", "short sleeve t-shirt in white")} <= names_of["4"]


def test_compound_head_replaces_a_head_that_never_stands_alone(nlp, encoder):
    titles = ["Puma Men Blue Flip Flops", "Nike Men Black Flip Flops", "Adidas Men Grey Flip Flops"]
    found, _ = mined(titles, nlp, encoder)
    names = set(found[found["kind"] == "category"]["name"])
    assert "flip flops" in names and "flops" not in names


def test_min_support_and_stable_ids(nlp, encoder):
    titles = ["Levis Men Blue Skinny Jeans", "Levis Men Black Skinny Jeans", "Levis Men Brown Leather Wallet"]
    found, _ = mined(titles, nlp, encoder, min_support=2)
    categories = found[found["kind"] == "category"]
    assert dict(zip(categories["name"], categories["product_count"])) == {"jeans": 2, "skinny jeans": 2}
    assert categories.set_index("name").loc["jeans", "concept_id"] == concepts.concept_id("jeans")
    assert concepts.concept_id("red", "colour") != concepts.concept_id("red")


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
    result = synonyms.merge(members, encoder, Settings(clip_model="none"))
    assert (len(result) == 1) is merged


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
        "t-shirt": None, "short sleeve t-shirt": "a", "short sleeve t-shirt in white": "b", "dress": None, "blue": None, "navy blue": "e",
    }
    assert built["level"].tolist() == [0, 1, 2, 0, 0, 1]
