"""Tag `probes`: get_health, get_readiness, with the flags the admin drills flip."""

import pytest

from lockstep_suite.expect import JSON
from lockstep_suite.messages import Reply
from lockstep_suite.targets import Target

RID = "test-rid-1"


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
    expect(call(target, path), 200, target.profile.readiness(True))


def test_get_readiness_answers_not_ready_while_the_flag_is_off(
    restore_flags: Target, admin_headers: dict[str, str]
) -> None:
    flip(restore_flags, admin_headers, "readiness", "ready")
    expect(call(restore_flags, "/readiness"), 503, restore_flags.profile.readiness(False))


def test_get_readiness_ignores_the_liveness_flag(
    restore_flags: Target, admin_headers: dict[str, str]
) -> None:
    flip(restore_flags, admin_headers, "liveness", "healthy")
    expect(call(restore_flags, "/readiness"), 200, restore_flags.profile.readiness(True))
