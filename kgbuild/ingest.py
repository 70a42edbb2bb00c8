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

from kgbuild import quarantine, validation
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


def run(catalog: Path, layout: Layout, settings: Settings, version: str | None = None) -> dict[str, Any]:
    """Reads, validates (the ``ingest`` suite) and writes the catalog's products; with a build ``version``, also
    keeps the validation result and its Data Docs."""
    catalog = Path(catalog).absolute()
    parsed: list[tuple[int, dict[str, Any]]] = []
    rejected: list[Rejected] = []
    columns, records = _records(catalog)
    for row_number, record in records:
        if isinstance(record, Rejected):
            rejected.append(record)
        elif problem := _reader_problem(record, settings, catalog.parent):
            rejected.append(Rejected(row_number, _text(record.get(settings.id_col)) or None, STAGE, *problem, record))
        else:
            parsed.append((row_number, record))
    input_rows = len(parsed) + len(rejected)
    if input_rows == 0:
        raise CatalogError(f"{catalog}: the catalog has no data rows")
    session = validation.Session()
    outcome = session.validate(
        STAGE,
        _frame(parsed, columns, settings),
        parameters={"max_title_chars": settings.max_title_chars},
        fields={"product_id": settings.id_col, "title": settings.title_col, "image": settings.image_col},
    )
    kept = {"validation": session.keep(layout, version, [outcome]) | {"warnings": outcome.warnings}} if version else {}
    if outcome.stops:
        raise CatalogError(_stop_message(catalog, columns, outcome, settings))
    accepted = []
    for row_number, record in parsed:
        if failure := outcome.rows.get(row_number):
            product_id = _text(record.get(settings.id_col)) or None
            rejected.append(Rejected(row_number, product_id, STAGE, failure.field, failure.reason, record))
        else:
            accepted.append(_normalize(record, row_number, catalog.parent, settings))
    rejected.sort(key=lambda r: r.source_row)
    write_parquet(pd.DataFrame(accepted, columns=PRODUCT_SCHEMA.names), layout.products, PRODUCT_SCHEMA)
    quarantine.write(rejected, layout.quarantine(STAGE))
    report = {"input_rows": input_rows, "accepted": len(accepted), "quarantined": len(rejected), **kept}
    assert report["input_rows"] == report["accepted"] + report["quarantined"], report
    return report


def _records(catalog: Path) -> tuple[list[str] | None, Iterator[tuple[int, dict[str, Any] | Rejected]]]:
    """The header (None for JSONL, which has none) and (1-based data row number, record) for each row."""
    if not catalog.is_file():
        raise CatalogError(f"{catalog}: catalog file not found")
    suffix = catalog.suffix.lower()
    if suffix in JSONL_SUFFIXES:
        return None, _jsonl_records(catalog)
    if suffix in CSV_SUFFIXES:
        return _csv_records(catalog, CSV_SUFFIXES[suffix])
    if suffix in PARQUET_SUFFIXES:
        try:
            table = ds.dataset(catalog, format="parquet").to_table()
        except pa.ArrowInvalid as error:
            raise CatalogError(f"{catalog}: not a readable Parquet file: {error}") from error
        return table.column_names, enumerate(table.to_pylist(), start=1)
    raise CatalogError(f"{catalog}: unsupported catalog format {suffix!r} (use .csv, .tsv, .jsonl or .parquet)")


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


def _reader_problem(record: dict[str, Any], settings: Settings, catalog_dir: Path) -> tuple[str, str] | None:
    """What the validation suite cannot see: bytes that were not text, and paths leaving the catalog's folder."""
    for field, value in record.items():
        if isinstance(value, str) and (bad := _UNDECODABLE.search(value)):
            return str(field), f"not valid UTF-8 (byte 0x{ord(bad.group()) - 0xDC00:02X})"
        if isinstance(value, str) and "\x00" in value:
            return str(field), "contains a NUL byte"
    image = _text(record.get(settings.image_col))
    if image and "://" not in image and not Path(image).expanduser().is_absolute():
        if not Path(resolve_image(image, catalog_dir)).is_relative_to(catalog_dir.resolve()):
            return settings.image_col, "relative image path escapes the catalog's folder"
    return None


def _frame(parsed: list[tuple[int, dict[str, Any]]], columns: list[str] | None, settings: Settings) -> pd.DataFrame:
    """What the ``ingest`` suite judges: the core fields as text (None when empty) and the id and title as read.
    A header without a required column leaves it out of the frame; JSONL has no header, so there a missing key is
    a missing value of that row."""
    present = set(columns) if columns is not None else {settings.id_col, settings.title_col} | {k for _, r in parsed for k in r}
    core = {"product_id": settings.id_col, "title": settings.title_col, "image": settings.image_col}
    data: dict[str, list[Any]] = {validation.ROW: [row for row, _ in parsed]}
    for name, column in core.items():
        if column in present:
            data[name] = [(_title(r.get(column)) if name == "title" else _text(r.get(column))) or None for _, r in parsed]
    for name in ("product_id", "title"):
        if core[name] in present:
            data[f"raw_{name}"] = [r.get(core[name]) for _, r in parsed]
    return pd.DataFrame({name: pd.Series(values, dtype="int64" if name == validation.ROW else object) for name, values in data.items()})


def _stop_message(catalog: Path, columns: list[str] | None, outcome: validation.Outcome, settings: Settings) -> str:
    failure = outcome.stops[0]
    detail = ""
    if failure.expectation == "expect_column_to_exist" and columns is not None:
        flag = {settings.id_col: "--id-col", settings.title_col: "--title-col"}[failure.field]
        hint = next((f" (the header looks {d!r}-separated: wrong delimiter?)" for d in ";|\t," if len(columns) == 1 and d in columns[0]), "")
        detail = f" (choose another with {flag}); columns: {', '.join(columns)}{hint}"
    return validation.stop_message(catalog, outcome, detail)


def _normalize(record: dict[str, Any], row_number: int, catalog_dir: Path, settings: Settings) -> dict[str, Any]:
    core = {settings.id_col, settings.title_col, settings.description_col, settings.image_col}
    attributes = {key: _text(value) for key, value in record.items() if key not in core and _text(value)}
    image = _text(record.get(settings.image_col))
    return {
        "product_id": _text(record[settings.id_col]),
        "title": _title(record[settings.title_col]),
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


def _title(value: Any) -> str:
    return " ".join(_text(value).split())


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()
