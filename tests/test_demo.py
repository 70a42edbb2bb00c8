"""The demo catalog (no Neo4j): the same bytes for the same seed, a studio photo per product that shows its type in
its colour, titles and descriptions whose words fit together, and a long-tailed mix of types."""

import csv
import hashlib
import itertools
import math
import random
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from kgbuild import demo

PRODUCTS = 240
FOREGROUND = 30  # a pixel this far (max over channels) from its row's backdrop is the product's
MAX_IOU = 0.8
CATEGORY = {category.name: category for category in demo.CATEGORIES}
# Written by hand, not derived from the generator's rules: audiences a type is never sold to in this catalog.
NEVER_FOR = {
    "Men": {"Heels", "Dress", "Skirt", "Handbag", "Kurta"},
    "Boys": {"Heels", "Dress", "Skirt", "Handbag", "Kurta"},
    "Unisex": {"Heels", "Dress", "Skirt", "Handbag", "Kurta"},
    "Girls": {"Heels", "Handbag"},
}
WOMENSWEAR_STYLES = {"Anarkali", "Stiletto", "Wedge", "Cat-Eye", "Pencil", "Wrap", "Strappy"}
MATERIALS = [
    "stainless steel",
    "faux leather",
    "leather",
    "cotton",
    "linen",
    "polyester",
    "wool",
    "nylon",
    "rayon",
    "silk",
    "georgette",
    "crepe",
    "denim",
    "fleece",
    "suede",
    "satin",
    "canvas",
    "mesh",
    "rubber",
    "metal",
    "plastic",
    "silicone",
]
MATERIAL_WORDS = re.compile(r"\b(" + "|".join(MATERIALS) + r")\b")  # longest first: "faux leather" before "leather"
NOT_CLOTH = {"leather", "faux leather", "suede", "denim", "metal", "plastic", "stainless steel", "silicone", "rubber"}


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    demo.generate_catalog(folder)
    return folder


@pytest.fixture(scope="module")
def rows(folder) -> list[dict[str, str]]:
    with (folder / "catalog.csv").open(newline="") as stream:
        return list(csv.DictReader(stream))


@pytest.fixture(scope="module")
def photos(folder, rows) -> dict[str, np.ndarray]:
    return {row["product_id"]: np.asarray(Image.open(folder / row["image"]).convert("RGB")) for row in rows}


def digests(folder: Path) -> dict[str, str]:
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def backdrop(pixels: np.ndarray) -> np.ndarray:
    """Each row's backdrop colour, from the two columns at either edge (the backdrop is a vertical gradient)."""
    edges = np.concatenate([pixels[:, :2], pixels[:, -2:]], axis=1).astype(np.int16)
    return np.median(edges, axis=1)[:, None, :]


def foreground(pixels: np.ndarray) -> np.ndarray:
    return np.abs(pixels.astype(np.int16) - backdrop(pixels)).max(axis=2) > FOREGROUND


def centred(mask: np.ndarray) -> np.ndarray:
    """The mask moved so that its centroid is the image centre: what is compared is the silhouette, not its place."""
    ys, xs = np.nonzero(mask)
    middle = mask.shape[0] // 2
    return np.roll(mask, (middle - round(ys.mean()), middle - round(xs.mean())), axis=(0, 1))


def iou(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum() / (a | b).sum())


def test_same_seed_writes_the_same_bytes(folder, tmp_path):
    demo.generate_catalog(tmp_path / "again")
    assert digests(tmp_path / "again") == digests(folder)
    demo.generate_catalog(tmp_path / "other", seed=8)
    assert (tmp_path / "other" / "catalog.csv").read_bytes() != (folder / "catalog.csv").read_bytes()


def test_columns_ids_and_one_photo_per_product(folder, rows, photos):
    with (folder / "catalog.csv").open() as stream:
        header = stream.readline().strip()
    assert header == "product_id,title,description,image,brand,gender,category,colour,pattern,material"
    assert [row["product_id"] for row in rows] == [f"P{i:05d}" for i in range(1, PRODUCTS + 1)]
    assert [row["image"] for row in rows] == [f"images/{row['product_id']}.jpg" for row in rows]
    assert sorted(p.name for p in (folder / "images").iterdir()) == sorted(Path(r["image"]).name for r in rows)
    for row in rows:
        with Image.open(folder / row["image"]) as image:
            assert (image.format, image.mode, image.size) == ("JPEG", "RGB", (224, 224))
    assert {row["colour"] for row in rows} <= set(demo.COLOURS)
    assert {row["pattern"] for row in rows} <= set(demo.PATTERNS)
    assert {row["brand"] for row in rows} <= set(demo.BRANDS)
    assert {row["gender"] for row in rows} <= set(demo.GENDERS)
    assert {row["category"] for row in rows} == set(CATEGORY)


def test_type_counts_are_long_tailed(rows):
    counts = Counter(row["category"] for row in rows)
    assert counts == demo.type_counts(PRODUCTS)
    assert sum(counts.values()) == PRODUCTS
    assert min(counts.values()) >= 5 and max(counts.values()) >= 3 * min(counts.values())
    assert 35 <= max(counts.values()) <= 45
    in_rank_order = [counts[category.name] for category in demo.CATEGORIES]
    assert in_rank_order == sorted(in_rank_order, reverse=True) and len(set(in_rank_order)) > 8
    assert counts.most_common(1)[0][0] == "T-shirt" and {"Watch", "Sunglasses"} >= {
        name for name, count in counts.items() if count == min(counts.values())
    }
    for products in (1, 16, 100, 241, 1000, 9999):
        assert sum(demo.type_counts(products).values()) == products


def test_types_interleave(rows):
    assert len({row["category"] for row in rows[:30]}) >= 10
    assert max(len(list(run)) for _, run in itertools.groupby(row["category"] for row in rows)) <= 4


def test_no_two_photos_are_the_same(folder, rows):
    shas = [hashlib.sha256((folder / row["image"]).read_bytes()).hexdigest() for row in rows]
    assert len(set(shas)) == len(shas)


def test_types_drawn_in_the_same_colour_have_different_silhouettes(rows, photos):
    """Every pair of products of different types in the same colour; and every style of every type in one colour."""
    masks = [(row["colour"], row["category"], centred(foreground(photos[row["product_id"]]))) for row in rows]
    compared = 0
    for (colour_a, type_a, a), (colour_b, type_b, b) in itertools.combinations(masks, 2):
        if colour_a == colour_b and type_a != type_b:
            compared += 1
            assert iou(a, b) < MAX_IOU, (colour_a, type_a, type_b)
    assert compared > 1000
    styles = [
        (category.name, style.modifier, centred(foreground(np.asarray(picture))))
        for category in demo.CATEGORIES
        for style in category.styles
        for picture in [demo.draw_product(category, style.modifier, "", "navy blue", "solid", random.Random(3))]
    ]
    for (type_a, style_a, a), (type_b, style_b, b) in itertools.combinations(styles, 2):
        if type_a != type_b:
            assert iou(a, b) < MAX_IOU, (style_a, type_a, style_b, type_b)


def test_a_handbag_and_a_backpack_of_one_colour_differ_clearly():
    handbag, backpack = CATEGORY["Handbag"], CATEGORY["Backpack"]
    for colour, seed in itertools.product(("black", "brown", "beige"), range(3)):
        a = foreground(np.asarray(demo.draw_product(handbag, "tote", "", colour, "solid", random.Random(seed))))
        b = foreground(np.asarray(demo.draw_product(backpack, "laptop", "", colour, "solid", random.Random(seed))))
        assert iou(centred(a), centred(b)) < 0.65


def test_the_backdrop_is_light_neutral_and_apart_from_the_product(rows, photos):
    for row in rows:
        pixels = photos[row["product_id"]]
        edges = np.concatenate([pixels[0], pixels[-1], pixels[:, 0], pixels[:, -1]]).astype(np.int16)
        assert edges.mean() > 170, row["product_id"]  # light
        assert (edges.max(axis=1) - edges.min(axis=1)).mean() < 12, row["product_id"]  # neutral (no hue)
        assert foreground(pixels).mean() > 0.04, row["product_id"]  # the product stands out from it


def test_the_products_colour_dominates_its_photo(rows, photos):
    """For solid products: the mean of the product's pixels is near the nominal colour and nearer to it than to any
    other colour of the catalog, and most of its pixels are nearest to it."""
    names = list(demo.COLOURS)
    palette = np.array([demo.COLOURS[name] for name in names], dtype=float)
    solid = [row for row in rows if row["pattern"] == "solid"]
    assert len(solid) > 100
    for row in solid:
        pixels = photos[row["product_id"]]
        product = pixels[foreground(pixels)].astype(float)
        mean = product.mean(axis=0)
        assert math.dist(mean, demo.COLOURS[row["colour"]]) < 60, (row["title"], mean)
        assert names[int(np.argmin(((palette - mean) ** 2).sum(axis=1)))] == row["colour"], (row["title"], mean)
        nearest = np.argmin(((product[:, None, :] - palette[None]) ** 2).sum(axis=2), axis=1)
        assert names[int(np.bincount(nearest, minlength=len(names)).argmax())] == row["colour"], row["title"]


def parse_title(row: dict[str, str]) -> tuple[str, str]:
    """(modifier, feature) of a title in the shape "Brand Audience [Pattern] Colour [Material] Modifier Type [with
    Feature]", checked against the row's own columns."""
    words = [row["brand"], row["gender"]]
    if row["pattern"] != "solid":
        words.append(row["pattern"].title())
    words.append(row["colour"].title())
    prefix = " ".join(words) + " "
    assert row["title"].startswith(prefix), row["title"]
    rest = row["title"][len(prefix) :].removeprefix(row["material"].title() + " ")
    rest, _, feature = rest.partition(" with ")
    modifier, _, category = rest.rpartition(" ")
    assert category == row["category"], row["title"]
    return modifier.lower(), feature.lower()


def test_titles_follow_the_catalog_shape_with_words_that_fit(rows):
    for row in rows:
        modifier, feature = parse_title(row)
        category = CATEGORY[row["category"]]
        assert modifier in category.modifiers, row["title"]
        style = category.style(modifier)
        assert row["material"] in style.materials, row["title"]
        assert not feature or feature in style.features, row["title"]
        assert not style.colours or row["colour"] in style.colours, row["title"]
    with_feature = sum(" with " in row["title"] for row in rows)
    assert 0.2 * PRODUCTS < with_feature < 0.5 * PRODUCTS


def test_no_title_pairs_an_audience_with_a_type_it_must_not_have(rows):
    for row in rows:
        modifier, _ = parse_title(row)
        category = CATEGORY[row["category"]]
        assert row["gender"] in category.audiences_of(category.style(modifier)), row["title"]  # the generator's rules
        assert row["category"] not in NEVER_FOR.get(row["gender"], set()), row["title"]  # and ours
        if row["gender"] in ("Men", "Boys"):
            assert not WOMENSWEAR_STYLES & set(row["title"].split()), row["title"]
    assert {row["gender"] for row in rows if row["category"] in ("Heels", "Handbag")} == {"Women"}
    assert {row["gender"] for row in rows if row["category"] in ("Dress", "Skirt", "Kurta")} <= {"Women", "Girls"}


def test_materials_do_not_contradict_the_modifier_or_the_pattern(rows):
    for row in rows:
        assert MATERIAL_WORDS.findall(row["title"].lower()) in ([], [row["material"]]), row["title"]  # one at most
        if row["material"] in NOT_CLOTH:
            assert row["pattern"] == "solid", row["title"]  # no "Checked Leather"
    assert {row["material"] for row in rows if row["category"] == "Jeans"} == {"denim"}
    named = [row["material"] in row["title"].lower() for row in rows]
    assert 0.4 * PRODUCTS < sum(named) < 0.9 * PRODUCTS  # as in real catalogs, not every title names it
    assert {row["colour"] for row in rows if row["category"] == "Jeans"} <= {"navy blue", "black", "grey", "white"}


def test_descriptions_read_like_a_catalog(rows):
    for row in rows:
        sentences = re.split(r"(?<=\.) ", row["description"])
        assert 2 <= len(sentences) <= 3 and all(s.endswith(".") and s[0].isupper() for s in sentences), row
        first = sentences[0]
        assert re.match(r"^(A|An|A pair of) ", first), first
        assert row["colour"] in first and row["material"] in first and row["category"].lower() in first, first
        assert (row["pattern"] in first) == (row["pattern"] != "solid"), first
        modifier, feature = parse_title(row)
        assert modifier in first and feature in first, first
        assert "  " not in row["description"]
    assert "A navy blue " in " ".join(row["description"] for row in rows)
    assert len({row["description"] for row in rows}) > 0.8 * PRODUCTS
