"""The contract's cross-cutting behaviour as pure ASGI middleware around a whole application:
the request target read as gunicorn reads it, request id, security and CORS headers, Host
check, body limit, OPTIONS, access log and metrics, and every unhandled exception answered
500 (revealing nothing) and logged with its traceback, the one place that logs it."""

import logging
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import unquote

from lockstep_contract import problems
from lockstep_contract.exchange import READ, Answer, Exchange
from lockstep_contract.logs import ERROR_LOGGER
from lockstep_contract.runtime import Runtime

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_ERRORS = logging.getLogger(ERROR_LOGGER)
# The scheme and authority of the absolute form, as gunicorn reads them (a target with "://",
# split by urllib.parse.urlsplit); gunicorn refuses any other target not starting with "/".
_SCHEME_AUTHORITY = re.compile(rb"[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*")
_READ = {name.encode(): name for name in READ}


class ContractMiddleware:
    def __init__(self, app: ASGIApp, runtime: Runtime) -> None:
        self.app = app
        self.runtime = runtime

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        read = request_headers(scope)
        raw_path = scope.get("raw_path")
        if raw_path and (raw_path[:1] != b"/" or b"#" in raw_path):
            _to_origin_form(scope, raw_path)
        exchange = Exchange(self.runtime, scope["method"], scope["path"], read)
        scope.setdefault("state", {})["request_id"] = exchange.request_id
        status = 500
        started = False
        # HEAD answers carry GET's headers and no body, whatever the framework sends.
        bodiless = scope["method"] == "HEAD"

        async def send_with_headers(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                status, started = message["status"], True
                message["headers"] = exchange.with_raw_contract_headers(message["headers"])
                if self.runtime.state.shutting_down:
                    # The drain (lifecycle.py): uvicorn closes the connection after this answer.
                    message["headers"].append((b"connection", b"close"))
            elif bodiless and message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        try:
            answer = exchange.answer_before_app()
            if answer is None and exchange.chunked:
                receive, answer = await _buffer_body(receive, exchange)
                if answer is None:
                    answer = exchange.answer_unrouted()
            if answer is not None:
                await _send_answer(send_with_headers, answer)
            else:
                await self.app(scope, receive, send_with_headers)
        except Exception:
            # Starlette (FastAPI) has answered before it re-raises; Litestar's and Flask's
            # error handlers leave the exception to this middleware, which answers it.
            _ERRORS.exception("unhandled exception in %s %s", exchange.method, exchange.path)
            if not started:
                await _send_answer(
                    send_with_headers, exchange.problem(500, problems.INTERNAL_ERROR)
                )
        finally:
            exchange.count_and_log(status)


def request_headers(scope: Scope) -> dict[str, str]:
    """The headers the middleware reads (exchange.READ), decoded; the others stay bytes.
    Names are lower-case, as the ASGI specification has servers hand them over."""
    read: dict[str, str] = {}
    seen: set[bytes] = set()
    for name, value in scope["headers"]:
        if name in seen:
            return _joined(scope)
        seen.add(name)
        if name in _READ:
            read[_READ[name]] = value.decode("latin-1")
    return read


def _joined(scope: Scope) -> dict[str, str]:
    """A request with a repeated field: every repeated field joined as WSGI servers join them
    (RFC 9110, 5.3), and handed on joined, so that every framework reads it alike."""
    headers: dict[bytes, bytes] = {}
    for name, value in scope["headers"]:
        headers[name] = headers[name] + b"," + value if name in headers else value
    scope["headers"] = list(headers.items())
    return {text: headers[raw].decode("latin-1") for raw, text in _READ.items() if raw in headers}


def _to_origin_form(scope: Scope, raw: bytes) -> None:
    """The path of the request target as gunicorn hands it over, so that every server's
    requests are routed alike: without the scheme and authority of the absolute form
    (`GET http://host/health`, which RFC 9112 3.2.2 says a server must accept) and without a
    fragment. uvicorn passes both on in the path."""
    origin = raw.partition(b"#")[0]
    if absolute := _SCHEME_AUTHORITY.match(origin):
        origin = origin[absolute.end() :] or b"/"
    scope["raw_path"] = origin
    scope["path"] = unquote(origin.decode("latin-1"))


async def _buffer_body(receive: Receive, exchange: Exchange) -> tuple[Receive, Answer | None]:
    """Read a chunked body whole, up to the limit, and replay it to the application."""
    limit = exchange.runtime.settings.max_body_bytes
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return receive, exchange.too_large()
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if replayed:
            return await receive()
        replayed = True
        return {"type": "http.request", "body": b"".join(chunks), "more_body": False}

    return replay, None


async def _send_answer(send: Send, answer: Answer) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": answer.status,
            "headers": [(name.encode(), value.encode("latin-1")) for name, value in answer.headers],
        }
    )
    await send({"type": "http.response.body", "body": answer.body})
