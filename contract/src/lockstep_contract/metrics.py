"""The contract's metric families, for one process or for every worker of an instance.

With several workers the runner sets PROMETHEUS_MULTIPROC_DIR (see lifecycle.py) before
anything imports prometheus_client, so each worker writes its samples to files there and
/metrics reads all of them.
"""

import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

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
from lockstep_contract.route_table import UNMATCHED, Route

if TYPE_CHECKING:
    # Only for the annotation: runtime.py builds the Metrics of its Runtime.
    from lockstep_contract.runtime import Stack

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_MAX_CHILDREN = 4096


class Metrics:
    def __init__(self, stack: "Stack") -> None:
        disable_created_metrics()  # type: ignore[no-untyped-call]
        directory = os.environ.get(MULTIPROC_ENV)
        self._multiproc_dir = Path(directory) if directory else None
        if self._multiproc_dir and values.ValueClass is values.MutexValue:
            # Samples would stay in this process while /metrics reads the shared files.
            raise RuntimeError(f"prometheus_client was imported before {MULTIPROC_ENV} was set")
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
        # labels() takes a lock and builds its key on every call; a request reuses its children.
        self._children: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}

    def observe(self, method: str, route: Route | None, status: int, seconds: float) -> None:
        template = route.template if route is not None else UNMATCHED
        key = (method, template, status)
        children = self._children.get(key)
        if children is None:
            label = method if method in METHODS else "OTHER"
            children = (
                self.requests.labels(label, template, str(status)),
                self.duration.labels(label, template),
            )
            # Bounded like the label set: the methods, the routes and the statuses answered
            # (any unknown method counts once as "OTHER" but is a key of its own, so cap).
            if len(self._children) < _MAX_CHILDREN:
                self._children[key] = children
        requests, duration = children
        requests.inc()
        duration.observe(seconds)

    def render(self) -> bytes:
        if self._registry is not None:
            return generate_latest(self._registry)
        files = MultiProcessCollector(None, str(self._multiproc_dir))  # type: ignore[no-untyped-call]
        registry = CollectorRegistry()
        registry.register(_Ordered(files))
        return generate_latest(registry)


class _Ordered(Collector):
    """The workers' files read in a fixed order, whatever order the files are found in:
    families as one process lists them (requests, duration, info), then samples by labels."""

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
