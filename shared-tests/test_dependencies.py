"""get_readiness with DEPENDENCIES: each URL's check, named without its password, and a
password that never shows (answers, logs). Needs no database: a real PostgreSQL is in
test_postgres.py (`nox -s postgres`)."""

import json
import socket
import time
from collections.abc import Iterator

import httpx
import pytest

from lockstep_suite.servers import Server, free_port

pytestmark = pytest.mark.process

TIMEOUT = 0.5  # DEPENDENCY_TIMEOUT_SECONDS of these servers
SECRET = "s3cret-Pa55"


@pytest.fixture
def silent() -> Iterator[int]:
    """A port that accepts TCP connections (into the kernel's backlog) and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        yield listener.getsockname()[1]


def test_get_readiness_checks_every_dependency_in_order(implementation: str, silent: int) -> None:
    closed = free_port()
    dependencies = [
        (f"tcp://127.0.0.1:{silent}", f"tcp://127.0.0.1:{silent}", "ok"),
        (f"tcp://127.0.0.1:{closed}", f"tcp://127.0.0.1:{closed}", "fail"),
        # TCP accepts, but no PostgreSQL answers: a TCP check would say ok.
        (
            f"postgresql://app:{SECRET}@127.0.0.1:{silent}/app",
            f"postgresql://app@127.0.0.1:{silent}/app",
            "fail",
        ),
        (
            f"postgres://app@127.0.0.1:{closed}/app?sslmode=disable&password={SECRET}",
            f"postgres://app@127.0.0.1:{closed}/app?sslmode=disable",
            "fail",
        ),
        (
            f"http://app:{SECRET}@127.0.0.1:{closed}/health",
            f"http://app@127.0.0.1:{closed}/health",
            "fail",
        ),
    ]
    env = {
        "DEPENDENCIES": ",".join(url for url, _, _ in dependencies),
        "DEPENDENCY_TIMEOUT_SECONDS": str(TIMEOUT),
    }
    server = Server(implementation, env).start()
    try:
        started = time.monotonic()
        reply = httpx.get(f"{server.base_url}/readiness", trust_env=False, timeout=30)
        elapsed = time.monotonic() - started
        checks = [
            {"name": "readiness_flag", "status": "ok"},
            {"name": "shutdown", "status": "ok"},
            *({"name": name, "status": status} for _, name, status in dependencies),
        ]
        assert reply.status_code == 503
        assert (
            reply.content
            == json.dumps({"status": "not_ready", "checks": checks}, separators=(",", ":")).encode()
        )
        # One at a time, each within DEPENDENCY_TIMEOUT_SECONDS: only the silent one waits.
        assert elapsed < TIMEOUT * len(dependencies) + 1.0, elapsed
        info = httpx.get(f"{server.base_url}/info", trust_env=False)
        assert info.status_code == 200
        assert SECRET not in info.text
    finally:
        server.stop()
    assert SECRET not in server.output()
    assert SECRET not in server.log_file.read_text(encoding="utf-8")
