"""Ingest stage: a catalog (CSV, TSV, JSONL or Parquet) → normalized ``products.parquet`` + quarantine.

Every input row ends up either accepted or quarantined with a reason; the counts are checked to add up.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any, Iterator

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds

from kgbuild import quarantine
from kgbuild.quarantine import Rejected
from kgbuild.settings import Settings
from kgbuild.workdir import Layout, write_parquet

STAGE = "ingest"
PRODUCT_SCHEMA = pa.schema(
    [
        ("product_id", pa.string()),
        ("title", pa.string()),
        ("description", pa.string()),
        ("image_uri", pa.string()),
        ("attributes", pa.string()),  # JSON object of every other non-empty catalog column
        ("source_row", pa.int64()),
    ]
)
CSV_SUFFIXES = {".csv": ",", ".tsv": "\t"}
_UNDECODABLE = re.compile("[\udc80-\udcff]")  # bytes that were not UTF-8, kept by surrogateescape
JSONL_SUFFIXES = {".jsonl", ".ndjson", ".json"}
PARQUET_SUFFIXES = {".parquet", ".pq"}


class CatalogError(ValueError):
    """The catalog as a whole cannot be read (as opposed to single bad rows, which are quarantined)."""


def run(catalog: Path, layout: Layout, settings: Settings) -> dict[str, Any]:
    catalog = Path(catalog).absolute()
    accepted: list[dict[str, Any]] = []
    rejected: list[Rejected] = []
    first_row_of: dict[str, int] = {}
    input_rows = 0
    for row_number, record in _records(catalog, settings):
        input_rows += 1
        if isinstance(record, Rejected):
            rejected.append(record)
            continue
        problem = _row_problem(record, settings, first_row_of, catalog.parent)
        product_id = _text(record.get(settings.id_col))
        if problem:
            field, reason = problem
            rejected.append(Rejected(row_number, product_id or None, STAGE, field, reason, record))
            continue
        first_row_of[product_id] = row_number
        accepted.append(_normalize(record, row_number, catalog.parent, settings))
    if input_rows == 0:
        raise CatalogError(f"{catalog}: the catalog has no data rows")
    write_parquet(pd.DataFrame(accepted, columns=PRODUCT_SCHEMA.names), layout.products, PRODUCT_SCHEMA)
    quarantine.write(rejected, layout.quarantine(STAGE))
    report = {"input_rows": input_rows, "accepted": len(accepted), "quarantined": len(rejected)}
    assert report["input_rows"] == report["accepted"] + report["quarantined"], report
    return report


def _records(catalog: Path, settings: Settings) -> Iterator[tuple[int, dict[str, Any] | Rejected]]:
    """(1-based data row number, record) for each row of the catalog, whatever its format."""
    if not catalog.is_file():
        raise CatalogError(f"{catalog}: catalog file not found")
    suffix = catalog.suffix.lower()
    if suffix in JSONL_SUFFIXES:  # no header: a row without an id or title is quarantined on its own
        yield from _jsonl_records(catalog)
        return
    if suffix in CSV_SUFFIXES:
        columns, rows = _csv_records(catalog, CSV_SUFFIXES[suffix])
    elif suffix in PARQUET_SUFFIXES:
        try:
            table = ds.dataset(catalog, format="parquet").to_table()
        except pa.ArrowInvalid as error:
            raise CatalogError(f"{catalog}: not a readable Parquet file: {error}") from error
        columns, rows = table.column_names, enumerate(table.to_pylist(), start=1)
    else:
        raise CatalogError(f"{catalog}: unsupported catalog format {suffix!r} (use .csv, .tsv, .jsonl or .parquet)")
    for column, flag in ((settings.id_col, "--id-col"), (settings.title_col, "--title-col")):
        if column not in columns:
            hint = next((f" (the header looks {d!r}-separated: wrong delimiter?)" for d in ";|\t," if len(columns) == 1 and d in columns[0]), "")
            raise CatalogError(
                f"{catalog}: required column {column!r} not found (choose another with {flag}); "
                f"columns: {', '.join(columns)}{hint}"
            )
    yield from rows


def _csv_records(catalog: Path, delimiter: str) -> tuple[list[str], Iterator[tuple[int, dict[str, Any] | Rejected]]]:
    """The header and each data row; bytes that are not UTF-8 survive (surrogate-escaped) so the row can be
    quarantined with its field, instead of failing the file."""
    text = catalog.read_bytes().decode("utf-8-sig", errors="surrogateescape")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = next(reader, None)
    if not header:
        raise CatalogError(f"{catalog}: the file is empty (no header row)")

    def rows() -> Iterator[tuple[int, dict[str, Any] | Rejected]]:
        for row_number, values in enumerate(reader, start=1):
            if len(values) != len(header):
                raw = {"line": delimiter.join(values)}
                reason = f"has {len(values)} fields, the header has {len(header)} (line {reader.line_num})"
                yield row_number, Rejected(row_number, None, STAGE, "(row)", reason, raw)
            else:
                yield row_number, dict(zip(header, values))

    return header, rows()


def _jsonl_records(catalog: Path) -> Iterator[tuple[int, dict[str, Any] | Rejected]]:
    with catalog.open(encoding="utf-8-sig", errors="surrogateescape") as lines:
        for row_number, line in enumerate(lines, start=1):
            if not line.strip():
                yield row_number, Rejected(row_number, None, STAGE, "(line)", "empty line", {"line": line})
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                yield row_number, Rejected(row_number, None, STAGE, "(line)", f"not valid JSON: {error}", {"line": line})
                continue
            if not isinstance(record, dict):
                yield row_number, Rejected(row_number, None, STAGE, "(line)", "not a JSON object", {"line": line})
                continue
            yield row_number, record


def _row_problem(
    record: dict[str, Any], settings: Settings, first_row_of: dict[str, int], catalog_dir: Path
) -> tuple[str, str] | None:
    for field, value in record.items():
        if isinstance(value, str) and (bad := _UNDECODABLE.search(value)):
            return str(field), f"not valid UTF-8 (byte 0x{ord(bad.group()) - 0xDC00:02X})"
        if isinstance(value, str) and "\x00" in value:
            return str(field), "contains a NUL byte"
    product_id = _text(record.get(settings.id_col))
    if not product_id:
        return settings.id_col, "missing product id"
    if product_id in first_row_of:
        return settings.id_col, f"duplicate product id {product_id!r} (first seen at row {first_row_of[product_id]})"
    title = _text(record.get(settings.title_col))
    if not title:
        return settings.title_col, "missing title"
    if len(title) > settings.max_title_chars:
        return settings.title_col, f"title has {len(title)} characters, more than --max-title-chars {settings.max_title_chars}"
    image = _text(record.get(settings.image_col))
    if image and "://" not in image and not Path(image).expanduser().is_absolute():
        if not Path(resolve_image(image, catalog_dir)).is_relative_to(catalog_dir.resolve()):
            return settings.image_col, "relative image path escapes the catalog's folder"
    return None


def _normalize(record: dict[str, Any], row_number: int, catalog_dir: Path, settings: Settings) -> dict[str, Any]:
    core = {settings.id_col, settings.title_col, settings.description_col, settings.image_col}
    attributes = {key: _text(value) for key, value in record.items() if key not in core and _text(value)}
    image = _text(record.get(settings.image_col))
    return {
        "product_id": _text(record[settings.id_col]),
        "title": " ".join(_text(record[settings.title_col]).split()),
        "description": _text(record.get(settings.description_col)) or None,
        "image_uri": resolve_image(image, catalog_dir) if image else None,
        "attributes": json.dumps(attributes, ensure_ascii=False, sort_keys=True),
        "source_row": row_number,
    }


def resolve_image(reference: str, catalog_dir: Path) -> str:
    """A URL stays as it is; a path is made absolute, relative paths against the catalog's folder."""
    if "://" in reference:
        return reference
    path = Path(reference).expanduser()
    return str(path if path.is_absolute() else (catalog_dir / path).resolve())


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()
