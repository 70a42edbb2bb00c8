"""``kgbuild report``: a static HTML report of a work directory's current build, ``WORKDIR/reports/<version>/``.

``index.html`` (inline CSS, no script, no CDN) holds the build's counts, stage times, quarantine reasons, the
``kgbuild eval`` figures when ``reports/eval.json`` exists, and the concept tree as nested ``<details>`` with each
concept's aliases, first products and top images. The images are ~96 px JPEG copies in ``thumbs/`` beside it,
referenced relatively, so the folder works offline and wherever it is moved. A partly finished build gets the
sections its stages have produced. Every catalog text is HTML-escaped.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd
import pyarrow.parquet as pq

from kgbuild.domain import KINDS
from kgbuild.errors import BadInput
from kgbuild.images import ImagePolicy, image_id, read_image
from kgbuild.settings import Settings
from kgbuild.stage import BuildRecord, StageReport
from kgbuild.workdir import Layout, atomic_path, read_json, staged_folder

MAX_CONCEPTS = 300
THUMBS_PER_CONCEPT = 5
PRODUCTS_PER_CONCEPT = 5
THUMB_PX = 96
QUARANTINE_STAGES = ("ingest", "images", "load")
_IMAGE_ID = re.compile(r"img_[0-9a-f]+")
_TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).with_name("templates")),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)
_TEMPLATES.filters["num"] = lambda value: "—" if value is None else f"{value:,}" if isinstance(value, int) else value
_WRITTEN_BY = {  # the stage that writes each table
    "products": "ingest",
    "product_concepts": "concepts",
    "concepts": "hierarchy",
    "images": "images",
    "concept_images": "images",
}


@dataclass(frozen=True)
class _Tables:
    """The current build's tables, each only once the stage that writes it has completed for this build (until
    then the file, if any, is an earlier build's); after the load, the validated copies the graph holds."""

    layout: Layout
    completed: tuple[str, ...]

    def _path(self, name: str) -> Path | None:
        tables = self.layout.validated_tables() if "load" in self.completed else self.layout
        path = getattr(tables, name)
        return path if _WRITTEN_BY[name] in self.completed and path.is_file() else None

    def read(self, name: str, columns: list[str]) -> pd.DataFrame | None:
        path = self._path(name)
        return pq.read_table(path, columns=columns).to_pandas() if path else None

    def rows(self, name: str) -> int | None:
        path = self._path(name)
        return pq.read_metadata(path).num_rows if path else None


def write(workdir: str | Path, max_concepts: int = MAX_CONCEPTS) -> Path:
    """Writes the current build's report (the ``max_concepts`` largest concepts with their ancestors in the tree);
    returns the path of its ``index.html``."""
    layout = Layout(Path(workdir))
    if not layout.build_file.is_file():
        raise BadInput(f"{layout.root}: no build here (no build.json); run `kgbuild build` or `kgbuild begin` first")
    record = BuildRecord.read(layout)
    build = record.model_dump(mode="json")
    tables = _Tables(layout, tuple(record.completed))
    page = layout.report(record.version)
    folder = page.parent
    stages = record.reports(layout)
    concepts = tables.read("concepts", ["concept_id", "name", "aliases", "kind", "parent_id", "product_count"])
    chosen = tables.read("concept_images", ["concept_id", "image_id", "product_id", "image_uri", "score", "rank"])
    with staged_folder(folder / "thumbs") as thumbs:
        tree = _tree(tables, build, concepts, chosen, thumbs, folder / "thumbs", max_concepts)
    html = _TEMPLATES.get_template("report.html").render(
        build=build,
        generated_at=datetime.now(UTC).isoformat(timespec="seconds"),
        counts=_counts(tables, stages, concepts, chosen),
        stages=_stage_times(stages),
        quarantine=_quarantine(layout, build),
        evaluation=_evaluation(layout),
        **tree,
    )
    with atomic_path(page) as tmp:
        tmp.write_text(html, encoding="utf-8")
    return page


def _json(path: Path) -> Any:
    return read_json(path) if path.is_file() else None


def _evaluation(layout: Layout) -> dict[str, Any] | None:
    """``kgbuild eval``'s figures, with the names of its per-label scalar scores."""
    figures = _json(layout.eval_report)
    if figures is None:
        return None
    labels = list(figures.get("labels", {}).values())
    columns = [key for key, value in labels[0].items() if not isinstance(value, (dict, list))] if labels else []
    return {**figures, "columns": columns}


def _counts(
    tables: _Tables, stages: dict[str, StageReport], concepts: pd.DataFrame | None, chosen: pd.DataFrame | None
) -> dict[str, Any]:
    """Headline figures, rows per stage (input, accepted, quarantined) and concepts per kind."""
    per_stage = {stage: report.accounting for stage, report in stages.items() if len(report.accounting) == 3}
    images = tables.read("images", ["image_id"])
    by_kind = []
    if concepts is not None:
        pictured = set(chosen["concept_id"]) if chosen is not None else set()
        for kind, group in sorted(concepts.groupby("kind"), key=lambda item: _kind_rank(str(item[0]))):
            by_kind.append(
                {
                    "kind": kind,
                    "concepts": len(group),
                    "roots": int(group["parent_id"].isna().sum()),
                    "with_images": int(group["concept_id"].isin(pictured).sum()),
                }
            )
    headline = {
        "products": per_stage.get("ingest", {}).get("accepted"),
        "quarantined rows": sum(s["quarantined"] for s in per_stage.values()) if per_stage else None,
        "concepts": len(concepts) if concepts is not None else None,
        "is-a edges": int(concepts["parent_id"].notna().sum()) if concepts is not None else None,
        "product–concept links": tables.rows("product_concepts"),
        "images": int(images["image_id"].nunique()) if images is not None else None,
        "concept–image links": len(chosen) if chosen is not None else None,
    }
    return {"headline": headline, "per_stage": per_stage, "by_kind": by_kind}


def _stage_times(stages: dict[str, StageReport]) -> list[dict[str, Any]]:
    products = stages["ingest"].get("accepted") if "ingest" in stages else None
    longest = max((report.seconds or 0 for report in stages.values()), default=0) or 1
    return [
        {
            "stage": stage,
            "seconds": report.seconds,
            "share": round(100 * (report.seconds or 0) / longest, 1),
            "per_second": round(products / report.seconds, 1) if products and report.seconds else None,
        }
        for stage, report in stages.items()
    ]


def _quarantine(layout: Layout, build: dict[str, Any], reasons: int = 10, examples: int = 5) -> list[dict[str, Any]]:
    """Per stage that ran: rows quarantined, the commonest reasons with counts, and a few example rows."""
    summary = []
    for stage in QUARANTINE_STAGES:
        if stage not in build["completed"] or not layout.quarantine(stage).is_file():
            continue
        rows = pq.read_table(layout.quarantine(stage), columns=["source_row", "product_id", "field", "reason", "raw"])
        rows = rows.to_pandas()
        counted = rows["reason"].value_counts()
        summary.append(
            {
                "stage": stage,
                "rows": len(rows),
                "reasons": list(counted.head(reasons).items()),
                "other_reasons": max(len(counted) - reasons, 0),
                "examples": [{**row, "raw": _shortened(row["raw"])} for row in rows.head(examples).to_dict("records")],
            }
        )
    return summary


def _shortened(text: str | None, limit: int = 300) -> str:
    text = text or ""
    return text if len(text) <= limit else text[:limit] + "…"


def _kind_rank(kind: str) -> tuple[int, str]:
    return (KINDS.index(kind) if kind in KINDS else len(KINDS), kind)


def _shown(concepts: pd.DataFrame, limit: int) -> list[str]:
    """The ``limit`` concepts with the most products, each with its ancestors, so the tree stays connected."""
    parents = {c: p for c, p in zip(concepts["concept_id"], concepts["parent_id"], strict=True) if pd.notna(p)}
    shown: dict[str, None] = {}
    for concept_id in concepts.sort_values(["product_count", "name"], ascending=[False, True])["concept_id"]:
        chain: list[str] = []
        node: str | None = concept_id
        while node is not None and node not in shown and node not in chain:
            chain.append(node)
            node = parents.get(node)
        if len(shown) + len(chain) <= limit:
            shown.update(dict.fromkeys(chain))
        if len(shown) >= limit:
            break
    return list(shown)


def _tree(
    tables: _Tables,
    build: dict[str, Any],
    concepts: pd.DataFrame | None,
    chosen: pd.DataFrame | None,
    thumbs: Path,
    old_thumbs: Path,
    limit: int,
) -> dict[str, Any]:
    """The shown concepts as nested nodes, grouped by their roots' kind; writes their thumbnails into ``thumbs``."""
    if concepts is None:
        return {"kinds": [], "shown": 0, "total": 0}
    shown = concepts.set_index("concept_id").loc[_shown(concepts, limit)]
    top = pd.DataFrame(columns=["concept_id", "image_id", "image_uri", "product_id", "score"])
    if chosen is not None:
        top = chosen[chosen["concept_id"].isin(shown.index) & (chosen["rank"] <= THUMBS_PER_CONCEPT)]
        top = top.sort_values(["concept_id", "rank"])
    policy = ImagePolicy.for_catalog(Path(build["catalog"]), Settings.model_validate(build["settings"]))
    written = _thumbnails(dict(zip(top["image_id"], top["image_uri"], strict=True)), thumbs, old_thumbs, policy)
    pictures = {
        concept_id: [
            {"src": f"thumbs/{p['image_id']}.jpg", "product_id": p["product_id"], "score": round(float(p["score"]), 3)}
            for p in group.to_dict("records")
        ]
        for concept_id, group in top[top["image_id"].isin(written)].groupby("concept_id")
    }
    titles = _products(tables, list(shown.index))
    nodes: dict[str, dict[str, Any]] = {
        row["concept_id"]: {
            "id": row["concept_id"],
            "name": row["name"],
            "kind": row["kind"],
            "aliases": [] if row["aliases"] is None else list(row["aliases"]),
            "product_count": int(row["product_count"]),
            "products": titles.get(row["concept_id"], []),
            "thumbs": pictures.get(row["concept_id"], []),
            "children": [],
        }
        for row in shown.reset_index().to_dict("records")
    }
    roots: list[dict[str, Any]] = []
    largest_first = shown.reset_index().sort_values(["product_count", "name"], ascending=[False, True])
    for row in largest_first.to_dict("records"):
        parent = nodes.get(row["parent_id"]) if pd.notna(row["parent_id"]) else None
        (parent["children"] if parent else roots).append(nodes[row["concept_id"]])
    kinds: dict[str, list[dict[str, Any]]] = {}
    for root in sorted(roots, key=lambda node: _kind_rank(node["kind"])):  # stable: largest first within a kind
        kinds.setdefault(root["kind"], []).append(root)
    return {"kinds": list(kinds.items()), "shown": len(nodes), "total": len(concepts)}


def _products(tables: _Tables, concept_ids: list[str]) -> dict[str, list[dict[str, str]]]:
    """The first products (primary links first) of each concept: id and title."""
    links = tables.read("product_concepts", ["product_id", "concept_id", "primary"])
    products = tables.read("products", ["product_id", "title"])
    if links is None or products is None:
        return {}
    links = links[links["concept_id"].isin(concept_ids)].drop_duplicates(["concept_id", "product_id"])
    links = links.sort_values(["concept_id", "primary", "product_id"], ascending=[True, False, True])
    links = links.groupby("concept_id").head(PRODUCTS_PER_CONCEPT).merge(products, on="product_id")
    return {
        str(concept_id): [{"id": row["product_id"], "title": row["title"] or ""} for row in group.to_dict("records")]
        for concept_id, group in links.groupby("concept_id", sort=False)
    }


def _thumbnails(uris: dict[str, str], folder: Path, old: Path, policy: ImagePolicy) -> set[str]:
    """Writes a JPEG of at most ``THUMB_PX`` pixels a side per image into ``folder`` (copied from ``old``, the
    previous report's, when there); returns the image ids written. An image that cannot be read within ``policy``,
    or whose bytes changed since the build, gets none."""
    written = set()
    for image, uri in uris.items():
        name = f"{image}.jpg"
        if not _IMAGE_ID.fullmatch(image):
            continue
        if (old / name).is_file():
            shutil.copyfile(old / name, folder / name)
        else:
            try:
                sha256, picture = read_image(uri, policy)
            except ValueError:
                continue
            if image_id(sha256) != image:
                continue
            picture.thumbnail((THUMB_PX, THUMB_PX))
            picture.save(folder / name, "JPEG", quality=85)
        written.add(image)
    return written
