"""The contract's cross-cutting behaviour as pure WSGI middleware around a whole application:
request id, security and CORS headers, Host check, body limit, OPTIONS, access log and
metrics, and every unhandled exception answered 500 (revealing nothing) and logged with its
traceback, the one place that logs it."""

import io
import logging
from collections.abc import Callable, Iterable, Iterator
from http import HTTPStatus
from types import TracebackType
from typing import Any

from lockstep_contract import problems
from lockstep_contract.exchange import READ, Answer, Exchange
from lockstep_contract.logs import ERROR_LOGGER
from lockstep_contract.runtime import Runtime

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]
StartResponse = Callable[..., Callable[[bytes], object]]
Environ = dict[str, Any]
WSGIApp = Callable[[Environ, StartResponse], Iterable[bytes]]
REQUEST_ID_KEY = "lockstep.request_id"
# Where PEP 3333 puts the headers the middleware reads: `content-length` in CONTENT_LENGTH,
# `x-request-id` in HTTP_X_REQUEST_ID.
_READ = tuple(
    (name, key if key in ("CONTENT_LENGTH", "CONTENT_TYPE") else f"HTTP_{key}")
    for name, key in ((name, name.upper().replace("-", "_")) for name in READ)
)

_ERRORS = logging.getLogger(ERROR_LOGGER)


class ContractMiddleware:
    def __init__(self, app: WSGIApp, runtime: Runtime) -> None:
        self.app = app
        self.runtime = runtime

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        if not environ.get("PATH_INFO"):
            # gunicorn's path of `GET http://host HTTP/1.1`; werkzeug would redirect it to "/".
            environ["PATH_INFO"] = "/"
        path = _utf8_path(environ["PATH_INFO"])
        exchange = Exchange(self.runtime, environ["REQUEST_METHOD"], path, request_headers(environ))
        environ[REQUEST_ID_KEY] = exchange.request_id
        status = [500]

        def start(
            status_line: str, headers: list[tuple[str, str]], exc_info: ExcInfo | None = None
        ) -> Callable[[bytes], object]:
            status[0] = int(status_line[:3])
            return start_response(
                _status_line(status[0]), exchange.with_contract_headers(headers), exc_info
            )

        answer = exchange.answer_before_app()
        if answer is None and exchange.chunked:
            # Outside the try: a malformed chunk is the server's to answer (400), not a 500.
            answer = _buffer_body(environ, exchange)
            if answer is None:
                answer = exchange.answer_unrouted()
        bodiless = environ["REQUEST_METHOD"] == "HEAD"
        try:
            if answer is not None:
                return _logged_when_sent(_send_answer(start, answer, bodiless), exchange, status)
            return _logged_when_sent(self.app(environ, start), exchange, status)
        except Exception:
            # Flask re-raises what its error handlers leave (PROPAGATE_EXCEPTIONS).
            _ERRORS.exception("unhandled exception in %s %s", exchange.method, exchange.path)
            answer = exchange.problem(500, problems.INTERNAL_ERROR)
            return _logged_when_sent(_send_answer(start, answer, bodiless), exchange, status)


def request_headers(environ: Environ) -> dict[str, str]:
    """The headers the middleware reads (exchange.READ); an empty value is as good as none in
    WSGI (servers set CONTENT_LENGTH to "" alike)."""
    return {name: str(environ[key]) for name, key in _READ if environ.get(key)}


def _utf8_path(raw: str) -> str:
    """PEP 3333 hands the path over as latin-1; ASGI servers decode it as UTF-8."""
    try:
        return raw.encode("latin-1").decode("utf-8", "replace")
    except UnicodeEncodeError:
        return raw  # a caller that already decoded it (not a WSGI server)


def _buffer_body(environ: Environ, exchange: Exchange) -> Answer | None:
    """Read a chunked body whole, up to the limit, and hand it on with a Content-Length."""
    limit = exchange.runtime.settings.max_body_bytes
    body = environ["wsgi.input"].read(limit + 1)
    if len(body) > limit:
        return exchange.too_large()
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    # The body is now plain bytes of known length; frameworks must not read it as chunked.
    environ.pop("HTTP_TRANSFER_ENCODING", None)
    environ["wsgi.input_terminated"] = True
    return None


# uvicorn writes http.HTTPStatus's phrase; werkzeug its own upper-case one ("NOT FOUND").
_STATUS_LINES = {status.value: f"{status.value} {status.phrase}" for status in HTTPStatus}


def _status_line(code: int) -> str:
    return _STATUS_LINES.get(code) or f"{code} Unknown"


def _send_answer(start: StartResponse, answer: Answer, bodiless: bool) -> list[bytes]:
    start(_status_line(answer.status), list(answer.headers))
    return [answer.body] if answer.body and not bodiless else []


def _logged_when_sent(
    body: Iterable[bytes], exchange: Exchange, status: list[int]
) -> Iterator[bytes]:
    # The request is counted and its access line written when the server has sent the body.
    try:
        yield from body
    finally:
        close = getattr(body, "close", None)
        if close is not None:
            close()
        exchange.count_and_log(status[0])
