"""Every error Litestar or a handler raises, answered as the contract's problem+json."""

import logging
import re
from collections.abc import Callable, Mapping
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, MethodNotAllowedException, NotFoundException
from litestar.types import ExceptionHandlersMap

from lockstep_contract import problems, route_table, validation
from lockstep_contract.logs import ERROR_LOGGER
from lockstep_contract.problems import Issue

_ERRORS = logging.getLogger(ERROR_LOGGER)

# msgspec says only "<what>" or "<what> - at `<where>`"; these are its words for each code.
_CODES = (
    (re.compile(r"Expected `object`, got `\w+`"), "not_object"),
    (re.compile(r"Expected `str`, got `\w+`"), "not_string"),
    (re.compile(r"Expected `bool`, got `\w+`"), "not_boolean"),
    (re.compile(r"Expected `str` of length >= \d+"), "too_short"),
    (re.compile(r"Expected `str` of length <= (?P<limit>\d+)"), "too_long"),
    (re.compile(r"Expected `object` of length <= \d+"), "too_many_entries"),
)
_MISSING = re.compile(r"Object missing required field `(?P<name>\w+)`")
_UNKNOWN = "Object contains unknown field"
_AT = re.compile(r"(?P<what>.*?) - at `(?P<where>[^`]*)`(?: in `(?P<within>[^`]*)`)?")


def problem(
    request: Request[Any, Any, Any],
    status: int,
    detail: str,
    issue: Issue | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response[bytes]:
    body = problems.problem(status, detail, request.state.request_id, issue)
    return Response(body, status_code=status, headers=headers, media_type=problems.PROBLEM_JSON)


def not_found(request: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
    return problem(request, 404, problems.NOT_FOUND)


def method_not_allowed(request: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
    # Raised while routing, so scope["path"] is still the path as sent; Litestar found a
    # route only by folding slashes when the contract knows no such path.
    allow = route_table.allow_for(request.scope["path"])
    if not allow:
        return not_found(request, exc)
    return problem(request, 405, problems.METHOD_NOT_ALLOWED, headers={"Allow": allow})


def http_error(request: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
    assert isinstance(exc, HTTPException)
    if exc.status_code not in problems.TITLES or exc.status_code >= 500:
        return internal_error(request, exc)
    return problem(request, exc.status_code, exc.detail, headers=exc.headers)


class InvalidBodyError(Exception):
    """A body msgspec rejected, with the body and the Struct: the report names the member."""

    def __init__(self, error: msgspec.ValidationError, body: Any, struct: type) -> None:
        super().__init__(str(error))
        self.error = error
        self.body = body
        self.fields: tuple[str, ...] = getattr(struct, "__struct_fields__", ())


def _issue(exc: InvalidBodyError) -> Issue:
    """msgspec's one error as the contract's item.

    msgspec meets problems in the contract's order (members in document order, a mapping's
    size before its entries, an entry's key before its value), so its first error is the
    one to report; its text lacks only the names that the body supplies.
    """
    text = str(exc.error)
    if text.startswith(_UNKNOWN):
        return validation.issue(
            "extra_forbidden", _first(exc.body, lambda k, _: k not in exc.fields)
        )
    if missing := _MISSING.fullmatch(text):
        return validation.issue("required", missing["name"])
    located = _AT.fullmatch(text)
    code, limit = _code(located["what"] if located else text)
    if located is None:
        return validation.issue(code)
    if located["within"]:  # "at `key` in `$.metadata`": some entry's key
        member = located["within"].removeprefix("$.")
        key = _first(exc.body[member], lambda k, _: _breaks(k, code, limit))
        return validation.issue("key_" + code, member, key)
    member, _, entry = located["where"].removeprefix("$.").partition("[")
    if not entry:
        return validation.issue(code, member, limit=limit)
    # "at `$.metadata[...]`": some entry's value
    key = _first(exc.body[member], lambda _, v: _breaks(v, code, limit))
    return validation.issue(code, member, key, limit=limit)


def _code(what: str) -> tuple[str, int | None]:
    for pattern, code in _CODES:
        if found := pattern.fullmatch(what):
            limit = found.groupdict().get("limit")
            return code, int(limit) if limit else None
    raise ValueError(f"unexpected msgspec error: {what}")


def _first(mapping: dict[str, Any], wrong: Callable[[str, Any], bool]) -> str:
    """The first entry at fault: msgspec stopped at it, every entry before it passed."""
    return next(key for key, value in mapping.items() if wrong(key, value))


def _breaks(value: Any, code: str, limit: int | None) -> bool:
    """Whether a key or value breaks the rule that msgspec named."""
    if code == "not_string":
        return not isinstance(value, str)
    if code == "too_short":
        return isinstance(value, str) and len(value) < 1
    return isinstance(value, str) and limit is not None and len(value) > limit


def invalid_body(request: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
    assert isinstance(exc, InvalidBodyError)
    return problem(request, 422, problems.SCHEMA_MISMATCH, _issue(exc))


def internal_error(request: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
    # Litestar answers here and does not re-raise, so the middleware never sees it: log here.
    _ERRORS.error(
        "unhandled exception in %s %s", request.method, request.scope["path"], exc_info=exc
    )
    return problem(request, 500, problems.INTERNAL_ERROR)


EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    NotFoundException: not_found,
    MethodNotAllowedException: method_not_allowed,
    HTTPException: http_error,
    InvalidBodyError: invalid_body,
    Exception: internal_error,
}
