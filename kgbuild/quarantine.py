"""Rows a stage rejects, each with the reason: nothing is dropped silently."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from kgbuild.domain import QUARANTINE_SCHEMA
from kgbuild.workdir import write_parquet


@dataclass(frozen=True)
class Rejected:
    source_row: int
    product_id: str | None
    stage: str
    field: str
    reason: str
    raw: dict[str, Any]

    def record(self) -> dict[str, Any]:
        raw = json.dumps(self.raw, ensure_ascii=False, default=str)
        if not _encodable(raw):  # bytes that were not UTF-8: kept visible as \udcXX escapes
            raw = json.dumps(self.raw, ensure_ascii=True, default=str)
        texts = {name: _visible(getattr(self, name)) for name in ("product_id", "field", "reason")}
        return {**asdict(self), **texts, "raw": raw}


def _visible(text: str | None) -> str | None:
    """Text as it can be stored: bytes that were not UTF-8 (an id or a column name) become \\udcXX escapes."""
    return (
        text
        if text is None or _encodable(text)
        else text.encode("utf-8", "backslashreplace").decode("ascii", "replace")
    )


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def write(rejected: list[Rejected], target: Path) -> Path:
    frame = pd.DataFrame([r.record() for r in rejected], columns=QUARANTINE_SCHEMA.names)
    return write_parquet(frame, target, schema=QUARANTINE_SCHEMA)
