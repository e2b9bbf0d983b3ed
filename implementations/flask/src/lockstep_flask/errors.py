"""Every error werkzeug, Flask or a handler raises, answered as the contract's problem+json."""

import logging
from collections.abc import Iterable

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

from lockstep_contract import problems, route_table
from lockstep_contract.logs import ERROR_LOGGER
from lockstep_contract.problems import Issue
from lockstep_contract.wsgi import REQUEST_ID_KEY

_ERRORS = logging.getLogger(ERROR_LOGGER)


def problem(
    status: int,
    detail: str,
    issue: Issue | None = None,
    headers: Iterable[tuple[str, str]] = (),
) -> Response:
    body = problems.problem(status, detail, request.environ[REQUEST_ID_KEY], issue)
    return Response(body, status, list(headers), content_type=problems.PROBLEM_JSON)


def http_error(error: HTTPException) -> Response:
    if error.code == 404:
        return problem(404, problems.NOT_FOUND)
    if error.code == 405:
        # werkzeug's Allow lists the rule's methods in its own order; the contract fixes one.
        allow = route_table.allow_for(request.path)
        return problem(405, problems.METHOD_NOT_ALLOWED, headers=[("Allow", allow)])
    # Keep what werkzeug adds for the status (WWW-Authenticate on 401), not its HTML type.
    headers = [(name, value) for name, value in error.get_headers() if name != "Content-Type"]
    return problem(error.code or 500, error.description or "", headers=headers)


class InvalidBodyError(Exception):
    """A body the contract's validator rejected, with the one issue the contract reports."""

    def __init__(self, issue: Issue) -> None:
        super().__init__(issue.message)
        self.issue = issue


def invalid_body(error: InvalidBodyError) -> Response:
    return problem(422, problems.SCHEMA_MISMATCH, error.issue)


def internal_error(error: Exception) -> Response:
    # Flask logs nothing for an error that a handler answers; the contract wants the traceback.
    _ERRORS.exception("unhandled exception in %s %s", request.method, request.path, exc_info=error)
    return problem(500, problems.INTERNAL_ERROR)


def register(app: Flask) -> None:
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(InvalidBodyError, invalid_body)
    app.register_error_handler(Exception, internal_error)
