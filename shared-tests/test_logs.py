"""Logs of a real server: JSON lines on stdout and in LOG_FILE, one access line per request
written by the application, no secrets, and LOG_FILE appended across restarts."""

import json
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from lockstep_suite.servers import Server

pytestmark = pytest.mark.process

ACCESS_KEYS = [
    "time",
    "level",
    "logger",
    "message",
    "request_id",
    "method",
    "path",
    "route",
    "status",
    "duration_ms",
    "implementation",
]
LEVELS = {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}
TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
BODY_SECRET = "body-secret-93d2c1"
AUTH_SECRET = "auth-secret-4b1e8f0a77"
COOKIE_SECRET = "cookie-secret-5e7a"
QUERY_SECRET = "query-secret-a1f6"
# request id -> (method, path as sent, headers, body, path logged, route, status)
REQUESTS: dict[str, tuple[str, str, dict[str, str], bytes | None, str, str, int]] = {
    "logs-health": ("GET", "/health", {}, None, "/health", "/health", 200),
    "logs-echo": (
        "POST",
        "/echo",
        {
            "Authorization": f"Bearer {AUTH_SECRET}",
            "Cookie": f"session={COOKIE_SECRET}",
            "Content-Type": "application/json",
        },
        f'{{"message":"{BODY_SECRET}"}}'.encode(),
        "/echo",
        "/echo",
        200,
    ),
    "logs-nope": ("GET", f"/nope?token={QUERY_SECRET}", {}, None, "/nope", "unmatched", 404),
    "logs-status": (
        "GET",
        f"/status/201?q={QUERY_SECRET}",
        {},
        None,
        "/status/201",
        "/status/{code}",
        201,
    ),
}


@dataclass(frozen=True)
class Logged:
    implementation: str
    log_file: Path
    stdout: list[str]
    file: list[str]
    started: float
    ended: float


def lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


@pytest.fixture(scope="module")
def logged(implementation: str) -> Logged:
    """One server run: the requests above, then SIGTERM; its stdout and LOG_FILE."""
    started = time.time()
    server = Server(implementation).start()
    try:
        target = server.target("server")
        for request_id, (method, path, headers, body, *_) in REQUESTS.items():
            target.request(method, path, {"X-Request-ID": request_id, **headers}, body)
    finally:
        server.stop()
    return Logged(
        implementation,
        server.log_file,
        lines(server.stdout_path),
        lines(server.log_file),
        started,
        time.time(),
    )


def parse(line: str) -> dict[str, Any]:
    value = json.loads(line)
    assert isinstance(value, dict), line
    return value


def test_every_line_is_a_json_object_with_the_common_keys(logged: Logged) -> None:
    assert logged.stdout, "nothing logged on stdout"
    for line in logged.stdout + logged.file:
        record = parse(line)
        assert TIME.fullmatch(record.get("time", "")), line
        moment = datetime.strptime(record["time"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
        assert logged.started - 60 <= moment.timestamp() <= logged.ended + 60, line
        assert record.get("level") in LEVELS, line
        assert isinstance(record.get("logger"), str), line
        assert isinstance(record.get("message"), str), line
        assert record.get("implementation") == logged.implementation, line


@pytest.mark.parametrize("request_id", list(REQUESTS))
def test_one_access_line_per_request(logged: Logged, request_id: str) -> None:
    method, _, _, _, path, route, status = REQUESTS[request_id]
    records = [parse(line) for line in logged.stdout]
    found = [r for r in records if r.get("request_id") == request_id]
    assert len(found) == 1, found
    record = found[0]
    assert list(record) == ACCESS_KEYS, record
    assert record["level"] == "INFO"
    assert record["logger"] == "lockstep.access"
    assert record["message"] == f"{method} {path} {status}"
    expected = [method, path, route, status]
    assert [record[key] for key in ("method", "path", "route", "status")] == expected
    duration = record["duration_ms"]
    assert isinstance(duration, float), record
    assert duration >= 0
    assert round(duration, 3) == duration


def test_access_lines_come_only_from_the_application(logged: Logged) -> None:
    for line in logged.stdout:
        record = parse(line)
        if record["logger"] == "lockstep.access":
            assert list(record) == ACCESS_KEYS, line
            # Ours, or the readiness poll of Server.start (GET /health without an id).
            assert record["request_id"] in REQUESTS or record["path"] == "/health", line
        else:
            assert not record["logger"].endswith(".access"), line
            assert "HTTP/1.1" not in record["message"], line


@pytest.mark.parametrize(
    "secret",
    [BODY_SECRET, AUTH_SECRET, COOKIE_SECRET, QUERY_SECRET, "token="],
    ids=["body", "authorization", "cookie", "query", "query-name"],
)
def test_no_secret_is_logged(logged: Logged, secret: str) -> None:
    for line in logged.stdout + logged.file:
        assert secret not in line


def test_log_file_has_the_stdout_lines(logged: Logged) -> None:
    assert logged.file, "LOG_FILE is empty"
    assert sorted(logged.file) == sorted(logged.stdout)


def test_log_file_is_appended_across_restarts(logged: Logged) -> None:
    before = logged.log_file.read_text(encoding="utf-8")
    again = Server(logged.implementation, {"LOG_FILE": str(logged.log_file)}).start()
    try:
        again.target("server").request("GET", "/health", {"X-Request-ID": "logs-restart"})
    finally:
        again.stop()
    after = logged.log_file.read_text(encoding="utf-8")
    assert after.startswith(before)
    added = [parse(line) for line in after[len(before) :].splitlines()]
    assert [r["request_id"] for r in added if r.get("request_id") == "logs-restart"] == [
        "logs-restart"
    ]
