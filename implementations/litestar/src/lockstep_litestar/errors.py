"""Every error Litestar or a handler raises, answered as the contract's problem+json; an
unhandled exception is left to the contract's middleware, which answers 500 and logs it."""

from collections.abc import Mapping
from typing import Any, NoReturn

from litestar import Request, Response
from litestar.exceptions import HTTPException, MethodNotAllowedException, NotFoundException
from litestar.types import ExceptionHandlersMap

from lockstep_contract import problems, route_table
from lockstep_contract.problems import Issue
from lockstep_contract.validation import InvalidBodyError


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
        internal_error(request, exc)
    return problem(request, exc.status_code, exc.detail, headers=exc.headers)


def invalid_body(request: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
    assert isinstance(exc, InvalidBodyError)
    return problem(request, 422, problems.SCHEMA_MISMATCH, exc.issue)


def internal_error(request: Request[Any, Any, Any], exc: Exception) -> NoReturn:
    # Raised on: Litestar answers an exception it handles and never re-raises it, and the
    # contract's middleware is where every implementation's 500 is answered and logged.
    raise exc


EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    NotFoundException: not_found,
    MethodNotAllowedException: method_not_allowed,
    HTTPException: http_error,
    InvalidBodyError: invalid_body,
    Exception: internal_error,
}
