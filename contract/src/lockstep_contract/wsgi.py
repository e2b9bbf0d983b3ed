"""The contract's cross-cutting behaviour as pure WSGI middleware around a whole application:
request id, security and CORS headers, body limit, OPTIONS, access log and metrics, and a
last-resort 500 that reveals nothing."""

import io
import logging
from collections.abc import Callable, Iterable, Iterator
from types import TracebackType
from typing import Any

from lockstep_contract import problems
from lockstep_contract.exchange import Answer, Exchange
from lockstep_contract.logs import ERROR_LOGGER
from lockstep_contract.runtime import Runtime

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]
StartResponse = Callable[..., Callable[[bytes], object]]
Environ = dict[str, Any]
WSGIApp = Callable[[Environ, StartResponse], Iterable[bytes]]
REQUEST_ID_KEY = "lockstep.request_id"

_ERRORS = logging.getLogger(ERROR_LOGGER)


class ContractMiddleware:
    def __init__(self, app: WSGIApp, runtime: Runtime) -> None:
        self.app = app
        self.runtime = runtime

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        def header(name: str) -> str | None:
            key = name.upper().replace("-", "_")
            value = environ.get(key if key in ("CONTENT_LENGTH", "CONTENT_TYPE") else "HTTP_" + key)
            return str(value) if value not in (None, "") else None

        exchange = Exchange(
            self.runtime, environ["REQUEST_METHOD"], environ.get("PATH_INFO", ""), header
        )
        environ[REQUEST_ID_KEY] = exchange.request_id
        status = [500]

        def start(
            status_line: str, headers: list[tuple[str, str]], exc_info: ExcInfo | None = None
        ) -> Callable[[bytes], object]:
            status[0] = int(status_line[:3])
            return start_response(status_line, exchange.finish_headers(headers), exc_info)

        try:
            answer = exchange.early_answer()
            if answer is None and exchange.is_chunked():
                answer = _buffer_body(environ, exchange)
            if answer is not None:
                return _closing(_send_answer(start, answer), exchange, status)
            return _closing(self.app(environ, start), exchange, status)
        except Exception:
            _ERRORS.exception("unhandled exception in %s %s", exchange.method, exchange.path)
            answer = exchange.problem(500, problems.INTERNAL_ERROR)
            return _closing(_send_answer(start, answer), exchange, status)


def _buffer_body(environ: Environ, exchange: Exchange) -> Answer | None:
    """Read a chunked body whole, up to the limit, and hand it on with a Content-Length."""
    limit = exchange.runtime.settings.max_body_bytes
    body = environ["wsgi.input"].read(limit + 1)
    if len(body) > limit:
        return exchange.too_large()
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    return None


def _send_answer(start: StartResponse, answer: Answer) -> list[bytes]:
    reason = problems.TITLES.get(answer.status, "No Content")
    start(f"{answer.status} {reason}", list(answer.headers))
    return [answer.body] if answer.body else []


def _closing(body: Iterable[bytes], exchange: Exchange, status: list[int]) -> Iterator[bytes]:
    # The access line is written when the server has sent the whole body.
    try:
        yield from body
    finally:
        close = getattr(body, "close", None)
        if close is not None:
            close()
        exchange.finish(status[0])
