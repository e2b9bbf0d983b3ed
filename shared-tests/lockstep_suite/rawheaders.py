"""Requests whose header values are raw bytes (non-ASCII), which httpx's WSGI transport
cannot carry: for a WSGI application in process the call is made directly (PEP 3333
hands header values over as latin-1 strings), every other target gets the bytes via httpx."""

import inspect
import io
import sys
from collections.abc import Callable, Mapping
from typing import Any, cast

from lockstep_suite.targets import InProcessTarget, Reply, Target


def request(target: Target, method: str, path: str, headers: Mapping[str, bytes]) -> Reply:
    """A bodiless request to `path` (no query string) with raw header values."""
    app = getattr(target, "app", None)
    if isinstance(target, InProcessTarget) and not inspect.iscoroutinefunction(type(app).__call__):
        return _wsgi(target.app, method, path, headers)
    # httpx sends bytes header values as they are.
    return target.request(method, path, cast(Mapping[str, str], dict(headers)))


def _wsgi(app: Any, method: str, path: str, headers: Mapping[str, bytes]) -> Reply:
    environ: dict[str, Any] = {
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "testserver",
    }
    for name, value in headers.items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value.decode("latin-1")
    return call_wsgi(app, environ)


def call_wsgi(app: Any, environ: dict[str, Any]) -> Reply:
    """Call a WSGI application as a server would: the whole body, then close()."""
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
