"""One home for unhandled exceptions: in every implementation a handler that raises, or a
framework validator's rejection the contract cannot name, is the contract's 500, logged once
with its traceback, by the contract's middleware (logger lockstep.error) and by nothing else.

White-box, unlike shared-tests/: it makes a handler fail, which no request can.
"""

import logging
from typing import Any, NoReturn

import msgspec
import pytest

from lockstep_contract import payloads
from lockstep_contract.logs import ERROR_LOGGER
from lockstep_suite.messages import Reply
from lockstep_suite.profile import ADMIN_TOKEN, SUITE_ENV
from lockstep_suite.targets import IMPLEMENTATIONS, InProcessTarget

# The implementations whose framework validates bodies itself (Flask uses the contract's).
FRAMEWORK_VALIDATED = ("fastapi", "litestar")
RID = "errors-test-rid"
FAILURE = "what failed, which the answer must not tell"
INTERNAL_ERROR = (
    b'{"type":"about:blank","title":"Internal Server Error","status":500,'
    b'"detail":"internal server error","request_id":"errors-test-rid"}'
)


def boom(*args: Any) -> NoReturn:
    raise RuntimeError(FAILURE)


def assert_500_logged_once(reply: Reply, caplog: pytest.LogCaptureFixture, line: str) -> None:
    assert reply.status == 500, reply
    assert reply.body == INTERNAL_ERROR
    assert reply.header("Content-Type") == "application/problem+json"
    assert reply.header("X-Request-ID") == RID
    logged = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert [(record.name, record.getMessage()) for record in logged] == [(ERROR_LOGGER, line)]
    assert logged[0].exc_info is not None


@pytest.mark.parametrize("implementation", IMPLEMENTATIONS)
def test_a_handler_that_raises_is_500_logged_once(
    implementation: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    target = InProcessTarget.build(implementation, SUITE_ENV)
    monkeypatch.setattr(payloads, "root", boom)
    with caplog.at_level(logging.INFO):
        reply = target.request("GET", "/", {"X-Request-ID": RID})
    assert_500_logged_once(reply, caplog, "unhandled exception in GET /")


@pytest.mark.parametrize("implementation", IMPLEMENTATIONS)
def test_a_handler_that_raises_on_head_is_500_without_body(
    implementation: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    target = InProcessTarget.build(implementation, SUITE_ENV)
    monkeypatch.setattr(payloads, "root", boom)
    with caplog.at_level(logging.INFO):
        reply = target.request("HEAD", "/", {"X-Request-ID": RID})
    assert reply.status == 500, reply
    assert reply.body == b""
    assert reply.header("Content-Length") == str(len(INTERNAL_ERROR))
    assert [record.name for record in caplog.records if record.exc_info] == [ERROR_LOGGER]


def reject_everything(*args: Any, **kwargs: Any) -> NoReturn:
    raise msgspec.ValidationError("made up")


def make_unnameable(implementation: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A rejection neither mapping can name: pydantic's error types all unknown (FastAPI),
    msgspec rejecting what the contract's rules accept (Litestar)."""
    if implementation == "fastapi":
        monkeypatch.setattr("lockstep_fastapi.errors._CODES", {})
    else:
        monkeypatch.setattr(msgspec, "convert", reject_everything)


# (path, body): FastAPI's pydantic must reject the body, Litestar's contract rules accept it.
REJECTED = {
    "fastapi": [("/echo", b'{"message":1}'), ("/admin/readiness", b'{"ready":"yes"}')],
    "litestar": [("/echo", b'{"message":"hi"}'), ("/admin/readiness", b'{"ready":true}')],
}


@pytest.mark.parametrize("implementation", FRAMEWORK_VALIDATED)
@pytest.mark.parametrize("route", [0, 1], ids=["echo", "admin"])
def test_a_rejection_the_contract_cannot_name_is_500_logged_once(
    implementation: str,
    route: int,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    target = InProcessTarget.build(implementation, SUITE_ENV)
    make_unnameable(implementation, monkeypatch)
    path, body = REJECTED[implementation][route]
    method = "POST" if path == "/echo" else "PUT"
    headers = {
        "X-Request-ID": RID,
        "Content-Type": "application/json",
        "Authorization": f"Bearer {ADMIN_TOKEN}",
    }
    with caplog.at_level(logging.INFO):
        reply = target.request(method, path, headers, body)
    assert_500_logged_once(reply, caplog, f"unhandled exception in {method} {path}")


def test_every_framework_validated_implementation_is_provoked() -> None:
    assert sorted(REJECTED) == sorted(FRAMEWORK_VALIDATED)
    assert set(FRAMEWORK_VALIDATED) < set(IMPLEMENTATIONS)
