"""The catalog registry: which catalogs a scheduled ``kg_build`` run builds into the one graph.

A TOML or YAML file, named by ``KGBUILD_CATALOGS`` (or the Airflow Variable ``kgbuild_catalogs``)::

    workdir = "/data/kgbuild"            # each catalog's work directory is <workdir>/<id>
    snapshots = "/data/kgbuild/snapshots"  # optional; default <workdir>/snapshots: one snapshot of the whole graph

    [settings]                           # optional: build settings for every catalog (KGBUILD_* names, lower case)
    clip_model = "none"

    [[catalogs]]
    id = "luma"
    location = "luma/products.csv"     # relative paths are read from the registry file's folder
    columns = {id = "sku", title = "name"}   # optional: kgbuild field -> the catalog's column
    settings = {min_support = 3}       # optional: this catalog's own settings

Every catalog's settings are the registry's, then its own, then its columns, its id and the shared snapshot folder.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from kgbuild.errors import BadInput
from kgbuild.settings import CATALOG_ID_PATTERN, Settings

ENV_VAR = "KGBUILD_CATALOGS"
AIRFLOW_VARIABLE = "kgbuild_catalogs"
COLUMN_FIELDS = ("id", "title", "description", "image", "brand")
"""The catalog fields a registry entry may map to its own columns (the ``<field>_col`` settings)."""


class RegistryError(BadInput):
    pass


class CatalogEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=CATALOG_ID_PATTERN)
    location: Path
    columns: dict[str, str] = {}
    settings: dict[str, Any] = {}

    @field_validator("columns")
    @classmethod
    def _known_fields(cls, columns: dict[str, str]) -> dict[str, str]:
        if unknown := sorted(set(columns) - set(COLUMN_FIELDS)):
            raise ValueError(f"unknown catalog fields {unknown}; fields: {', '.join(COLUMN_FIELDS)}")
        return columns


@dataclass(frozen=True)
class CatalogBuild:
    """One catalog's build as a scheduled run starts it: what to read, where to work, with which settings."""

    catalog_id: str
    catalog: Path
    workdir: Path
    settings: Settings


class Registry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    workdir: Path
    snapshots: Path | None = None
    settings: dict[str, Any] = {}
    catalogs: list[CatalogEntry] = Field(min_length=1)

    @field_validator("catalogs")
    @classmethod
    def _unique_ids(cls, catalogs: list[CatalogEntry]) -> list[CatalogEntry]:
        ids = [c.id for c in catalogs]
        if repeated := sorted({i for i in ids if ids.count(i) > 1}):
            raise ValueError(f"catalog ids listed twice: {repeated}")
        return catalogs

    def builds(self) -> list[CatalogBuild]:
        snapshots = self.snapshots or self.workdir / "snapshots"
        builds = []
        for entry in self.catalogs:
            overrides = self.settings | entry.settings | {f"{f}_col": c for f, c in entry.columns.items()}
            overrides |= {"catalog_id": entry.id, "snapshot_dir": snapshots}
            try:
                settings = Settings.from_overrides(overrides)
            except BadInput as error:
                raise RegistryError(f"catalog {entry.id!r}: {error}") from error
            builds.append(CatalogBuild(entry.id, entry.location, self.workdir / entry.id, settings))
        return builds


def load(path: str | Path) -> Registry:
    """Reads and checks a registry file; relative paths in it are taken from the file's folder."""
    path = Path(path).absolute()
    if not path.is_file():
        raise RegistryError(f"{path}: catalog registry not found")
    text = path.read_text()
    try:
        data = yaml.safe_load(text) if path.suffix in {".yaml", ".yml"} else tomllib.loads(text)
        registry = Registry.model_validate(data or {})
    except (tomllib.TOMLDecodeError, yaml.YAMLError, ValidationError) as error:
        raise RegistryError(f"{path}: not a valid catalog registry: {error}") from error
    base = path.parent
    registry = registry.model_copy(
        update={
            "workdir": base / registry.workdir,
            "snapshots": base / registry.snapshots if registry.snapshots else None,
            "catalogs": [c.model_copy(update={"location": base / c.location}) for c in registry.catalogs],
        }
    )
    try:
        registry.builds()  # every catalog's settings are valid
    except RegistryError as error:
        raise RegistryError(f"{path}: {error}") from error
    return registry


def configured(airflow_variable: str | None = None) -> Registry:
    """The registry ``KGBUILD_CATALOGS`` names, else the one the Airflow Variable names (its value, given here)."""
    named = os.environ.get(ENV_VAR) or airflow_variable
    if not named:
        raise RegistryError(
            f"no catalog registry: set {ENV_VAR} (or the Airflow Variable {AIRFLOW_VARIABLE}) to a TOML or YAML file "
            "listing the catalogs to build, or trigger kg_build with a 'catalog' param"
        )
    return load(named)
