"""A real Airflow 3 Celery cluster on loopback, for integration tests and trying kgbuild's DAG the distributed way.

:func:`local_cluster` starts PostgreSQL (metadata and Celery results, from Debian's ``postgresql`` binaries, as an
unprivileged user when run as root), Redis (the Celery broker), ``airflow db migrate``, then the API server,
scheduler, DAG processor and one Celery worker per name, all on free ports of 127.0.0.1 under one folder, and stops
everything on exit. Each worker reports its name as the hostname of the task instances it runs
(``[core] hostname_callable`` is :func:`worker_hostname`), so Airflow's records say which worker ran what.
"""

from __future__ import annotations

import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

from kgbuild.errors import Unavailable
from kgbuild.neo4j_local import free_port

WORKER_NAME_VAR = "KGBUILD_WORKER_NAME"
API_USER = "kgbuild"
PASSWORDS_FILE = "passwords.json"
FINISHED = frozenset({"success", "failed"})
T = TypeVar("T")


class ClusterError(Unavailable):
    """A part of the local cluster did not start, or a DAG run did not finish in time."""


def worker_hostname() -> str:
    """``[core] hostname_callable`` of the cluster: the worker's name where one is set, else the host's name."""
    return os.environ.get(WORKER_NAME_VAR) or socket.getfqdn()


@dataclass
class _Process:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path
    service: bool  # PostgreSQL or Redis: stopped after Airflow, by a signal to the server alone

    def signal(self) -> None:
        if self.popen.poll() is None:
            (os.kill if self.service else os.killpg)(self.popen.pid, signal.SIGTERM)

    def wait(self, timeout: float) -> None:
        """Waits for the process to exit, kills it after ``timeout``, then kills what is left of its group."""
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait()
        with suppress(ProcessLookupError):  # children left behind
            os.killpg(self.popen.pid, signal.SIGKILL)


@dataclass
class Cluster:
    """A started cluster: its processes' logs, its environment, and a client of its REST API."""

    root: Path
    env: dict[str, str]
    api_url: str
    processes: list[_Process] = field(default_factory=list)
    token: str = ""

    def log(self, name: str) -> Path:
        return self.root / "logs" / f"{name}.log"

    def start(
        self,
        name: str,
        command: Sequence[str],
        env: Mapping[str, str] | None = None,
        service: bool = False,
        **popen_options: Any,
    ) -> None:
        """Starts ``command`` in its own process group, its output in :meth:`log`."""
        log = self.log(name)
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("wb") as output:
            popen = subprocess.Popen(
                command,
                stdout=output,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env={**self.env, **(env or {})},
                start_new_session=True,
                **popen_options,
            )
        self.processes.append(_Process(name, popen, log, service))

    def stop(self, timeout: float = 30.0) -> None:
        """Stops Airflow's processes together, then Redis and PostgreSQL."""
        for services in (False, True):
            stopping = [process for process in self.processes if process.service == services]
            for process in stopping:
                process.signal()
            for process in stopping:
                process.wait(timeout)
                self.processes.remove(process)

    def logs(self, lines: int = 30) -> str:
        """The last ``lines`` lines of each process's log, for failure messages."""
        return "\n".join(
            f"--- {process.name} (exit code {process.popen.poll()}) {process.log}:\n"
            + "\n".join(process.log.read_text(errors="replace").splitlines()[-lines:])
            for process in self.processes
        )

    def fail(self, message: str) -> ClusterError:
        return ClusterError(f"{message}\n{self.logs()}")

    def check_alive(self) -> None:
        for process in self.processes:
            if process.popen.poll() is not None:
                raise self.fail(f"{process.name} exited with code {process.popen.returncode}")

    def wait_until(self, what: str, ready: Callable[[], T], timeout: float, interval: float = 1.0) -> T:
        """Polls ``ready()`` until it returns something true (returned), while every process lives."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.check_alive()
            if result := ready():
                return result
            time.sleep(interval)
        raise self.fail(f"{what}: not within {timeout:.0f} s")

    def airflow(self, *args: str, timeout: float = 600.0) -> None:
        """Runs an ``airflow`` command with the cluster's configuration; raises with its output when it fails."""
        result = subprocess.run(
            [sys.executable, "-m", "airflow", *args], env=self.env, capture_output=True, text=True, timeout=timeout
        )
        if result.returncode != 0:
            raise self.fail(f"airflow {' '.join(args)} failed:\n{result.stdout[-3000:]}{result.stderr[-3000:]}")

    def request(self, method: str, path: str, body: Any = None) -> Any:
        """One call of the API server's REST API (``path`` below ``/api/v2``); returns the decoded JSON."""
        request = urllib.request.Request(
            f"{self.api_url}/api/v2{path}",
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {self.token}"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)

    def trigger(self, dag_id: str, conf: Mapping[str, Any] | None = None, timeout: float = 120.0) -> str:
        """Waits until the DAG processor has parsed ``dag_id``, unpauses it and triggers a run; returns its id."""
        self.wait_until(f"DAG {dag_id} parsed", lambda: self._get_or_none(f"/dags/{dag_id}"), timeout)
        self.request("PATCH", f"/dags/{dag_id}", {"is_paused": False})
        run = self.request("POST", f"/dags/{dag_id}/dagRuns", {"logical_date": None, "conf": dict(conf or {})})
        return str(run["dag_run_id"])

    @staticmethod
    def run_path(dag_id: str, run_id: str) -> str:
        """The REST API's path of a DAG run."""
        return f"/dags/{quote(dag_id, safe='')}/dagRuns/{quote(run_id, safe='')}"

    def wait_for_run(self, dag_id: str, run_id: str, timeout: float) -> str:
        """Waits until the run has finished; returns its state (``success`` or ``failed``)."""
        path = self.run_path(dag_id, run_id)
        return self.wait_until(f"run {run_id} of {dag_id}", lambda: self._finished(path), timeout, interval=2.0)

    def task_instances(self, dag_id: str, run_id: str) -> list[dict[str, Any]]:
        """Every task instance of the run (mapped ones once per map index), as the REST API gives them."""
        instances: list[dict[str, Any]] = []
        while True:
            path = f"{self.run_path(dag_id, run_id)}/taskInstances?limit=100&offset={len(instances)}"
            page = self.request("GET", path)
            instances += page["task_instances"]
            if not page["task_instances"] or len(instances) >= page["total_entries"]:
                return instances

    def _finished(self, path: str) -> str:
        state = str(self.request("GET", path)["state"])
        return state if state in FINISHED else ""

    def _get_or_none(self, path: str) -> Any:
        try:
            return self.request("GET", path)
        except urllib.error.HTTPError as error:
            if error.code == 404:
                return None
            raise

    def _health(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.api_url}/api/v2/monitor/health", timeout=5) as response:
                health = json.load(response)
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return False
        parts = ("metadatabase", "scheduler", "dag_processor")
        return all((health.get(part) or {}).get("status") == "healthy" for part in parts)

    def _login(self, password: str) -> str:
        request = urllib.request.Request(
            f"{self.api_url}/auth/token",
            data=json.dumps({"username": API_USER, "password": password}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return str(json.load(response)["access_token"])


@contextmanager
def local_cluster(
    root: Path,
    dags_folder: Path,
    workers: Sequence[str] = ("w1", "w2"),
    env: Mapping[str, str] | None = None,
    concurrency: int = 1,
    timeout: float = 180.0,
) -> Iterator[Cluster]:
    """A running cluster whose files live under ``root``: DAGs from ``dags_folder``, one Celery worker per name in
    ``workers`` (Celery node ``<name>@<host>``, ``concurrency`` task slots each), and ``env`` added to every process
    (connections, ``KGBUILD_*`` settings). Airflow variables of this process are not passed on. Everything started
    is stopped on exit, also when starting fails."""
    root.mkdir(parents=True, exist_ok=True)
    pg_port, redis_port, api_port = free_port(), free_port(), free_port()
    pg_password, api_password = secrets.token_hex(16), secrets.token_hex(16)
    home = root / "airflow"
    home.mkdir(exist_ok=True)
    (home / PASSWORDS_FILE).write_text(json.dumps({API_USER: api_password}))  # the API user's, read by Airflow
    database = f"airflow:{pg_password}@127.0.0.1:{pg_port}/airflow"
    api_url = f"http://127.0.0.1:{api_port}"
    cluster = Cluster(
        root,
        env={
            **{name: value for name, value in os.environ.items() if not name.startswith("AIRFLOW")},
            **_airflow_config(home, dags_folder, database, f"redis://127.0.0.1:{redis_port}/0", api_url),
            **(env or {}),
        },
        api_url=api_url,
    )
    with ExitStack() as stack:
        stack.callback(cluster.stop)
        pg_dir = Path(tempfile.mkdtemp(prefix="kgbuild-pg-"))  # not under ``root``: it may be private to root
        stack.callback(shutil.rmtree, pg_dir, ignore_errors=True)
        _start_postgres(cluster, pg_dir, pg_port, pg_password, timeout)
        cluster.start("redis", _redis_command(redis_port, root), service=True)
        cluster.wait_until("Redis", lambda: _redis_ping(redis_port), timeout, interval=0.2)
        cluster.airflow("db", "migrate")
        airflow = [sys.executable, "-m", "airflow"]
        cluster.start("api-server", [*airflow, "api-server", "--host", "127.0.0.1", "--port", str(api_port)])
        cluster.start("scheduler", [*airflow, "scheduler"])
        cluster.start("dag-processor", [*airflow, "dag-processor"])
        for name in workers:
            worker = ["celery", "worker", "--celery-hostname", f"{name}@%h", "--concurrency", str(concurrency)]
            # No log server (two would share its port): task logs are files under AIRFLOW_HOME that all processes see.
            cluster.start(name, [*airflow, *worker, "--skip-serve-logs"], env={WORKER_NAME_VAR: name})
        cluster.wait_until("API server, scheduler and DAG processor healthy", cluster._health, timeout)
        logs = [cluster.log(name) for name in workers]
        cluster.wait_until(f"Celery workers {', '.join(workers)}", lambda: all(map(_worker_ready, logs)), timeout)
        cluster.token = cluster._login(api_password)
        yield cluster


def _airflow_config(home: Path, dags_folder: Path, database: str, broker: str, api_url: str) -> dict[str, str]:
    """The AIRFLOW__* settings every process of the cluster shares. ``database``: ``user:password@host:port/db``."""
    from cryptography.fernet import Fernet

    return {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(dags_folder),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
        "AIRFLOW__CORE__FERNET_KEY": Fernet.generate_key().decode(),
        "AIRFLOW__CORE__HOSTNAME_CALLABLE": f"{__name__}.{worker_hostname.__name__}",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{API_USER}:admin",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(home / PASSWORDS_FILE),
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{api_url}/execution/",
        "AIRFLOW__API__BASE_URL": api_url,
        "AIRFLOW__API__WORKERS": "1",
        "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(32),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"postgresql+psycopg2://{database}",
        "AIRFLOW__CELERY__BROKER_URL": broker,
        "AIRFLOW__CELERY__RESULT_BACKEND": f"db+postgresql+psycopg2://{database}",
        "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",  # runs only when triggered: no catch-up run on unpause
    }


def postgres_bin() -> Path:
    """The folder of PostgreSQL's server programs (Debian: /usr/lib/postgresql/<version>/bin, newest first)."""
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name))
    found = versions[-1].parent if versions else Path(shutil.which("initdb") or "/nonexistent").parent
    if not (found / "initdb").is_file():
        raise ClusterError("PostgreSQL's server programs are missing: install the Debian package 'postgresql'")
    return found


def _start_postgres(cluster: Cluster, folder: Path, port: int, password: str, timeout: float) -> None:
    """initdb and postgres in ``folder``, as the ``postgres`` user (or ``nobody``) when this process is root."""
    bin_dir, owner = postgres_bin(), _unprivileged_user()
    password_file = folder / "password"
    password_file.write_text(password)
    as_user: dict[str, Any] = {}
    if owner is not None:
        for path in (folder, password_file):
            os.chown(path, owner.pw_uid, owner.pw_gid)
        as_user = {"user": owner.pw_uid, "group": owner.pw_gid, "extra_groups": []}
    data = folder / "data"
    initdb = [str(bin_dir / "initdb"), "-D", str(data), "-U", "airflow", "--auth=scram-sha-256"]
    result = subprocess.run(
        [*initdb, f"--pwfile={password_file}", "--no-locale", "--encoding=UTF8", "--no-sync"],
        capture_output=True,
        text=True,
        cwd=folder,
        **as_user,
    )
    if result.returncode != 0:
        raise cluster.fail(f"initdb failed:\n{result.stdout[-3000:]}{result.stderr[-3000:]}")
    settings = {
        "listen_addresses": "127.0.0.1",
        "port": str(port),
        "unix_socket_directories": str(folder),
        "fsync": "off",  # a throwaway database: speed over durability (it is removed on stop)
        "synchronous_commit": "off",
        "full_page_writes": "off",
    }
    options = [f"--{name}={value}" for name, value in settings.items()]
    postgres = [str(bin_dir / "postgres"), "-D", str(data), *options]
    cluster.start("postgres", postgres, service=True, cwd=folder, **as_user)
    isready = [str(bin_dir / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(port)]
    cluster.wait_until("PostgreSQL", lambda: subprocess.run(isready).returncode == 0, timeout, interval=0.3)
    createdb = [str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "airflow", "airflow"]
    result = subprocess.run(createdb, capture_output=True, text=True, env={**os.environ, "PGPASSWORD": password})
    if result.returncode != 0:
        raise cluster.fail(f"createdb failed: {result.stderr}")


def _unprivileged_user() -> pwd.struct_passwd | None:
    """PostgreSQL refuses to run as root: the user to run it as, or None when this process is not root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise ClusterError("running as root, and neither the 'postgres' nor the 'nobody' user exists to run PostgreSQL")


def _redis_command(port: int, folder: Path) -> list[str]:
    redis = shutil.which("redis-server")
    if redis is None:
        raise ClusterError("redis-server is missing: install the Debian package 'redis-server'")
    return [redis, "--bind", "127.0.0.1", "--port", str(port), "--dir", str(folder), "--save", "", "--appendonly", "no"]


def _redis_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as connection:
            connection.sendall(b"PING\r\n")
            return connection.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _worker_ready(log: Path) -> bool:
    """Celery logs ``<name>@<host> ready.`` once the worker consumes from the broker."""
    return any(f"{log.stem}@" in line and " ready." in line for line in log.read_text(errors="replace").splitlines())
