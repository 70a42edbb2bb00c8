"""Dominant colours read from product images (``kgbuild.colours``) against the catalogs' colour labels.

Per catalog:

* images/s (images per CPU second of this single-threaded process, pinned to one core), with the images decoded
  beforehand and with decoding (JPEG draft at reduced scale) included;
* top-1 accuracy (the first reading's name or an alias equals the label, case-insensitive) and any-of accuracy (any
  of the ≤ ``--max-colours`` readings matches);
* among the products no reading matches, the most frequent (label, top reading) pairs.

Labels are used for this evaluation only. A catalog whose folder is missing is skipped.

    .venv/bin/python bench/image_colours.py [--data ../shared/data] [--limit N] [--confusions 12]
"""

from __future__ import annotations

import argparse
import os
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from PIL import Image

from kgbuild.colours import DEFAULT_PALETTE, SIDE, ColourReading, dominant_colours

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
CHUNK = 32  # images decoded at a time for the decode-excluded timing


@dataclass(frozen=True)
class Catalog:
    name: str
    table: str
    label: str
    reliable: tuple[str, str] | None = None  # (column, value) of the rows whose label is reliable


CATALOGS = (
    Catalog("myntra_sample", "styles.csv", "baseColour"),
    Catalog("magento_luma", "products.csv", "color", ("color_source", "variant attribute")),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--limit", type=int, default=0, help="images per catalog (0 = all)")
    parser.add_argument("--max-colours", type=int, default=2)
    parser.add_argument("--confusions", type=int, default=12, help="most frequent mismatches to list")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):  # one core
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    header = f"{'catalog':<14} {'images':>6} {'top-1':>6} {'any':>6} {'img/s decoded':>13} {'img/s w/ decode':>15}"
    rows, confusions = [], {}
    for catalog in CATALOGS:
        folder = args.data / catalog.name
        if not (folder / catalog.table).is_file():
            print(f"{catalog.name}: not found under {args.data}, skipped")
            continue
        table = _labelled(folder, catalog, args.limit)
        paths = [folder / p for p in table["image"]]
        readings, decoded_rate = _read_decoded(paths, args.max_colours)
        with_decode_rate = _read_with_decode(paths, args.max_colours)
        top, any_, confusion = _score(table[catalog.label].tolist(), readings)
        rates = f"{decoded_rate:>13.1f} {with_decode_rate:>15.1f}"
        rows.append(f"{catalog.name:<14} {len(paths):>6} {top:>6.3f} {any_:>6.3f} {rates}")
        confusions[catalog.name] = confusion
    if rows:
        print(header, *rows, sep="\n")
    for name, confusion in confusions.items():
        pairs = ", ".join(f"{label} -> {seen}: {n}" for (label, seen), n in confusion.most_common(args.confusions))
        print(f"\n{name}, most frequent mismatches (label -> top reading): {pairs}")


def _labelled(folder: Path, catalog: Catalog, limit: int) -> pd.DataFrame:
    """The rows with a (reliable) label whose image file exists."""
    table = pd.read_csv(folder / catalog.table).dropna(subset=[catalog.label, "image"])
    if catalog.reliable is not None:
        column, value = catalog.reliable
        table = table[table[column] == value]
    table = table[[(folder / p).is_file() for p in table["image"]]]
    return table.head(limit) if limit else table


def _read_decoded(paths: list[Path], max_colours: int) -> tuple[list[list[ColourReading]], float]:
    """Readings of fully decoded images, and images/s counting only ``dominant_colours``."""
    readings: list[list[ColourReading]] = []
    seconds = 0.0
    for start in range(0, len(paths), CHUNK):
        images = [_decode(p) for p in paths[start : start + CHUNK]]
        began = time.process_time()
        readings.extend(dominant_colours(image, max_colours=max_colours) for image in images)
        seconds += time.process_time() - began
    return readings, len(paths) / seconds


def _read_with_decode(paths: list[Path], max_colours: int) -> float:
    """Images/s of open + reduced-scale JPEG decode (``draft``) + ``dominant_colours``."""
    began = time.process_time()
    for path in paths:
        with Image.open(path) as image:
            image.draft("RGB", (2 * SIDE, 2 * SIDE))
            dominant_colours(image, max_colours=max_colours)
    return len(paths) / (time.process_time() - began)


def _decode(path: Path) -> Image.Image:
    with Image.open(path) as image:
        return image.convert("RGB")


def _score(labels: list[str], readings: list[list[ColourReading]]) -> tuple[float, float, Counter[tuple[str, str]]]:
    """Top-1 and any-of accuracy, and the (label, top reading) counts of the products no reading matches."""
    top = any_ = 0
    confusion: Counter[tuple[str, str]] = Counter()
    for label, found in zip(labels, readings, strict=True):
        wanted = DEFAULT_PALETTE.resolve(label)
        names = [r.name for r in found]
        top += bool(names) and names[0] == wanted
        any_ += wanted in names
        if wanted not in names:
            confusion[(label, names[0] if names else "-")] += 1
    return top / len(labels), any_ / len(labels), confusion


if __name__ == "__main__":
    main()
