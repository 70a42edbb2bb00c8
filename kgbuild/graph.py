"""The only code that opens Neo4j sessions. All Cypher comes from ``cypher/*.cypher`` files and takes parameters."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from itertools import islice
from pathlib import Path
from typing import Any

from neo4j import READ_ACCESS, Driver, GraphDatabase, ManagedTransaction, NotificationDisabledClassification, Session
from neo4j.exceptions import (
    AuthError,
    ClientError,
    CypherSyntaxError,
    DatabaseError,
    DriverError,
    Forbidden,
    Neo4jError,
)
from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from kgbuild.errors import BadInput, Unavailable

CYPHER_DIR = Path(str(resources.files("kgbuild") / "cypher"))  # shipped in the package; ./cypher links to it
_LINE_COMMENT = re.compile(r"^\s*//.*$", re.MULTILINE)
ROW_KEYS = ("product_id", "concept_id", "image_id", "parent_id")
"""The keys that name a row rejected by Neo4j."""


class GraphUnavailable(Unavailable):
    """Neo4j cannot be reached, or refuses the credentials."""


class RowRejected(BadInput):
    """Neo4j refused one row of a load: the row's data must be fixed or quarantined."""


class Neo4jSettings(BaseSettings):
    """Where the graph lives: NEO4J_URI, NEO4J_USER, NEO4J_PASSWORD, NEO4J_DATABASE (env only)."""

    model_config = SettingsConfigDict(env_prefix="NEO4J_")

    uri: str = "bolt://127.0.0.1:7687"
    user: str = "neo4j"
    password: SecretStr | None = None
    database: str = "neo4j"

    def driver(self) -> Driver:
        if self.password is None:
            raise BadInput("NEO4J_PASSWORD is not set: Neo4j credentials come only from the environment")
        return GraphDatabase.driver(self.uri, auth=(self.user, self.password.get_secret_value()))


@dataclass(frozen=True)
class Graph:
    """A driver and the database to use; build one from the environment or from Airflow's Neo4jHook. ``origin``
    says, in messages, where the server and its credentials come from."""

    driver: Driver
    database: str = "neo4j"
    origin: str = "Neo4j"

    @classmethod
    @contextmanager
    def from_env(cls) -> Iterator[Graph]:
        neo4j = Neo4jSettings()
        with neo4j.driver() as driver:
            yield cls(driver, neo4j.database, f"Neo4j at {neo4j.uri} (from NEO4J_URI, NEO4J_USER, NEO4J_PASSWORD)")

    @classmethod
    @contextmanager
    def from_airflow(cls, conn_id: str) -> Iterator[Graph]:
        """Through the Airflow provider's Neo4jHook; the connection's schema names the database."""
        from airflow.providers.neo4j.hooks.neo4j import Neo4jHook

        hook = Neo4jHook(conn_id=conn_id)
        driver = hook.get_conn()
        origin = f"Neo4j at {hook.get_uri(hook.connection)} (from the Airflow connection {conn_id})"
        try:
            yield cls(driver, hook.connection.schema or "neo4j", origin)
        finally:
            driver.close()

    def verify(self) -> None:
        """Raises :class:`GraphUnavailable` unless Neo4j answers and accepts the credentials: a build checks this
        before any work."""
        try:
            self.driver.verify_connectivity()
        except AuthError as error:
            raise GraphUnavailable(f"{self.origin}: authentication failed, check the user and password") from error
        except (DriverError, Neo4jError) as error:
            reason = " ".join(str(error).split())
            raise GraphUnavailable(f"{self.origin}: not reachable ({reason})") from error

    def run_file(self, cypher_file: str, /, **parameters: Any) -> list[dict[str, Any]]:
        """Runs each statement of ``cypher/<cypher_file>.cypher`` in its own managed write transaction; returns the
        last one's rows."""
        rows: list[dict[str, Any]] = []
        for statement in statements(cypher_file):
            rows = self.driver.execute_query(statement, parameters, database_=self.database, result_transformer_=_data)
        return rows

    def run_batched(self, cypher_file: str, /, **parameters: Any) -> None:
        """Runs each statement of ``cypher/<cypher_file>.cypher`` as an auto-commit query: the form that
        ``CALL { … } IN TRANSACTIONS`` needs to commit in bounded transactions."""
        with self.driver.session(database=self.database) as session:
            for statement in statements(cypher_file):
                session.run(statement, parameters).consume()

    def read_file(self, cypher_file: str, /, **parameters: Any) -> list[dict[str, Any]]:
        """Runs the one statement of ``cypher/<cypher_file>.cypher`` in a read transaction. Counts name relationship
        types a graph may not hold (no ``HAS_IMAGE`` in a text-only graph); Neo4j's notices of unknown names, logged
        as warnings on every build, are not asked for."""
        (statement,) = statements(cypher_file)
        with self.driver.session(
            database=self.database,
            default_access_mode=READ_ACCESS,
            notifications_disabled_classifications=[NotificationDisabledClassification.UNRECOGNIZED],
        ) as session:
            return session.execute_read(lambda tx: tx.run(statement, parameters).data())

    def load(
        self,
        cypher_file: str,
        rows: Iterable[dict[str, Any]],
        batch_size: int,
        /,
        *,
        batch_bytes: int | None = None,
        **parameters: Any,
    ) -> int:
        """Sends ``rows`` to the single ``UNWIND $rows`` statement of ``cypher/<cypher_file>.cypher`` in batches of
        at most ``batch_size`` rows and about ``batch_bytes`` bytes of row data, each in a managed transaction
        (retried on transient errors). A batch Neo4j refuses is split until the refused row is found, and
        :class:`RowRejected` names it. Returns the number of rows sent."""
        (statement,) = statements(cypher_file)
        sent = 0
        with self.driver.session(database=self.database) as session:
            for batch in _batches(rows, batch_size, batch_bytes):
                _write(session, cypher_file, statement, batch, parameters)
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


def _batches(rows: Iterable[dict[str, Any]], size: int, max_bytes: int | None = None) -> Iterator[_Rows]:
    """Batches of ``size`` rows, each closed early once its rows hold about ``max_bytes`` bytes (when given)."""
    iterator = iter(rows)
    if max_bytes is None:
        while batch := _Rows(islice(iterator, size)):
            yield batch
        return
    batch, held = _Rows(), 0
    for row in iterator:
        batch.append(row)
        held += _size(row)
        if len(batch) == size or held >= max_bytes:
            yield batch
            batch, held = _Rows(), 0
    if batch:
        yield batch


def _size(value: Any) -> int:
    """About how many bytes ``value`` takes in a Bolt message: text by its length, 8 per key and per other scalar
    (a list of numbers at 8 each: Neo4j's lists hold one type). Cheap: it runs on every row loaded."""
    if isinstance(value, dict):
        size = 8 * len(value)
        for item in value.values():
            if isinstance(item, str):
                size += len(item)
            elif isinstance(item, dict | list | tuple | bytes):
                size += _size(item)
        return size
    if isinstance(value, str | bytes):
        return len(value)
    if isinstance(value, list | tuple):
        if value and isinstance(value[0], int | float):
            return 8 * len(value)
        return sum(map(_size, value))
    return 8


def _write(session: Session, cypher_file: str, statement: str, rows: _Rows, parameters: dict[str, Any]) -> None:
    """Writes ``rows`` in one transaction; when Neo4j refuses them, halves them until the refused row is found."""
    try:
        session.execute_write(_run, statement, {**parameters, "rows": rows})
    except (ClientError, DatabaseError) as error:  # not transient: those the transaction retried
        if isinstance(error, AuthError | Forbidden | CypherSyntaxError):  # not the rows' fault
            raise
        if len(rows) == 1:
            reason = " ".join((error.message or str(error)).split())[:300]
            raise RowRejected(f"{cypher_file}: Neo4j refused the row {_key(rows[0])}: {reason}") from error
        half = len(rows) // 2
        for part in (rows[:half], rows[half:]):
            _write(session, cypher_file, statement, _Rows(part), parameters)
        raise  # each half went in alone: the rows fail only together


def _run(tx: ManagedTransaction, statement: str, parameters: dict[str, Any]) -> None:
    tx.run(statement, parameters).consume()


def _key(row: dict[str, Any]) -> str:
    """The row's ids, each cut to 80 characters."""
    return ", ".join(f"{key} {_cut(row[key])}" for key in ROW_KEYS if key in row)


def _cut(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}… ({len(str(value))} characters)"
