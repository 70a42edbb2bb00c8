"""is-a hierarchy stage: each concept points to its nearest more general concept.

A phrase is-a the phrase with its outermost modifier removed ("short sleeve t-shirt in white" → "short sleeve
t-shirt" → "sleeve t-shirt" → "t-shirt"); when that phrase is not a concept, removal goes on until one is or only
the head noun would remain. The result is a forest: acyclic (a parent is always shorter) with one parent per concept.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pyarrow as pa

from kgbuild.concepts import LINKING_PREPOSITIONS
from kgbuild.settings import Settings
from kgbuild.workdir import Layout, read_parquet, write_parquet

STAGE = "hierarchy"
SCHEMA = pa.schema(
    [
        ("concept_id", pa.string()),
        ("name", pa.string()),
        ("kind", pa.string()),
        ("product_count", pa.int64()),
        ("parent_id", pa.string()),
        ("level", pa.int64()),
    ]
)


def generalize(name: str) -> str | None:
    """The phrase with its outermost modifier removed, or None for a single head word."""
    words = name.split()
    for index in range(len(words) - 2, 0, -1):  # "X in Y" / "X with Y": drop the trailing "in Y"
        if words[index] in LINKING_PREPOSITIONS:
            return " ".join(words[:index])
    return " ".join(words[1:]) if len(words) > 1 else None


def parents(names: list[str]) -> dict[str, str | None]:
    """Nearest more general concept among ``names`` for each name (None for roots)."""
    known = set(names)
    result: dict[str, str | None] = {}
    for name in names:
        candidate = generalize(name)
        while candidate is not None and candidate not in known:
            candidate = generalize(candidate)
        result[name] = candidate
    return result


def levels(parent_of: dict[str, str | None]) -> dict[str, int]:
    """Depth below the root (roots are level 0)."""
    depth: dict[str, int] = {}

    def level(name: str) -> int:
        if name not in depth:
            parent = parent_of[name]
            depth[name] = 0 if parent is None else level(parent) + 1
        return depth[name]

    for name in parent_of:
        level(name)
    return depth


def build(concepts: pd.DataFrame) -> pd.DataFrame:
    names = concepts["name"].tolist()
    parent_of = parents(names)
    id_of = dict(zip(concepts["name"], concepts["concept_id"]))
    depth = levels(parent_of)
    result = concepts.copy()
    result["parent_id"] = [id_of[parent_of[n]] if parent_of[n] else None for n in names]
    result["level"] = [depth[n] for n in names]
    return result[SCHEMA.names]


def run(layout: Layout, settings: Settings) -> dict[str, Any]:
    concepts = build(read_parquet(layout.mined_concepts))
    write_parquet(concepts, layout.concepts, SCHEMA)
    return {
        "concepts": len(concepts),
        "roots": int(concepts["parent_id"].isna().sum()),
        "max_level": int(concepts["level"].max()) if len(concepts) else 0,
    }
