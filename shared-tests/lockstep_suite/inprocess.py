"""The suite's one in-process caller: an application called the way its server calls it.

An ASGI application gets the scope uvicorn (h11) builds, a WSGI application the environ
gunicorn builds, from the same `Request` a real server would read off the wire: lower-case
names and raw values for ASGI, repeated fields joined and PATH_INFO decoded as latin-1 for
WSGI, the body in the pieces it was sent in. Nothing normalises the request on the way in.
"""

import asyncio
import inspect
import io
import sys
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote, unquote_to_bytes

from lockstep_suite.messages import Reply, Request

HOST = b"testserver"


def call(app: Any, request: Request) -> Reply:
    """`request` handed to `app` (ASGI or WSGI) as its server would hand it over."""
    if inspect.iscoroutinefunction(type(app).__call__):
        return asyncio.run(_asgi(app, request))
    return _wsgi(app, request)


def _ows(value: bytes) -> bytes:
    return value.strip(b" \t")  # servers hand values over without surrounding white space


def _with_host(request: Request) -> list[tuple[str, bytes]]:
    headers = request.framed_headers()
    if request.values("Host"):
        return headers
    return [("Host", HOST), *headers]


async def _asgi(app: Any, request: Request) -> Reply:
    """The call uvicorn (h11) makes: lower-case names, raw values, one decoded path."""
    raw_path = request.path
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": request.method,
        "scheme": "http",
        "path": unquote(raw_path),
        "raw_path": raw_path.encode("ascii"),
        "query_string": request.query.encode("ascii"),
        "root_path": "",
        "headers": [
            (name.lower().encode("latin-1"), _ows(value)) for name, value in _with_host(request)
        ],
        "server": (HOST.decode(), 80),
        "client": ("127.0.0.1", 50000),
    }
    body = request.body
    chunks = list(body) if isinstance(body, tuple) else [body or b""]
    answered = asyncio.Event()
    started: list[dict[str, Any]] = []
    parts: list[bytes] = []

    async def receive() -> dict[str, Any]:
        if chunks:
            return {"type": "http.request", "body": chunks.pop(0), "more_body": bool(chunks)}
        await answered.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            started.append(message)
        elif message["type"] == "http.response.body":
            parts.append(message.get("body", b""))
            if not message.get("more_body", False):
                answered.set()

    await app(scope, receive, send)
    headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in started[0]["headers"]]
    return Reply(started[0]["status"], headers, b"".join(parts))


def _wsgi(app: Callable[..., Any], request: Request) -> Reply:
    """The environ gunicorn builds: repeated fields joined, PATH_INFO decoded as latin-1.

    gunicorn refuses a repeated Content-Type or Content-Length itself; in process they are
    joined like any other field, as the ASGI middleware joins them."""
    environ: dict[str, Any] = {
        "REQUEST_METHOD": request.method,
        "SCRIPT_NAME": "",
        "PATH_INFO": unquote_to_bytes(request.path).decode("latin-1"),
        "QUERY_STRING": request.query,
        "RAW_URI": request.target,
        "SERVER_NAME": HOST.decode(),
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(request.content()),
        "wsgi.input_terminated": True,  # gunicorn's: the input ends where the body ends
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    repeated: dict[str, list[str]] = {}
    for name, raw in _with_host(request):
        value, upper = _ows(raw).decode("latin-1"), name.upper()
        if "_" in name:
            continue  # gunicorn drops names with underscores (header_map="drop")
        key = upper.replace("-", "_")
        key = key if upper in ("CONTENT-TYPE", "CONTENT-LENGTH") else "HTTP_" + key
        repeated.setdefault(key, []).append(value)
    environ.update({key: ",".join(values) for key, values in repeated.items()})
    return _call_wsgi(app, environ)


def _call_wsgi(app: Callable[..., Any], environ: dict[str, Any]) -> Reply:
    """As a server calls a WSGI application: the whole body, then close()."""
    started: list[tuple[str, list[tuple[str, str]]]] = []

    def start_response(
        status: str, response_headers: list[tuple[str, str]], exc_info: object = None
    ) -> Callable[[bytes], None]:
        started.append((status, response_headers))
        return lambda _: None

    chunks = app(environ, start_response)
    try:
        body = b"".join(chunks)
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()
    status, response_headers = started[-1]
    return Reply(int(status[:3]), list(response_headers), body)
