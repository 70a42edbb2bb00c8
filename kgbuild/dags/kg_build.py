"""kg_build: catalogs → one concept knowledge graph in Neo4j + a versioned snapshot of it, daily.

A scheduled run builds every catalog of the registry that ``KGBUILD_CATALOGS`` (or the Variable ``kgbuild_catalogs``)
names, one mapped build per catalog whose bytes or settings changed; a run triggered with a ``catalog`` param builds
that one file in ``workdir`` instead. Within the builds, the texts left to parse are cut into shards that any worker
parses (``parse``, mapped); the catalog-wide stages follow per catalog, the loads one at a time, then one snapshot of
the whole graph, published as the asset ``kgbuild_snapshot``. Tasks pass only paths; Neo4j is reached through the
Airflow connection ``neo4j_default``.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

import pendulum
from airflow.sdk import DAG, Param, Variable, task
from airflow.sdk import dag as define_dag  # ``dag`` is the DAG this file defines

from kgbuild.assets import SNAPSHOT


@contextmanager
def no_retry_for_bad_data():
    """Bad input (a missing or bad catalog or registry, bad settings, an unloadable model, a failed validation, a
    row Neo4j refuses) fails the same way on every try: fail now. Unavailable services and crashes keep Airflow's
    retries."""
    from airflow.sdk.exceptions import AirflowFailException

    from kgbuild.errors import BadInput

    try:
        yield
    except BadInput as error:
        raise AirflowFailException(str(error)) from error


@define_dag(
    dag_id="kg_build",
    schedule="@daily",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=2)},
    params={
        "catalog": Param("", type="string", description="One catalog file to build (empty: the registry's)."),
        "workdir": Param("kgbuild-work", type="string", description="Work directory of that one catalog."),
        "settings": Param({}, type="object", description="Its build settings, overriding KGBUILD_* variables."),
    },
    tags=["kgbuild"],
)
def kg_build():
    @task
    def plan(params=None) -> list[str]:
        """The work directories of the builds this run makes: begun (or resumed) here, unchanged catalogs left out."""
        from pathlib import Path

        from kgbuild import pipeline, registry
        from kgbuild.graph import Graph
        from kgbuild.settings import Settings

        with no_retry_for_bad_data():
            if params["catalog"]:
                settings = Settings.from_overrides(params["settings"])
                one = registry.CatalogBuild(
                    settings.catalog_id or "", Path(params["catalog"]), Path(params["workdir"]), settings
                )
                builds = [one]
            else:
                builds = registry.configured(Variable.get(registry.AIRFLOW_VARIABLE, default=None)).builds()
            with Graph.from_airflow("neo4j_default") as graph:  # checked before any work
                return pipeline.begin_changed(builds, graph)

    @task
    def stage(name: str, workdir: str) -> str:
        from kgbuild import pipeline

        with no_retry_for_bad_data():
            pipeline.run_stage(name, workdir)
        return workdir

    @task
    def shards(workdir: str) -> list[dict[str, str]]:
        from kgbuild import pipeline

        return pipeline.plan_shards(workdir)

    @task
    def every_shard(per_build: list[list[dict[str, str]]]) -> list[dict[str, str]]:
        return [shard for build_shards in per_build for shard in build_shards]

    @task(map_index_template="{{ shard_name }}")
    def parse(shard: dict[str, str]) -> int:
        from pathlib import Path

        from airflow.sdk import get_current_context

        from kgbuild import pipeline

        get_current_context()["shard_name"] = Path(shard["shard"]).name  # type: ignore[typeddict-unknown-key]
        return pipeline.parse_shard(shard["workdir"], shard["shard"])

    @task(max_active_tis_per_dag=1)  # one catalog loads at a time: a load is the graph's only writer
    def load(workdir: str) -> str:
        from kgbuild import pipeline
        from kgbuild.graph import Graph

        with Graph.from_airflow("neo4j_default") as graph, no_retry_for_bad_data():
            pipeline.run_stage("load", workdir, graph=graph)
        return workdir

    @task(outlets=[SNAPSHOT])
    def snapshot(workdirs: list[str], outlet_events=None) -> str:
        """One snapshot of the whole graph, whichever catalogs this run built; published with its path."""
        from kgbuild import pipeline, report
        from kgbuild.graph import Graph

        with Graph.from_airflow("neo4j_default") as graph, no_retry_for_bad_data():
            paths = [pipeline.run_stage("snapshot", workdir, graph=graph)["path"] for workdir in workdirs]
        for workdir in workdirs:
            report.write(workdir)  # WORKDIR/reports/<version>/index.html
        outlet_events[SNAPSHOT].extra = {"path": paths[-1]}
        return paths[-1]

    # A task called in the DAG takes another's XComArg for any argument; Airflow types the call with the function's
    # own parameters, hence the ignores.
    workdirs = plan()
    ingested = stage.override(task_id="ingest").partial(name="ingest").expand(workdir=workdirs)
    parsed = parse.expand(shard=every_shard(shards.expand(workdir=ingested)))  # type: ignore[arg-type]
    mined = (
        stage.override(task_id="concepts", trigger_rule="none_failed").partial(name="concepts").expand(workdir=ingested)
    )
    parsed >> mined
    built = mined
    for name in ("hierarchy", "images"):
        built = stage.override(task_id=name).partial(name=name).expand(workdir=built)
    snapshot(load.expand(workdir=built))  # type: ignore[arg-type]


dag: DAG = kg_build()
