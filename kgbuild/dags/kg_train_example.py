"""kg_train_example: what a training team's DAG looks like. Scheduled on the asset ``kgbuild_snapshot``, which
kg_build publishes with every new snapshot of the graph, it opens the newest one (checksums and row counts verified)
with :func:`kgbuild.snapshot.open` and hands its path to training. Replace ``train`` with the real job."""

from __future__ import annotations

import pendulum
from airflow.sdk import DAG, task
from airflow.sdk import dag as define_dag  # ``dag`` is the DAG this file defines

from kgbuild.assets import SNAPSHOT


@define_dag(
    dag_id="kg_train_example",
    schedule=[SNAPSHOT],
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    tags=["kgbuild", "example"],
)
def kg_train_example():
    @task(inlets=[SNAPSHOT])
    def open_snapshot(inlet_events=None) -> dict:
        """The newest snapshot kg_build published, verified; its path, catalogs and row counts."""
        from kgbuild import snapshot

        opened = snapshot.open(inlet_events[SNAPSHOT][-1].extra["path"])
        catalogs = sorted(c["catalog_id"] for c in opened.manifest["catalogs"])
        return {"path": str(opened.path), "catalogs": catalogs, "rows": opened.manifest["rows"]}

    @task
    def train(snapshot: dict) -> str:
        """Stands in for the training job, which would read the snapshot's Parquet and JSONL files."""
        return snapshot["path"]

    train(open_snapshot())  # type: ignore[arg-type]


dag: DAG = kg_train_example()
