"""Several workers make one instance: admin flags seen by every worker at once, /metrics
summed over the workers, and a graceful SIGTERM (readiness fails, requests in flight finish,
exit 0 within SHUTDOWN_TIMEOUT_SECONDS)."""

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from lockstep_suite.drills import ADMIN, SIGNAL_DELIVERY, fetch, outcome, refused_or_not_ready
from lockstep_suite.servers import Server
from lockstep_suite.targets import Target

pytestmark = pytest.mark.process

SHUTDOWN_TIMEOUT = 5


@pytest.fixture(scope="module")
def instance(implementation: str) -> Iterator[Target]:
    """A WORKERS=2 server of its own: these tests flip its flags."""
    server = Server(implementation, {"WORKERS": "2"}).start()
    try:
        yield server.target("workers2")
    finally:
        server.stop()


def put_flag(target: Target, name: str, member: str, value: bool) -> None:
    body = f'{{"{member}":{str(value).lower()}}}'.encode()
    reply = target.request("PUT", f"/admin/{name}", ADMIN, body)
    assert (reply.status, reply.body) == (200, body), reply


@pytest.mark.parametrize(
    ("name", "member", "probe", "off"),
    [
        (
            "readiness",
            "ready",
            "/readiness",
            b'{"status":"not_ready","checks":[{"name":'
            b'"readiness_flag","status":"fail"},{"name":"shutdown","status":"ok"}]}',
        ),
        ("liveness", "healthy", "/health", b'{"status":"unhealthy"}'),
    ],
)
def test_admin_flags_are_instance_wide(
    instance: Target, name: str, member: str, probe: str, off: bytes
) -> None:
    put_flag(instance, name, member, False)
    try:
        # Every request opens its own connection, so the workers share them out.
        replies = [instance.request("GET", probe) for _ in range(20)]
        assert [(r.status, r.body) for r in replies] == [(503, off)] * 20
    finally:
        put_flag(instance, name, member, True)
    assert {instance.request("GET", probe).status for _ in range(20)} == {200}


def requests_counted(target: Target, status: str) -> float:
    reply = target.request("GET", "/metrics")
    assert reply.status == 200, reply
    seen: set[tuple[str, tuple[tuple[str, str], ...]]] = set()
    total = 0.0
    for family in text_string_to_metric_families(reply.body.decode()):
        for sample in family.samples:
            key = (sample.name, tuple(sorted(sample.labels.items())))
            assert key not in seen, f"{key} reported twice: workers not merged"
            seen.add(key)
            wanted = {"method": "GET", "route": "/status/{code}", "status": status}
            if sample.name == "http_requests_total" and sample.labels == wanted:
                total += sample.value
    return total


def test_metrics_sum_every_worker(instance: Target) -> None:
    count = 40
    assert requests_counted(instance, "201") == 0
    for _ in range(count):
        assert instance.request("GET", "/status/201").status == 201
    # A request is counted when its answer has been sent: allow the last one a moment.
    deadline = time.monotonic() + 5
    while (counted := requests_counted(instance, "201")) < count and time.monotonic() < deadline:
        time.sleep(0.1)
    assert counted == count


@pytest.mark.parametrize("workers", ["1", "2"], ids=["workers1", "workers2"])
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


@pytest.mark.parametrize("workers", ["1", "2"], ids=["workers1", "workers2"])
def test_second_signal_exits_at_once(implementation: str, workers: str) -> None:
    with signalled_during_a_long_request(implementation, workers, 30) as server:
        assert server.process is not None
        time.sleep(1.0)
        assert server.process.poll() is None, "exited before the request in flight ended"
        os.kill(server.process.pid, signal.SIGTERM)
        started = time.monotonic()
        server.process.wait(timeout=10)
        assert time.monotonic() - started < 3, "the second signal did not exit at once"


@pytest.mark.parametrize("workers", ["1", "2"], ids=["workers1", "workers2"])
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
