"""Data quality: Great Expectations suites kept in ``kgbuild/expectations/`` judge a stage's rows.

* ``ingest`` runs on the rows the catalog reader could parse; the ``pre_load.*`` suites run on the tables the load
  stage sends to Neo4j (:func:`pre_load`).
* A row-level (column map) expectation that fails sends each failing row to quarantine, with a reason naming the
  expectation and the field. A row's reason is its first failing expectation in suite order. A unique-value
  expectation keeps the first row (in source order) among the rows that pass everything else.
* A dataset-level expectation that fails (a required column is missing), or one that cannot run, stops the stage
  with :class:`ValidationFailed` naming the file and the expectation.
* Expectations of severity ``warning`` are counted and never quarantine.
* Suite meta per expectation: ``reason`` (a template over the row's columns, ``value``, ``length``, ``type``,
  ``first_row``, ``column`` and the suite parameters), ``field`` (the reported column when the judged one is derived)
  and ``optional_column`` (checked only when the frame has the column).

Per build, the results are kept as ``validation/<version>/<suite>.json`` and rendered as GX Data Docs in
``validation/data_docs/``. Great Expectations is imported on first use (about 3 s), not when kgbuild is.
"""

from __future__ import annotations

import json
import shutil
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import pandas as pd
import pyarrow.parquet as pq

from kgbuild import quarantine
from kgbuild.errors import BadInput, check_accounting
from kgbuild.quarantine import Rejected
from kgbuild.workdir import Layout, jsonable, read_json, read_parquet, staged_folder, write_json, write_parquet

if TYPE_CHECKING:
    from great_expectations.data_context.store.store import DataDocsSiteConfigTypedDict

SUITES = Path(__file__).with_name("expectations")
ROW = "source_row"  # every frame handed to GX carries the 1-based row number of its source
UNIQUE = "expect_column_values_to_be_unique"
TYPE_EXPECTATIONS = {"expect_column_values_to_be_in_type_list", "expect_column_values_to_be_of_type"}
DATA_DOCS_BUILDS = 30  # Data Docs render the newest builds' results; older ones stay as JSON
RENDERED_FILE = ".rendered.json"  # the results whose pages a Data Docs folder holds
PRE_LOAD_STAGE = "load"


class ValidationFailed(BadInput):
    """A dataset-level expectation failed: the stage stops."""


@dataclass(frozen=True)
class Failure:
    suite: str
    expectation: str
    field: str
    message: str

    @property
    def reason(self) -> str:
        return f"{self.message} [{self.suite}: {self.expectation}]"


@dataclass
class Outcome:
    suite: str
    result: dict[str, Any]  # the GX suite validation result, as JSON
    rows: dict[int, Failure] = field(default_factory=dict)  # source row → its first failing expectation
    stops: list[Failure] = field(default_factory=list)
    warnings: dict[str, int] = field(default_factory=dict)  # "expectation on column" → failing rows


def suite_spec(name: str) -> dict[str, Any]:
    """A suite as stored in the repository (GX's JSON form)."""
    return json.loads((SUITES / f"{name}.json").read_text())


def suite_names() -> list[str]:
    return sorted(p.name.removesuffix(".json") for p in SUITES.iterdir() if p.name.endswith(".json"))


class Session:
    """One ephemeral GX context for one stage call: validates frames, keeps results, renders Data Docs."""

    def __init__(self) -> None:
        import great_expectations as gx
        from great_expectations.data_context.types.base import (
            DataContextConfig,
            InMemoryStoreBackendDefaults,
            ProgressBarsConfig,
        )

        self._gx = gx
        config = DataContextConfig(
            store_backend_defaults=InMemoryStoreBackendDefaults(),
            analytics_enabled=False,
            progress_bars=ProgressBarsConfig(globally=False),
        )
        self.context = gx.get_context(project_config=config, mode="ephemeral")
        self._source = self.context.data_sources.add_pandas("kgbuild")

    def validate(
        self,
        suite_name: str,
        frame: pd.DataFrame,
        *,
        parameters: dict[str, Any] | None = None,
        fields: dict[str, str] | None = None,
    ) -> Outcome:
        """Runs a suite over ``frame``; ``fields`` maps frame columns to the names reported (the catalog's)."""
        spec = suite_spec(suite_name)
        spec["expectations"] = [
            e
            for e in spec["expectations"]
            if not (e.get("meta", {}).get("optional_column") and e["kwargs"]["column"] not in frame.columns)
        ]
        suite = self.context.suites.add(self._gx.ExpectationSuite(**spec))
        batch = self._source.add_dataframe_asset(suite_name).add_batch_definition_whole_dataframe(suite_name)
        typed = {e["kwargs"]["column"] for e in spec["expectations"] if e["type"] in TYPE_EXPECTATIONS}
        result = batch.get_batch(batch_parameters={"dataframe": _plain(frame, typed)}).validate(
            suite,
            expectation_parameters=parameters,
            result_format={"result_format": "COMPLETE", "unexpected_index_column_names": [ROW]},
        )
        return _judge(suite_name, suite, result, frame, parameters or {}, fields or {})

    def keep(self, layout: Layout, version: str, outcomes: list[Outcome]) -> dict[str, Any]:
        """Writes each result to ``validation/<version>/<suite>.json`` and re-renders the Data Docs of every kept
        result; returns their paths."""
        at = datetime.now(UTC).isoformat()
        paths = []
        for outcome in outcomes:
            meta = outcome.result["meta"]
            meta["run_id"] = {"run_name": version, "run_time": at}
            meta["validation_time"] = at
            paths.append(str(write_json(outcome.result, layout.validation_result(version, outcome.suite))))
        return {"results": paths, "data_docs": str(self._render(layout))}

    def _render(self, layout: Layout) -> Path:
        """Data Docs of every kept result, built in a hidden folder and then renamed into place. Pages already
        rendered (``RENDERED_FILE`` lists them) are copied from the current Data Docs; only new results, the suites
        and the index are rendered."""
        from great_expectations.core import ExpectationSuiteValidationResult
        from great_expectations.core.run_identifier import RunIdentifier
        from great_expectations.data_context.types.resource_identifiers import (
            ExpectationSuiteIdentifier,
            ValidationResultIdentifier,
        )

        store = self.context.validation_results_store
        root = layout.validation_root
        builds = sorted(
            d for d in root.iterdir() if d.is_dir() and not d.name.startswith(".") and d != layout.data_docs
        )
        rendered_before = layout.data_docs / RENDERED_FILE
        have_pages = set(map(tuple, read_json(rendered_before))) if rendered_before.is_file() else set()
        kept, to_render = [], []
        for path in sorted(p for build in builds[-DATA_DOCS_BUILDS:] for p in build.glob("*.json")):
            stored = read_json(path)
            run = stored["meta"]["run_id"]  # as :meth:`keep` wrote it
            page = (str(path.relative_to(root)), run["run_time"])
            kept.append(page)
            key = ValidationResultIdentifier(
                expectation_suite_identifier=ExpectationSuiteIdentifier(name=stored["suite_name"]),
                run_id=RunIdentifier(run_name=run["run_name"], run_time=run["run_time"]),
                batch_identifier=path.stem,
            )
            if page in have_pages:  # listed in the index only: its outcome and meta are all the index reads
                stored["results"] = []
            else:
                to_render.append(key)
            store.set(key, ExpectationSuiteValidationResult(**stored))
        validated = {suite.name for suite in self.context.suites.all()}
        for name in set(suite_names()) - validated:
            self.context.suites.add(self._gx.ExpectationSuite(**suite_spec(name)))
        suites = [ExpectationSuiteIdentifier(name=name) for name in suite_names()]
        with staged_folder(layout.data_docs) as staging:
            if have_pages:
                shutil.copytree(layout.data_docs, staging, dirs_exist_ok=True)
            site: DataDocsSiteConfigTypedDict = {
                "class_name": "SiteBuilder",
                "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(staging)},
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder", "show_how_to_buttons": False},
            }
            self.context.add_data_docs_site("kgbuild", site)
            # The index removes the pages of results no longer kept; their emptied folders go here.
            pages: list[Any] = [*suites, *to_render]  # GX's hint names one kind of identifier; it renders either
            self.context.build_data_docs(site_names=["kgbuild"], resource_identifiers=pages)
            for folder in sorted((p for p in staging.rglob("*") if p.is_dir()), reverse=True):
                if not any(folder.iterdir()):
                    folder.rmdir()
            write_json(kept, staging / RENDERED_FILE)
        return layout.data_docs / "index.html"


def _plain(frame: pd.DataFrame, typed: set[str]) -> pd.DataFrame:
    """The text columns that type-list expectations check as plain ``object``: GX 1.24 misjudges pandas 3's ``str``
    dtype there. Only those: a Python string per cell of millions of rows costs gigabytes."""
    return frame.astype({c: object for c in typed & set(frame.columns) if pd.api.types.is_string_dtype(frame[c].dtype)})


def _judge(
    suite_name: str, suite: Any, result: Any, frame: pd.DataFrame, parameters: dict[str, Any], fields: dict[str, str]
) -> Outcome:
    outcome = Outcome(suite_name, result.to_json_dict())
    order = {e.id: i for i, e in enumerate(suite.expectations)}
    rows_of = None  # the frame by row number, made when a row fails
    failing: dict[int, list[tuple[int, Failure]]] = defaultdict(list)
    duplicates: list[tuple[int, Any, dict[str, Any]]] = []
    for item in sorted(result.results, key=lambda r: order[r.expectation_config.id]):
        if item.success:
            continue
        config = item.expectation_config
        meta = config.meta or {}
        column = config.kwargs.get("column")
        reported = _reported(config, fields)
        label = f"{config.type} on {column}"
        unexpected = item.result.get("unexpected_index_list")
        error = _exception_message(item.exception_info or {})
        if config.severity != "critical":
            outcome.warnings[label] = len(unexpected or [])
        elif error or unexpected is None:  # a dataset-level expectation, or one that could not run
            message = (
                f"{label} could not run: {error}" if error else meta["reason"].format(column=reported, **parameters)
            )
            outcome.stops.append(Failure(suite_name, config.type, reported, message))
        else:
            if rows_of is None:
                rows_of = frame.set_index(ROW, drop=False)
            for entry in unexpected:
                row = cast(dict[str, Any], rows_of.loc[int(entry[ROW])].to_dict())  # column name → value
                if config.type == UNIQUE:
                    duplicates.append((order[config.id], config, row))
                    continue
                value = row[column]
                values = {**row, **parameters, "value": value, "length": _length(value), "type": type(value).__name__}
                failure = Failure(suite_name, config.type, reported, meta["reason"].format(**values, column=reported))
                failing[int(row[ROW])].append((order[config.id], failure))
    kept: dict[tuple[str, Any], int] = {}
    for _, config, row in sorted(duplicates, key=lambda d: d[2][ROW]):
        key = (config.kwargs["column"], row[config.kwargs["column"]])
        if key not in kept and int(row[ROW]) not in failing:
            kept[key] = int(row[ROW])
    for position, config, row in duplicates:
        column = config.kwargs["column"]
        first = kept.get((column, row[column]))
        if first is not None and first != row[ROW]:
            reported = _reported(config, fields)
            message = config.meta["reason"].format(
                **row, **parameters, value=row[column], first_row=first, column=reported
            )
            failing[int(row[ROW])].append((position, Failure(suite_name, config.type, reported, message)))
    outcome.rows = {row: min(found, key=lambda f: f[0])[1] for row, found in sorted(failing.items())}
    return outcome


def _exception_message(info: dict[str, Any]) -> str | None:
    """GX reports an exception either directly or per metric."""
    if "raised_exception" in info:
        return info["exception_message"] if info["raised_exception"] else None
    return next((m for v in info.values() if isinstance(v, dict) and (m := _exception_message(v))), None)


def _reported(config: Any, fields: dict[str, str]) -> str:
    """The field a failure is reported under: the meta ``field`` or the judged column, by its catalog name."""
    name = (config.meta or {}).get("field", config.kwargs.get("column"))
    return fields.get(name, name) or "(table)"


def _length(value: Any) -> int | None:
    return len(value) if isinstance(value, str) else None


def stop_message(file: Path | str, outcome: Outcome, detail: str = "") -> str:
    """The first dataset-level failure, naming the file and the expectation."""
    failure = outcome.stops[0]
    return f"{file}: {failure.message}{detail} [{outcome.suite}: {failure.expectation}]"


PRE_LOAD = ("product_concepts", "concept_images", "concepts")  # suites pre_load.<table>, in this order
LIST_COLUMNS = ("aliases", "embedding")  # not judged; kept out of the frames GX sees


def pre_load(layout: Layout, version: str) -> dict[str, Any]:
    """Judges the tables the load stage sends to Neo4j. Accepted rows go to ``validated/`` (what load and snapshot
    read: ``layout.validated_tables()``), the others to ``quarantine/load.parquet``; a row that refers to a
    quarantined concept (a MENTIONS or DEPICTED_BY link, an is-a child) follows it there. Any dataset-level failure
    stops the load. Returns the accounting and the paths of the kept results and Data Docs."""
    sources = {name: getattr(layout, name) for name in PRE_LOAD}
    tables = {
        name: read_parquet(path).assign(**{ROW: lambda f: range(1, len(f) + 1)}) for name, path in sources.items()
    }
    products = set(read_parquet(layout.products, ["product_id"])["product_id"])
    images = set(read_parquet(layout.images, ["image_id"])["image_id"])
    concept_ids = set(tables["concepts"].get("concept_id", ()))
    accepted: dict[str, pd.DataFrame] = {}
    derived = {
        "product_concepts": lambda t: _link(
            _known(t, product_known=("product_id", products), concept_known=("concept_id", concept_ids))
        ),
        "concept_images": lambda t: _known(
            t, image_known=("image_id", images), concept_known=("concept_id", concept_ids)
        ),
        "concepts": lambda t: _hierarchy(t, accepted["product_concepts"], products),
    }
    session = Session()
    outcomes: dict[str, Outcome] = {}
    for name in PRE_LOAD:
        frame = derived[name](tables[name].drop(columns=[c for c in LIST_COLUMNS if c in tables[name]]))
        outcomes[name] = session.validate(f"pre_load.{name}", frame)
        rejected_rows = outcomes[name].rows
        accepted[name] = tables[name][~tables[name][ROW].isin(rejected_rows)] if rejected_rows else tables[name]
    kept = session.keep(layout, version, list(outcomes.values()))
    stops = [(name, stop) for name, outcome in outcomes.items() for stop in outcome.stops]
    if stops:
        name, _ = min(stops, key=lambda s: s[1].expectation != "expect_column_to_exist")  # a missing column first
        raise ValidationFailed(stop_message(sources[name], outcomes[name]) + f" (results: {kept['data_docs']})")

    reasons = {name: {row: f.reason for row, f in outcome.rows.items()} for name, outcome in outcomes.items()}
    _cascade(tables, accepted, reasons)
    rejected = []
    for name, table in tables.items():
        where = sources[name].relative_to(layout.root)
        fields = {row: f.field for row, f in outcomes[name].rows.items()}
        for row in table[table[ROW].isin(reasons[name])].to_dict(orient="records"):
            number = row.pop(ROW)
            field = fields.get(number, "parent_id" if name == "concepts" else "concept_id")
            raw = {str(k): jsonable(v) for k, v in row.items() if k != "embedding"}
            rejected.append(
                Rejected(number, row.get("product_id"), PRE_LOAD_STAGE, field, f"{where}: {reasons[name][number]}", raw)
            )
    target = layout.validated_tables()
    for name, table in accepted.items():
        write_parquet(table.drop(columns=ROW), getattr(target, name), schema=pq.read_schema(sources[name]))
    quarantine.write(rejected, layout.quarantine(PRE_LOAD_STAGE))
    counts = {
        name: {"input_rows": len(tables[name]), "accepted": len(accepted[name]), "quarantined": len(reasons[name])}
        for name in PRE_LOAD
    }
    report = {key: sum(c[key] for c in counts.values()) for key in ("input_rows", "accepted", "quarantined")}
    for name, table_counts in counts.items():
        check_accounting(f"{PRE_LOAD_STAGE} ({name})", table_counts)
    return {**report, "tables": counts, "validation": kept}


def _known(table: pd.DataFrame, **checks: tuple[str, set[Any]]) -> pd.DataFrame:
    """A boolean column per check: the row's value of a column is among the known ones."""
    return table.assign(
        **{name: table[column].isin(known) for name, (column, known) in checks.items() if column in table}
    )


def _link(links: pd.DataFrame) -> pd.DataFrame:
    """A MENTIONS row's key, its (product, concept) pair as one number: the load creates one edge per row, so a pair
    must be unique."""
    if not {"product_id", "concept_id"} <= set(links.columns):
        return links
    products, _ = pd.factorize(links["product_id"])  # -1 for a missing id
    concepts, distinct_concepts = pd.factorize(links["concept_id"])
    return links.assign(link=products.astype("int64") * (len(distinct_concepts) + 1) + concepts + 1)


def _hierarchy(concepts: pd.DataFrame, links: pd.DataFrame, products: set[str]) -> pd.DataFrame:
    """The derived columns the ``pre_load.concepts`` suite judges."""
    if not {"concept_id", "parent_id"} <= set(concepts.columns):
        return concepts
    linkable = {"product_id", "concept_id"} <= set(links.columns)
    linked = (
        links[links["product_id"].isin(products)].groupby("concept_id").size() if linkable else pd.Series(dtype="int64")
    )
    parent_of = dict(zip(concepts["concept_id"], concepts["parent_id"], strict=True))
    reaches: dict[str, bool] = {}

    def reaches_root(concept: str) -> bool:
        path: list[str] = []
        while concept not in reaches:
            if concept not in parent_of or concept in path:  # an unknown parent or a cycle
                reaches.update(dict.fromkeys(path, False))
                return False
            path.append(concept)
            parent = parent_of[concept]
            if parent is None or parent != parent:  # a root
                reaches.update(dict.fromkeys(path, True))
                return True
            concept = parent
        reaches.update(dict.fromkeys(path, reaches[concept]))
        return reaches[concept]

    return concepts.assign(
        linked_products=concepts["concept_id"].map(linked).fillna(0).astype("int64"),
        parent_count=concepts["concept_id"].map(concepts.groupby("concept_id")["parent_id"].nunique()).astype("int64"),
        parent_known=concepts["parent_id"].isna() | concepts["parent_id"].isin(set(parent_of)),
        reaches_root=concepts["concept_id"].map(reaches_root),
    )


def _cascade(
    tables: dict[str, pd.DataFrame], accepted: dict[str, pd.DataFrame], reasons: dict[str, dict[int, str]]
) -> None:
    """Quarantines what refers to a quarantined concept: its is-a descendants and its MENTIONS/DEPICTED_BY rows."""
    concepts, kept = tables["concepts"], set(accepted["concepts"]["concept_id"])
    removed = {
        concept: reasons["concepts"][row]
        for row, concept in zip(concepts[ROW], concepts["concept_id"], strict=True)
        if row in reasons["concepts"] and concept not in kept
    }
    while not (orphans := accepted["concepts"][accepted["concepts"]["parent_id"].isin(set(removed))]).empty:
        for row, child, parent in zip(orphans[ROW], orphans["concept_id"], orphans["parent_id"], strict=True):
            reasons["concepts"][row] = removed[child] = f"is-a parent {parent} is quarantined: {removed[parent]}"
        accepted["concepts"] = accepted["concepts"][~accepted["concepts"][ROW].isin(orphans[ROW])]
    for name in ("product_concepts", "concept_images"):
        table = accepted[name]
        dependent = table[table["concept_id"].isin(set(removed))]
        for row, concept in zip(dependent[ROW], dependent["concept_id"], strict=True):
            reasons[name][row] = f"concept {concept} is quarantined: {removed[concept]}"
        accepted[name] = table[~table[ROW].isin(dependent[ROW])]
