"""Every error FastAPI or a handler raises, answered as the contract's problem+json; an
unhandled exception is answered here and logged by the contract's middleware."""

from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request, Response
from pydantic import ValidationError
from pydantic_core import ErrorDetails
from starlette.exceptions import HTTPException

from lockstep_contract import problems, route_table, validation
from lockstep_contract.problems import Issue
from lockstep_contract.validation import InvalidBodyError

# pydantic's error types, as the contract's codes.
_CODES = {
    "model_type": "not_object",
    "model_attributes_type": "not_object",
    "dict_type": "not_object",
    "string_type": "not_string",
    "bool_type": "not_boolean",
    "missing": "required",
    "extra_forbidden": "extra_forbidden",
    "string_too_short": "too_short",
    "string_too_long": "too_long",
    "too_long": "too_many_entries",
}


def problem(
    request: Request,
    status: int,
    detail: str,
    issue: Issue | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    body = problems.problem(status, detail, request.state.request_id, issue)
    return Response(body, status, headers, media_type=problems.PROBLEM_JSON)


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        return problem(request, 404, problems.NOT_FOUND)
    if exc.status_code == 405:
        allow = route_table.allow_for(request.url.path)
        return problem(request, 405, problems.METHOD_NOT_ALLOWED, headers={"Allow": allow})
    return problem(request, exc.status_code, exc.detail, headers=exc.headers)


def _issue(error: ErrorDetails) -> Issue:
    code = _CODES.get(error["type"])
    if code is None:
        raise validation.UnmappedRejectionError(f"pydantic error type {error['type']!r}")
    location = [str(part) for part in error["loc"]]
    if location[-1:] == ["[key]"]:
        location.pop()
        code = "key_" + code
    limit = error.get("ctx", {}).get("max_length")
    return validation.issue(code, *location, limit=limit)


def rejected(error: ValidationError, body: Any) -> Issue:
    """pydantic's errors (all it found, in its own order) as the contract's one item."""
    return validation.first_issue([_issue(found) for found in error.errors()], body)


async def invalid_body(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, InvalidBodyError)
    return problem(request, 422, problems.SCHEMA_MISMATCH, exc.issue)


async def internal_error(request: Request, exc: Exception) -> Response:
    # Starlette always answers before it re-raises; the contract's middleware logs the
    # traceback of what it re-raises, as for every implementation.
    return problem(request, 500, problems.INTERNAL_ERROR)


def register(app: FastAPI) -> None:
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(InvalidBodyError, invalid_body)
    app.add_exception_handler(Exception, internal_error)
