"""Tag `probes`: get_health, get_readiness, with the flags the admin drills flip."""

import pytest

from lockstep_suite.expect import JSON
from lockstep_suite.targets import Reply, Target

RID = "test-rid-1"
READY = (
    b'{"status":"ready","checks":[{"name":"readiness_flag","status":"ok"},'
    b'{"name":"shutdown","status":"ok"}]}'
)
NOT_READY = (
    b'{"status":"not_ready","checks":[{"name":"readiness_flag","status":"fail"},'
    b'{"name":"shutdown","status":"ok"}]}'
)


def call(target: Target, path: str) -> Reply:
    reply = target.request("GET", path, {"X-Request-ID": RID})
    assert reply.header("X-Request-ID") == RID
    return reply


def expect(reply: Reply, status: int, body: bytes) -> None:
    assert reply.status == status
    assert reply.header("Content-Type") == JSON
    assert reply.body == body
    assert reply.header("Content-Length") == str(len(body))


def flip(target: Target, admin_headers: dict[str, str], flag: str, member: str) -> None:
    body = f'{{"{member}":false}}'.encode()
    assert target.request("PUT", f"/admin/{flag}", admin_headers, body).status == 200


@pytest.mark.parametrize("path", ["/health", "/health?probe=1"], ids=["plain", "query"])
def test_get_health_answers_ok(target: Target, path: str) -> None:
    expect(call(target, path), 200, b'{"status":"ok"}')


def test_get_health_answers_unhealthy_while_liveness_is_off(
    restore_flags: Target, admin_headers: dict[str, str]
) -> None:
    flip(restore_flags, admin_headers, "liveness", "healthy")
    expect(call(restore_flags, "/health"), 503, b'{"status":"unhealthy"}')


def test_get_health_ignores_the_readiness_flag(
    restore_flags: Target, admin_headers: dict[str, str]
) -> None:
    flip(restore_flags, admin_headers, "readiness", "ready")
    expect(call(restore_flags, "/health"), 200, b'{"status":"ok"}')


@pytest.mark.parametrize("path", ["/readiness", "/readiness?probe=1"], ids=["plain", "query"])
def test_get_readiness_answers_ready_with_every_check(target: Target, path: str) -> None:
    expect(call(target, path), 200, READY)


def test_get_readiness_answers_not_ready_while_the_flag_is_off(
    restore_flags: Target, admin_headers: dict[str, str]
) -> None:
    flip(restore_flags, admin_headers, "readiness", "ready")
    expect(call(restore_flags, "/readiness"), 503, NOT_READY)


def test_get_readiness_ignores_the_liveness_flag(
    restore_flags: Target, admin_headers: dict[str, str]
) -> None:
    flip(restore_flags, admin_headers, "liveness", "healthy")
    expect(call(restore_flags, "/readiness"), 200, READY)
