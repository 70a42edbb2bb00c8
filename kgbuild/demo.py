"""The demo: a catalog the project generates itself, built into the local Neo4j through the real kg_build DAG.

The catalog is meant to convince an analyst: sixteen product types in a long-tailed mix (a Zipf-like curve, T-shirts
most common, sunglasses least), titles in the Myntra shape ("Brand Audience [Pattern] Colour [Material] Modifier Type
[with Feature]") whose audience, modifier, material and feature fit the type, two- or three-sentence descriptions
composed from the same attributes, and a studio photo per product: the type's own silhouette in the product's colour
and pattern, shaded, on a light neutral gradient with a soft drop shadow. Everything follows from the seed."""

from __future__ import annotations

import csv
import math
import os
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image

from kgbuild import airflow_local, load
from kgbuild.demo_photos import RGB
from kgbuild.demo_photos import draw_product as draw_shape
from kgbuild.graph import Graph
from kgbuild.neo4j_local import LocalNeo4j
from kgbuild.workdir import Layout, read_json

Weights = tuple[tuple[str, float], ...]

COLOURS: dict[str, RGB] = {
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
FIELDS = ("product_id", "title", "description", "image", "brand", "gender", "category", "colour", "pattern", "material")
ZIPF_EXPONENT = 0.8  # a type of rank r gets a share ∝ 1 / (r + 1) ** ZIPF_EXPONENT (Zipf-Mandelbrot, offset 1)
FEATURE_SHARE = 0.25  # titles that end "with <feature>"
CARE_SHARE = 0.7  # descriptions with a third, care sentence
MATERIAL_SHARE = 0.5  # titles that name the material (a description always does)
SELLING_MATERIALS = frozenset({"leather", "suede", "silk", "linen"})  # named in every title: a selling point
# Materials that are not woven or printed cloth: a product made of one is solid-coloured.
SOLID_MATERIALS = frozenset(
    {"leather", "faux leather", "suede", "denim", "metal", "plastic", "stainless steel", "silicone", "rubber", "mesh"}
)


def _w(spec: str) -> Weights:
    """``"black 5, navy blue 3"`` → ``(("black", 5.0), ("navy blue", 3.0))``."""
    pairs = []
    for item in spec.split(","):
        name, _, weight = item.strip().rpartition(" ")
        pairs.append((name, float(weight)))
    return tuple(pairs)


@dataclass(frozen=True)
class Style:
    """A kind of a product type: the title's modifier, with the materials, features and audiences that fit it."""

    modifier: str
    materials: tuple[str, ...]
    features: tuple[str, ...] = ()
    audiences: tuple[str, ...] = ()  # empty: the category's
    colours: tuple[str, ...] = ()  # empty: the category's
    patterns: Weights = ()  # empty: the category's
    details: tuple[str, ...] = ()  # a description's second sentence; empty: the category's
    weight: float = 1.0  # its share of the type's products


@dataclass(frozen=True)
class Category:
    """A product type: who it is for, its colours and patterns (weighted), its styles and how a description reads."""

    name: str
    shape: str  # the drawing: one per type
    audiences: Weights
    colours: Weights
    patterns: Weights
    styles: tuple[Style, ...]
    details: tuple[str, ...]
    pair: bool = False  # "a pair of jeans"
    material_phrase: str = "in {}"
    care: tuple[str, ...] = ()  # empty: by material

    @property
    def modifiers(self) -> tuple[str, ...]:
        return tuple(style.modifier for style in self.styles)

    @property
    def materials(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(m for style in self.styles for m in style.materials))

    @property
    def features(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(f for style in self.styles for f in style.features))

    def style(self, modifier: str) -> Style:
        return next(style for style in self.styles if style.modifier == modifier)

    def audiences_of(self, style: Style) -> tuple[str, ...]:
        """Who a product of this style may be for."""
        return style.audiences or tuple(name for name, _ in self.audiences)


# In rank order: the most common type first (see type_counts).
CATEGORIES = (
    Category(
        "T-shirt",
        "t-shirt",
        _w("Men 4, Women 3, Boys 2, Girls 1, Unisex 1"),
        _w(
            "black 5, white 4, navy blue 4, grey 3, red 2, green 2, yellow 1, pink 2, beige 2, maroon 2, olive 2"
            ", brown 1"
        ),
        _w("solid 5, striped 3, printed 3, polka dot 1"),
        (
            Style(
                "round neck",
                ("cotton",),
                ("chest pocket",),
                details=("Ribbed round neck and short sleeves.", "Regular length with a straight hem."),
                weight=4,
            ),
            Style(
                "polo",
                ("cotton",),
                ("contrast tipping",),
                audiences=("Men", "Women", "Boys"),
                details=("Ribbed polo collar with a two-button placket.", "Short sleeves with ribbed cuffs."),
                weight=3,
            ),
            Style(
                "henley",
                ("cotton", "linen"),
                ("chest pocket",),
                audiences=("Men", "Boys"),
                details=("Three-button placket and short sleeves.",),
                weight=1.5,
            ),
            Style(
                "oversized",
                ("cotton",),
                (),
                audiences=("Men", "Women", "Unisex"),
                details=("Dropped shoulders and a relaxed, boxy fit.",),
                weight=1.5,
            ),
        ),
        ("Soft, breathable fabric for everyday wear.",),
    ),
    Category(
        "Shirt",
        "shirt",
        _w("Men 5, Women 2, Boys 1"),
        _w(
            "white 5, navy blue 4, black 2, grey 2, pink 2, beige 2, olive 2, maroon 2, green 1, red 1, yellow 1"
            ", brown 1"
        ),
        _w("solid 4, checked 3, striped 3, printed 2, polka dot 1"),
        (
            Style("slim fit", ("cotton", "linen"), ("roll-up sleeves", "patch pocket"), weight=3),
            Style("regular fit", ("cotton", "linen"), ("patch pocket", "roll-up sleeves"), weight=3),
            Style(
                "formal",
                ("cotton",),
                ("spread collar",),
                audiences=("Men", "Women"),
                patterns=_w("solid 4, striped 3, checked 2"),
                weight=2,
            ),
            Style("casual", ("cotton", "linen"), ("roll-up sleeves", "patch pocket"), weight=2),
            Style(
                "mandarin collar",
                ("cotton", "linen"),
                (),
                audiences=("Men", "Boys"),
                details=("Band collar, full button placket and a curved hem.",),
                weight=1,
            ),
        ),
        (
            "Regular collar and a curved hem.",
            "Full button placket and buttoned cuffs.",
            "Long sleeves and a curved hem.",
        ),
    ),
    Category(
        "Dress",
        "dress",
        _w("Women 5, Girls 2"),
        _w("black 3, red 3, navy blue 3, pink 3, white 2, green 2, yellow 2, maroon 2, beige 2, olive 1"),
        _w("solid 4, printed 4, polka dot 2, striped 1, checked 1"),
        (
            Style(
                "maxi",
                ("georgette", "crepe", "rayon"),
                ("belt",),
                details=("Thin shoulder straps and a tiered, ankle-length skirt.",),
                weight=3,
            ),
            Style(
                "midi",
                ("crepe", "cotton"),
                ("belt", "pockets"),
                details=("Sleeveless, with a fitted waist and a calf-length hem.",),
                weight=3,
            ),
            Style(
                "wrap",
                ("crepe", "georgette"),
                ("tie-up waist",),
                audiences=("Women",),
                details=("V-neck, flutter sleeves and a wrap-around waist.",),
                weight=2,
            ),
            Style(
                "shift",
                ("cotton", "linen"),
                ("pockets",),
                details=("Round neck and a straight, relaxed silhouette.",),
                weight=2,
            ),
            Style(
                "skater",
                ("cotton", "rayon"),
                ("pockets",),
                details=("Sleeveless, with a fitted bodice and a flared, knee-length skirt.",),
                weight=2,
            ),
        ),
        ("Lined bodice and a concealed back zip.",),
    ),
    Category(
        "Jeans",
        "jeans",
        _w("Men 4, Women 3, Boys 1, Girls 1"),
        _w("navy blue 6, black 4, grey 3, white 1"),
        _w("solid 1"),
        (
            Style("skinny fit", ("denim",), ("ripped knees",), audiences=("Men", "Women", "Girls"), weight=3),
            Style("slim fit", ("denim",), ("ripped knees",), weight=3),
            Style("straight fit", ("denim",), (), audiences=("Men", "Women"), weight=2),
            Style("relaxed fit", ("denim",), (), audiences=("Men", "Boys"), weight=1),
        ),
        ("Mid-rise, five-pocket styling with a zip fly.", "Clean look with contrast stitching and a button closure."),
        pair=True,
    ),
    Category(
        "Sneakers",
        "sneakers",
        _w("Men 3, Women 2, Unisex 2, Boys 1, Girls 1"),
        _w("white 5, black 5, grey 3, navy blue 2, red 1, pink 1, beige 1, olive 1, green 1"),
        _w("solid 6, printed 1"),
        (
            Style(
                "running",
                ("mesh",),
                ("cushioned sole",),
                audiences=("Men", "Women", "Unisex", "Boys"),
                details=("Breathable upper, lace-up closure and a cushioned midsole.",),
                weight=3,
            ),
            Style("casual", ("canvas", "leather"), ("padded collar",), weight=3),
            Style("high top", ("canvas", "leather"), ("padded collar",), weight=2),
            Style(
                "slip-on",
                ("canvas",),
                (),
                details=("Elasticated side gussets and a textured rubber outsole.",),
                weight=1,
            ),
        ),
        ("Lace-up closure, padded collar and a rubber outsole.", "Round toe and a flat, textured outsole."),
        pair=True,
    ),
    Category(
        "Kurta",
        "kurta",
        _w("Women 4, Girls 1"),
        _w("maroon 3, pink 3, yellow 2, green 2, navy blue 2, white 2, red 2, beige 2, olive 1, black 1"),
        _w("printed 4, solid 2, striped 1"),
        (
            Style("straight", ("cotton", "silk", "rayon"), ("dupatta", "mirror work"), weight=3),
            Style("flared", ("cotton", "rayon"), ("dupatta",), weight=2),
            Style(
                "anarkali",
                ("georgette", "silk"),
                ("mirror work", "dupatta"),
                details=("Fitted bodice with a flared, flowing hem.",),
                weight=2,
            ),
        ),
        ("Round neck with a keyhole placket and three-quarter sleeves.", "Calf length with side slits."),
    ),
    Category(
        "Trousers",
        "trousers",
        _w("Men 4, Women 2, Boys 1"),
        _w("black 4, navy blue 3, grey 3, beige 3, olive 2, brown 2, white 1"),
        _w("solid 6, checked 1, striped 1"),
        (
            Style(
                "formal",
                ("polyester", "wool"),
                (),
                audiences=("Men", "Women"),
                details=("Pressed crease, slant pockets and a hook-and-bar closure.",),
                weight=3,
            ),
            Style("chino", ("cotton",), (), weight=3),
            Style(
                "cargo",
                ("cotton",),
                ("flap pockets",),
                audiences=("Men", "Boys"),
                details=("Belt loops and six pockets.",),
                weight=2,
            ),
            Style("pleated", ("linen", "cotton"), (), audiences=("Men", "Women"), weight=1),
        ),
        ("Mid-rise waist with belt loops and slant pockets.", "Button closure and a zip fly."),
        pair=True,
    ),
    Category(
        "Handbag",
        "handbag",
        _w("Women 1"),
        _w("black 4, brown 4, beige 3, maroon 2, red 2, white 1, pink 1, olive 1, navy blue 1, grey 1"),
        _w("solid 5, printed 1, checked 1"),
        (
            Style(
                "tote",
                ("canvas", "faux leather", "leather"),
                ("zip closure",),
                details=("Two sturdy handles and a roomy main compartment.",),
                weight=3,
            ),
            Style(
                "shoulder",
                ("leather", "faux leather"),
                ("zip closure", "detachable strap"),
                details=("Single shoulder strap and a flap with a magnetic closure.",),
                weight=2,
            ),
            Style(
                "sling",
                ("faux leather", "leather"),
                ("adjustable strap",),
                details=("Long strap and a compact flap-over body.",),
                weight=2,
            ),
        ),
        ("One main compartment with an inner zip pocket.",),
    ),
    Category(
        "Heels",
        "heels",
        _w("Women 1"),
        _w("black 5, beige 3, red 3, pink 2, white 2, maroon 2, brown 1, navy blue 1"),
        _w("solid 6, printed 1"),
        (
            Style(
                "block", ("suede", "faux leather"), ("ankle strap",), details=("Round toe and a sturdy block heel.",)
            ),
            Style(
                "stiletto",
                ("leather", "faux leather", "satin"),
                ("ankle strap",),
                details=("Pointed toe and a slim stiletto heel.",),
            ),
            Style("wedge", ("suede", "canvas"), ("buckle closure",), details=("Almond toe and a wrapped wedge heel.",)),
        ),
        ("Cushioned footbed and a non-slip sole.",),
        pair=True,
    ),
    Category(
        "Shorts",
        "shorts",
        _w("Men 3, Women 2, Boys 2, Girls 1"),
        _w("navy blue 3, olive 3, grey 3, black 2, beige 2, red 1, green 1, white 1, yellow 1, pink 1"),
        _w("solid 4, checked 2, printed 2, striped 1"),
        (
            Style(
                "running",
                ("polyester", "nylon"),
                ("drawstring waist",),
                details=("Elasticated waistband and a lightweight, quick-dry fabric.",),
                weight=2,
            ),
            Style(
                "cargo",
                ("cotton",),
                ("flap pockets",),
                audiences=("Men", "Boys"),
                details=("Belt loops and six pockets.",),
                weight=2,
            ),
            Style("chino", ("cotton", "linen"), (), weight=2),
        ),
        ("Mid-rise waist, belt loops and slant pockets.",),
        pair=True,
    ),
    Category(
        "Jacket",
        "jacket",
        _w("Men 3, Women 2, Boys 1"),
        _w("black 5, navy blue 3, olive 3, brown 2, grey 2, maroon 1, beige 1, red 1"),
        _w("solid 6, checked 1"),
        (
            Style(
                "bomber",
                ("polyester", "nylon"),
                ("zip pockets",),
                details=("Ribbed collar, cuffs and hem, with a front zip.",),
                weight=3,
            ),
            Style(
                "puffer",
                ("nylon", "polyester"),
                ("zip pockets",),
                details=("Quilted, padded body with a high neck and a front zip.",),
                weight=3,
            ),
            Style(
                "biker",
                ("leather", "faux leather"),
                ("zip pockets",),
                audiences=("Men", "Women"),
                colours=("black", "brown", "maroon"),
                details=("Notched lapels, an asymmetric front zip and a belted hem.",),
                weight=2,
            ),
            Style(
                "trucker",
                ("denim",),
                ("chest pockets",),
                colours=("navy blue", "black", "grey"),
                details=("Spread collar, button front and two flap chest pockets.",),
                weight=1,
            ),
            Style(
                "hooded",
                ("cotton", "fleece"),
                ("kangaroo pocket",),
                details=("Drawstring hood and a full-length front zip.",),
                weight=2,
            ),
        ),
        ("Long sleeves and a regular fit.",),
    ),
    Category(
        "Skirt",
        "skirt",
        _w("Women 3, Girls 2"),
        _w("black 3, navy blue 2, red 2, pink 2, beige 2, yellow 1, green 1, white 1, maroon 1, olive 1, grey 1"),
        _w("solid 4, printed 3, checked 2, polka dot 2, striped 1"),
        (
            Style(
                "pleated",
                ("georgette", "crepe", "polyester"),
                (),
                details=("Knife pleats from an elasticated waistband.",),
                weight=3,
            ),
            Style(
                "pencil",
                ("crepe", "cotton"),
                ("back slit",),
                audiences=("Women",),
                details=("Fitted, knee-length silhouette with a concealed zip.",),
                weight=2,
            ),
            Style("flared", ("cotton", "rayon"), (), weight=2),
            Style(
                "wrap",
                ("cotton", "linen"),
                ("tie-up waist",),
                details=("Wrap-around front with a side tie.",),
                weight=2,
            ),
        ),
        ("High-rise waist with a concealed side zip.",),
    ),
    Category(
        "Sandals",
        "sandals",
        _w("Women 3, Men 2, Girls 1, Boys 1"),
        _w("brown 4, black 4, beige 2, white 1, grey 1, navy blue 1, pink 1"),
        _w("solid 1"),
        (
            Style(
                "sports",
                ("nylon", "rubber"),
                ("velcro closure",),
                details=("Adjustable straps and a cushioned footbed.",),
                weight=3,
            ),
            Style("comfort", ("leather", "faux leather"), ("buckle closure",), audiences=("Men", "Women"), weight=2),
            Style("flat", ("leather", "faux leather"), ("ankle strap",), audiences=("Women", "Girls"), weight=2),
            Style(
                "strappy",
                ("leather", "faux leather"),
                ("ankle strap",),
                audiences=("Women",),
                details=("Thin crossover straps and a flat sole.",),
                weight=1,
            ),
        ),
        ("Cushioned footbed and a textured rubber sole.",),
        pair=True,
    ),
    Category(
        "Backpack",
        "backpack",
        _w("Unisex 4, Men 2, Women 1, Boys 1, Girls 1"),
        _w("black 5, navy blue 3, grey 3, olive 2, red 1, green 1, maroon 1, beige 1, yellow 1, pink 1"),
        _w("solid 4, printed 2, checked 1"),
        (
            Style(
                "laptop",
                ("polyester", "nylon"),
                ("laptop sleeve", "padded straps"),
                audiences=("Unisex", "Men", "Women"),
                weight=3,
            ),
            Style(
                "travel",
                ("nylon", "polyester", "canvas"),
                ("rain cover", "padded straps"),
                audiences=("Unisex", "Men", "Women"),
                weight=2,
            ),
            Style(
                "school", ("polyester", "canvas"), ("padded straps",), audiences=("Unisex", "Boys", "Girls"), weight=2
            ),
        ),
        ("Two zip compartments and a padded back.", "Front zip pocket and side water-bottle pockets."),
    ),
    Category(
        "Watch",
        "watch",
        _w("Men 3, Women 2, Unisex 1"),
        _w("black 4, brown 3, grey 2, navy blue 2, white 1, beige 1, maroon 1, green 1"),
        _w("solid 1"),
        (
            Style(
                "analog",
                ("stainless steel", "leather"),
                ("date display",),
                details=("Round dial with stick markers and a buckle clasp.",),
                weight=3,
            ),
            Style(
                "chronograph",
                ("stainless steel", "leather"),
                ("tachymeter bezel",),
                audiences=("Men", "Women"),
                details=("Three sub-dials and a screw-down crown.",),
                weight=2,
            ),
            Style(
                "digital",
                ("silicone",),
                ("backlight",),
                details=("Digital display with alarm and stopwatch functions.",),
                weight=1,
            ),
        ),
        ("Round dial and a buckle clasp.",),
        material_phrase="with a {} strap",
        care=("Water resistant to 50 m.", "Comes with a two-year warranty."),
    ),
    Category(
        "Sunglasses",
        "sunglasses",
        _w("Unisex 3, Men 2, Women 2"),
        _w("black 5, brown 3, grey 1, navy blue 1, maroon 1, green 1, olive 1"),
        _w("solid 1"),
        (
            Style("aviator", ("metal",), ("polarised lenses",), weight=3),
            Style("wayfarer", ("plastic",), ("polarised lenses",), weight=3),
            Style("round", ("metal", "plastic"), ("polarised lenses",), weight=2),
            Style("cat-eye", ("plastic",), ("polarised lenses",), audiences=("Women",), weight=2),
        ),
        ("Tinted lenses with full UV protection.", "Lightweight frame with comfortable nose pads."),
        pair=True,
        material_phrase="with a {} frame",
        care=("Comes with a hard case and a cleaning cloth.",),
    ),
)
# Which brands make which types: a brand is a house with a range, not a random label.
BRAND_TYPES = {
    "Urbano": ("T-shirt", "Shirt", "Jeans", "Trousers", "Shorts", "Jacket", "Sneakers", "Watch"),
    "Kalini": ("Kurta", "Dress", "Skirt", "Handbag", "Heels", "Sandals"),
    "Roadstar": ("T-shirt", "Shirt", "Jeans", "Jacket", "Shorts", "Sneakers", "Backpack", "Sunglasses", "Dress"),
    "Hightrek": ("Backpack", "Sneakers", "Jacket", "Shorts", "T-shirt", "Watch", "Sunglasses", "Sandals"),
    "Vero Lina": ("Dress", "Skirt", "Heels", "Handbag", "Shirt", "Trousers", "Sandals", "Jeans", "Sunglasses"),
    "Maple & Co": ("Shirt", "Trousers", "Kurta", "Watch", "Handbag", "Sandals", "Heels"),
    "Northpeak": ("Jacket", "Backpack", "T-shirt", "Watch", "Sunglasses", "Sneakers", "Trousers"),
    "Sunday Club": ("T-shirt", "Shorts", "Dress", "Sneakers", "Sunglasses", "Skirt", "Jeans", "Kurta", "Backpack"),
}
CARE = {
    "cotton": ("Machine wash cold.", "Machine wash cold; tumble dry low."),
    "linen": ("Machine wash cold; iron while damp.",),
    "polyester": ("Machine wash cold.",),
    "wool": ("Dry clean only.",),
    "nylon": ("Spot clean with a damp cloth.",),
    "rayon": ("Hand wash cold; dry in shade.",),
    "silk": ("Dry clean only.",),
    "georgette": ("Dry clean only.", "Hand wash separately."),
    "crepe": ("Hand wash separately.",),
    "denim": ("Wash inside out in cold water.",),
    "fleece": ("Machine wash cold.",),
    "leather": ("Wipe clean with a dry cloth.",),
    "faux leather": ("Wipe clean with a dry cloth.",),
    "suede": ("Brush gently to clean.",),
    "satin": ("Wipe clean with a dry cloth.",),
    "canvas": ("Spot clean with a damp cloth.",),
    "mesh": ("Spot clean with a soft brush.",),
    "rubber": ("Rinse clean with water.",),
}


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
    with Graph.from_env() as graph:  # the demo catalog's part of the graph, which may hold other catalogs
        (counts,) = graph.read_file("load/catalog_counts", catalog=build["catalog_id"])
    expected = load.expected_counts(layout.validated_tables())
    return DemoResult(
        version=build["version"],
        catalog=catalog,
        grounding=build["models"]["grounding"],
        snapshot=layout.snapshots / layout.latest_pointer.read_text().strip(),
        data_docs=layout.data_docs / "index.html",
        quarantine=layout.quarantine_root,
        expected=expected,
        actual={name: counts[name] for name in expected},
        bolt_uri=os.environ["NEO4J_URI"],
        browser_url=browser_url,
    )


def type_counts(products: int = 240) -> dict[str, int]:
    """Products per type: shares ∝ 1 / (rank + 1) ** ZIPF_EXPONENT in CATEGORIES' order, rounded by largest
    remainder so that they sum to ``products`` (240: 40 T-shirts … 7 sunglasses)."""
    weights = [1 / (rank + 1) ** ZIPF_EXPONENT for rank in range(1, len(CATEGORIES) + 1)]
    return dict(zip((c.name for c in CATEGORIES), _apportion(products, weights), strict=True))


def _apportion(total: int, weights: Sequence[float]) -> list[int]:
    """``total`` split in proportion to ``weights`` (largest remainder; ties to the earlier)."""
    quotas = [total * weight / sum(weights) for weight in weights]
    counts = [math.floor(quota) for quota in quotas]
    by_remainder = sorted(range(len(weights)), key=lambda i: (counts[i] - quotas[i], i))
    for i in by_remainder[: total - sum(counts)]:
        counts[i] += 1
    return counts


def generate_catalog(folder: Path, products: int = 240, seed: int = 7) -> Path:
    """Writes ``catalog.csv`` and ``images/*.jpg`` into ``folder`` (same bytes for the same arguments)."""
    images = folder / "images"
    images.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    plan = [
        (category, style)
        for category, count in zip(CATEGORIES, type_counts(products).values(), strict=True)
        for style, many in zip(category.styles, _apportion(count, [s.weight for s in category.styles]), strict=True)
        for _ in range(many)
    ]
    rng.shuffle(plan)
    rows = []
    for index, (category, style) in enumerate(plan):
        row = product_text(category, style, rng)
        product_id = f"P{index + 1:05d}"
        image = f"images/{product_id}.jpg"
        picture = draw_product(category, style.modifier, row["feature"], row["colour"], row["pattern"], rng)
        picture.save(folder / image, quality=90)
        rows.append({"product_id": product_id, "image": image, **row})
    catalog = folder / "catalog.csv"
    with catalog.open("w", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=FIELDS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return catalog


def product_text(category: Category, style: Style, rng: random.Random) -> dict[str, str]:
    """One product's attributes, title and description."""
    audience_weight = dict(category.audiences)
    audiences = category.audiences_of(style)
    gender = rng.choices(audiences, [audience_weight.get(a, 1.0) for a in audiences])[0]
    colours = [
        (n, w)
        for n, w in category.colours
        if (not style.colours or n in style.colours)
        and not (n in _WOMENSWEAR_COLOURS and gender in ("Men", "Boys") and category.name not in ("T-shirt", "Shirt"))
    ]
    colour = rng.choices([n for n, _ in colours], [w for _, w in colours])[0]
    material = rng.choice(style.materials)
    patterns = style.patterns or category.patterns
    pattern = "solid"
    if material not in SOLID_MATERIALS:
        pattern = rng.choices([n for n, _ in patterns], [w for _, w in patterns])[0]
    feature = rng.choice(style.features) if style.features and rng.random() < FEATURE_SHARE else ""
    brand = rng.choice([b for b in BRANDS if category.name in BRAND_TYPES[b]])
    named = material in SELLING_MATERIALS or (category.name != "Jeans" and rng.random() < MATERIAL_SHARE)
    words = [brand, gender, "" if pattern == "solid" else pattern, colour, material if named else "", style.modifier]
    title = " ".join([brand, *(_title_case(w) for w in words[1:] if w), category.name])
    if feature:
        title += f" with {_title_case(feature)}"
    return {
        "title": title,
        "description": _description(category, style, colour, pattern, material, feature, rng),
        "brand": brand,
        "gender": gender,
        "category": category.name,
        "colour": colour,
        "pattern": pattern,
        "material": material,
        "feature": feature,
    }


_WOMENSWEAR_COLOURS = frozenset({"pink"})  # a pink shirt for men, yes; pink sandals for boys, rarely


def _title_case(words: str) -> str:
    return " ".join(part[:1].upper() + part[1:] for part in words.replace("-", "- ").split(" ")).replace("- ", "-")


def _with_article(feature: str) -> str:
    """A feature as a description names it: "a back slit", "an ankle strap"; plurals and mass nouns ("roll-up
    sleeves", "mirror work") go without an article."""
    if feature.endswith("s") or feature in _MASS_FEATURES:
        return feature
    return f"{'an' if feature[0] in 'aeiou' else 'a'} {feature}"


_MASS_FEATURES = frozenset({"mirror work", "contrast tipping", "backlight"})


def _description(
    category: Category, style: Style, colour: str, pattern: str, material: str, feature: str, rng: random.Random
) -> str:
    """Two or three sentences from the product's own attributes: "A navy blue striped slim fit shirt in linen with
    roll-up sleeves. Regular collar and a curved hem. Machine wash cold." """
    lead = "A pair of" if category.pair else ("An" if colour[0] in "aeiou" else "A")
    made = category.material_phrase.format(material)
    words = [lead, colour, "" if pattern == "solid" else pattern, style.modifier, category.name.lower(), made]
    first = " ".join(w for w in words if w)
    if feature:
        first += f" {'and' if made.startswith('with') else 'with'} {_with_article(feature)}"
    sentences = [first + ".", rng.choice(style.details or category.details)]
    if rng.random() < CARE_SHARE:
        sentences.append(rng.choice(category.care or CARE[material]))
    return " ".join(sentences)


def draw_product(
    category: Category, modifier: str, feature: str, colour: str, pattern: str, rng: random.Random
) -> Image.Image:
    """A studio photo of one product of ``category`` in ``colour`` (a name in :data:`COLOURS`) and ``pattern``."""
    return draw_shape(category.shape, modifier, feature, COLOURS[colour], pattern, rng)
