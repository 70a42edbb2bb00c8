import pandas as pd
import pytest

from kgbuild import concepts, hierarchy, models
from kgbuild.settings import Settings


@pytest.fixture(scope="module")
def nlp():
    return models.spacy_pipeline(Settings())


def phrases(nlp, title):
    return concepts.phrases(nlp(concepts.prepare(title)))


def test_multi_granular_phrases_down_to_the_head_noun(nlp):
    assert phrases(nlp, "Short sleeve T-shirt in white") == [
        "t-shirt",
        "sleeve t-shirt",
        "short sleeve t-shirt",
        "short sleeve t-shirt in white",
    ]


@pytest.mark.parametrize("title", ["Red T-shirt", "Red Tshirt", "Red tshirts", "Red T Shirt"])
def test_tshirt_spellings_become_one_concept(nlp, title):
    assert "t-shirt" in phrases(nlp, title)


def test_plural_only_nouns_keep_their_plural(nlp):
    assert "jeans" in phrases(nlp, "Blue Skinny Jeans")
    assert "jean" not in phrases(nlp, "Blue Skinny Jeans")


def test_mine_applies_min_support_and_stable_ids(nlp):
    products = pd.DataFrame(
        {"product_id": ["1", "2", "3"], "title": ["Blue Skinny Jeans", "Black Skinny Jeans", "Leather Wallet"]}
    )
    found, links = concepts.mine(products, nlp, batch_size=8, min_support=2)
    assert dict(zip(found["name"], found["product_count"])) == {"jeans": 2, "skinny jeans": 2}
    assert found.set_index("name").loc["jeans", "concept_id"] == concepts.concept_id("jeans")
    assert concepts.concept_id("jeans") == concepts.concept_id("jeans") != concepts.concept_id("jean")
    assert sorted(links[links["concept_id"] == concepts.concept_id("jeans")]["product_id"]) == ["1", "2"]


@pytest.mark.parametrize(
    ("name", "parent"),
    [
        ("short sleeve t-shirt in white", "short sleeve t-shirt"),
        ("dress with short sleeve", "dress"),
        ("short sleeve t-shirt", "sleeve t-shirt"),
        ("t-shirt", None),
    ],
)
def test_generalize_removes_the_outermost_modifier(name, parent):
    assert hierarchy.generalize(name) == parent


def test_hierarchy_skips_missing_levels_and_is_acyclic():
    frame = pd.DataFrame(
        {
            "concept_id": ["a", "b", "c", "d"],
            "name": ["t-shirt", "short sleeve t-shirt", "short sleeve t-shirt in white", "dress"],
            "kind": "category",
            "product_count": [5, 3, 2, 4],
        }
    )
    built = hierarchy.build(frame).set_index("name")
    assert built.loc["short sleeve t-shirt", "parent_id"] == "a"  # "sleeve t-shirt" is no concept: skip to "t-shirt"
    assert built.loc["short sleeve t-shirt in white", "parent_id"] == "b"
    assert built["parent_id"].isna().tolist() == [True, False, False, True]
    assert built["level"].tolist() == [0, 1, 2, 0]
