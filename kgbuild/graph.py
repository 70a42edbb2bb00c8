"""The only code that opens Neo4j sessions. All Cypher comes from ``cypher/*.cypher`` files and takes parameters."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from itertools import islice
from pathlib import Path
from typing import Any

from neo4j import Driver, GraphDatabase
from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

CYPHER_DIR = Path(__file__).resolve().parents[1] / "cypher"
_LINE_COMMENT = re.compile(r"^\s*//.*$", re.MULTILINE)


class Neo4jSettings(BaseSettings):
    """Where the graph lives: NEO4J_URI, NEO4J_USER, NEO4J_PASSWORD, NEO4J_DATABASE (env only)."""

    model_config = SettingsConfigDict(env_prefix="NEO4J_")

    uri: str = "bolt://127.0.0.1:7687"
    user: str = "neo4j"
    password: SecretStr | None = None
    database: str = "neo4j"

    def driver(self) -> Driver:
        if self.password is None:
            raise RuntimeError("NEO4J_PASSWORD is not set: Neo4j credentials come only from the environment")
        return GraphDatabase.driver(self.uri, auth=(self.user, self.password.get_secret_value()))


@dataclass(frozen=True)
class Graph:
    """A driver and the database to use; build one from the environment or from Airflow's Neo4jHook."""

    driver: Driver
    database: str = "neo4j"

    @classmethod
    @contextmanager
    def from_env(cls) -> Iterator[Graph]:
        neo4j = Neo4jSettings()
        with neo4j.driver() as driver:
            yield cls(driver, neo4j.database)

    @classmethod
    @contextmanager
    def from_airflow(cls, conn_id: str) -> Iterator[Graph]:
        """Through the Airflow provider's Neo4jHook; the connection's schema names the database."""
        from airflow.providers.neo4j.hooks.neo4j import Neo4jHook

        hook = Neo4jHook(conn_id=conn_id)
        driver = hook.get_conn()
        try:
            yield cls(driver, hook.connection.schema or "neo4j")
        finally:
            driver.close()

    def run_file(self, cypher_file: str, /, **parameters: Any) -> list[dict[str, Any]]:
        """Runs each statement of ``cypher/<cypher_file>.cypher`` in its own managed write transaction; returns the
        last one's rows."""
        rows: list[dict[str, Any]] = []
        for statement in statements(cypher_file):
            rows = self.driver.execute_query(statement, parameters, database_=self.database, result_transformer_=_data)
        return rows

    def read_file(self, cypher_file: str, /, **parameters: Any) -> list[dict[str, Any]]:
        (statement,) = statements(cypher_file)
        return self.driver.execute_query(
            statement, parameters, database_=self.database, routing_="r", result_transformer_=_data
        )

    def load(self, cypher_file: str, rows: Iterable[dict[str, Any]], batch_size: int, /, **parameters: Any) -> int:
        """Sends ``rows`` to the single ``UNWIND $rows`` statement of ``cypher/<cypher_file>.cypher`` in batches, each
        in a managed transaction (retried on transient errors). Returns the number of rows sent."""
        (statement,) = statements(cypher_file)
        sent = 0
        with self.driver.session(database=self.database) as session:
            for batch in _batches(rows, batch_size):
                session.execute_write(lambda tx, b=batch: tx.run(statement, {**parameters, "rows": b}).consume())
                sent += len(batch)
        return sent

    def counts(self) -> dict[str, int]:
        """Nodes per label and relationships per type, as ``{name: count}``."""
        return {row["name"]: row["count"] for row in self.read_file("queries/graph_stats")}


@lru_cache(maxsize=64)
def statements(name: str) -> tuple[str, ...]:
    text = _LINE_COMMENT.sub("", (CYPHER_DIR / f"{name}.cypher").read_text())
    return tuple(s.strip() for s in text.split(";") if s.strip())


def _data(result: Any) -> list[dict[str, Any]]:
    return result.data()


class _Rows(list):
    """A batch of rows that prints as its size. The driver formats every RUN's parameters with repr() for its debug
    log even when debug logging is off; for a batch of embeddings that took longer than Neo4j's whole write."""

    def __repr__(self) -> str:
        return f"<{len(self)} rows>"


def _batches(rows: Iterable[dict[str, Any]], size: int) -> Iterator[_Rows]:
    iterator = iter(rows)
    while batch := _Rows(islice(iterator, size)):
        yield batch
