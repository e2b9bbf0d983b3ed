"""Tag `admin`: put_liveness and put_readiness, the instance-wide flags and their guard.

Every test runs for both operations (parametrised by operationId). A test that may flip a
flag takes `restore_flags`, so both flags are on after it; one that is refused takes
`guarded_target` (no token needed) or `admin_target` (the right token), which put the flags
back too where the suite may.
"""

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import pytest

from lockstep_suite.expect import JSON, PROBLEM, expect, problem
from lockstep_suite.messages import Reply
from lockstep_suite.profile import Profile, run_profile
from lockstep_suite.targets import Body, Target

RID = "test-rid-1"
PROFILE = run_profile()  # the token's forms and the body limit in the parameters below


@dataclass(frozen=True)
class Flag:
    """An admin flag, its operation, the probe it drives and that probe's bodies."""

    operation: str
    path: str
    member: str
    other: str  # the other flag's member
    probe: str

    def body(self, value: bool) -> bytes:
        return b'{"%s":%s}' % (self.member.encode(), b"true" if value else b"false")

    def probed(self, profile: Profile, on: bool) -> bytes:
        """The probe's body with this flag on or off (the other one on)."""
        if self.member == "healthy":
            return b'{"status":"ok"}' if on else b'{"status":"unhealthy"}'
        return profile.readiness(on)


LIVENESS = Flag("put_liveness", "/admin/liveness", "healthy", "ready", "/health")
READINESS = Flag("put_readiness", "/admin/readiness", "ready", "healthy", "/readiness")
FLAGS = [pytest.param(flag, id=flag.operation) for flag in (LIVENESS, READINESS)]


def per_flag(cases: Callable[[Flag], Iterable[Any]]) -> list[Any]:
    """`cases(flag)`'s parameters for each flag, as (flag, *values), ids led by the operation."""
    return [
        pytest.param(flag, *case.values, id=f"{flag.operation}-{case.id}", marks=case.marks)
        for flag in (LIVENESS, READINESS)
        for case in cases(flag)
    ]


UNAUTHORIZED = problem(401, RID)
NOT_ALLOWED = problem(405, RID)
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
    return request(target, "PUT", flag.path, target.profile.bearer, flag.body(value))


def probe(target: Target, flag: Flag) -> Reply:
    return request(target, "GET", flag.probe, {})


def still_on(target: Target, flag: Flag) -> None:
    expect(probe(target, flag), 200, JSON, flag.probed(target.profile, True))


# --- the flag drill ------------------------------------------------------------------------


@pytest.mark.parametrize("flag", FLAGS)
def test_admin_flag_turns_off_and_on(restore_flags: Target, flag: Flag) -> None:
    for _ in range(2):  # setting a flag to its current value is no error
        expect(put(restore_flags, flag, False), 200, JSON, flag.body(False))
    expect(probe(restore_flags, flag), 503, JSON, flag.probed(restore_flags.profile, False))
    expect(put(restore_flags, flag, True), 200, JSON, flag.body(True))
    still_on(restore_flags, flag)


@pytest.mark.parametrize("flag", FLAGS)
def test_admin_flag_is_seen_by_every_worker(restore_flags: Target, flag: Flag) -> None:
    # Each request opens its own connection, so with two workers both answer some of them.
    assert put(restore_flags, flag, False).status == 200
    assert [probe(restore_flags, flag).status for _ in range(10)] == [503] * 10
    assert put(restore_flags, flag, True).status == 200
    assert [probe(restore_flags, flag).status for _ in range(10)] == [200] * 10


@pytest.mark.parametrize("flag", FLAGS)
def test_admin_flag_takes_the_last_repeated_member(restore_flags: Target, flag: Flag) -> None:
    body = b"{%s,%s}" % (flag.body(True)[1:-1], flag.body(False)[1:-1])
    reply = request(restore_flags, "PUT", flag.path, restore_flags.profile.bearer, body)
    expect(reply, 200, JSON, flag.body(False))
    assert probe(restore_flags, flag).status == 503


# --- authorization ---------------------------------------------------------------------------

TOKEN = PROFILE.token
WITH_TOKEN = pytest.mark.needs("admin_token")  # a wrong form of the real token
AUTHORIZATIONS = [
    pytest.param(None, id="missing"),
    pytest.param("", id="empty"),
    pytest.param("Bearer wrong-token-0123456789", id="wrong_token"),
    pytest.param(f"Bearer {TOKEN[:-1]}", id="truncated_token", marks=WITH_TOKEN),
    pytest.param(f"Bearer {TOKEN}x", id="longer_token", marks=WITH_TOKEN),
    pytest.param(f"Bearer {TOKEN.upper()}", id="token_case", marks=WITH_TOKEN),
    pytest.param("Basic x", id="basic"),
    pytest.param(f"Basic {TOKEN}", id="basic_with_token", marks=WITH_TOKEN),
    pytest.param(f"Token {TOKEN}", id="other_scheme", marks=WITH_TOKEN),
    pytest.param("Bearer", id="bearer_alone"),
    pytest.param(f"bearer {TOKEN}", id="lower_case_scheme", marks=WITH_TOKEN),
    pytest.param(f"Bearer  {TOKEN}", id="extra_space", marks=WITH_TOKEN),
    pytest.param(f"Bearer\t{TOKEN}", id="tab", marks=WITH_TOKEN),
    pytest.param(f"Bearer {TOKEN} x", id="extra_word", marks=WITH_TOKEN),
    pytest.param(TOKEN, id="token_without_scheme", marks=WITH_TOKEN),
]


@pytest.mark.parametrize(("flag", "authorization"), per_flag(lambda _: AUTHORIZATIONS))
def test_admin_flag_rejects_a_missing_or_wrong_token(
    guarded_target: Target, flag: Flag, authorization: str | None
) -> None:
    headers = {"Content-Type": JSON}
    if authorization is not None:
        headers["Authorization"] = authorization
    reply = request(guarded_target, "PUT", flag.path, headers, flag.body(False))
    expect(reply, 401, PROBLEM, UNAUTHORIZED)
    assert reply.header("WWW-Authenticate") == "Bearer"
    still_on(guarded_target, flag)


# Requests that fail two checks: the contract's order says which answers.
GUARDED = pytest.mark.needs("guarded_admin")
EARLIER_CHECKS = [
    pytest.param(
        {"Content-Type": "text/plain"}, b"{}", 401, id="auth_before_media_type", marks=GUARDED
    ),
    pytest.param({}, b"not json", 401, id="auth_before_missing_media_type", marks=GUARDED),
    pytest.param({"Content-Type": JSON}, b"not json", 401, id="auth_before_syntax", marks=GUARDED),
    pytest.param({"Content-Type": JSON}, b"[]", 401, id="auth_before_shape", marks=GUARDED),
    pytest.param(
        {"Authorization": "Bearer wrong-token-0123456789", "Content-Type": "text/plain"},
        b"{}",
        401,
        id="wrong_token_before_media_type",
        marks=GUARDED,
    ),
    pytest.param(
        {"Content-Type": JSON}, b" " * (PROFILE.max_body_bytes + 1), 413, id="size_before_auth"
    ),
]


@pytest.mark.parametrize(("flag", "headers", "body", "status"), per_flag(lambda _: EARLIER_CHECKS))
def test_admin_flag_answers_the_first_failed_check(
    target: Target, flag: Flag, headers: dict[str, str], body: bytes, status: int
) -> None:
    reply = request(target, "PUT", flag.path, headers, body)
    if status == 401:
        expect(reply, 401, PROBLEM, UNAUTHORIZED)
        assert reply.header("WWW-Authenticate") == "Bearer"
    else:
        expect(reply, 413, PROBLEM, target.profile.problem(413, RID))


METHODS = [pytest.param(method, id=method) for method in ("GET", "POST", "DELETE", "PATCH")]


@pytest.mark.parametrize(("flag", "method"), per_flag(lambda _: METHODS))
def test_admin_flag_checks_the_method_before_authorization(
    target: Target, flag: Flag, method: str
) -> None:
    reply = request(target, method, flag.path, {})
    expect(reply, 405, PROBLEM, NOT_ALLOWED)
    assert reply.header("Allow") == "PUT, OPTIONS"


FORBIDDEN_HEADERS = [
    pytest.param({"Content-Type": JSON}, id="no_token"),
    pytest.param({"Authorization": f"Bearer {TOKEN}", "Content-Type": JSON}, id="token"),
    pytest.param(
        {"Authorization": "Bearer wrong-token-0123456789", "Content-Type": "text/plain"},
        id="before_auth_and_media_type",
    ),
]


@pytest.mark.parametrize(("flag", "headers"), per_flag(lambda _: FORBIDDEN_HEADERS))
def test_admin_flag_is_forbidden_without_admin_token(
    noadmin_target: Target, flag: Flag, headers: dict[str, str]
) -> None:
    reply = request(noadmin_target, "PUT", flag.path, headers, flag.body(False))
    expect(reply, 403, PROBLEM, problem(403, RID))
    assert reply.header("WWW-Authenticate") is None
    still_on(noadmin_target, flag)


# --- the body, with the right token ----------------------------------------------------------

MEDIA_TYPES = [
    pytest.param(None, id="missing"),
    pytest.param("text/plain", id="text_plain"),
    pytest.param("application/json; charset=latin-1", id="latin_1"),
    pytest.param("application/jsonx", id="jsonx"),
    pytest.param("application/x-www-form-urlencoded", id="form"),
]


@pytest.mark.parametrize(("flag", "content_type"), per_flag(lambda _: MEDIA_TYPES))
def test_admin_flag_rejects_other_media_types(
    admin_target: Target, flag: Flag, content_type: str | None
) -> None:
    headers = {"Authorization": f"Bearer {admin_target.profile.token}"}
    if content_type is not None:
        headers["Content-Type"] = content_type
    reply = request(admin_target, "PUT", flag.path, headers, flag.body(False))
    expect(reply, 415, PROBLEM, UNSUPPORTED)
    still_on(admin_target, flag)


def invalid_json(flag: Flag) -> list[Any]:
    member = flag.member.encode()
    return [
        pytest.param(b"", id="empty"),
        pytest.param(b"not json", id="not_json"),
        pytest.param(b'{"%s":false' % member, id="truncated"),
        pytest.param(b'{"%s":false} x' % member, id="trailing_data"),
        pytest.param(b'{"%s":False}' % member, id="python_literal"),
        pytest.param(b'{"%s":NaN}' % member, id="nan"),
        pytest.param(b'{"%s":"\xff"}' % member, id="invalid_utf8"),
        pytest.param(b'{"%s":"\\ud800"}' % member, id="lone_surrogate"),
        pytest.param(b'\xef\xbb\xbf{"%s":false}' % member, id="utf8_bom"),
    ]


@pytest.mark.parametrize(("flag", "body"), per_flag(invalid_json))
def test_admin_flag_rejects_invalid_json(admin_target: Target, flag: Flag, body: bytes) -> None:
    reply = request(admin_target, "PUT", flag.path, admin_target.profile.bearer, body)
    expect(reply, 400, PROBLEM, BAD_JSON)
    still_on(admin_target, flag)


def invalid_bodies(flag: Flag) -> list[Any]:
    member, other = flag.member, flag.other
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


@pytest.mark.parametrize(("flag", "body", "error"), per_flag(invalid_bodies))
def test_admin_flag_rejects_an_invalid_body(
    admin_target: Target, flag: Flag, body: bytes, error: tuple[str, str, str]
) -> None:
    reply = request(admin_target, "PUT", flag.path, admin_target.profile.bearer, body)
    expect(reply, 422, PROBLEM, invalid(*error))
    still_on(admin_target, flag)
