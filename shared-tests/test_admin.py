"""Tag `admin`: put_liveness and put_readiness, the instance-wide flags and their guard.

Every test that may flip a flag takes `restore_flags`, so both flags are on after it.
"""

import json
from dataclasses import dataclass
from typing import Any

import pytest

from lockstep_suite.expect import JSON, PROBLEM, expect, problem
from lockstep_suite.targets import ADMIN_TOKEN, Body, Reply, Target

RID = "test-rid-1"
MAX_BODY_BYTES = 65536


@dataclass(frozen=True)
class Flag:
    """An admin flag, the probe it drives and that probe's bodies."""

    path: str
    member: str
    probe: str
    on: bytes
    off: bytes

    def body(self, value: bool) -> bytes:
        return b'{"%s":%s}' % (self.member.encode(), b"true" if value else b"false")


LIVENESS = Flag(
    "/admin/liveness", "healthy", "/health", b'{"status":"ok"}', b'{"status":"unhealthy"}'
)
READINESS = Flag(
    "/admin/readiness",
    "ready",
    "/readiness",
    b'{"status":"ready","checks":[{"name":"readiness_flag","status":"ok"},'
    b'{"name":"shutdown","status":"ok"}]}',
    b'{"status":"not_ready","checks":[{"name":"readiness_flag","status":"fail"},'
    b'{"name":"shutdown","status":"ok"}]}',
)


UNAUTHORIZED = problem(401, RID)
NOT_ALLOWED = problem(405, RID)
TOO_LARGE = problem(413, RID)
UNSUPPORTED = problem(415, RID)
BAD_JSON = problem(400, RID, "request body is not valid JSON")


def invalid(field: str, code: str, message: str) -> bytes:
    """The 422 body naming one problem (lockstep_suite.expect.problem covers the others)."""
    body = json.loads(problem(422, RID, "request body does not match the schema"))
    body["errors"] = [{"field": field, "code": code, "message": message}]
    return json.dumps(body, separators=(",", ":")).encode()


def request(
    target: Target, method: str, path: str, headers: dict[str, str], body: Body = None
) -> Reply:
    reply = target.request(method, path, {"X-Request-ID": RID, **headers}, body)
    assert reply.header("X-Request-ID") == RID
    return reply


def put(target: Target, flag: Flag, value: bool) -> Reply:
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}", "Content-Type": JSON}
    return request(target, "PUT", flag.path, headers, flag.body(value))


def probe(target: Target, flag: Flag) -> Reply:
    return request(target, "GET", flag.probe, {})


# --- the flag drill ------------------------------------------------------------------------


def check_drill(target: Target, flag: Flag) -> None:
    for _ in range(2):  # setting a flag to its current value is no error
        expect(put(target, flag, False), 200, JSON, flag.body(False))
    expect(probe(target, flag), 503, JSON, flag.off)
    expect(put(target, flag, True), 200, JSON, flag.body(True))
    expect(probe(target, flag), 200, JSON, flag.on)


def test_put_liveness_turns_the_flag_off_and_on(restore_flags: Target) -> None:
    check_drill(restore_flags, LIVENESS)


def test_put_readiness_turns_the_flag_off_and_on(restore_flags: Target) -> None:
    check_drill(restore_flags, READINESS)


def check_instance_wide(target: Target, flag: Flag) -> None:
    # Each request opens its own connection, so with two workers both answer some of them.
    assert put(target, flag, False).status == 200
    assert [probe(target, flag).status for _ in range(10)] == [503] * 10
    assert put(target, flag, True).status == 200
    assert [probe(target, flag).status for _ in range(10)] == [200] * 10


def test_put_liveness_is_seen_by_every_worker(restore_flags: Target) -> None:
    check_instance_wide(restore_flags, LIVENESS)


def test_put_readiness_is_seen_by_every_worker(restore_flags: Target) -> None:
    check_instance_wide(restore_flags, READINESS)


def check_last_repeat_wins(target: Target, flag: Flag) -> None:
    body = b"{%s,%s}" % (flag.body(True)[1:-1], flag.body(False)[1:-1])
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}", "Content-Type": JSON}
    expect(request(target, "PUT", flag.path, headers, body), 200, JSON, flag.body(False))
    assert probe(target, flag).status == 503


def test_put_liveness_takes_the_last_repeated_member(restore_flags: Target) -> None:
    check_last_repeat_wins(restore_flags, LIVENESS)


def test_put_readiness_takes_the_last_repeated_member(restore_flags: Target) -> None:
    check_last_repeat_wins(restore_flags, READINESS)


# --- authorization ---------------------------------------------------------------------------

AUTHORIZATIONS = [
    pytest.param(None, id="missing"),
    pytest.param("", id="empty"),
    pytest.param("Bearer wrong-token-0123456789", id="wrong_token"),
    pytest.param(f"Bearer {ADMIN_TOKEN[:-1]}", id="truncated_token"),
    pytest.param(f"Bearer {ADMIN_TOKEN}x", id="longer_token"),
    pytest.param(f"Bearer {ADMIN_TOKEN.upper()}", id="token_case"),
    pytest.param("Basic x", id="basic"),
    pytest.param(f"Basic {ADMIN_TOKEN}", id="basic_with_token"),
    pytest.param(f"Token {ADMIN_TOKEN}", id="other_scheme"),
    pytest.param("Bearer", id="bearer_alone"),
    pytest.param(f"bearer {ADMIN_TOKEN}", id="lower_case_scheme"),
    pytest.param(f"Bearer  {ADMIN_TOKEN}", id="extra_space"),
    pytest.param(f"Bearer\t{ADMIN_TOKEN}", id="tab"),
    pytest.param(f"Bearer {ADMIN_TOKEN} x", id="extra_word"),
    pytest.param(ADMIN_TOKEN, id="token_without_scheme"),
]


def check_unauthorized(target: Target, flag: Flag, authorization: str | None) -> None:
    headers = {"Content-Type": JSON}
    if authorization is not None:
        headers["Authorization"] = authorization
    reply = request(target, "PUT", flag.path, headers, flag.body(False))
    expect(reply, 401, PROBLEM, UNAUTHORIZED)
    assert reply.header("WWW-Authenticate") == "Bearer"
    expect(probe(target, flag), 200, JSON, flag.on)


@pytest.mark.parametrize("authorization", AUTHORIZATIONS)
def test_put_liveness_rejects_a_missing_or_wrong_token(
    restore_flags: Target, authorization: str | None
) -> None:
    check_unauthorized(restore_flags, LIVENESS, authorization)


@pytest.mark.parametrize("authorization", AUTHORIZATIONS)
def test_put_readiness_rejects_a_missing_or_wrong_token(
    restore_flags: Target, authorization: str | None
) -> None:
    check_unauthorized(restore_flags, READINESS, authorization)


# Requests that fail two checks: the contract's order says which answers.
EARLIER_CHECKS = [
    pytest.param({"Content-Type": "text/plain"}, b"{}", 401, id="auth_before_media_type"),
    pytest.param({}, b"not json", 401, id="auth_before_missing_media_type"),
    pytest.param({"Content-Type": JSON}, b"not json", 401, id="auth_before_syntax"),
    pytest.param({"Content-Type": JSON}, b"[]", 401, id="auth_before_shape"),
    pytest.param(
        {"Authorization": "Bearer wrong-token-0123456789", "Content-Type": "text/plain"},
        b"{}",
        401,
        id="wrong_token_before_media_type",
    ),
    pytest.param({"Content-Type": JSON}, b" " * (MAX_BODY_BYTES + 1), 413, id="size_before_auth"),
]


def check_order(
    target: Target, flag: Flag, headers: dict[str, str], body: bytes, status: int
) -> None:
    reply = request(target, "PUT", flag.path, headers, body)
    if status == 401:
        expect(reply, 401, PROBLEM, UNAUTHORIZED)
        assert reply.header("WWW-Authenticate") == "Bearer"
    else:
        expect(reply, 413, PROBLEM, TOO_LARGE)


@pytest.mark.parametrize(("headers", "body", "status"), EARLIER_CHECKS)
def test_put_liveness_answers_the_first_failed_check(
    target: Target, headers: dict[str, str], body: bytes, status: int
) -> None:
    check_order(target, LIVENESS, headers, body, status)


@pytest.mark.parametrize(("headers", "body", "status"), EARLIER_CHECKS)
def test_put_readiness_answers_the_first_failed_check(
    target: Target, headers: dict[str, str], body: bytes, status: int
) -> None:
    check_order(target, READINESS, headers, body, status)


def check_method_before_auth(target: Target, flag: Flag, method: str) -> None:
    reply = request(target, method, flag.path, {})
    expect(reply, 405, PROBLEM, NOT_ALLOWED)
    assert reply.header("Allow") == "PUT, OPTIONS"


@pytest.mark.parametrize("method", ["GET", "POST", "DELETE", "PATCH"])
def test_put_liveness_checks_the_method_before_authorization(target: Target, method: str) -> None:
    check_method_before_auth(target, LIVENESS, method)


@pytest.mark.parametrize("method", ["GET", "POST", "DELETE", "PATCH"])
def test_put_readiness_checks_the_method_before_authorization(target: Target, method: str) -> None:
    check_method_before_auth(target, READINESS, method)


FORBIDDEN_HEADERS = [
    pytest.param({"Content-Type": JSON}, id="no_token"),
    pytest.param({"Authorization": f"Bearer {ADMIN_TOKEN}", "Content-Type": JSON}, id="token"),
    pytest.param(
        {"Authorization": "Bearer wrong-token-0123456789", "Content-Type": "text/plain"},
        id="before_auth_and_media_type",
    ),
]


def check_forbidden(target: Target, flag: Flag, headers: dict[str, str]) -> None:
    reply = request(target, "PUT", flag.path, headers, flag.body(False))
    expect(reply, 403, PROBLEM, problem(403, RID))
    assert reply.header("WWW-Authenticate") is None
    expect(probe(target, flag), 200, JSON, flag.on)


@pytest.mark.process
@pytest.mark.parametrize("headers", FORBIDDEN_HEADERS)
def test_put_liveness_is_forbidden_without_admin_token(
    noadmin_target: Target, headers: dict[str, str]
) -> None:
    check_forbidden(noadmin_target, LIVENESS, headers)


@pytest.mark.process
@pytest.mark.parametrize("headers", FORBIDDEN_HEADERS)
def test_put_readiness_is_forbidden_without_admin_token(
    noadmin_target: Target, headers: dict[str, str]
) -> None:
    check_forbidden(noadmin_target, READINESS, headers)


# --- the body, with the right token ----------------------------------------------------------

MEDIA_TYPES = [
    pytest.param(None, id="missing"),
    pytest.param("text/plain", id="text_plain"),
    pytest.param("application/json; charset=latin-1", id="latin_1"),
    pytest.param("application/jsonx", id="jsonx"),
    pytest.param("application/x-www-form-urlencoded", id="form"),
]


def check_media_type(target: Target, flag: Flag, content_type: str | None) -> None:
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    if content_type is not None:
        headers["Content-Type"] = content_type
    expect(request(target, "PUT", flag.path, headers, flag.body(False)), 415, PROBLEM, UNSUPPORTED)
    expect(probe(target, flag), 200, JSON, flag.on)


@pytest.mark.parametrize("content_type", MEDIA_TYPES)
def test_put_liveness_rejects_other_media_types(
    restore_flags: Target, content_type: str | None
) -> None:
    check_media_type(restore_flags, LIVENESS, content_type)


@pytest.mark.parametrize("content_type", MEDIA_TYPES)
def test_put_readiness_rejects_other_media_types(
    restore_flags: Target, content_type: str | None
) -> None:
    check_media_type(restore_flags, READINESS, content_type)


def invalid_json(member: str) -> list[Any]:
    return [
        pytest.param(b"", id="empty"),
        pytest.param(b"not json", id="not_json"),
        pytest.param(b'{"%s":false' % member.encode(), id="truncated"),
        pytest.param(b'{"%s":false} x' % member.encode(), id="trailing_data"),
        pytest.param(b'{"%s":False}' % member.encode(), id="python_literal"),
        pytest.param(b'{"%s":NaN}' % member.encode(), id="nan"),
        pytest.param(b'{"%s":"\xff"}' % member.encode(), id="invalid_utf8"),
        pytest.param(b'{"%s":"\\ud800"}' % member.encode(), id="lone_surrogate"),
        pytest.param(b'\xef\xbb\xbf{"%s":false}' % member.encode(), id="utf8_bom"),
    ]


def check_invalid_json(target: Target, flag: Flag, body: bytes) -> None:
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}", "Content-Type": JSON}
    expect(request(target, "PUT", flag.path, headers, body), 400, PROBLEM, BAD_JSON)
    expect(probe(target, flag), 200, JSON, flag.on)


@pytest.mark.parametrize("body", invalid_json("healthy"))
def test_put_liveness_rejects_invalid_json(restore_flags: Target, body: bytes) -> None:
    check_invalid_json(restore_flags, LIVENESS, body)


@pytest.mark.parametrize("body", invalid_json("ready"))
def test_put_readiness_rejects_invalid_json(restore_flags: Target, body: bytes) -> None:
    check_invalid_json(restore_flags, READINESS, body)


def invalid_bodies(member: str, other: str) -> list[Any]:
    not_boolean = (f"/{member}", "not_boolean", "must be a boolean")
    not_object = ("", "not_object", "must be an object")

    def case(body: str, error: tuple[str, str, str], case_id: str) -> Any:
        return pytest.param(body.replace("FLAG", member).encode(), error, id=case_id)

    return [
        case('{"FLAG":"yes"}', not_boolean, "string"),
        case('{"FLAG":"false"}', not_boolean, "quoted_false"),
        case('{"FLAG":1}', not_boolean, "one"),
        case('{"FLAG":0}', not_boolean, "zero"),
        case('{"FLAG":null}', not_boolean, "null"),
        case('{"FLAG":[true]}', not_boolean, "array"),
        case("{}", (f"/{member}", "required", "field required"), "missing"),
        case('{"FLAG":true,"x":1}', ("/x", "extra_forbidden", "unknown field"), "extra"),
        case(
            f'{{"{other}":true}}', (f"/{other}", "extra_forbidden", "unknown field"), "other_flag"
        ),
        case('{"x":1}', ("/x", "extra_forbidden", "unknown field"), "extra_before_required"),
        case('{"x":1,"FLAG":"yes"}', ("/x", "extra_forbidden", "unknown field"), "extra_first"),
        case('{"FLAG":"yes","x":1}', not_boolean, "value_first"),
        case("[]", not_object, "array_body"),
        case('"x"', not_object, "string_body"),
        case("true", not_object, "boolean_body"),
        case("null", not_object, "null_body"),
    ]


def check_invalid_body(
    target: Target, flag: Flag, body: bytes, error: tuple[str, str, str]
) -> None:
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}", "Content-Type": JSON}
    expect(request(target, "PUT", flag.path, headers, body), 422, PROBLEM, invalid(*error))
    expect(probe(target, flag), 200, JSON, flag.on)


@pytest.mark.parametrize(("body", "error"), invalid_bodies("healthy", "ready"))
def test_put_liveness_rejects_an_invalid_body(
    restore_flags: Target, body: bytes, error: tuple[str, str, str]
) -> None:
    check_invalid_body(restore_flags, LIVENESS, body, error)


@pytest.mark.parametrize(("body", "error"), invalid_bodies("ready", "healthy"))
def test_put_readiness_rejects_an_invalid_body(
    restore_flags: Target, body: bytes, error: tuple[str, str, str]
) -> None:
    check_invalid_body(restore_flags, READINESS, body, error)
