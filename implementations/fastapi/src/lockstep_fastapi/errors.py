"""Every error FastAPI or a handler raises, answered as the contract's problem+json."""

from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request, Response
from pydantic import ValidationError
from starlette.exceptions import HTTPException

from lockstep_contract import problems, route_table, validation
from lockstep_contract.problems import Issue

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


def _issue(error: Any) -> Issue:
    location = [str(part) for part in error["loc"]]
    code = _CODES.get(error["type"], "not_object")
    if location[-1:] == ["[key]"]:
        location.pop()
        code = "key_" + code
    limit = error.get("ctx", {}).get("max_length")
    return validation.issue(code, *location, limit=limit)


class InvalidBodyError(Exception):
    """A body that pydantic rejected, with the body: the contract reports in document order."""

    def __init__(self, error: ValidationError, body: Any) -> None:
        super().__init__(str(error))
        self.error = error
        self.body = body


async def invalid_body(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, InvalidBodyError)
    issues = (_issue(error) for error in exc.error.errors())
    return problem(request, 422, problems.SCHEMA_MISMATCH, validation.first_issue(issues, exc.body))


async def internal_error(request: Request, exc: Exception) -> Response:
    # Starlette re-raises after this answer; the contract middleware logs the traceback.
    return problem(request, 500, problems.INTERNAL_ERROR)


def register(app: FastAPI) -> None:
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(InvalidBodyError, invalid_body)
    app.add_exception_handler(Exception, internal_error)
