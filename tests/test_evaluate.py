import json

import pandas as pd
import pytest
from conftest import MYNTRA, requires_myntra

from kgbuild import evaluate, pipeline
from kgbuild.settings import Settings
from kgbuild.synonyms import match_key
from kgbuild.workdir import Layout, write_parquet


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("T-Shirts", "tshirt"),
        ("Flip Flops", "flip flop"),
        ("Watches", "watch"),
        ("Sun-Glasses", "sunglasses"),
        ("Dresses", "dress"),
        ("Mice", "mouse"),  # irregular plurals, as the spaCy pipeline's lemmatizer reads them
        ("Kitchen Knives", "kitchen knife"),
        ("Scarves", "scarf"),
        ("Tomatoes", "tomato"),
        ("Gloves", "glove"),  # "-ves" is "-f" only where English says so
    ],
)
def test_match_key_ignores_case_hyphens_spaces_and_plural(a, b):
    assert match_key(a) == match_key(b)


def test_match_key_keeps_mass_nouns_and_tells_irregular_plurals_from_other_words():
    assert match_key("media") != match_key("medium")  # a media console is no medium one
    assert match_key("data cable") != match_key("datum cable")
    assert match_key("leaves") == match_key("leaf")
    assert match_key("teeth") == match_key("tooth")


def test_label_with_and_or_a_slash_matches_either_part():
    assert evaluate.label_keys("Perfume and Body Mist") >= {match_key("perfume"), match_key("body mist")}
    assert evaluate.label_keys("Leggings/Tights") == {
        match_key("leggings/tights"),
        match_key("leggings"),
        match_key("tights"),
    }


def test_scores_on_a_hand_built_workdir(tmp_path):
    layout = Layout(tmp_path)
    labels = ["Tshirts", "Tshirts", "Shirts", "Shirts", "Jeans"]
    write_parquet(
        pd.DataFrame({"product_id": list("12345"), "attributes": [json.dumps({"articleType": v}) for v in labels]}),
        layout.products,
    )
    write_parquet(
        pd.DataFrame(
            {
                "concept_id": ["t", "s"],
                "name": ["t-shirt", "shirt"],
                "kind": "category",
                "aliases": [["tee"], []],
                "product_count": [2, 3],
            }
        ),
        layout.concepts,
    )
    # t-shirt → products 1 (Tshirts), 3 (Shirts); shirt → 2 (Tshirts), 3, 4 (Shirts); nothing matches Jeans.
    write_parquet(
        pd.DataFrame(
            {"product_id": ["1", "3", "2", "3", "4"], "concept_id": ["t", "t", "s", "s", "s"], "field": "title"}
        ),
        layout.product_concepts,
    )
    scores = evaluate.evaluate(layout, ["articleType"])["articleType"]
    assert scores["coverage"] == 0.8  # 4 of 5 products have a matching concept
    assert scores["recall"] == 0.6  # products 1, 3, 4 are linked to the concept of their own label
    assert scores["purity"] == 0.6  # t-shirt: 1 of 2 right; shirt: 2 of 3 right
    assert scores["uncovered_values"] == {"Jeans": 1}


@requires_myntra()
@pytest.mark.shared_data
def test_myntra_titles_meet_the_quality_bar(tmp_path):
    settings = Settings(
        id_col="id", title_col="productDisplayName", image_col="image", clip_model="none", skip_images=True
    )
    pipeline.begin_build(MYNTRA, tmp_path, settings)
    for stage in ("ingest", "concepts", "hierarchy", "images"):  # images skipped: the concept tables pass through
        pipeline.run_stage(stage, tmp_path)
    figures = evaluate.report(tmp_path, ["articleType", "baseColour"])
    article, colour = figures["labels"]["articleType"], figures["labels"]["baseColour"]
    assert article["coverage"] >= 0.95 and article["recall"] >= 0.80 and article["purity"] >= 0.90
    assert colour["coverage"] >= 0.95 and colour["recall"] >= 0.85
    words = {word for name, _ in figures["largest_categories"] for word in name.split()}
    assert not words & {"men", "man", "women", "woman", "boys", "girls", "unisex", "kids"}
    # In this catalog a title's first word is its brand: none of the frequent ones may name a category.
    leading = pd.read_csv(MYNTRA, dtype=str)["productDisplayName"].str.split().str[0].str.lower().value_counts()
    frequent_brands = set(leading[leading >= 5].index)
    assert len(frequent_brands) > 50
    assert not words & frequent_brands
    assert (tmp_path / "reports" / "eval.json").is_file()


@requires_myntra()
@pytest.mark.shared_data
def test_myntra_text_evidence_images_meet_the_bar(tmp_path):
    settings = Settings(id_col="id", title_col="productDisplayName", image_col="image", clip_model="none")
    pipeline.begin_build(MYNTRA, tmp_path, settings)
    for stage in ("ingest", "concepts", "hierarchy", "images"):
        pipeline.run_stage(stage, tmp_path)
    figures = evaluate.report(tmp_path, ["articleType"])
    assert figures["labels"]["articleType"]["image_precision_at_10"] >= 0.95
    images = figures["images"]
    assert images["category_concepts_3_products"] > 150 and images["of_those_with_3_images"] == 1.0
