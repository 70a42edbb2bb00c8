"""A deterministic generator of large, realistic, text-only fashion catalogs for the scale benchmarks.

Each product is composed like the demo catalog's (kgbuild.demo.product_text: a type with its styles, audiences,
colours, patterns, materials and features, weighted, in a long-tailed mix of types) with the brand drawn from a few
thousand generated brand names, so titles and descriptions vary the way a marketplace's do rather than repeat. The
same arguments give the same bytes; rows are written in chunks, so memory stays flat however many are asked for.

    .venv/bin/python bench/generate_catalog.py OUT.csv --products 1000000 [--seed 7]
"""

from __future__ import annotations

import argparse
import csv
import random
from pathlib import Path

from kgbuild import demo

FIELDS = ("product_id", "title", "description", "brand", "gender", "category", "colour", "pattern", "material")
CHUNK = 50_000
_ONSETS = ("b", "br", "c", "d", "f", "g", "gr", "k", "l", "m", "n", "p", "r", "s", "st", "t", "tr", "v", "z")
_VOWELS = ("a", "e", "i", "o", "u", "ai", "ea", "io")
_CODAS = ("", "n", "r", "s", "l", "x", "th", "nd", "rk")


def brand_names(count: int, rng: random.Random) -> list[str]:
    """``count`` distinct made-up brand names of one or two words ("Torvan", "Belix Grea")."""
    names: dict[str, None] = {}
    while len(names) < count:
        word = "".join(rng.choice(_ONSETS) + rng.choice(_VOWELS) for _ in range(rng.randint(1, 2)))
        word = (word + rng.choice(_CODAS)).title()
        if rng.random() < 0.2:
            word += " " + (rng.choice(_ONSETS) + rng.choice(_VOWELS) + rng.choice(_CODAS)).title()
        names.setdefault(word)
    return list(names)


def generate(path: Path, products: int, seed: int = 7, brands: int | None = None) -> Path:
    rng = random.Random(seed)
    names = brand_names(brands or max(50, products // 200), rng)
    counts = demo.type_counts(products)
    plan = [
        (category, style)
        for category in demo.CATEGORIES
        for style in category.styles
        for _ in range(max(1, round(counts[category.name] * style.weight / sum(s.weight for s in category.styles))))
    ]
    with path.open("w", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=FIELDS, extrasaction="ignore")
        writer.writeheader()
        for start in range(0, products, CHUNK):
            rows = []
            for index in range(start, min(start + CHUNK, products)):
                category, style = plan[rng.randrange(len(plan))]
                row = demo.product_text(category, style, rng)
                brand = rng.choice(names)
                row["title"] = brand + row["title"].removeprefix(row["brand"])
                row["description"] = row["description"].replace(row["brand"], brand)
                rows.append({**row, "brand": brand, "product_id": f"G{index + 1:08d}"})
            writer.writerows(rows)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    print(generate(args.out, args.products, args.seed))


if __name__ == "__main__":
    main()
