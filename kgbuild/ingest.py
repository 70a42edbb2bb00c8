"""Ingest stage: a catalog (CSV, TSV, JSONL or Parquet) → normalized ``products.parquet`` + quarantine.

Every input row ends up either accepted or quarantined with a reason; the counts are checked to add up.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from kgbuild import quarantine, validation
from kgbuild.domain import PRODUCT_SCHEMA
from kgbuild.errors import BadInput, check_accounting
from kgbuild.quarantine import Rejected
from kgbuild.settings import Settings
from kgbuild.stage import BuildContext, StageReport
from kgbuild.workdir import write_parquet

STAGE = "ingest"
CSV_SUFFIXES = {".csv": ",", ".tsv": "\t"}
_DELIMITER_FLAGS = {"\t": "tab"}  # how --delimiter spells a separator a shell cannot pass as it is
_UNDECODABLE = re.compile("[\udc80-\udcff]")  # bytes the catalog's encoding could not decode, kept by surrogateescape
_SURROGATE = re.compile("[\ud800-\udfff]")  # from a JSON "\\ud800" escape: no UTF-8 for it
_UNSTORABLE = re.compile("[\ud800-\udfff\x00]")  # either of the above, or a NUL
_CSV_FIELD_LIMIT = 2**31 - 1  # the reader takes any field; max_field_chars decides what is too long
# What separates the images of an image field that lists several (WooCommerce, PrestaShop and Magento exports)
_IMAGE_LIST_SEPARATOR = re.compile(r"\s*[,;|]\s*|\s+")
_IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".gif", ".bmp", ".tif", ".tiff", ".avif"}
# Properties kgbuild sets on a Product node: a catalog column of the same name is renamed, never overwrites them.
RESERVED_PROPERTIES = ("product_id", "title", "description", "catalog", "last_build")
RENAMED_PREFIX = "catalog_"
JSONL_SUFFIXES = {".jsonl", ".ndjson", ".json"}
PARQUET_SUFFIXES = {".parquet", ".pq"}


class CatalogError(BadInput):
    """The catalog as a whole cannot be read (as opposed to single bad rows, which are quarantined)."""


def run(context: BuildContext) -> StageReport:
    """Reads, validates (the ``ingest`` suite) and writes the catalog's products, and keeps the validation result
    and its Data Docs under the build's version. The catalog's bytes are read once: the report's
    ``catalog_sha256`` is the checksum of exactly what was ingested."""
    catalog, layout, settings = context.catalog, context.layout, context.settings
    parsed: list[tuple[int, dict[str, Any]]] = []
    rejected: list[Rejected] = []
    source = read(catalog, settings)
    for row_number, record in source.records:
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
        _frame(parsed, source.columns, settings),
        parameters={"max_title_chars": settings.max_title_chars},
        fields={"product_id": settings.id_col, "title": settings.title_col, "image": settings.image_col},
    )
    kept = {}
    if context.keeps_validation:
        kept = {"validation": session.keep(layout, context.version, [outcome]) | {"warnings": outcome.warnings}}
    if outcome.stops:
        raise CatalogError(_stop_message(catalog, source.columns, outcome, settings))
    accepted, truncated, image_lists = [], [], []
    for row_number, record in parsed:
        if failure := outcome.rows.get(row_number):
            product_id = _text(record.get(settings.id_col)) or None
            rejected.append(Rejected(row_number, product_id, STAGE, failure.field, failure.reason, record))
        else:
            images = _image_references(record.get(settings.image_col))
            if len(images) > 1:
                image_lists.append(row_number)
            product = _normalize(record, row_number, next(iter(images), None), catalog.parent, settings)
            if product["description"] and len(product["description"]) > settings.max_description_chars:
                truncated.append(row_number)
                product["description"] = _cut(product["description"], settings.max_description_chars)
            accepted.append(product)
    rejected.sort(key=lambda r: r.source_row)
    write_parquet(pd.DataFrame(accepted, columns=PRODUCT_SCHEMA.names), layout.products, PRODUCT_SCHEMA)
    quarantine.write(rejected, layout.quarantine(STAGE))
    report = {"input_rows": input_rows, "accepted": len(accepted), "quarantined": len(rejected)}
    check_accounting(STAGE, report)
    return StageReport(
        STAGE,
        {
            **report,
            "catalog_sha256": source.sha256,
            "blank_lines": source.blank_lines,
            "renamed_columns": source.renamed,
            "truncated_descriptions": {"rows": len(truncated), "first_rows": truncated[:20]},
            # a product has one image: the first its image field lists
            "listed_images": {"rows": len(image_lists), "first_rows": image_lists[:20]},
            **kept,
        },
    )


@dataclass
class Source:
    """One catalog read from its bytes: the (renamed) header, None for JSONL, and the records, numbered from 1."""

    sha256: str
    columns: list[str] | None
    records: Iterator[tuple[int, dict[str, Any] | Rejected]]
    renamed: dict[str, str] = field(default_factory=dict)  # catalog column → the name kgbuild stores it under
    blank_lines: int = 0  # counted once the records have been read


def read(catalog: Path, settings: Settings) -> Source:
    if not catalog.is_file():
        raise CatalogError(f"{catalog}: catalog file not found")
    suffix = catalog.suffix.lower()
    if suffix not in JSONL_SUFFIXES | CSV_SUFFIXES.keys() | PARQUET_SUFFIXES:
        raise CatalogError(f"{catalog}: unsupported catalog format {suffix!r} (use .csv, .tsv, .jsonl or .parquet)")
    data = catalog.read_bytes()
    source = Source(hashlib.sha256(data).hexdigest(), None, iter(()))
    if suffix in JSONL_SUFFIXES:
        source.records = _jsonl_records(data, settings, source)
    elif suffix in CSV_SUFFIXES:
        _csv_records(catalog, data, settings.delimiter or CSV_SUFFIXES[suffix], settings, source)
    else:
        try:
            table = pq.read_table(pa.BufferReader(data))
        except pa.ArrowInvalid as error:
            raise CatalogError(f"{catalog}: not a readable Parquet file: {error}") from error
        source.columns = _column_names(catalog, table.column_names, settings, source.renamed)
        source.records = enumerate(table.rename_columns(source.columns).to_pylist(), start=1)
    return source


def _column_names(catalog: Path, header: list[str], settings: Settings, renamed: dict[str, str]) -> list[str]:
    """The header with every name usable as a Neo4j property and none overwriting one kgbuild owns: an empty name
    becomes ``column_<n>``, a repeated one ``<name>_<k>``, a reserved one ``catalog_<name>``, bytes that are not
    UTF-8 ``\\udcXX`` escapes, and the one column named like an id, title, description or image column setting but
    for its case takes that setting's name ("Description" for ``description``, as shop exports write it) where no
    column has it; ``renamed`` gets each change."""
    if len(header) > settings.max_columns:
        raise CatalogError(f"{catalog}: {len(header)} columns, more than max_columns={settings.max_columns}")
    core = {settings.id_col, settings.title_col, settings.description_col}
    configured = {*core, settings.image_col}
    stripped = [name.strip() for name in header]
    by_case: dict[int, str] = {}  # header position → the setting's name its column stands for
    for name in configured - set(stripped):
        alike = [i for i, column in enumerate(stripped) if column.casefold() == name.casefold()]
        if len(alike) == 1:
            by_case[alike[0]] = name
    names: list[str] = []
    for position, name in enumerate(header, start=1):
        new = stripped[position - 1].encode("utf-8", "backslashreplace").decode() or f"column_{position}"  # not UTF-8
        new = by_case.get(position - 1, new)
        if new in RESERVED_PROPERTIES and new not in core:
            new = RENAMED_PREFIX + new
        base, copy = new, 1
        while new in names:
            copy += 1
            new = f"{base}_{copy}"
        if new != name:
            renamed[name if name not in renamed else f"{name} (column {position})"] = new
        names.append(new)
    return names


def _csv_records(catalog: Path, data: bytes, delimiter: str, settings: Settings, source: Source) -> None:
    """The header and each data row; bytes the encoding cannot decode survive (surrogate-escaped) so the row can be
    quarantined with its field, instead of failing the file. Blank lines are skipped and counted."""
    text = _decoded(data, settings)
    lines = list(io.StringIO(text, newline=""))
    csv.field_size_limit(_CSV_FIELD_LIMIT)
    header = next(csv.reader(lines[:1], delimiter=delimiter), None)
    if not header:
        raise CatalogError(f"{catalog}: the file is empty (no header row)")
    columns = source.columns = _column_names(catalog, header, settings, source.renamed)
    id_at = columns.index(settings.id_col) if settings.id_col in columns else None

    def rows() -> Iterator[tuple[int, dict[str, Any] | Rejected]]:
        row_number = 0
        for values, first, last in _csv_spans(lines, delimiter, len(header), id_at):
            if values is not _SWALLOWING and not "".join(values).strip() and len(values) < len(header):
                source.blank_lines += 1
                continue
            row_number += 1
            where = f"line {first + 1}" if last == first + 1 else f"lines {first + 1}-{last}"
            if values is _SWALLOWING:
                reason = f"a quote opened on line {first + 1} is closed only after lines that read as rows: {where}"
                yield row_number, Rejected(row_number, None, STAGE, "(row)", reason, {"line": lines[first]})
            elif len(values) != len(header):
                raw = {"line": delimiter.join(values)}
                reason = f"has {len(values)} fields, the header has {len(header)} ({where})"
                yield row_number, Rejected(row_number, None, STAGE, "(row)", reason, raw)
            else:
                yield row_number, dict(zip(columns, values, strict=True))

    source.records = rows()


_SWALLOWING: list[str] = []  # marks a line whose quote swallows the rows after it


def _csv_spans(lines: list[str], delimiter: str, width: int, id_at: int | None) -> Iterator[tuple[list[str], int, int]]:
    """(values, first line, end line) of each record after the header (line indices, 0-based, end exclusive). A
    record whose quoted field runs over lines that read as rows of their own (a stray quote: ``"27 inch monitor``)
    is given as ``_SWALLOWING`` for its first line, and reading restarts on the next line."""
    position = 1
    while position < len(lines):
        reader = csv.reader(islice(lines, position, None), delimiter=delimiter)
        start = position
        for values in reader:
            first, position = position, start + reader.line_num
            if position - first > 1 and any(
                _reads_as_row(line, delimiter, width, id_at) for line in lines[first + 1 : position]
            ):
                yield _SWALLOWING, first, position
                position = first + 1
                break
            yield values, first, position
        else:
            return


def _reads_as_row(line: str, delimiter: str, width: int, id_at: int | None) -> bool:
    """A line that is a whole record by itself: as many fields as the header and an id without spaces."""
    if id_at is None:
        return False
    try:
        values = next(csv.reader([line], delimiter=delimiter, strict=True), [])
    except csv.Error:
        return False
    product_id = values[id_at].strip() if len(values) == width else ""
    return bool(product_id) and not any(c.isspace() for c in product_id)


def _decoded(data: bytes, settings: Settings) -> str:
    """The catalog's text in ``settings.encoding`` (a UTF-8 byte-order mark dropped); bytes it cannot decode survive
    as surrogate escapes, so that their row is quarantined with its field instead of failing the file."""
    encoding = "utf-8-sig" if settings.encoding == "utf-8" else settings.encoding
    return data.decode(encoding, errors="surrogateescape")


def _jsonl_records(data: bytes, settings: Settings, source: Source) -> Iterator[tuple[int, dict[str, Any] | Rejected]]:
    text = _decoded(data, settings)
    row_number = 0
    for line in io.StringIO(text, newline=""):
        if not line.strip():
            source.blank_lines += 1
            continue
        row_number += 1
        raw = {"line": line[: settings.max_field_chars]}
        if (depth := _nesting(line)) > settings.max_nesting:
            reason = f"nested {depth} deep, more than max_nesting={settings.max_nesting}"
            yield row_number, Rejected(row_number, None, STAGE, "(line)", reason, raw)
            continue
        try:
            record = json.loads(line, object_pairs_hook=_keys_kept)
        except json.JSONDecodeError as error:
            yield row_number, Rejected(row_number, None, STAGE, "(line)", f"not valid JSON: {error}", raw)
            continue
        if not isinstance(record, dict):
            yield row_number, Rejected(row_number, None, STAGE, "(line)", "not a JSON object", raw)
            continue
        names = _column_names(Path("(line)"), list(record), settings, source.renamed)
        yield row_number, dict(zip(names, record.values(), strict=True))


def _keys_kept(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object whose repeated keys are all kept (``name``, ``name_2``) instead of the last one winning."""
    record: dict[str, Any] = {}
    for key, value in pairs:
        name, copy = key, 1
        while name in record:
            copy += 1
            name = f"{key}_{copy}"
        record[name] = value
    return record


def _nesting(line: str) -> int:
    """How deep brackets nest in a JSON text, outside strings."""
    depth = deepest = 0
    in_string = escaped = False
    for char in line:
        if in_string:
            escaped, in_string = (False, True) if escaped else (char == "\\", char != '"')
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def _reader_problem(record: dict[str, Any], settings: Settings, catalog_dir: Path) -> tuple[str, str] | None:
    """What the validation suite cannot see: text that cannot be stored, limits, and paths leaving the catalog's
    folder."""
    for key, value in record.items():
        text = _text(value)
        if len(text) <= settings.max_field_chars and not _UNSTORABLE.search(text):
            continue
        if bad := _UNDECODABLE.search(text):
            return str(key), _undecodable(ord(bad.group()) - 0xDC00, settings.encoding)
        if bad := _SURROGATE.search(text):
            return str(key), f"contains a lone surrogate (U+{ord(bad.group()):04X}), which is not text"
        if "\x00" in text:
            return str(key), "contains a NUL byte"
        if len(text) > settings.max_field_chars:
            return str(key), f"has {len(text)} characters, more than max_field_chars={settings.max_field_chars}"
    product_id = _text(record.get(settings.id_col))
    if len(product_id) > settings.max_id_chars:
        return (
            settings.id_col,
            f"product id has {len(product_id)} characters, more than max_id_chars={settings.max_id_chars}",
        )
    image = next(iter(_image_references(record.get(settings.image_col))), "")
    relative = bool(image) and "://" not in image and not Path(image).expanduser().is_absolute()
    # Judged on the path as written ("../../etc/passwd"); where a link in the folder leads is the images stage's to
    # judge, against the catalog's folder and --image-roots.
    if relative and not _stays_inside(image, os.path.normpath(catalog_dir.absolute())):
        return settings.image_col, "relative image path escapes the catalog's folder"
    return None


def _undecodable(byte: int, encoding: str) -> str:
    if encoding == "utf-8":
        return (
            f"not valid UTF-8 (byte 0x{byte:02X}); a catalog in another encoding needs --encoding (cp1252 from Excel)"
        )
    return f"not valid {encoding} (byte 0x{byte:02X})"


def _stays_inside(relative_path: str, folder: str) -> bool:
    return Path(os.path.normpath(os.path.join(folder, relative_path))).is_relative_to(folder)


def _frame(parsed: list[tuple[int, dict[str, Any]]], columns: list[str] | None, settings: Settings) -> pd.DataFrame:
    """What the ``ingest`` suite judges: the core fields as text (None when empty) and the id and title as read.
    A header without a required column leaves it out of the frame; JSONL has no header, so there a missing key is
    a missing value of that row."""
    present = (
        set(columns)
        if columns is not None
        else {settings.id_col, settings.title_col} | {k for _, r in parsed for k in r}
    )
    core = {"product_id": settings.id_col, "title": settings.title_col, "image": settings.image_col}
    data: dict[str, list[Any]] = {validation.ROW: [row for row, _ in parsed]}
    for name, column in core.items():
        if column in present:
            data[name] = [
                (_title(r.get(column)) if name == "title" else _text(r.get(column))) or None for _, r in parsed
            ]
    for name in ("product_id", "title"):
        if core[name] in present:
            data[f"raw_{name}"] = [r.get(core[name]) for _, r in parsed]
    return pd.DataFrame(
        {name: pd.Series(values, dtype="int64" if name == validation.ROW else object) for name, values in data.items()}
    )


def _stop_message(catalog: Path, columns: list[str] | None, outcome: validation.Outcome, settings: Settings) -> str:
    failure = outcome.stops[0]
    detail = ""
    if failure.expectation == "expect_column_to_exist" and columns is not None:
        flag = {settings.id_col: "--id-col", settings.title_col: "--title-col"}[failure.field]
        hint = next(
            (
                f" (the header looks {d!r}-separated: pass --delimiter {_DELIMITER_FLAGS.get(d, repr(d))})"
                for d in ";|\t,"
                if len(columns) == 1 and d in columns[0]
            ),
            "",
        )
        detail = f" (choose another with {flag}); columns: {', '.join(columns)}{hint}"
    return validation.stop_message(catalog, outcome, detail)


def _normalize(
    record: dict[str, Any], row_number: int, image: str | None, catalog_dir: Path, settings: Settings
) -> dict[str, Any]:
    core = {settings.id_col, settings.title_col, settings.description_col, settings.image_col}
    attributes = {key: text for key, value in record.items() if key not in core and (text := _text(value))}
    return {
        "product_id": _text(record[settings.id_col]),
        "title": _title(record[settings.title_col]),
        "description": _text(record.get(settings.description_col)) or None,
        "image_uri": resolve_image(image, catalog_dir) if image else None,
        "attributes": json.dumps(attributes, ensure_ascii=False, sort_keys=True),
        "source_row": row_number,
    }


def _image_references(value: Any) -> list[str]:
    """The images an image field names, in order: one, or a list, as a JSON array or, as shops export them, URLs or
    image files separated by commas, semicolons, bars or spaces ("https://…/a.png, https://…/b.png"). A value that
    does not split into such parts is one reference ("w_400,c_fill/a.jpg", "my photos/shirt 1.jpg")."""
    if isinstance(value, (list, tuple)):
        return [text for item in value if (text := _text(item))]
    text = _text(value)
    parts = [part for part in _IMAGE_LIST_SEPARATOR.split(text) if part]
    urls = ["://" in part for part in parts]
    if len(parts) > 1 and (all(urls) or not any(urls) and all(_image_file(part) for part in parts)):
        return parts
    return [text] if text else []


def _image_file(reference: str) -> bool:
    return Path(reference).suffix.lower() in _IMAGE_SUFFIXES


def resolve_image(reference: str, catalog_dir: Path) -> str:
    """A URL stays as it is; a path is made absolute, relative paths against the catalog's folder."""
    if "://" in reference:
        return reference
    path = Path(reference).expanduser()
    return str(path if path.is_absolute() else (catalog_dir / path).resolve())


def _title(value: Any) -> str:
    return " ".join(_text(value).split())


def _cut(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters at the last word boundary."""
    return text[: limit + 1].rsplit(None, 1)[0] if " " in text[:limit] else text[:limit]


def _text(value: Any) -> str:
    """A catalog value as text; lists and objects as JSON."""
    if isinstance(value, str):
        return value.strip()
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()
