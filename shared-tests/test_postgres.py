"""get_readiness against a real PostgreSQL (`nox -s postgres`): Debian's server, started by
the test in a temporary directory on a port of its choosing, and each implementation's real
server with a postgresql:// dependency.

The drill: ready while PostgreSQL runs; 503 within DEPENDENCY_TIMEOUT_SECONDS + 1 s after it
stops, while /health stays 200; ready again after it restarts. And the answers pg_isready
gives, side by side: a server that is shutting down or at its connection limit still
accepts TCP, but takes no session."""

import json
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from lockstep_suite.servers import Server, free_port

pytestmark = pytest.mark.postgres

TIMEOUT = 1.0  # DEPENDENCY_TIMEOUT_SECONDS
USER, PASSWORD = "lockstep", "drill-Pa55word"
MAX_CONNECTIONS = 3
# pg_isready's exit statuses.
ACCEPTING, REJECTING, NO_RESPONSE = 0, 1, 2


def bindir() -> Path:
    """Debian's PostgreSQL binaries (the newest major version installed)."""
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda path: int(path.parts[-3])
    )
    if not found:
        pytest.fail("PostgreSQL is missing: apt-get install postgresql", pytrace=False)
    return found[-1].parent


class Cluster:
    """A PostgreSQL data directory of the test's own, run as user postgres when root."""

    def __init__(self, folder: Path) -> None:
        self.bin = bindir()
        self.folder = folder
        self.data = folder / "data"
        self.port = free_port()
        self.user = "postgres" if os.geteuid() == 0 else None
        self.holders: list[subprocess.Popen[bytes]] = []

    def run(self, *command: str, check: bool = True) -> int:
        return self.output(*command, check=check)[0]

    def output(self, *command: str, check: bool = True) -> tuple[int, str]:
        done = subprocess.run(
            [str(self.bin / command[0]), *command[1:]],
            user=self.user, capture_output=True, check=False, timeout=60,
        )  # fmt: skip
        if check and done.returncode != 0:
            raise RuntimeError(f"{command[0]} exited {done.returncode}: {done.stderr.decode()}")
        return done.returncode, done.stdout.decode()

    def init(self) -> None:
        self.run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres")
        # The service's role needs its password; the superuser (the test's sessions) none.
        hba = f"host all {USER} 127.0.0.1/32 scram-sha-256\nhost all all 127.0.0.1/32 trust\n"
        (self.data / "pg_hba.conf").write_text(f"local all all trust\n{hba}")

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1"
            f" -c max_connections={MAX_CONNECTIONS} -c superuser_reserved_connections=0"
            # A held session ends when its client goes, not when its pg_sleep does.
            " -c client_connection_check_interval=100ms"
        )
        log = str(self.folder / "postgres.log")
        self.run("pg_ctl", "-D", str(self.data), "-o", options, "-l", log, "-w", "start")

    def stop(self, mode: str = "fast", wait: bool = True) -> None:
        self.run("pg_ctl", "-D", str(self.data), "-m", mode, "-w" if wait else "-W", "stop")

    def running(self) -> bool:
        return self.run("pg_ctl", "-D", str(self.data), "status", check=False) == 0

    def isready(self) -> int:
        return self.run(
            "pg_isready", "-h", "127.0.0.1", "-p", str(self.port), "-U", USER, "-t", "5",
            check=False,
        )  # fmt: skip

    def sql(self, statement: str) -> str:
        command = ("psql", *self.connect_args(), "-v", "ON_ERROR_STOP=1", "-tA", "-c", statement)
        return self.output(*command)[1].strip()

    def held(self) -> int:
        """Sessions opened by hold_session, as the server counts them."""
        query = "SELECT count(*) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(300)'"
        return int(self.sql(query))

    def wait_held(self, count: int) -> None:
        deadline = time.monotonic() + 10
        while self.held() != count:
            assert time.monotonic() < deadline, f"{count} sessions did not open"
            time.sleep(0.05)

    def connect_args(self) -> list[str]:
        return ["-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", "postgres"]

    def hold_session(self) -> None:
        """A session that stays open (until release) and counts against max_connections."""
        command = [str(self.bin / "psql"), *self.connect_args(), "-c", "SELECT pg_sleep(300)"]
        self.holders.append(subprocess.Popen(command, user=self.user, stdout=subprocess.DEVNULL))

    def release_sessions(self) -> None:
        for holder in self.holders:
            holder.terminate()
            holder.wait(10)
        self.holders.clear()

    def url(self, password: str = PASSWORD) -> str:
        return f"postgresql://{USER}:{password}@127.0.0.1:{self.port}/postgres"


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    folder = Path(tempfile.mkdtemp(prefix="lockstep-postgres-"))
    try:
        if os.geteuid() == 0:
            postgres = pwd.getpwnam("postgres")
            os.chown(folder, postgres.pw_uid, postgres.pw_gid)
        made = Cluster(folder)
        made.init()
        made.start()
        made.sql(f"CREATE ROLE {USER} LOGIN PASSWORD '{PASSWORD}'")
        yield made
        made.release_sessions()
        if made.running():
            made.stop()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def running(cluster: Cluster) -> Iterator[Cluster]:
    """The cluster, running and without held sessions before and after the test."""
    if not cluster.running():
        cluster.start()
    yield cluster
    cluster.release_sessions()
    # A smart shutdown ends once its last session has: wait for that, then start again.
    deadline = time.monotonic() + 10
    while cluster.running() and cluster.isready() != ACCEPTING:
        if time.monotonic() > deadline:
            cluster.stop()
        time.sleep(0.1)
    if not cluster.running():
        cluster.start()


def readiness(server: Server) -> tuple[int, bytes]:
    reply = httpx.get(f"{server.base_url}/readiness", trust_env=False, timeout=30)
    return reply.status_code, reply.content


def expected(status: int, names_ok: list[tuple[str, bool]]) -> tuple[int, bytes]:
    checks = [
        {"name": "readiness_flag", "status": "ok"},
        {"name": "shutdown", "status": "ok"},
        *({"name": name, "status": "ok" if ok else "fail"} for name, ok in names_ok),
    ]
    body = {"status": "ready" if status == 200 else "not_ready", "checks": checks}
    return status, json.dumps(body, separators=(",", ":")).encode()


def until(server: Server, status: int, seconds: float) -> float:
    """Seconds until /readiness answers `status` (fails after `seconds`)."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if readiness(server)[0] == status:
            return time.monotonic() - started
        time.sleep(0.05)
    pytest.fail(f"/readiness did not answer {status} within {seconds} s")


def serve(implementation: str, dependencies: list[str]) -> Server:
    env = {"DEPENDENCIES": ",".join(dependencies), "DEPENDENCY_TIMEOUT_SECONDS": str(TIMEOUT)}
    return Server(implementation, env).start()


def test_get_readiness_follows_postgres_down_and_up(implementation: str, running: Cluster) -> None:
    shown = f"postgresql://{USER}@127.0.0.1:{running.port}/postgres"
    server = serve(implementation, [running.url()])
    try:
        assert readiness(server) == expected(200, [(shown, True)])
        running.stop()
        assert until(server, 503, TIMEOUT + 1.0) <= TIMEOUT + 1.0
        assert readiness(server) == expected(503, [(shown, False)])
        health = httpx.get(f"{server.base_url}/health", trust_env=False)
        assert (health.status_code, health.content) == (200, b'{"status":"ok"}')
        running.start()
        until(server, 200, TIMEOUT + 1.0)
        assert readiness(server) == expected(200, [(shown, True)])
        info = httpx.get(f"{server.base_url}/info", trust_env=False)
        assert PASSWORD not in info.text
    finally:
        server.stop()
    assert PASSWORD not in server.output()
    assert PASSWORD not in server.log_file.read_text(encoding="utf-8")


def test_get_readiness_fails_while_postgres_shuts_down(
    implementation: str, running: Cluster
) -> None:
    """A smart shutdown waits for open sessions and refuses new ones (SQLSTATE 57P03) while
    it still accepts TCP: pg_isready says "rejecting connections", and so does readiness."""
    tcp = f"tcp://127.0.0.1:{running.port}"
    shown = f"postgresql://{USER}@127.0.0.1:{running.port}/postgres"
    server = serve(implementation, [tcp, running.url()])
    try:
        assert readiness(server) == expected(200, [(tcp, True), (shown, True)])
        running.hold_session()
        running.wait_held(1)
        running.stop(mode="smart", wait=False)
        until(server, 503, TIMEOUT + 1.0)
        assert running.isready() == REJECTING
        assert readiness(server) == expected(503, [(tcp, True), (shown, False)])
    finally:
        server.stop()


def test_get_readiness_fails_at_the_connection_limit(implementation: str, running: Cluster) -> None:
    """Every slot taken (SQLSTATE 53300): pg_isready still says "accepting connections", the
    contract says not ready. A wrong password is a server that accepts (as pg_isready)."""
    shown = f"postgresql://{USER}@127.0.0.1:{running.port}/postgres"
    server = serve(implementation, [running.url(password="wrong")])
    try:
        assert running.isready() == ACCEPTING
        assert readiness(server) == expected(200, [(shown, True)])
        for _ in range(MAX_CONNECTIONS - 1):
            running.hold_session()
        running.wait_held(MAX_CONNECTIONS - 1)  # the query itself takes the last slot
        running.hold_session()
        until(server, 503, 10.0)
        assert running.isready() == ACCEPTING
        assert readiness(server) == expected(503, [(shown, False)])
        running.release_sessions()
        until(server, 200, 10.0)
    finally:
        server.stop()


def test_get_readiness_fails_while_postgres_is_stopped(
    implementation: str, running: Cluster
) -> None:
    running.stop()
    assert running.isready() == NO_RESPONSE
    shown = f"postgresql://{USER}@127.0.0.1:{running.port}/postgres"
    server = serve(implementation, [running.url()])
    try:
        assert readiness(server) == expected(503, [(shown, False)])
    finally:
        server.stop()
