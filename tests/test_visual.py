"""Colours read from product images: linked to the text's colour concepts, never replacing the text's colour,
disagreements recorded, readings cached by image, loaded into Neo4j with their confidence."""

import pandas as pd
import pytest
from PIL import Image, ImageDraw

from kgbuild import concepts, pipeline, visual
from kgbuild.domain import COLOUR
from kgbuild.settings import Settings
from kgbuild.workdir import Layout, read_parquet

RED, BLUE, GREEN = (200, 25, 35), (30, 60, 190), (40, 150, 60)
# product id, title, colour of the garment in its photo
PRODUCTS = [
    ("1", "Red Cotton Dress", RED),  # text and image agree
    ("2", "Red Linen Dress", RED),
    ("3", "Blue Wrap Dress", RED),  # the image says red, the text blue: the text's blue stays
    ("4", "Blue Maxi Dress", BLUE),
    ("5", "Midi Dress", RED),  # no colour in the text: red from the image
    ("6", "Shift Dress", GREEN),  # green: no text names it
    ("7", "Sleeveless Dress", GREEN),
]


def garment(colour, size=160) -> Image.Image:
    """A dress silhouette of ``colour`` on a white studio background."""
    image = Image.new("RGB", (size, size), (250, 250, 250))
    ImageDraw.Draw(image).polygon([(60, 20), (100, 20), (108, 60), (140, 150), (20, 150), (52, 60)], fill=colour)
    return image


@pytest.fixture
def catalog(tmp_path):
    folder = tmp_path / "catalog"
    folder.mkdir()
    for product_id, _, colour in PRODUCTS:
        garment(colour).save(folder / f"{product_id}.jpg", quality=92)
    rows = [(p, title, f"{p}.jpg") for p, title, _ in PRODUCTS]
    pd.DataFrame(rows, columns=["product_id", "title", "image"]).to_csv(folder / "catalog.csv", index=False)
    return folder / "catalog.csv"


def build(catalog, workdir, **settings):
    settings = Settings(clip_model="none", min_support=2, **settings)
    pipeline.begin_build(catalog, workdir, settings)
    for stage in ("ingest", "concepts", "hierarchy", "images"):
        report = pipeline.run_stage(stage, workdir)
    return Layout(workdir), report


def colour_links(layout):
    links = read_parquet(layout.product_concepts).merge(read_parquet(layout.concepts), on="concept_id")
    links = links[links["kind"] == COLOUR].sort_values(["product_id", "name"])
    return {
        (row.product_id, row.name): (row.field, None if pd.isna(row.confidence) else "read", row.contradicts_text)
        for row in links.itertuples()
    }


def test_the_garment_colour_is_read_on_plain_backgrounds():
    assert [r.name for r in visual.colours.dominant_colours(garment(RED))][:1] == ["red"]
    assert [r.name for r in visual.colours.dominant_colours(garment(GREEN))][:1] == ["green"]


def test_image_colours_join_the_text_and_never_replace_it(tmp_path, catalog):
    layout, report = build(catalog, tmp_path / "work")
    links = colour_links(layout)
    assert links[("1", "red")] == ("text", "read", pd.NA)  # both sources: the text's link, with a confidence
    assert links[("3", "blue")][:2] == ("text", None)  # the text's colour stays, the image did not show it
    assert links[("3", "red")] == ("image", "read", True)  # recorded as contradicting the text
    assert links[("5", "red")] == ("image", "read", False)  # the text names no colour
    assert links[("6", "green")] == links[("7", "green")] == ("image", "read", False)
    assert ("4", "blue") in links and ("4", "red") not in links
    green = read_parquet(layout.concepts).set_index("name").loc["green"]
    assert green["concept_id"] == concepts.concept_id("green", COLOUR) and green["product_count"] == 2
    red = read_parquet(layout.concepts).set_index("name").loc["red"]
    assert red["product_count"] == 4  # 1, 2 by text and image, 3 and 5 by image
    figures = report["visual_attributes"]
    assert figures["products_contradicting_text"] == 1 and figures["colour_concepts_from_images"] == 1
    assert report["colours_read"] == 3  # once per distinct image: the photos of one colour are byte-identical


def test_a_second_build_reads_colours_from_the_cache(tmp_path, catalog, monkeypatch):
    build(catalog, tmp_path / "work")
    calls = []
    read_colours = visual.read_colours
    monkeypatch.setattr(visual, "read_colours", lambda *a: calls.append(a) or read_colours(*a))
    catalog.write_text(catalog.read_text() + "8,Pleated Dress,1.jpg\n")  # a new build; its image is known
    layout, report = build(catalog, tmp_path / "work")
    assert calls == [] and report["colours_read"] == 0
    assert colour_links(layout)[("8", "red")] == ("image", "read", False)


def test_visual_attributes_can_be_switched_off(tmp_path, catalog):
    layout, report = build(catalog, tmp_path / "work", skip_visual_attributes=True)
    assert all(field != "image" and read is None for field, read, _ in colour_links(layout).values())
    assert report["colours_read"] == 0


def test_image_colours_reach_neo4j_with_their_confidence(tmp_path, catalog, graph):
    pipeline.run_build(catalog, tmp_path / "work", Settings(clip_model="none", min_support=2), graph)
    rows = graph.driver.execute_query(
        "MATCH (p:Product)-[m:MENTIONS]->(c:Concept {kind: 'colour'}) "
        "RETURN p.product_id AS product, c.name AS colour, m.field AS field, m.confidence AS confidence, "
        "m.contradicts_text AS contradicts ORDER BY product, colour"
    ).records
    found = {(r["product"], r["colour"]): (r["field"], r["confidence"] is not None, r["contradicts"]) for r in rows}
    assert found[("3", "red")] == ("image", True, True)
    assert found[("3", "blue")] == ("text", False, None)
    assert found[("1", "red")] == ("text", True, None)


def test_clip_reads_colours_zero_shot_over_the_palette(tmp_path, catalog, tiny_clip, monkeypatch):
    """The code path with the tiny test model (random weights: which colour it picks means nothing): one reading per
    distinct image, each a palette colour with CLIP's probability as confidence, and the pixel reader never runs."""
    calls = []
    monkeypatch.setattr(visual, "read_colours", lambda *a: calls.append(a))
    settings = Settings(min_support=1, colour_method="clip", min_colour_confidence=0.0, **tiny_clip)
    pipeline.begin_build(catalog, tmp_path / "work", settings)
    for stage in ("ingest", "concepts", "hierarchy", "images"):
        report = pipeline.run_stage(stage, tmp_path / "work")
    layout = Layout(tmp_path / "work")
    assert calls == [] and report["colours_read"] == 3
    read = read_parquet(layout.product_concepts).dropna(subset=["confidence"])
    assert set(read["product_id"]) == {p for p, _, _ in PRODUCTS}  # every product's image was read
    names = read.merge(read_parquet(layout.concepts), on="concept_id")["name"]
    assert set(names) <= set(visual.palette(settings).names) | {"red", "blue"}
    assert read["confidence"].between(0, 1).all()


def test_a_colour_in_a_description_shared_by_differently_pictured_variants_is_no_products_own():
    grey, navy = concepts.concept_id("grey", COLOUR), concepts.concept_id("navy", COLOUR)
    colour_concepts = pd.DataFrame(
        {"concept_id": [grey, navy], "name": ["grey", "navy"], "kind": COLOUR, "aliases": [["gray"], []]}
    )
    shared = "A soft gray hoodie for cold mornings."
    products = pd.DataFrame(
        {
            "product_id": ["A", "B", "C", "D"],
            "title": ["Chaz Hoodie", "Chaz Hoodie", "Gray Marl Hoodie", "Juno Jacket"],
            "description": [shared, shared, shared, "A navy jacket."],
        }
    )
    images = pd.DataFrame({"product_id": ["A", "B", "C", "D"], "sha256": ["black", "grey", "grey", "navy"]})
    links = pd.DataFrame({"product_id": ["A", "B", "C", "D"], "concept_id": [grey, grey, grey, navy], "field": "text"})
    own = visual.own_text_colours(colour_concepts, links, products, images)
    assert own == {"A": set(), "B": set(), "C": {grey}, "D": {navy}}  # C's title names it; D's description is its own


def test_a_product_without_a_text_colour_gets_an_image_colour_only_where_the_catalog_earns_it():
    red = concepts.concept_id("red", COLOUR)
    blue = concepts.concept_id("blue", COLOUR)
    confidences = [i / 100 for i in range(100)]  # the images agree with the texts only from confidence 0.6 up
    own = {f"p{i}": {red} for i in range(100)}
    readings = pd.DataFrame(
        {
            "product_id": list(own),
            "concept_id": [red if c >= 0.6 else blue for c in confidences],
            "confidence": confidences,
        }
    )
    threshold, figures = visual._silent_threshold(readings, own, Settings(min_colour_precision=0.8))
    assert 0.45 <= threshold <= 0.6 and figures["agreement"] >= 0.8 and figures["products_judged"] == 100
    never, _ = visual._silent_threshold(readings.assign(concept_id=blue), own, Settings())
    assert never == float("inf")
    few, figures = visual._silent_threshold(readings.head(10), own, Settings(min_colour_confidence=0.3))
    assert few == 0.3 and figures["products_judged"] == 10
