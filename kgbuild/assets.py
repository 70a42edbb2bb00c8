"""The Airflow assets kgbuild publishes: ``kg_build`` updates them, downstream DAGs are scheduled on them."""

from airflow.sdk import Asset

SNAPSHOT = Asset(name="kgbuild_snapshot")
"""A new snapshot of the graph; each event's ``extra`` holds its ``path`` (open it with kgbuild.snapshot.open)."""
