"""Concept quality on every labelled dev catalog, for kgbuild and a plain spaCy noun-chunk baseline, in one run.

Each catalog is built (ingest → concepts → hierarchy → images with text-evidence grounding, no CLIP, no Neo4j)
with kgbuild's defaults: titles and descriptions where the catalog has them. The baseline links each product to the
lemmatised head of every noun chunk of the same text, with the same support threshold, and its images are chosen by
the same text-evidence grounding. Both are scored by ``kgbuild eval``'s label figures (a label value matches a
concept's name or any alias). A third row per label, "label in own text", is the share of products whose own text
names their label value at all: the recall no text-only method can pass. Labels are read only here, never by a
build.

    .venv/bin/python bench/concept_quality.py [--data ../shared/data] [--only magento_luma] [--keep DIR]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import shutil
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from kgbuild import concepts, evaluate, images, models, pipeline
from kgbuild.domain import CATEGORY
from kgbuild.settings import Settings
from kgbuild.synonyms import match_key
from kgbuild.workdir import Layout, read_parquet

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
K = 10
TEXT_NGRAM_WORDS = 4  # label values are at most this many words


@dataclass(frozen=True)
class Catalog:
    name: str
    file: str
    labels: list[str]
    settings: dict[str, Any] = field(default_factory=dict)


CATALOGS = [
    Catalog(
        "myntra_sample",
        "styles.csv",
        ["articleType", "baseColour"],
        {"id_col": "id", "title_col": "productDisplayName"},
    ),
    Catalog("magento_luma", "products.csv", ["product_type", "color"], {"id_col": "item_id"}),
    Catalog("ikea_sample", "products.csv", ["type_base"], {"id_col": "item_id"}),
]


def build(catalog: Path, workdir: Path, settings: Settings) -> float:
    started = time.perf_counter()
    pipeline.begin_build(catalog, workdir, settings)
    for stage in ("ingest", "concepts", "hierarchy", "images"):
        pipeline.run_stage(stage, workdir)
    return time.perf_counter() - started


def parsed_texts(products: pd.DataFrame, settings: Settings) -> list[tuple[str, Any]]:
    """(product id, spaCy doc) for each text the build mined, parsed once for the baseline and the ceiling."""
    nlp = models.spacy_parser(settings)
    parsed = []
    for column in concepts.text_fields(products, settings):
        present = products[products[column].notna()]
        parsed += zip(present["product_id"], nlp.pipe(present[column], batch_size=64), strict=True)
    return parsed


def noun_chunk_baseline(texts: list[tuple[str, Any]], settings: Settings) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(concepts, links): every product linked to the lemmatised head of each noun chunk of its text."""
    members: dict[str, set[str]] = {}
    for product_id, doc in texts:
        for chunk in doc.noun_chunks:
            if chunk.root.pos_ in {"NOUN", "PROPN"}:
                members.setdefault(chunk.root.lemma_.lower(), set()).add(product_id)
    kept = {name: ids for name, ids in members.items() if len(ids) >= settings.min_support}
    found = pd.DataFrame(
        {
            "concept_id": [concepts.concept_id(name) for name in kept],
            "name": list(kept),
            "kind": CATEGORY,
            "aliases": [[] for _ in kept],
            "product_count": [len(ids) for ids in kept.values()],
        }
    )
    links = pd.DataFrame(
        [(p, concepts.concept_id(name), "text") for name, ids in kept.items() for p in sorted(ids)],
        columns=["product_id", "concept_id", "field"],
    )
    return found, links


def label_in_text(products: pd.DataFrame, texts: list[tuple[str, Any]], labels: list[str]) -> dict[str, float]:
    """Per label, the share of products whose own text (the fields the build mined, as spaCy lemmas or words)
    contains their label value: the recall that linking each product to its own label wherever its text names it
    would reach: a ceiling for reading each text word by word, which only aliases learned across the catalog pass."""
    seen: dict[str, set[str]] = {}  # per product, the comparison keys of its text's n-grams
    for product_id, doc in texts:
        found = seen.setdefault(product_id, set())
        for words in ([t.lemma_.lower() for t in doc], [t.lower_ for t in doc]):
            for size in range(1, TEXT_NGRAM_WORDS + 1):
                found |= {match_key(" ".join(words[i : i + size])) for i in range(len(words) - size + 1)}
    attributes = [json.loads(a) for a in products["attributes"]]
    shares = {}
    for label in labels:
        pairs = [(p, a.get(label)) for p, a in zip(products["product_id"], attributes, strict=True) if a.get(label)]
        hits = sum(bool(evaluate.label_keys(v) & seen.get(p, set())) for p, v in pairs)
        shares[label] = round(hits / len(pairs), 4) if pairs else None
    return shares


def measure(catalog: Catalog, folder: Path, workdir: Path) -> list[dict[str, Any]]:
    settings = Settings(clip_model="none", **catalog.settings)
    seconds = build(folder / catalog.file, workdir, settings)
    layout = Layout(workdir)
    products = read_parquet(layout.products)
    built = evaluate.label_scores(
        products,
        read_parquet(layout.concepts),
        read_parquet(layout.product_concepts),
        read_parquet(layout.concept_images),
        catalog.labels,
        K,
    )
    texts = parsed_texts(products, settings)
    base_concepts, base_links = noun_chunk_baseline(texts, settings)
    base_images = images.ground_by_text(base_concepts, base_links, read_parquet(layout.images), settings)
    baseline = evaluate.label_scores(products, base_concepts, base_links, base_images, catalog.labels, K)
    ceiling = label_in_text(products, texts, catalog.labels)
    report = json.loads(layout.stage_marker("concepts").read_text())["report"]
    rows = []
    for label in catalog.labels:
        for method, scores in (("kgbuild", built[label]), ("noun chunks", baseline[label])):
            rows.append(
                {
                    "catalog": catalog.name,
                    "label": label,
                    "method": method,
                    "coverage": scores["coverage"],
                    "recall": scores["recall"],
                    "purity": scores["purity"],
                    f"image_p@{K}": scores[f"image_precision_at_{K}"],
                    "primary": report["primary_share_of_typed"] if method == "kgbuild" else None,
                    **_sources(scores if method == "kgbuild" else {}),
                    "seconds": round(seconds, 1) if method == "kgbuild" else None,
                }
            )
        rows.append({"catalog": catalog.name, "label": label, "method": "label in own text", "recall": ceiling[label]})
    print(f"\n{catalog.name}: text fields {report['text_fields']}, {report['products']} products")
    print("  largest categories:", ", ".join(f"{n} ({c})" for n, c in largest(layout, 25)))
    print("  uncovered:", {label: built[label]["uncovered_values"] for label in catalog.labels})
    for label in catalog.labels:
        if confusions := built[label].get("image_reading", {}).get("confusions"):
            print(f"  {label}: commonest image-reading confusions (label, read as, products):", confusions)
    return rows


def _sources(scores: dict[str, Any]) -> dict[str, Any]:
    """Recall by the source of the link (text, image reading, either) and the image reading's own accuracy, for
    labels that image colours speak to."""
    by_source, reading = scores.get("recall_by_source", {}), scores.get("image_reading", {})
    return {
        "recall text": by_source.get("text"),
        "recall image": by_source.get("image"),
        "image accuracy": reading.get("accuracy"),
    }


def largest(layout: Layout, count: int) -> list[tuple[str, int]]:
    found = read_parquet(layout.concepts)
    categories = found[found["kind"] == CATEGORY].sort_values(["product_count", "name"], ascending=[False, True])
    return list(zip(categories["name"].head(count), categories["product_count"].head(count), strict=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=SHARED_DATA)
    parser.add_argument("--only", action="append", help="catalog folder name (repeatable)")
    parser.add_argument("--keep", type=Path, help="keep the work directories under this folder")
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="kgbuild-concept-quality-"))
    rows: list[dict[str, Any]] = []
    try:
        for catalog in CATALOGS:
            folder = args.data / catalog.name
            if args.only and catalog.name not in args.only:
                continue
            if not (folder / catalog.file).is_file():
                print(f"skipped {catalog.name}: {folder / catalog.file} not found")
                continue
            workdir = root / catalog.name
            shutil.rmtree(workdir, ignore_errors=True)
            rows.extend(measure(catalog, folder, workdir))
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    if not rows:
        raise SystemExit(f"no labelled catalog found under {args.data}")
    table = pd.DataFrame(rows)
    print()
    print(table.to_markdown(index=False) if importlib.util.find_spec("tabulate") else table.to_string(index=False))
    wins = Counter()
    for _, group in table.groupby(["catalog", "label"], sort=False):
        ours, base = group.iloc[0], group.iloc[1]
        for metric in ("recall", "purity"):
            wins[metric] += bool((ours[metric] or 0) > (base[metric] or 0))
    pairs = table.groupby(["catalog", "label"]).ngroups
    print(
        f"\nkgbuild beats the baseline on recall in {wins['recall']}/{pairs} and on purity in {wins['purity']}/{pairs}"
    )


if __name__ == "__main__":
    main()
