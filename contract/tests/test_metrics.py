"""Metrics.observe adds to prometheus_client's value cells directly (metrics.py): the /metrics
exposition is the one Counter.inc() and Histogram.observe() give for the same requests, in one
process and in prometheus_client's multiprocess mode."""

import os
import subprocess
import sys
from pathlib import Path

from lockstep_contract.metrics import BUCKETS

# Every bucket bound, just above each, zero, and past the last bound (+Inf).
DURATIONS = [0.0, *BUCKETS, *(bound * 1.0001 for bound in BUCKETS), 11.0, 0.0001]
REQUESTS = [
    ("GET", "/health", 200),
    ("HEAD", "/health", 200),
    ("GET", "unmatched", 404),
    ("BREW", "unmatched", 404),  # an unknown method counts as OTHER
    ("POST", "/echo", 422),
]

SCRIPT = """
import sys
from lockstep_contract.metrics import Metrics
from lockstep_contract.runtime import Stack

requests, durations, way = eval(sys.argv[1]), eval(sys.argv[2]), sys.argv[3]
metrics = Metrics(Stack("flask", "flask", "3", "gunicorn", "23", "3.11.7"))
for method, route, status in requests:
    for seconds in durations:
        if way == "cells":
            metrics.observe(method, route, status, seconds)
        else:  # prometheus_client's own way, through labels()
            label = method if method in ("GET", "HEAD", "POST") else "OTHER"
            metrics.requests.labels(label, route, str(status)).inc()
            metrics.duration.labels(label, route).observe(seconds)
sys.stdout.buffer.write(metrics.render())
"""


def exposition(way: str, multiproc_dir: Path | None) -> bytes:
    """In a fresh interpreter: the multiprocess mode is chosen when prometheus_client is first
    imported, from PROMETHEUS_MULTIPROC_DIR."""
    env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    if multiproc_dir is not None:
        multiproc_dir.mkdir()
        env["PROMETHEUS_MULTIPROC_DIR"] = str(multiproc_dir)
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, repr(REQUESTS), repr(DURATIONS), way],
        env=env, capture_output=True, check=True, timeout=60,
    )  # fmt: skip
    return done.stdout


def test_one_process(tmp_path: Path) -> None:
    cells = exposition("cells", None)
    assert b'http_request_duration_seconds_bucket{le="+Inf",method="OTHER"' in cells
    assert cells == exposition("labels", None)


def test_multiprocess_mode(tmp_path: Path) -> None:
    cells = exposition("cells", tmp_path / "cells")
    count = f'http_requests_total{{method="GET",route="/health",status="200"}} {len(DURATIONS)}.0'
    assert count.encode() in cells
    assert cells == exposition("labels", tmp_path / "labels")


FORKED = """
import os
from lockstep_contract.metrics import Metrics
from lockstep_contract.runtime import Stack

metrics = Metrics(Stack("flask", "flask", "3", "gunicorn", "23", "3.11.7"))
metrics.observe("GET", "/health", 200, 0.001)
child = os.fork()
if child == 0:  # a worker forked after the first request: its additions go to its own file
    metrics.observe("GET", "/health", 200, 0.001)
    os._exit(0)
os.waitpid(child, 0)
metrics.observe("GET", "/health", 200, 0.001)
print(len(os.listdir(os.environ["PROMETHEUS_MULTIPROC_DIR"])))
os.sys.stdout.buffer.write(metrics.render())
"""


def test_a_forked_worker_writes_its_own_file(tmp_path: Path) -> None:
    """The process id is kept at each fork (metrics.py): a child's additions are its own, and
    the parent's later ones do not overwrite them."""
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", FORKED], env=env, capture_output=True, check=True, timeout=60
    )
    files, _, exposition = done.stdout.partition(b"\n")
    assert files == b"6"  # counter, histogram and gauge files: the parent's and the child's
    assert b'http_requests_total{method="GET",route="/health",status="200"} 3.0' in exposition


def test_memory_and_files_expose_the_same_bytes(tmp_path: Path) -> None:
    """uvicorn with WORKERS=1 keeps samples in memory, gunicorn and WORKERS>1 in files: the
    three implementations' /metrics must still be the same bytes (values aside)."""
    assert exposition("cells", None) == exposition("cells", tmp_path / "files")
