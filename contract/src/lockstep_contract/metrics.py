"""The contract's metric families, for one process or for every worker of an instance.

When workers run under a supervisor, the runner sets PROMETHEUS_MULTIPROC_DIR
(lifecycle.share_metrics) before anything imports prometheus_client, so each worker writes its
samples to files there and /metrics reads all of them; otherwise they stay in memory.
"""

import os
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
    values,
)
from prometheus_client.metrics_core import Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from prometheus_client.samples import Sample

from lockstep_contract.lifecycle import MULTIPROC_ENV

if TYPE_CHECKING:
    # Only for the annotation: runtime.py builds the Metrics of its Runtime.
    from lockstep_contract.runtime import Stack

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_MAX_CHILDREN = 4096


class _Cell(Protocol):
    """One of prometheus_client's values (values.MutexValue or its multiprocess MmapedValue)."""

    def inc(self, amount: float) -> None: ...


_Cells = tuple[_Cell, _Cell, Sequence[_Cell]]  # request count, duration sum, duration buckets


# prometheus_client's multiprocess values ask os.getpid() (a system call) on every addition,
# to notice a fork; this process's id, kept up to date at each fork, answers the same.
_pid = os.getpid()


def _forked() -> None:
    global _pid  # noqa: PLW0603 (the one process id, set again in each child)
    _pid = os.getpid()


def _process_id() -> int:
    return _pid


os.register_at_fork(after_in_child=_forked)
_FileValue = values.MultiProcessValue(_process_id)  # type: ignore[no-untyped-call]


class Metrics:
    def __init__(self, stack: "Stack") -> None:
        disable_created_metrics()  # type: ignore[no-untyped-call]
        directory = os.environ.get(MULTIPROC_ENV)
        self._multiproc_dir = Path(directory) if directory else None
        if self._multiproc_dir and values.ValueClass is values.MutexValue:
            # Samples would stay in this process while /metrics reads the shared files.
            raise RuntimeError(f"prometheus_client was imported before {MULTIPROC_ENV} was set")
        if self._multiproc_dir:
            values.ValueClass = _FileValue  # the class Counter and Histogram make values of
        # Shared workers write to files and are read by a collector; one process registers.
        own = None if self._multiproc_dir else CollectorRegistry()
        self.requests = Counter(
            "http_requests_total",
            "HTTP requests answered.",
            ("method", "route", "status"),
            registry=own,
        )
        self.duration = Histogram(
            "http_request_duration_seconds",
            "Time to answer an HTTP request, in seconds.",
            ("method", "route"),
            buckets=BUCKETS,
            registry=own,
        )
        info = Gauge(
            "lockstep_info",
            "What is serving: implementation, framework, server and Python.",
            (
                "implementation",
                "framework",
                "framework_version",
                "server",
                "server_version",
                "python_version",
            ),
            registry=own,
            multiprocess_mode="max",
        )
        info.labels(
            stack.implementation,
            stack.framework,
            stack.framework_version,
            stack.server,
            stack.server_version,
            stack.python_version,
        ).set(1)
        self._registry = own
        # Per (method, route, status), the value cells a request adds to (see observe()).
        self._cells: dict[tuple[str, str, int], _Cells] = {}

    def observe(self, method: str, template: str, status: int, seconds: float) -> None:
        """One answered request; `template` is its route's, or route_table.UNMATCHED.

        Three additions to prometheus_client's own value cells (in memory, or the worker's
        file under PROMETHEUS_MULTIPROC_DIR): the request count, the duration sum and one
        bucket, found by bisection. Counter.inc() and Histogram.observe() do the same
        additions after checks that cannot fail here and a walk of the buckets; labels()
        takes a lock and builds its key. contract/tests/test_metrics.py holds the two ways
        to the same exposition.
        """
        cells = self._cells.get((method, template, status))
        if cells is None:
            cells = self._cells_for(method, template, status)
        count, total, buckets = cells
        count.inc(1)
        total.inc(seconds)
        buckets[bisect_left(BUCKETS, seconds)].inc(1)

    def _cells_for(self, method: str, template: str, status: int) -> "_Cells":
        label = method if method in METHODS else "OTHER"
        requests = self.requests.labels(label, template, str(status))
        duration = self.duration.labels(label, template)
        cells = (requests._value, duration._sum, duration._buckets)
        # Bounded like the label set: the methods, the routes and the statuses answered (any
        # unknown method counts once as "OTHER" but would be a key of its own, so cap).
        if len(self._cells) < _MAX_CHILDREN:
            self._cells[(method, template, status)] = cells
        return cells

    def render(self) -> bytes:
        """The exposition, samples in one order whether they are in memory (in the order
        first seen) or in the workers' files (in the order the files are read)."""
        source: Collector
        if self._registry is not None:
            source = self._registry
        else:
            source = MultiProcessCollector(None, str(self._multiproc_dir))  # type: ignore[no-untyped-call]
        registry = CollectorRegistry()
        registry.register(_Ordered(source))
        return generate_latest(registry)


class _Ordered(Collector):
    """Families in a fixed order (requests, duration, info), then samples by labels: the same
    bytes from one process's memory and from the workers' files."""

    _FAMILIES = ("http_requests", "http_request_duration_seconds", "lockstep_info")

    def __init__(self, collector: Collector) -> None:
        self._collector = collector

    def collect(self) -> Iterable[Metric]:
        families = sorted(self._collector.collect(), key=lambda f: self._FAMILIES.index(f.name))
        for family in families:
            family.samples.sort(key=_sample_order)
            yield family


def _sample_order(sample: Sample) -> tuple[list[tuple[str, str]], str, float]:
    # Buckets by their bound, not as text ("10.0" after "5.0"), then _count and _sum.
    labels = sorted((name, value) for name, value in sample.labels.items() if name != "le")
    return labels, sample.name, float(sample.labels.get("le", "0"))
