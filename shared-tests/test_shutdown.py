"""How an instance stops, WORKERS=1 and 2: on SIGTERM readiness fails at once; for
SHUTDOWN_DELAY_SECONDS (the drain) new connections are still served and every answer closes
its connection; then requests in flight finish and the process exits 0 within
SHUTDOWN_TIMEOUT_SECONDS; a second signal exits at once, in the drain or after it."""

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import httpx
import pytest

from lockstep_suite.drills import (
    SIGNAL_DELIVERY,
    KeptConnection,
    fetch,
    outcome,
    refused_or_not_ready,
)
from lockstep_suite.servers import Server

pytestmark = pytest.mark.process

SHUTDOWN_TIMEOUT = 5
DRAIN = 2  # SHUTDOWN_DELAY_SECONDS of the drain tests
WORKERS = pytest.mark.parametrize("workers", ["1", "2"], ids=["workers1", "workers2"])
SHUTTING_DOWN = (
    b'{"status":"not_ready","checks":[{"name":"readiness_flag","status":"ok"},'
    b'{"name":"shutdown","status":"fail"}]}'
)


@WORKERS
def test_sigterm_drains_and_exits_zero(implementation: str, workers: str) -> None:
    env = {"WORKERS": workers, "SHUTDOWN_TIMEOUT_SECONDS": str(SHUTDOWN_TIMEOUT)}
    server = Server(implementation, env).start()
    assert server.process is not None
    url = server.base_url
    problems: list[str] = []
    try:
        with (
            httpx.Client(base_url=url, trust_env=False, timeout=10) as kept,
            ThreadPoolExecutor(1) as pool,
        ):
            assert outcome(kept, "/readiness").startswith("200 ")  # opens a keep-alive connection
            slow = pool.submit(fetch, url, "/delay/3")
            time.sleep(1.0)  # the slow request is in flight, even on a busy machine
            os.kill(server.process.pid, signal.SIGTERM)
            signalled = time.monotonic()
            time.sleep(SIGNAL_DELIVERY)  # a signal reaches the server asynchronously
            after = {"kept-alive": outcome(kept, "/readiness")}
            deadline = signalled + SHUTDOWN_TIMEOUT + 5
            while server.process.poll() is None and time.monotonic() < deadline:
                after[f"new-{len(after)}"] = fetch(url, "/readiness", timeout=10)
                time.sleep(0.05)
            if (answer := slow.result(timeout=15)) != '200 {"delay":3}':
                problems.append(f"the request in flight got {answer}")
        served = {k: v for k, v in after.items() if not refused_or_not_ready(v)}
        if served:
            problems.append(f"answered after SIGTERM with a passing shutdown check: {served}")
        try:
            status = server.process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            problems.append(f"still running {SHUTDOWN_TIMEOUT + 5}s after SIGTERM")
        else:
            took = time.monotonic() - signalled
            if status != 0:
                problems.append(f"exit status {status} (expected 0) after {took:.1f}s")
        assert not problems, "\n".join(problems) + "\n--- server output:\n" + server.output()
    finally:
        server.stop()


@contextmanager
def signalled_during_a_long_request(
    implementation: str, workers: str, shutdown_timeout: int
) -> Iterator[Server]:
    """A server with a /delay/10 in flight that has just been sent SIGTERM."""
    env = {"WORKERS": workers, "SHUTDOWN_TIMEOUT_SECONDS": str(shutdown_timeout)}
    server = Server(implementation, env).start()
    assert server.process is not None
    try:
        with ThreadPoolExecutor(1) as pool:
            pool.submit(fetch, server.base_url, "/delay/10")
            time.sleep(1.0)  # the request is in flight, even on a busy machine
            os.kill(server.process.pid, signal.SIGTERM)
            yield server
    finally:
        server.stop()


@WORKERS
def test_second_signal_exits_at_once(implementation: str, workers: str) -> None:
    with signalled_during_a_long_request(implementation, workers, 30) as server:
        assert server.process is not None
        time.sleep(1.0)
        assert server.process.poll() is None, "exited before the request in flight ended"
        os.kill(server.process.pid, signal.SIGTERM)
        started = time.monotonic()
        server.process.wait(timeout=10)
        assert time.monotonic() - started < 3, "the second signal did not exit at once"


@WORKERS
def test_sigterm_exits_within_shutdown_timeout(implementation: str, workers: str) -> None:
    """A request longer than SHUTDOWN_TIMEOUT_SECONDS does not hold the exit back."""
    with signalled_during_a_long_request(implementation, workers, 2) as server:
        assert server.process is not None
        started = time.monotonic()
        try:
            status = server.process.wait(timeout=2 + 3)
        except subprocess.TimeoutExpired:
            pytest.fail("still running 5s after SIGTERM with SHUTDOWN_TIMEOUT_SECONDS=2")
        took = time.monotonic() - started
        assert status == 0, f"exit status {status} after {took:.1f}s\n{server.output()}"


def answer_in_drain(base_url: str, path: str) -> tuple[int, bytes, str | None]:
    """Status, body and Connection header of one request on a new connection."""
    with httpx.Client(base_url=base_url, trust_env=False, timeout=10) as client:
        response = client.get(path)
    return response.status_code, response.content, response.headers.get("connection")


@WORKERS
def test_drain_serves_new_connections_then_stops(implementation: str, workers: str) -> None:
    env = {
        "WORKERS": workers,
        "SHUTDOWN_DELAY_SECONDS": str(DRAIN),
        "SHUTDOWN_TIMEOUT_SECONDS": str(SHUTDOWN_TIMEOUT),
    }
    server = Server(implementation, env).start()
    assert server.process is not None
    problems: list[str] = []
    kept = KeptConnection(server.port)
    try:
        before = kept.get("/readiness")
        assert (before.status, before.headers.get("connection", "keep-alive").lower()) == (
            200,
            "keep-alive",
        ), before
        with ThreadPoolExecutor(1) as pool:
            # In flight when the drain ends: the graceful stop lets it finish.
            slow = pool.submit(fetch, server.base_url, f"/delay/{DRAIN + 2}")
            time.sleep(1.0)
            os.kill(server.process.pid, signal.SIGTERM)
            signalled = time.monotonic()
            time.sleep(SIGNAL_DELIVERY)
            # The kept-alive connection: readiness fails, and the server closes it.
            after = kept.get("/readiness")
            if (after.status, after.body, after.headers.get("connection", "").lower()) != (
                503,
                SHUTTING_DOWN,
                "close",
            ):
                problems.append(f"kept-alive connection after SIGTERM: {after}")
            if not kept.closed_by_server():
                problems.append("the kept-alive connection stayed open after its answer")
            # As a client does once the server has closed (gunicorn's gthread worker waits up
            # to 2 s for it, in its main loop, before it accepts again).
            kept.close()
            # New connections, until shortly before the drain ends: served, then closed.
            seen: list[tuple[int, bytes, str | None]] = []
            while time.monotonic() < signalled + DRAIN - 0.5:
                seen.append(answer_in_drain(server.base_url, "/health"))
                seen.append(answer_in_drain(server.base_url, "/readiness"))
                time.sleep(0.1)
            expected = [(200, b'{"status":"ok"}'), (503, SHUTTING_DOWN)] * (len(seen) // 2)
            if [(s, b) for s, b, _ in seen] != expected or not seen:
                problems.append(f"answers in the drain: {seen}")
            if {(c or "").lower() for _, _, c in seen} != {"close"}:
                problems.append(f"Connection headers in the drain: {[c for *_, c in seen]}")
            if server.process.poll() is not None:
                problems.append(f"exited {server.process.returncode} inside the drain")
            if (answer := slow.result(timeout=15)) != f'200 {{"delay":{DRAIN + 2}}}':
                problems.append(f"the request in flight at the end of the drain got {answer}")
        try:
            status = server.process.wait(timeout=DRAIN + SHUTDOWN_TIMEOUT + 5)
        except subprocess.TimeoutExpired:
            problems.append(f"still running {DRAIN + SHUTDOWN_TIMEOUT + 5}s after SIGTERM")
        else:
            took = time.monotonic() - signalled
            if status != 0 or took < DRAIN:
                problems.append(f"exit status {status} after {took:.1f}s (drain {DRAIN}s)")
        assert not problems, "\n".join(problems) + "\n--- server output:\n" + server.output()
    finally:
        kept.close()
        server.stop()


@WORKERS
def test_second_signal_in_the_drain_exits_at_once(implementation: str, workers: str) -> None:
    env = {"WORKERS": workers, "SHUTDOWN_DELAY_SECONDS": "30"}
    server = Server(implementation, env).start()
    assert server.process is not None
    try:
        os.kill(server.process.pid, signal.SIGTERM)
        time.sleep(1.0)
        assert answer_in_drain(server.base_url, "/health") == (200, b'{"status":"ok"}', "close")
        os.kill(server.process.pid, signal.SIGTERM)
        started = time.monotonic()
        server.process.wait(timeout=10)
        assert time.monotonic() - started < 3, "the second signal did not exit at once"
    finally:
        server.stop()
