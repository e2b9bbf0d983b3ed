"""Where an implementation's time goes, without a server or a network: the CPU time of one
request through the framework's minimal app, the same app inside the contract's middleware,
and the implementation, each called in this process (the best of batches taken in turns).

    python -m bench.overhead --impl NAME   # one implementation: prints its rows as JSON

The middleware's share is what the contract's cross-cutting work costs (request id, headers,
access line, metrics); the application's share is the rest of the full application in its
framework (its routes, dependencies, error handlers). Both together are the contract's own
work, whose target is OWN_WORK_TARGET µs per request on GET /health.
"""

import argparse
import asyncio
import atexit
import importlib
import io
import json
import logging.config
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path[0] = str(Path(__file__).resolve().parents[1])

from bench import BENCH, ROOT, Implementation, implementations
from bench.parts import MULTIPROC

PATHS = {"health": "/health", "not_found": "/nope"}
OWN_WORK_TARGET = 30.0  # µs per request on GET /health (issue 13)
BATCH, BATCHES, WARMUP = 2000, 9, 1000
Call = Callable[[], Any]  # one request: a coroutine function for an ASGI app


def _asgi_call(app: Any, path: str) -> Call:
    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        return None

    async def call() -> None:
        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
            "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
            "root_path": "", "headers": [(b"host", b"127.0.0.1"), (b"user-agent", b"bench")],
            "client": ("127.0.0.1", 40000), "server": ("127.0.0.1", 8000), "state": {},
        }  # fmt: skip
        await app(scope, receive, send)

    return call


def _wsgi_call(app: Any, path: str) -> Call:
    def start_response(*_: object) -> None:
        return None

    def call() -> None:
        environ = {
            "REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000", "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": "127.0.0.1", "HTTP_USER_AGENT": "bench", "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(b""), "wsgi.errors": sys.stderr, "wsgi.multithread": True,
            "wsgi.multiprocess": False, "wsgi.run_once": False,
        }  # fmt: skip
        body: Iterable[bytes] = app(environ, start_response)
        for _ in body:
            pass
        close = getattr(body, "close", None)
        if close is not None:
            close()

    return call


def _batch(call: Call, is_async: bool, n: int) -> float:
    """Seconds for `n` calls."""

    async def batch_async() -> float:
        started = time.perf_counter()
        for _ in range(n):
            await call()
        return time.perf_counter() - started

    if is_async:
        return asyncio.run(batch_async())
    started = time.perf_counter()
    for _ in range(n):
        call()
    return time.perf_counter() - started


def _microseconds(
    calls: dict[str, Call], is_async: bool, quiet: str, access: Any
) -> dict[str, float]:
    """Per subject, the best batch's µs per call; the subjects' batches take turns, so that a
    slow moment of the machine does not fall on one subject only. During the `quiet` subject's
    batches the `access` lines are off (what LOG_LEVEL=WARNING does): the access line's cost."""
    for call in calls.values():
        _batch(call, is_async, WARMUP)
    best = dict.fromkeys(calls, float("inf"))
    for _ in range(BATCHES):
        for name, call in calls.items():
            access.enabled = name != quiet
            best[name] = min(best[name], _batch(call, is_async, BATCH))
    access.enabled = True
    return {name: round(seconds / BATCH * 1e6, 1) for name, seconds in best.items()}


def measure(impl: Implementation) -> list[dict[str, Any]]:
    """This implementation's rows; run in a process of its own (it configures logging)."""
    from lockstep_contract import asgi, wsgi  # noqa: PLC0415 (after the path is set)
    from lockstep_contract.logs import logging_config  # noqa: PLC0415
    from lockstep_contract.runtime import Runtime  # noqa: PLC0415
    from lockstep_contract.settings import Settings  # noqa: PLC0415

    sys.path.insert(0, str(BENCH / "minimal"))
    # The access lines go where a server's stdout would (descriptor 1), here nowhere.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    settings = Settings.from_env({})
    logging.config.dictConfig(logging_config(settings, impl.name))
    module = importlib.import_module(f"{impl.module}.app")
    minimal = importlib.import_module(f"{impl.name}_app").create_app()
    middleware = wsgi.ContractMiddleware if impl.server == "gunicorn" else asgi.ContractMiddleware
    wrapped = middleware(minimal, Runtime.create(settings, module.STACK))
    subjects = {
        "minimal": minimal,
        "minimal_middleware": wrapped,
        "minimal_middleware_no_access_line": wrapped,
        "implementation": module.create_app(settings),
    }
    is_async = impl.server != "gunicorn"
    make = _wsgi_call if not is_async else _asgi_call
    rows = []
    for endpoint, path in PATHS.items():
        row: dict[str, Any] = {"implementation": impl.name, "endpoint": endpoint, "path": path}
        calls = {subject: make(app, path) for subject, app in subjects.items()}
        quiet = "minimal_middleware_no_access_line"
        times = _microseconds(calls, is_async, quiet, wrapped.runtime.access)
        for subject, microseconds in times.items():
            row[f"{subject}_us"] = microseconds
        row["middleware_us"] = round(row["minimal_middleware_us"] - row["minimal_us"], 1)
        row["access_line_us"] = round(
            row["minimal_middleware_us"] - row["minimal_middleware_no_access_line_us"], 1
        )
        row["application_us"] = round(row["implementation_us"] - row["minimal_middleware_us"], 1)
        row["own_work_us"] = round(row["implementation_us"] - row["minimal_us"], 1)
        if endpoint == "health":
            row["own_work_target_met"] = row["own_work_us"] <= OWN_WORK_TARGET
        rows.append(row)
    return rows


def run(impls: list[Implementation]) -> list[dict[str, Any]]:
    """Every implementation, each in a fresh interpreter."""
    rows: list[dict[str, Any]] = []
    for impl in impls:
        found = subprocess.run(
            [sys.executable, "-m", "bench.overhead", "--impl", impl.name],
            cwd=ROOT, capture_output=True, text=True, check=True, timeout=600,
        )  # fmt: skip
        rows += json.loads(found.stdout)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--impl", required=True)
    chosen = implementations([parser.parse_args().impl])
    if chosen[0].server == "gunicorn" and MULTIPROC not in os.environ:
        # As served: under gunicorn the runner has each worker write its samples to files.
        os.environ[MULTIPROC] = tempfile.mkdtemp(prefix="lockstep-overhead-")
        atexit.register(shutil.rmtree, os.environ[MULTIPROC], ignore_errors=True)
    out = os.fdopen(os.dup(sys.stdout.fileno()), "w")  # before measure() silences descriptor 1
    print(json.dumps(measure(chosen[0])), file=out)
    out.close()


if __name__ == "__main__":
    main()
