"""Drills against a running container (`nox -s containers`): the engine's stop drains the
requests in flight and exits 0 within SHUTDOWN_TIMEOUT_SECONDS; the liveness drill turns the
image's HEALTHCHECK unhealthy, a restart heals it and LOG_FILE keeps its lines."""

import json
import subprocess
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from lockstep_suite.drills import (
    ADMIN,
    engine,
    fetch,
    outcome,
    refused_or_not_ready,
    run_healthcheck,
)
from lockstep_suite.servers import LAUNCHER, Server

pytestmark = [pytest.mark.process, pytest.mark.container]
# The images run with the default SHUTDOWN_TIMEOUT_SECONDS; the engine kills after STOP_GRACE.
SHUTDOWN_TIMEOUT = 8
STOP_GRACE = 10
IN_FLIGHT = 4
# Long enough that the engine's client (0.1-0.2 s to deliver the signal here, more on a busy
# machine) signals while the requests are still being served.
DELAY = 2
READY = '200 {"status":"ready",'


def timed_fetch(base_url: str, path: str) -> tuple[str, float]:
    return fetch(base_url, path), time.monotonic()


def watch_readiness(server: Server, client: httpx.Client) -> list[tuple[float, str]]:
    """/readiness asked back to back until the container's client exits: on the kept-alive
    connection while it lasts (it sees the shutdown before the listener closes), then on new
    ones."""
    assert server.process is not None
    seen: list[tuple[float, str]] = []
    while server.process.poll() is None:
        asked = time.monotonic()
        seen.append((asked, outcome(client, "/readiness")))
        if not seen[-1][1][:1].isdigit():
            client.close()
            client = httpx.Client(base_url=server.base_url, trust_env=False, timeout=10)
    client.close()
    return seen


@pytest.mark.parametrize("workers", ["1", "2"], ids=["workers1", "workers2"])
def test_engine_stop_drains_requests_in_flight_and_exits_zero(
    implementation: str, workers: str
) -> None:
    server = Server(implementation, {"WORKERS": workers}).start()
    name = LAUNCHER.started[-1]
    assert server.process is not None
    kept = httpx.Client(base_url=server.base_url, trust_env=False, timeout=10)
    try:
        assert outcome(kept, "/readiness").startswith(READY)  # opens the kept-alive connection
        with ThreadPoolExecutor(IN_FLIGHT) as pool:
            slow: list[Future[tuple[str, float]]] = [
                pool.submit(timed_fetch, server.base_url, f"/delay/{DELAY}")
                for _ in range(IN_FLIGHT)
            ]
            # The contract has no count of requests in flight to poll: let them reach the
            # server; the check below on when they were answered proves they were in flight.
            time.sleep(0.5)
            stopped = time.monotonic()
            stop = subprocess.Popen(
                [engine(), "stop", "--time", str(STOP_GRACE), name],
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            )  # fmt: skip
            seen = watch_readiness(server, kept)
            took = time.monotonic() - stopped
            answers = [future.result(timeout=30) for future in slow]
        _, stop_errors = stop.communicate(timeout=30)
    finally:
        kept.close()
        server.stop()
    assert [r for _, r in seen if not (r.startswith(READY) or refused_or_not_ready(r))] == []
    signs = [asked for asked, result in seen if refused_or_not_ready(result)]
    assert signs, f"readiness never failed before the exit: {seen}"
    first_sign = signs[0]
    # The signal reached the server before the first answer showing the shutdown (polled back
    # to back): from then on nothing answers ready again.
    late = [(round(at - stopped, 3), r) for at, r in seen if at > first_sign and r.startswith("2")]
    assert late == []
    assert [result for result, _ in answers] == [f'200 {{"delay":{DELAY}}}'] * IN_FLIGHT
    assert all(at > first_sign for _, at in answers), "answered before the stop reached them"
    assert server.process.returncode == 0, server.output()
    assert stop.returncode == 0, stop_errors.decode()
    assert took <= SHUTDOWN_TIMEOUT, f"exited {took:.1f}s after `{engine()} stop`"
    # The kept-alive connection is served until the server closes it: readiness fails there.
    not_ready = [r for _, r in seen if r.startswith("503 ")]
    assert not_ready, f"no readiness 503 after the signal: {seen}"
    print(
        f"\n{implementation} WORKERS={workers}: {IN_FLIGHT} requests in flight answered 200, "
        f"readiness 503 {len(not_ready)}x, shutdown seen {first_sign - stopped:.2f}s and "
        f"exit status {server.process.returncode} "
        f"{took:.2f}s after `{engine()} stop`"
    )


def log_records(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def wait_for(path: Path, request_id: str, timeout: float = 10.0) -> list[dict[str, Any]]:
    """LOG_FILE's records once the access line of `request_id` is in it."""
    deadline = time.monotonic() + timeout
    while True:
        records = log_records(path)
        if any(record.get("request_id") == request_id for record in records):
            return records
        assert time.monotonic() < deadline, f"no line of {request_id} in {path}"
        time.sleep(0.05)


def wait_healthy(base_url: str, timeout: float = 30.0) -> str:
    """GET /health once the restarted container answers it."""
    deadline = time.monotonic() + timeout
    while not (answer := fetch(base_url, "/health", timeout=2))[:1].isdigit():
        assert time.monotonic() < deadline, f"no answer {timeout}s after the restart: {answer}"
        time.sleep(0.1)
    return answer


def test_liveness_drill_turns_the_healthcheck_unhealthy_and_a_restart_heals_it(
    implementation: str,
) -> None:
    server = Server(implementation, restartable=True).start()
    name = LAUNCHER.started[-1]
    image = LAUNCHER.image.format(implementation=implementation)
    target = server.target("server")
    try:
        healthy = run_healthcheck(name, image)
        off = target.request(
            "PUT", "/admin/liveness", {**ADMIN, "X-Request-ID": "drill-liveness-off"},
            b'{"healthy":false}',
        )  # fmt: skip
        probe = target.request("GET", "/health")
        unhealthy = run_healthcheck(name, image)
        before = wait_for(server.log_file, "drill-liveness-off")
        started = time.monotonic()
        # Stop, then start the same container: `<engine> restart` leaves the client of the
        # first run attached at times, and then its exit status is lost.
        stop = subprocess.run(
            [engine(), "stop", "--time", str(STOP_GRACE), name],
            capture_output=True, check=False, timeout=60,
        )  # fmt: skip
        assert server.process is not None
        first_status = server.process.wait(timeout=30)
        restart = subprocess.run(
            [engine(), "start", name], capture_output=True, check=False, timeout=60
        )
        health = wait_healthy(server.base_url)
        took = time.monotonic() - started
        healed = run_healthcheck(name, image)
        after = target.request("GET", "/health", {"X-Request-ID": "drill-after-restart"})
        records = wait_for(server.log_file, "drill-after-restart")
    finally:
        server.stop()
        LAUNCHER.remove(name)
    assert healthy.returncode == 0, healthy
    assert (off.status, off.body) == (200, b'{"healthy":false}')
    assert (probe.status, probe.body) == (503, b'{"status":"unhealthy"}')
    assert unhealthy.returncode == 1, unhealthy
    assert (stop.returncode, first_status) == (0, 0), stop.stderr.decode()
    assert restart.returncode == 0, restart.stderr.decode()
    assert health == '200 {"status":"ok"}'
    assert healed.returncode == 0, healed
    assert (after.status, after.body) == (200, b'{"status":"ok"}')
    assert records[: len(before)] == before
    drill = [r for r in before if r.get("request_id") == "drill-liveness-off"]
    assert [(r["method"], r["path"], r["status"]) for r in drill] == [
        ("PUT", "/admin/liveness", 200)
    ]
    added = [r.get("request_id") for r in records[len(before) :]]
    assert "drill-after-restart" in added
    print(
        f"\n{implementation}: healthcheck 0 -> {unhealthy.returncode} after the liveness drill,"
        f" healthy again {took:.2f}s after `{engine()} stop` and `start`, LOG_FILE "
        f"{len(before)} -> {len(records)} lines"
    )
