"""What is loaded and how: the endpoints, the plan, and `compare`, which loads several
servers on one endpoint in short rounds alternated between them, so that a busy moment of
the shared machine costs each of them alike."""

import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import procs, wrk
from bench.project import LUA


@dataclass(frozen=True)
class Endpoint:
    key: str
    label: str
    method: str
    path: str
    status: int
    baseline: bool = False  # also measured on the minimal app and the bare callable
    script: Path | None = None
    crowded: bool = False  # at the plan's delay_connections


ENDPOINTS = (
    Endpoint("health", "GET /health", "GET", "/health", 200, baseline=True),
    Endpoint("not_found", "GET /nope (404)", "GET", "/nope", 404, baseline=True),
    Endpoint("echo", "POST /echo", "POST", "/echo", 200, script=LUA / "echo.lua"),
    Endpoint("delay", "GET /delay/0.05", "GET", "/delay/0.05", 200, crowded=True),
)
HEALTH = ENDPOINTS[0]
ECHO_BODY = b'{"message":"hello, lockstep","metadata":{"client":"wrk","run":"bench"}}'


@dataclass(frozen=True)
class Plan:
    duration: int  # seconds of load per server and endpoint, over all rounds
    connections: int
    delay_connections: int
    rounds: int  # when several servers are compared
    warmup: int


def _check(base: str, endpoint: Endpoint) -> None:
    body = ECHO_BODY if endpoint.method == "POST" else None
    status, _ = procs.fetch(base + endpoint.path, endpoint.method, body, timeout=5.0)
    if status != endpoint.status:
        raise RuntimeError(f"{endpoint.label} answered {status}, expected {endpoint.status}")


def combine(loads: list[wrk.Load]) -> dict[str, Any]:
    """Rounds as one: requests/s over the whole time, the median round's p50 and p99."""
    requests, seconds = sum(x.requests for x in loads), sum(x.seconds for x in loads)
    return {
        "rps": round(requests / seconds, 1) if seconds else 0.0,
        "p50_ms": statistics.median(x.p50_ms for x in loads),
        "p99_ms": statistics.median(x.p99_ms for x in loads),
        "requests": requests,
        "seconds": round(seconds, 3),
        "non_2xx_3xx": sum(x.non_2xx_3xx for x in loads),
        "socket_errors": sum(x.socket_errors for x in loads),
        "rounds_rps": [x.rps for x in loads],
    }


def compare(plan: Plan, bases: dict[str, str], endpoint: Endpoint) -> dict[str, dict[str, Any]]:
    """Each server (name: base URL) loaded on `endpoint`: checked, warmed up, then measured."""
    connections = plan.delay_connections if endpoint.crowded else plan.connections
    timeout = 10.0 if endpoint.crowded else 2.0
    rounds = plan.rounds if len(bases) > 1 else 1
    seconds = max(1, round(plan.duration / rounds))

    def run(base: str, duration: int) -> wrk.Load:
        url = base + endpoint.path
        return wrk.run(url, connections=connections, duration=duration, script=endpoint.script,
                       timeout=timeout)  # fmt: skip

    for base in bases.values():
        _check(base, endpoint)
        run(base, plan.warmup)
    loads: dict[str, list[wrk.Load]] = {name: [] for name in bases}
    for _ in range(rounds):
        for name, base in bases.items():
            loads[name].append(run(base, seconds))
    shared = {"endpoint": endpoint.key, "label": endpoint.label, "connections": connections}
    return {name: {**shared, **combine(runs)} for name, runs in loads.items()}
