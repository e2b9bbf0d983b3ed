"""What each part of the contract's per-request work costs alone, in process: the request id,
the headers read and added, the route, the access line, the metrics and a problem body, each
beside what the usual library call would cost for the same result (logging, labels() with
inc() and observe(), json.dumps).

    python -m bench.parts    # prints the rows as JSON

Run as served, the access lines going to descriptor 1; the metrics twice: in memory (one
uvicorn process, WORKERS=1) and in per-worker files (PROMETHEUS_MULTIPROC_DIR set, as the
runners do under gunicorn or for WORKERS>1).
"""

import io
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path[0] = str(Path(__file__).resolve().parents[1])

from bench import ROOT

MULTIPROC = "PROMETHEUS_MULTIPROC_DIR"
CALLS, BATCHES = 20_000, 7


def _us(call: Callable[[], object]) -> float:
    """µs per call, the best of BATCHES batches."""
    best = float("inf")
    for _ in range(BATCHES):
        started = time.perf_counter()
        for _ in range(CALLS):
            call()
        best = min(best, time.perf_counter() - started)
    return round(best / CALLS * 1e6, 2)


LINES_A_WRITE = 16  # about as many as one os.write takes under load (access.py)


def _access_line(access: Any) -> Callable[[], None]:
    """One access line and its share of the write: this thread writes every LINES_A_WRITE
    lines (a server's loop, or its flushing thread, does under load)."""
    count = 0

    def line() -> None:
        nonlocal count
        access.write(request_id="0" * 32, method="GET", path="/health", route="/health",
                     status=200, seconds=0.000042)  # fmt: skip
        count += 1
        if count % LINES_A_WRITE == 0:
            access.flush()

    return line


def _logging_access_line(implementation: str) -> Callable[[], None]:
    """An access line through logging as lockstep wrote it before: a record with the line's
    keys, a handler and the contract's formatter, to a stream (here nowhere)."""
    from lockstep_contract.logs import ACCESS_FIELDS, ContractFormatter  # noqa: PLC0415

    logger = logging.Logger("lockstep.access.bench", logging.INFO)
    handler = logging.StreamHandler(io.StringIO())
    handler.setFormatter(ContractFormatter(implementation))
    logger.addHandler(handler)
    fields = {"request_id": "0" * 32, "method": "GET", "path": "/health", "route": "/health",
              "status": 200, "duration_ms": 0.042}  # fmt: skip

    def line() -> None:
        record = logger.makeRecord(
            logger.name, logging.INFO, __file__, 0, "GET /health 200", (), None,
            extra={ACCESS_FIELDS: fields},
        )  # fmt: skip
        handler.stream.seek(0)  # one line's worth of memory, as a stream to a pipe would
        logger.handle(record)

    return line


def _usual_metrics(metrics: Any) -> Callable[[], None]:
    def observe() -> None:
        metrics.requests.labels("GET", "/health", "200").inc()
        metrics.duration.labels("GET", "/health").observe(0.000042)

    return observe


def measure() -> list[dict[str, Any]]:
    # Imported here: prometheus_client reads PROMETHEUS_MULTIPROC_DIR when first imported.
    from lockstep_contract import asgi, encoding, problems, requestid, route_table, wsgi  # noqa: PLC0415
    from lockstep_contract.exchange import Exchange  # noqa: PLC0415
    from lockstep_contract.runtime import Runtime, Stack  # noqa: PLC0415
    from lockstep_contract.settings import Settings  # noqa: PLC0415

    runtime = Runtime.create(Settings(), Stack("bench", "bench", "0", "bench", "0"))
    scope = {"headers": [(b"host", b"127.0.0.1:8000"), (b"user-agent", b"wrk"),
                         (b"accept", b"*/*")]}  # fmt: skip
    environ = {"HTTP_HOST": "127.0.0.1:8000", "HTTP_USER_AGENT": "wrk", "HTTP_ACCEPT": "*/*"}
    exchange = Exchange(runtime, "GET", "/health", asgi.request_headers(scope))
    raw = [(b"content-type", b"application/json"), (b"content-length", b"15")]
    text = [("Content-Type", "application/json"), ("Content-Length", "15")]
    metrics, access = runtime.metrics, runtime.access
    problem = problems.TITLES[404], problems.NOT_FOUND
    parts: list[tuple[str, str, Callable[[], object], Callable[[], object] | None]] = [
        ("request id, made", "", lambda: requestid.resolve(None), None),
        ("request id, kept from the request", "", lambda: requestid.resolve("abc-123.x_Y"), None),
        ("request headers read, ASGI", "", lambda: asgi.request_headers(scope), None),
        ("request headers read, WSGI", "", lambda: wsgi.request_headers(environ), None),
        ("route matched, /health", "", lambda: route_table.match("/health"), None),
        ("route matched, /delay/{seconds}", "", lambda: route_table.match("/delay/1"), None),
        ("answer headers added, ASGI (bytes)", "",
         lambda: exchange.with_raw_contract_headers(raw), None),
        ("answer headers added, WSGI (str)", "", lambda: exchange.with_contract_headers(text),
         None),
        (f"access line, JSON, {LINES_A_WRITE} lines a write", "logging: record, handler, formatter",
         _access_line(access), _logging_access_line("bench")),
        ("metrics: count, duration sum, bucket, " + ("per-worker files" if os.environ.get(MULTIPROC)
                                                    else "in memory"),
         "Counter.labels().inc(), Histogram.labels().observe()",
         lambda: metrics.observe("GET", "/health", 200, 0.000042), _usual_metrics(metrics)),
        ("problem details, 404 body", "json.dumps of the members",
         lambda: problems.problem(404, problem[1], "0" * 32),
         lambda: encoding.dumps({"type": "about:blank", "title": problem[0], "status": 404,
                                 "detail": problem[1], "request_id": "0" * 32})),
    ]  # fmt: skip
    rows = []
    for part, usual, ours, theirs in parts:
        rows.append({"part": part, "us": _us(ours), "usual": usual or None,
                     "usual_us": _us(theirs) if theirs else None})  # fmt: skip
    return rows


def _measured(env: dict[str, str]) -> list[dict[str, Any]]:
    found = subprocess.run(
        [sys.executable, "-m", "bench.parts", "--child"], cwd=ROOT, capture_output=True,
        text=True, check=True, timeout=600, env=env,
    )  # fmt: skip
    rows: list[dict[str, Any]] = json.loads(found.stdout)
    return rows


def run() -> list[dict[str, Any]]:
    """The rows, each set measured in a fresh interpreter: every part with the metrics in
    memory, then the metrics in per-worker files."""
    memory = {k: v for k, v in os.environ.items() if k != MULTIPROC}
    rows = _measured(memory)
    directory = tempfile.mkdtemp(prefix="lockstep-parts-")
    try:
        files = _measured({**memory, MULTIPROC: directory})
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    return rows + [row for row in files if row["part"].startswith("metrics")]


def main() -> None:
    if "--child" not in sys.argv:
        print(json.dumps(run()))
        return
    out = os.fdopen(os.dup(sys.stdout.fileno()), "w")
    # The access lines go where a server's stdout would (descriptor 1), here nowhere.
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    print(json.dumps(measure()), file=out)
    out.close()


if __name__ == "__main__":
    main()
