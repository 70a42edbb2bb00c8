"""is-a hierarchy stage: each concept points to its nearest more general concept.

A phrase is-a the phrase with its outermost modifier removed ("short sleeve t-shirt in white" → "short sleeve
t-shirt" → "sleeve t-shirt" → "t-shirt"); when that phrase is not a concept of the same kind, removal goes on until
one is or only the head would remain. The result is a forest per kind: acyclic (a parent is always shorter) with one
parent per concept. Ids derive from names, so a new concept attaches without moving existing ones.
"""

from __future__ import annotations

import pandas as pd

from kgbuild.domain import HIERARCHY_SCHEMA
from kgbuild.lexicon import LINKING
from kgbuild.stage import BuildContext, StageReport
from kgbuild.workdir import read_parquet, write_parquet

STAGE = "hierarchy"


def generalize(name: str) -> str | None:
    """The phrase with its outermost modifier removed, or None for a single head word."""
    words = name.split()
    for index in range(len(words) - 2, 0, -1):  # "X in Y" / "X with Y": drop the trailing "in Y"
        if words[index] in LINKING:
            return " ".join(words[:index])
    return " ".join(words[1:]) if len(words) > 1 else None


def parents(names: list[str], aliases: dict[str, str] | None = None) -> dict[str, str | None]:
    """Nearest more general concept among ``names`` for each name (None for roots); ``aliases`` maps another
    name of a concept to it ("white duvet cover" → "duvet cover", an alias of "quilt cover")."""
    known = {name: name for name in names} | {a: n for a, n in (aliases or {}).items() if a not in names}
    result: dict[str, str | None] = {}
    for name in names:
        candidate = generalize(name)
        while candidate is not None and (candidate not in known or known[candidate] == name):
            candidate = generalize(candidate)
        result[name] = known[candidate] if candidate is not None else None
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
    parent_ids: dict[str, str | None] = {}
    depths: dict[str, int] = {}
    for _, group in concepts.groupby("kind", sort=False):
        names = group["name"].tolist()
        id_of = dict(zip(group["name"], group["concept_id"], strict=True))
        parent_of = parents(
            names, {alias: n for n, found in zip(names, group["aliases"], strict=True) for alias in found}
        )
        depth = levels(parent_of)
        for name in names:
            parent_ids[id_of[name]] = id_of[parent_of[name]] if parent_of[name] else None
            depths[id_of[name]] = depth[name]
    result = concepts.copy()
    result["parent_id"] = result["concept_id"].map(parent_ids)
    result["level"] = result["concept_id"].map(depths)
    return result[HIERARCHY_SCHEMA.names]


def run(context: BuildContext) -> StageReport:
    layout = context.layout
    concepts = build(read_parquet(layout.mined_concepts))
    write_parquet(concepts, layout.hierarchy, HIERARCHY_SCHEMA)
    return StageReport(
        STAGE,
        {
            "concepts": len(concepts),
            "roots": int(concepts["parent_id"].isna().sum()),
            "max_level": int(concepts["level"].max()) if len(concepts) else 0,
        },
    )
