"""``kgbuild eval``: how well a built work directory's concepts cover a catalog's own label columns.

For each label column L (e.g. articleType), with names compared case-, hyphen-, punctuation- and plural-insensitively
and a label "A and B" or "A/B" matching either part:

* coverage: product-weighted share of products whose L value matches some concept's name or alias;
* recall: share of products linked to a concept matching their own L value;
* purity: over concepts matching some value V of L, the product-weighted share of their products whose L is V;
* image_precision_at_k: over concepts matching a value V, the share of their chosen images (rank ≤ k) whose
  product's L is V.

Image coverage (label-free): the share of grounded concepts (``grounded_kinds``) with at least one image, and of
category concepts with at least three products that have at least three images.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pandas as pd

from kgbuild.domain import CATEGORY, IMAGE_FIELD
from kgbuild.errors import BadInput
from kgbuild.stage import BuildRecord
from kgbuild.synonyms import match_key
from kgbuild.workdir import Layout, read_parquet, write_json

_PARTS = re.compile(r"\s+(?:and|&)\s+|\s*/\s*")


def label_keys(value: str) -> set[str]:
    """Keys a label value is matched by: the whole value and each part of "A and B" or "A/B"."""
    return {match_key(value), *(match_key(part) for part in _PARTS.split(value.lower()))} - {""}


def evaluate(layout: Layout, labels: list[str], k: int = 10) -> dict[str, Any]:
    chosen = (
        read_parquet(layout.concept_images)
        if layout.concept_images.is_file()
        else pd.DataFrame(columns=["concept_id", "product_id", "rank"])
    )
    return label_scores(
        read_parquet(layout.products),
        read_parquet(layout.concepts),
        read_parquet(layout.product_concepts),
        chosen,
        labels,
        k,
    )


def label_scores(
    products: pd.DataFrame,
    concepts: pd.DataFrame,
    links: pd.DataFrame,
    chosen: pd.DataFrame,
    labels: list[str],
    k: int = 10,
) -> dict[str, Any]:
    """The label figures for any concept tables (a build's, or a baseline's in a benchmark). An image colour that
    contradicts the product's own text is evidence, not the product's colour: it counts only in the image's own
    recall (``recall_by_source``)."""
    attributes = products["attributes"].map(json.loads)
    asserted = links
    if "contradicts_text" in links:
        asserted = links[~links["contradicts_text"].fillna(False).astype(bool)]
    concepts_of = asserted.groupby("product_id")["concept_id"].agg(set).to_dict()
    products_of = asserted.groupby("concept_id")["product_id"].agg(set).to_dict()
    concept_keys = {
        concept_id: {match_key(alias) for alias in [name, *list(aliases)]}
        for concept_id, name, aliases in zip(concepts["concept_id"], concepts["name"], concepts["aliases"], strict=True)
    }
    by_key: dict[str, set[str]] = defaultdict(set)
    for concept_id, keys in concept_keys.items():
        for key in keys:
            by_key[key].add(concept_id)
    images_of = chosen[chosen["rank"] <= k].groupby("concept_id")["product_id"].agg(list).to_dict()
    result: dict[str, Any] = {}
    for label in labels:
        values = pd.Series([a.get(label) for a in attributes], index=products["product_id"]).dropna()
        if values.empty:
            raise BadInput(f"label column {label!r} is not among the catalog's attributes")
        result[label] = _scores(values, by_key, concepts_of, products_of, images_of, k)
        if "confidence" in links and links["confidence"].notna().any():
            result[label] |= _by_source(values, by_key, links, concepts)
    return result


def image_coverage(layout: Layout) -> dict[str, Any]:
    grounded_kinds = BuildRecord.read(layout).settings["grounded_kinds"]
    concepts = read_parquet(layout.concepts)
    concepts = concepts[concepts["kind"].isin(grounded_kinds)]
    chosen = read_parquet(layout.concept_images)
    image_count = chosen.groupby("concept_id").size()
    counts = concepts["concept_id"].map(image_count).fillna(0)
    eligible = (concepts["kind"] == CATEGORY) & (concepts["product_count"] >= 3)
    return {
        "concepts_with_images": round(float((counts > 0).mean()), 4) if len(concepts) else None,
        "category_concepts_3_products": int(eligible.sum()),
        "of_those_with_3_images": round(float((counts[eligible] >= 3).mean()), 4) if eligible.any() else None,
    }


def _by_source(
    values: pd.Series, by_key: dict[str, set[str]], links: pd.DataFrame, concepts: pd.DataFrame
) -> dict[str, Any]:
    """Recall by where the matching link came from (the text, a reading of the image, either), and how often the
    image's most confident reading alone matches the label on the products it was read for, with the commonest
    confusions (label value → image reading)."""
    name_of = dict(zip(concepts["concept_id"], concepts["name"], strict=True))
    read = links[links["confidence"].notna()]
    sources = {"text": links[links["field"] != IMAGE_FIELD], "image": read, "text_or_image": links}
    matching = {value: set().union(*(by_key.get(key, set()) for key in label_keys(value))) for value in set(values)}
    if not set().union(*matching.values()) & set(read["concept_id"]):
        return {}  # no image reading names anything this label is about (a product type, say)
    recall = {}
    for source, chosen in sources.items():
        linked = chosen.groupby("product_id")["concept_id"].agg(set)
        hits = sum(bool(matching[v] & linked.get(p, set())) for p, v in values.items())
        recall[source] = round(hits / len(values), 4)
    top = read.sort_values("confidence", ascending=False).drop_duplicates("product_id").set_index("product_id")
    judged = [(v, top.at[p, "concept_id"]) for p, v in values.items() if p in top.index]
    right = sum(concept in matching[v] for v, concept in judged)
    confusions = Counter((v, name_of.get(c, c)) for v, c in judged if c not in matching[v])
    return {
        "recall_by_source": recall,
        "image_reading": {
            "products": len(judged),
            "accuracy": round(right / len(judged), 4) if judged else None,
            "confusions": [[value, read_as, n] for (value, read_as), n in confusions.most_common(10)],
        },
    }


def _scores(
    values: pd.Series, by_key: dict[str, set[str]], concepts_of: dict, products_of: dict, images_of: dict, k: int
) -> dict[str, Any]:
    covered = recalled = 0
    matching_values: dict[str, set[str]] = defaultdict(set)  # concept → label values it matches
    for product_id, value in values.items():
        matches = set().union(*(by_key.get(key, set()) for key in label_keys(value)))
        covered += bool(matches)
        recalled += bool(matches & concepts_of.get(product_id, set()))
        for concept_id in matches:
            matching_values[concept_id].add(value)
    pure = total = right_images = chosen_images = 0
    for concept_id, matched in matching_values.items():
        members = [values.get(p) for p in products_of.get(concept_id, ())]
        total += len(members)
        pure += sum(1 for v in members if v in matched)
        pictured = [values.get(p) for p in images_of.get(concept_id, ())]
        chosen_images += len(pictured)
        right_images += sum(1 for v in pictured if v in matched)
    return {
        "products": int(len(values)),
        "coverage": round(covered / len(values), 4),
        "recall": round(recalled / len(values), 4),
        "purity": round(pure / total, 4) if total else None,
        f"image_precision_at_{k}": round(right_images / chosen_images, 4) if chosen_images else None,
        "uncovered_values": values[[not any(by_key.get(k) for k in label_keys(v)) for v in values]]
        .value_counts()
        .head(15)
        .to_dict(),
    }


def report(workdir: Path, labels: list[str]) -> dict[str, Any]:
    """The figures for ``kgbuild eval``, also written to :attr:`Layout.eval_report`."""
    layout = Layout(workdir)
    build = BuildRecord.read(layout)
    concepts = read_parquet(layout.concepts)
    categories = concepts[concepts["kind"] == CATEGORY].sort_values(["product_count", "name"], ascending=[False, True])
    largest = categories.head(50)
    reports = build.reports(layout)
    stage_seconds = {stage: report.seconds for stage, report in reports.items()}
    products = reports["ingest"]["accepted"] if "ingest" in reports else None
    figures = {
        "version": build.version,
        "catalog": build.catalog,
        "labels": evaluate(layout, labels) if labels else {},
        "images": image_coverage(layout) if layout.concept_images.is_file() else None,
        "concepts": int(len(concepts)),
        "concepts_by_kind": concepts["kind"].value_counts().to_dict(),
        "largest_categories": [
            [name, int(count)] for name, count in zip(largest["name"], largest["product_count"], strict=True)
        ],
        "stage_seconds": stage_seconds,
        "products_per_second": {
            stage: round(products / seconds, 1) for stage, seconds in stage_seconds.items() if products and seconds
        },
    }
    write_json(figures, layout.eval_report)
    return figures
