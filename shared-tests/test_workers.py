"""Several workers make one instance: admin flags seen by every worker at once, and /metrics
summed over the workers. How the instance stops: test_shutdown.py."""

import time
from collections.abc import Iterator

import pytest
from prometheus_client.parser import text_string_to_metric_families

from lockstep_suite.drills import ADMIN
from lockstep_suite.servers import Server
from lockstep_suite.targets import Target

pytestmark = pytest.mark.process


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
