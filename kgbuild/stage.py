"""The contract every pipeline stage follows: ``run(context: BuildContext) -> StageReport``.

The context carries what the build already knows: its work directory, settings, build record (``build.json``), the
reports of the stages that ran before it and the graph to load into. A stage reads its input tables from the layout
and writes its output tables there; it never re-reads ``build.json`` or another stage's marker.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from kgbuild.settings import Settings
from kgbuild.workdir import Layout, read_json, write_json

if TYPE_CHECKING:
    from kgbuild.graph import Graph

ACCOUNTING = ("input_rows", "accepted", "quarantined")


def catalog_id_for(catalog: Path) -> str:
    """A catalog's default id: its file name's stem and a digest of its absolute path, so the same file rebuilt is
    the same catalog and two ``products.csv`` in different folders are two."""
    path = Path(catalog).resolve()
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "-", path.stem).strip("-._")[:48] or "catalog"
    return f"{stem}-{hashlib.sha256(str(path).encode()).hexdigest()[:8]}"


class BuildRecord(BaseModel):
    """One build of one catalog, as kept in ``build.json``."""

    model_config = ConfigDict(extra="forbid")

    version: str
    workdir: str
    catalog: str
    catalog_id: str = ""
    """The catalog's id in the graph (``Settings.catalog_id``, or derived from the catalog's path)."""
    catalog_sha256: str
    started_at: str
    finished_at: str | None = None
    settings: dict[str, Any]
    models: dict[str, Any]
    completed: list[str] = []

    @classmethod
    def read(cls, layout: Layout) -> BuildRecord:
        return cls.model_validate(read_json(layout.build_file))

    def write(self, layout: Layout) -> None:
        write_json(self.model_dump(mode="json"), layout.build_file)

    def reports(self, layout: Layout) -> dict[str, StageReport]:
        """The reports of this build's completed stages, in stage order."""
        markers = (read_json(path) for s in self.completed if (path := layout.stage_marker(s)).is_file())
        return {
            m["stage"]: StageReport(m["stage"], m["report"], m["seconds"])
            for m in markers
            if m["version"] == self.version
        }

    @staticmethod
    def new_version() -> str:
        """A sortable UTC timestamp, to the millisecond."""
        return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")[:-3] + "Z"


@dataclass(frozen=True)
class StageReport(Mapping[str, Any]):
    """What one stage did: its figures by name (JSON values), read like a mapping; ``seconds`` once timed."""

    stage: str
    figures: dict[str, Any]
    seconds: float | None = None

    def __getitem__(self, key: str) -> Any:
        return self.figures[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.figures)

    def __len__(self) -> int:
        return len(self.figures)

    @property
    def accounting(self) -> dict[str, int]:
        """input_rows = accepted + quarantined, for the stages that take rows in."""
        return {key: self.figures[key] for key in ACCOUNTING if key in self.figures}

    def write(self, layout: Layout, version: str) -> None:
        marker = {"version": version, "stage": self.stage, "seconds": self.seconds, "report": self.figures}
        write_json(marker, layout.stage_marker(self.stage))


@dataclass(frozen=True)
class BuildContext:
    """What a stage is given: the work directory, the settings, the build, the earlier stages' reports, the graph
    (the load stage's target; None: the one NEO4J_* names)."""

    layout: Layout
    settings: Settings
    build: BuildRecord
    reports: Mapping[str, StageReport] = field(default_factory=dict)
    graph: Graph | None = None
    keeps_validation: bool = True
    """Whether validation results are kept under the build's version (with their Data Docs)."""

    @property
    def version(self) -> str:
        return self.build.version

    @property
    def catalog(self) -> Path:
        return Path(self.build.catalog)

    @property
    def catalog_id(self) -> str:
        return self.build.catalog_id

    @property
    def snapshot_root(self) -> Path:
        return self.settings.snapshot_dir or self.layout.snapshots

    @classmethod
    def standalone(
        cls, workdir: Path | Layout, settings: Settings, catalog: Path | None = None, version: str | None = None
    ) -> BuildContext:
        """A context for one stage run outside a build (a notebook, a test): nothing is read from or written to
        ``build.json``; validation results are kept only under a given ``version``."""
        layout = workdir if isinstance(workdir, Layout) else Layout(Path(workdir))
        record = BuildRecord(
            version=version or BuildRecord.new_version(),
            workdir=str(layout.root),
            catalog=str(Path(catalog).absolute()) if catalog else "",
            catalog_id=settings.catalog_id or (catalog_id_for(Path(catalog)) if catalog else "catalog"),
            catalog_sha256="",
            started_at=datetime.now(UTC).isoformat(timespec="seconds"),
            settings=settings.model_dump(mode="json"),
            models={},
        )
        return cls(layout, settings, record, keeps_validation=version is not None)
