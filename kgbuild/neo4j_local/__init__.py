"""A real Neo4j 5.26 LTS Community server started from Maven Central artifacts, for machines without Docker.

``pom.xml`` pins the artifacts; Maven resolves them once into a cached classpath; ``Launcher.java`` runs the
embedded DBMS with Bolt and HTTP (Browser) on loopback. One server per home folder; its password is NEO4J_PASSWORD.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from kgbuild.errors import Unavailable

HERE = Path(__file__).resolve().parent
POM = HERE / "pom.xml"
LAUNCHER = HERE / "Launcher.java"
# The flags Neo4j ships for Java 17 (without java.nio opened it cannot link DirectByteBuffer), plus bounded memory.
JVM_FLAGS = (
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--enable-native-access=ALL-UNNAMED",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "-Djdk.nio.maxCachedBufferSize=1024",
    "-XX:+UseG1GC",
    "-XX:-OmitStackTraceInFastThrow",
    "-Dlog4j2.disable.jmx=true",
)
READY, FAILED = "kgbuild-neo4j READY", "kgbuild-neo4j FAILED"
TX_LOG_RETENTION = "1G size"


class Neo4jLaunchError(Unavailable):
    pass


def cache_dir() -> Path:
    return Path(os.environ.get("KGBUILD_CACHE_DIR", Path.home() / ".cache" / "kgbuild"))


def classpath() -> str:
    """The server's classpath, resolved by Maven once per pom version and cached."""
    cached = cache_dir() / f"neo4j-classpath-{hashlib.sha256(POM.read_bytes()).hexdigest()[:12]}.txt"
    if not cached.is_file():
        mvn = shutil.which("mvn")
        if mvn is None:
            raise Neo4jLaunchError("Maven (mvn) is needed once to fetch Neo4j from Maven Central; install it and retry")
        cached.parent.mkdir(parents=True, exist_ok=True)
        partial = cached.with_suffix(".partial")
        result = subprocess.run(
            [mvn, "-q", "-B", "-f", str(POM), "dependency:build-classpath", f"-Dmdep.outputFile={partial}"],
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise Neo4jLaunchError(
                f"Maven could not resolve Neo4j ({POM}):\n{result.stdout[-3000:]}{result.stderr[-3000:]}"
            )
        partial.replace(cached)
    return cached.read_text().strip()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now (the system picks it)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        return probe.connect_ex((host, port)) == 0


@dataclass(frozen=True)
class LocalNeo4j:
    home: Path
    bolt_port: int = 7687
    http_port: int = 7474
    heap: str = "1g"
    pagecache: str = "256m"

    @property
    def bolt_uri(self) -> str:
        return f"bolt://127.0.0.1:{self.bolt_port}"

    @property
    def browser_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/browser/"

    @property
    def pid_file(self) -> Path:
        return self.home / "neo4j.pid"

    @property
    def log_file(self) -> Path:
        return self.home / "neo4j.log"

    def pid(self) -> int | None:
        """The server's process id when it is alive."""
        try:
            pid = int(self.pid_file.read_text())
            os.kill(pid, 0)
        except (FileNotFoundError, ValueError, ProcessLookupError):
            return None
        return pid

    def start(self, timeout: float = 180.0) -> None:
        """Starts the server (no-op when it already runs) and returns once Bolt accepts connections."""
        if self.pid() is not None:
            return
        password = os.environ.get("NEO4J_PASSWORD", "")
        if len(password) < 8:
            raise Neo4jLaunchError("set NEO4J_PASSWORD (at least 8 characters) before starting the local Neo4j")
        for port, flag in ((self.bolt_port, "--bolt-port"), (self.http_port, "--http-port")):
            if port_in_use(port):
                raise Neo4jLaunchError(
                    f"port {port} is already in use on 127.0.0.1: stop what uses it or pick another with {flag}"
                )
        java = shutil.which("java")
        if java is None:
            raise Neo4jLaunchError("Java 17 or 21 is needed to run the local Neo4j (no 'java' on PATH)")
        self.home.mkdir(parents=True, exist_ok=True)
        conf = self._write_conf()
        command = [
            java,
            f"-Xmx{self.heap}",
            *JVM_FLAGS,
            "-cp",
            classpath(),
            str(LAUNCHER),
            str(self.home / "dbms"),
            str(conf),
        ]
        with self.log_file.open("w") as log:
            process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.pid_file.write_text(str(process.pid))
        self._wait_ready(process, timeout)

    def _write_conf(self) -> Path:
        conf = self.home / "neo4j.conf"
        conf.write_text(
            "\n".join(
                [
                    "dbms.security.auth_enabled=true",
                    "server.bolt.enabled=true",
                    f"server.bolt.listen_address=127.0.0.1:{self.bolt_port}",
                    f"server.bolt.advertised_address=127.0.0.1:{self.bolt_port}",
                    "server.http.enabled=true",
                    f"server.http.listen_address=127.0.0.1:{self.http_port}",
                    f"server.http.advertised_address=127.0.0.1:{self.http_port}",
                    "server.https.enabled=false",
                    f"server.memory.pagecache.size={self.pagecache}",
                    # Neo4j keeps two days of transaction logs by default: gigabytes for a server reloaded often.
                    f"db.tx_log.rotation.retention_policy={TX_LOG_RETENTION}",
                    "dbms.usage_report.enabled=false",  # nothing is sent out: no usage report,
                    "client.allow_telemetry=false",  # and no Browser telemetry
                    "",
                ]
            )
        )
        return conf

    def _wait_ready(self, process: subprocess.Popen, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            output = self.log_file.read_text(errors="replace")
            if READY in output and port_in_use(self.bolt_port):
                return
            if FAILED in output or process.poll() is not None:
                self.pid_file.unlink(missing_ok=True)
                process.wait(timeout=30)
                raise Neo4jLaunchError(f"Neo4j did not start; last lines of {self.log_file}:\n{output[-3000:]}")
            time.sleep(0.5)
        self.stop()
        raise Neo4jLaunchError(f"Neo4j was not ready after {timeout:.0f} s; see {self.log_file}")

    def stop(self, timeout: float = 120.0) -> bool:
        """Shuts the server down cleanly (SIGTERM runs Neo4j's shutdown). Returns whether one was running."""
        pid = self.pid()
        if pid is None:
            self.pid_file.unlink(missing_ok=True)
            return False
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and _alive(pid):
            time.sleep(0.2)
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)
        self.pid_file.unlink(missing_ok=True)
        return True

    def status(self) -> dict[str, object]:
        pid = self.pid()
        return {
            "running": pid is not None,
            "pid": pid,
            "bolt": self.bolt_uri,
            "browser": self.browser_url,
            "home": str(self.home),
            "log": str(self.log_file),
        }


def _alive(pid: int) -> bool:
    try:
        waited, _ = os.waitpid(pid, os.WNOHANG)  # reaps the server when this process started it
        if waited == pid:
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
