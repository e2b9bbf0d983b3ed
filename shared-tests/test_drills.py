"""Tag `drills`: get_delay and get_status, their path parameters taken verbatim or rejected."""

from decimal import Decimal

import pytest

from lockstep_suite.expect import JSON, PROBLEM, expect, problem
from lockstep_suite.messages import Reply
from lockstep_suite.profile import run_profile
from lockstep_suite.targets import Target

RID = "test-rid-1"
MAX_DELAY = Decimal(run_profile().max_delay_seconds)  # of the targets this run tests
BAD_STATUS = problem(400, RID, "code must be an integer from 200 to 599")
NOT_FOUND = problem(404, RID)


def call(target: Target, path: str) -> Reply:
    reply = target.request("GET", path, {"X-Request-ID": RID})
    assert reply.header("X-Request-ID") == RID
    return reply


@pytest.mark.parametrize(
    "seconds",
    [
        seconds
        for seconds in ("0", "0.0", "0.05", "0.50", "0.000001", "0.100000", "0.01")
        if Decimal(seconds) <= MAX_DELAY
    ],
)
def test_get_delay_echoes_the_seconds_verbatim(target: Target, seconds: str) -> None:
    expect(call(target, f"/delay/{seconds}"), 200, JSON, b'{"delay":' + seconds.encode() + b"}")


@pytest.mark.parametrize(
    "seconds",
    [
        pytest.param("abc", id="letters"),
        pytest.param("-1", id="negative"),
        pytest.param("-0", id="minus_zero"),
        pytest.param("+1", id="plus"),
        pytest.param("1e1", id="exponent"),
        pytest.param("1E0", id="upper_exponent"),
        pytest.param("01", id="leading_zero"),
        pytest.param("00", id="double_zero"),
        pytest.param(f"{MAX_DELAY:.6f}1", id="seven_decimals_over_max"),
        pytest.param("0.0000001", id="seven_decimals"),
        pytest.param(f"{MAX_DELAY + Decimal('0.000001'):.6f}", id="just_over_max"),
        pytest.param(str(int(MAX_DELAY) + 1), id="over_max"),
        pytest.param("1234567", id="seven_digits"),
        pytest.param("0x1", id="hexadecimal"),
        pytest.param("1.", id="trailing_dot"),
        pytest.param(".5", id="leading_dot"),
        pytest.param("1,5", id="comma"),
        pytest.param("1_0", id="underscore"),
        pytest.param("%201", id="space"),
        pytest.param("%D9%A1", id="arabic_indic_digit"),
        pytest.param("NaN", id="nan"),
        pytest.param("inf", id="inf"),
        pytest.param("Infinity", id="infinity"),
        pytest.param("1" * 400, id="long_digits"),
        pytest.param("0." + "0" * 400, id="long_decimals"),
    ],
)
def test_get_delay_rejects_invalid_seconds(target: Target, seconds: str) -> None:
    bad_delay = problem(400, RID, target.profile.bad_delay)
    expect(call(target, f"/delay/{seconds}"), 400, PROBLEM, bad_delay)


@pytest.mark.parametrize("path", ["/delay/", "/delay/0/0", "/delay/0/", "/DELAY/0"])
def test_get_delay_other_paths_are_not_found(target: Target, path: str) -> None:
    expect(call(target, path), 404, PROBLEM, NOT_FOUND)


@pytest.mark.parametrize("code", [200, 201, 202, 299, 302, 400, 404, 418, 500, 503, 599])
def test_get_status_answers_the_chosen_status(target: Target, code: int) -> None:
    expect(call(target, f"/status/{code}"), code, JSON, b'{"status":%d}' % code)


@pytest.mark.parametrize("path", ["/status/", "/status/200/x", "/status/200/", "/STATUS/200"])
def test_get_status_other_paths_are_not_found(target: Target, path: str) -> None:
    expect(call(target, path), 404, PROBLEM, NOT_FOUND)


@pytest.mark.parametrize("code", [204, 304])
def test_get_status_answers_without_body_where_http_forbids_one(target: Target, code: int) -> None:
    reply = call(target, f"/status/{code}")
    assert reply.status == code
    assert reply.body == b""
    assert reply.header("Content-Type") is None
    assert reply.header("Content-Length") is None


@pytest.mark.parametrize(
    "code",
    [
        pytest.param("99", id="two_digits"),
        pytest.param("100", id="informational"),
        pytest.param("199", id="informational_max"),
        pytest.param("600", id="over_max"),
        pytest.param("999", id="three_nines"),
        pytest.param("0200", id="leading_zero"),
        pytest.param("2000", id="four_digits"),
        pytest.param("abc", id="letters"),
        pytest.param("2e2", id="exponent"),
        pytest.param("200.0", id="decimal"),
        pytest.param("+200", id="plus"),
        pytest.param("-200", id="negative"),
        pytest.param("%20200", id="space"),
        pytest.param("%D9%A2%D9%A0%D9%A0", id="arabic_indic_digits"),
        pytest.param("2" * 400, id="long_digits"),
    ],
)
def test_get_status_rejects_invalid_codes(target: Target, code: str) -> None:
    expect(call(target, f"/status/{code}"), 400, PROBLEM, BAD_STATUS)
