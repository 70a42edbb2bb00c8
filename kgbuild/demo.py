"""The demo: a catalog the project generates itself (real JPEG files, attribute-rich titles), built into the local
Neo4j through the real kg_build DAG."""

from __future__ import annotations

import csv
import os
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw

from kgbuild import airflow_local, load
from kgbuild.graph import Graph
from kgbuild.neo4j_local import LocalNeo4j
from kgbuild.workdir import Layout, read_json

COLOURS = {
    "black": (25, 25, 25),
    "white": (250, 250, 250),
    "navy blue": (20, 30, 90),
    "red": (200, 30, 40),
    "green": (40, 140, 60),
    "grey": (130, 130, 130),
    "yellow": (235, 200, 40),
    "pink": (240, 140, 180),
    "beige": (220, 200, 160),
    "maroon": (110, 20, 40),
    "olive": (110, 120, 40),
    "brown": (110, 70, 40),
}
PATTERNS = ("solid", "striped", "checked", "printed", "polka dot")
BRANDS = ("Urbano", "Kalini", "Roadstar", "Hightrek", "Vero Lina", "Maple & Co", "Northpeak", "Sunday Club")
GENDERS = ("Men", "Women", "Unisex", "Boys", "Girls")


@dataclass(frozen=True)
class Category:
    name: str
    shape: str
    modifiers: tuple[str, ...]
    materials: tuple[str, ...]
    features: tuple[str, ...] = ()


CATEGORIES = (
    Category(
        "T-shirt",
        "top",
        ("round neck", "v-neck", "polo", "short sleeve", "long sleeve"),
        ("cotton", "jersey"),
        ("pocket",),
    ),
    Category(
        "Shirt",
        "top",
        ("slim fit", "regular fit", "formal", "casual", "mandarin collar"),
        ("cotton", "linen"),
        ("roll-up sleeves",),
    ),
    Category("Kurta", "top", ("straight", "a-line", "anarkali"), ("cotton", "silk"), ("mirror work",)),
    Category("Jacket", "top", ("denim", "bomber", "puffer", "hooded"), ("polyester", "leather"), ("zip pockets",)),
    Category(
        "Dress",
        "dress",
        ("maxi", "midi", "wrap", "shift", "a-line"),
        ("cotton", "georgette", "crepe"),
        ("short sleeves", "belt"),
    ),
    Category("Skirt", "dress", ("pleated", "pencil", "flared"), ("denim", "cotton")),
    Category("Jeans", "legs", ("skinny fit", "slim fit", "straight fit", "distressed"), ("denim",)),
    Category("Trousers", "legs", ("formal", "chino", "cargo", "pleated"), ("cotton", "linen")),
    Category("Shorts", "shorts", ("running", "denim", "cargo", "chino"), ("cotton", "polyester")),
    Category("Sneakers", "shoe", ("running", "casual", "high top", "slip-on"), ("mesh", "canvas", "leather")),
    Category("Sandals", "shoe", ("flat", "sports", "strappy"), ("leather", "rubber")),
    Category("Heels", "shoe", ("block", "stiletto", "wedge"), ("suede", "leather")),
    Category("Handbag", "bag", ("tote", "sling", "shoulder"), ("leather", "canvas"), ("zip closure",)),
    Category("Backpack", "bag", ("laptop", "travel", "school"), ("nylon", "polyester"), ("padded straps",)),
    Category("Watch", "watch", ("analog", "digital", "chronograph"), ("steel", "leather")),
    Category("Sunglasses", "glasses", ("aviator", "wayfarer", "round", "cat-eye"), ("metal", "acetate")),
)


@dataclass(frozen=True)
class DemoResult:
    version: str
    catalog: Path
    grounding: str
    snapshot: Path
    data_docs: Path
    quarantine: Path
    expected: dict[str, int]
    actual: dict[str, int]
    bolt_uri: str
    browser_url: str | None


def run_demo(workdir: Path, settings: dict[str, Any]) -> DemoResult:
    """Generates the demo catalog, starts the local Neo4j unless NEO4J_URI names another, runs the kg_build DAG,
    and reads the counts back from Neo4j."""
    layout = Layout(workdir)
    catalog = generate_catalog(workdir / "demo-catalog")
    browser_url = None
    if "NEO4J_URI" not in os.environ:
        server = LocalNeo4j(layout.neo4j_home)
        server.start()
        os.environ["NEO4J_URI"], browser_url = server.bolt_uri, server.browser_url
    airflow_local.run_dag(catalog, layout.root, settings)
    build = read_json(layout.build_file)
    with Graph.from_env() as graph:
        counts = graph.counts()
    expected = load.expected_counts(layout)
    return DemoResult(
        version=build["version"],
        catalog=catalog,
        grounding=build["models"]["grounding"],
        snapshot=layout.snapshots / layout.latest_pointer.read_text().strip(),
        data_docs=layout.data_docs / "index.html",
        quarantine=layout.quarantine_root,
        expected=expected,
        actual={name: counts.get(name, 0) for name in expected},
        bolt_uri=os.environ["NEO4J_URI"],
        browser_url=browser_url,
    )


def generate_catalog(folder: Path, products: int = 240, seed: int = 7) -> Path:
    """Writes ``catalog.csv`` and ``images/*.jpg`` into ``folder`` (same bytes for the same arguments)."""
    images = folder / "images"
    images.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    rows = []
    for index in range(products):
        category = CATEGORIES[index % len(CATEGORIES)]
        colour, pattern = rng.choice(list(COLOURS)), rng.choice(PATTERNS)
        brand, gender = rng.choice(BRANDS), rng.choice(GENDERS)
        modifier, material = rng.choice(category.modifiers), rng.choice(category.materials)
        words = [
            brand,
            gender,
            "" if pattern == "solid" else pattern.title(),
            colour.title(),
            material.title(),
            modifier.title(),
            category.name,
        ]
        title = " ".join(w for w in words if w)
        if category.features and rng.random() < 0.35:
            title += f" with {rng.choice(category.features).title()}"
        product_id = f"P{index + 1:05d}"
        image = f"images/{product_id}.jpg"
        _draw(category.shape, COLOURS[colour], pattern, rng).save(folder / image, quality=90)
        rows.append(
            {
                "product_id": product_id,
                "title": title,
                "description": f"{pattern} {colour} {modifier} {category.name.lower()} in {material} by {brand}.",
                "image": image,
                "brand": brand,
                "gender": gender,
                "category": category.name,
                "colour": colour,
                "pattern": pattern,
                "material": material,
            }
        )
    catalog = folder / "catalog.csv"
    with catalog.open("w", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return catalog


def _draw(shape: str, colour: tuple[int, int, int], pattern: str, rng: random.Random, size: int = 224) -> Image.Image:
    canvas = Image.new("RGB", (size, size), (238, 236, 232))
    mask = Image.new("L", (size, size), 0)
    _SHAPES[shape](ImageDraw.Draw(mask))
    fill = Image.new("RGB", (size, size), colour)
    _overlay(ImageDraw.Draw(fill), pattern, colour, rng, size)
    canvas.paste(fill, mask=mask)
    return canvas


def _overlay(
    draw: ImageDraw.ImageDraw, pattern: str, colour: tuple[int, int, int], rng: random.Random, size: int
) -> None:
    ink = tuple(255 - c for c in colour)
    step = rng.randint(14, 24)
    if pattern == "striped":
        for y in range(0, size, step):
            draw.rectangle([0, y, size, y + step // 3], fill=ink)
    elif pattern == "checked":
        for offset in range(0, size, step):
            draw.line([offset, 0, offset, size], fill=ink, width=3)
            draw.line([0, offset, size, offset], fill=ink, width=3)
    elif pattern == "polka dot":
        for x in range(step // 2, size, step):
            for y in range(step // 2, size, step):
                draw.ellipse([x - 3, y - 3, x + 3, y + 3], fill=ink)
    elif pattern == "printed":
        for _ in range(12):
            x, y, r = rng.randint(0, size), rng.randint(0, size), rng.randint(6, 16)
            draw.regular_polygon((x, y, r), n_sides=rng.randint(3, 6), fill=ink)


_SHAPES = {
    "top": lambda d: d.polygon(
        [
            (62, 40),
            (96, 30),
            (128, 30),
            (162, 40),
            (205, 80),
            (180, 105),
            (160, 90),
            (160, 200),
            (64, 200),
            (64, 90),
            (44, 105),
            (19, 80),
        ],
        fill=255,
    ),
    "dress": lambda d: d.polygon([(92, 25), (132, 25), (140, 80), (185, 205), (39, 205), (84, 80)], fill=255),
    "legs": lambda d: d.polygon(
        [(70, 20), (154, 20), (165, 205), (122, 205), (112, 80), (102, 205), (59, 205)], fill=255
    ),
    "shorts": lambda d: d.polygon(
        [(60, 60), (164, 60), (175, 160), (122, 160), (112, 105), (102, 160), (49, 160)], fill=255
    ),
    "shoe": lambda d: d.polygon(
        [(30, 150), (40, 100), (90, 105), (150, 140), (196, 150), (200, 175), (30, 175)], fill=255
    ),
    "bag": lambda d: (
        d.rectangle([50, 85, 174, 190], fill=255),
        d.arc([75, 35, 149, 125], 180, 360, fill=255, width=10),
    ),
    "watch": lambda d: (d.rectangle([97, 15, 127, 209], fill=255), d.ellipse([67, 67, 157, 157], fill=255)),
    "glasses": lambda d: (
        d.ellipse([30, 85, 100, 145], fill=255),
        d.ellipse([124, 85, 194, 145], fill=255),
        d.rectangle([98, 100, 126, 108], fill=255),
    ),
}
