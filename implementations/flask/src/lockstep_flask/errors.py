"""Every error werkzeug, Flask or a handler raises, answered as the contract's problem+json;
an unhandled exception is left to the contract's middleware, which answers 500 and logs it."""

from collections.abc import Iterable

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

from lockstep_contract import problems, route_table
from lockstep_contract.problems import Issue
from lockstep_contract.validation import InvalidBodyError
from lockstep_contract.wsgi import REQUEST_ID_KEY


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


def invalid_body(error: InvalidBodyError) -> Response:
    return problem(422, problems.SCHEMA_MISMATCH, error.issue)


def register(app: Flask) -> None:
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(InvalidBodyError, invalid_body)
    # No handler for Exception: Flask re-raises what nothing handles (below), and the
    # contract's middleware answers 500 and logs the traceback, as for every implementation.
    app.config["PROPAGATE_EXCEPTIONS"] = True
