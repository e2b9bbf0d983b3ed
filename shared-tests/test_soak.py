"""Soak: a bounded mixed load against a WORKERS=1 server. Every answer is the expected one,
and the server's memory (RSS) and open file descriptors, summed over its process tree, stay
flat once warm."""

import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from lockstep_suite.profile import ADMIN_TOKEN, SUITE
from lockstep_suite.servers import Server

pytestmark = [pytest.mark.process, pytest.mark.host_processes]

SECONDS = 20.0
WARM_UP = 5.0
THREADS = 3  # two on kept-alive connections, one opening a connection per request
RSS_GROWTH = 0.10  # at most 10 % ...
RSS_GROWTH_BYTES = 8 * 1024 * 1024  # ... and at most 8 MiB
FD_GROWTH = 5
JSON = {"Content-Type": "application/json"}
FORGED = {"Authorization": f"Bearer x{ADMIN_TOKEN}", **JSON}
OVER_LIMIT = b" " * (SUITE.max_body_bytes + 1)
# (method, path, headers, body, expected status): the mix, sent round-robin. The 413 goes on
# fresh connections only: gunicorn closes a kept-alive one after it (see test_hostile.py).
MIX: list[tuple[str, str, dict[str, str], bytes | None, int]] = [
    ("GET", "/health", {}, None, 200),
    ("POST", "/echo", JSON, b'{"message":"soak","metadata":{"k":"v"}}', 200),
    ("POST", "/echo", JSON, b'{"message":""}', 422),
    ("POST", "/echo", JSON, b'{"message":', 400),
    ("GET", "/nope", {}, None, 404),
    ("GET", "/status/418", {}, None, 418),
    ("GET", "/metrics", {}, None, 200),
    ("HEAD", "/health", {}, None, 200),
    ("POST", "/echo", {}, b"{}", 415),
    ("PUT", "/admin/readiness", FORGED, b'{"ready":true}', 401),
    ("POST", "/echo", JSON, OVER_LIMIT, 413),
    ("DELETE", "/echo", {}, None, 405),
    ("GET", "/delay/0", {}, None, 200),
]


def tree(pid: int) -> list[int]:
    """`pid` and every process below it."""
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                pending += [int(child) for child in (task / "children").read_text().split()]
            except FileNotFoundError:
                continue
    return found


def rss_and_fds(pid: int) -> tuple[int, int]:
    """VmRSS in bytes and open file descriptors, summed over the process tree."""
    rss = fds = 0
    for process in tree(pid):
        try:
            status = Path(f"/proc/{process}/status").read_text()
            fds += sum(1 for _ in Path(f"/proc/{process}/fd").iterdir())
        except FileNotFoundError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                rss += int(line.split()[1]) * 1024
    return rss, fds


@dataclass
class Mix:
    base_url: str
    stop: threading.Event = field(default_factory=threading.Event)
    outcomes: Counter[str] = field(default_factory=Counter)
    unexpected: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def run(self, offset: int, fresh_connections: bool) -> None:
        kept = httpx.Client(base_url=self.base_url, trust_env=False, timeout=10.0)
        index = offset
        try:
            while not self.stop.is_set():
                method, path, headers, body, status = MIX[index % len(MIX)]
                index += 1
                if body is OVER_LIMIT and not fresh_connections:
                    continue
                client = kept
                if fresh_connections:
                    client = httpx.Client(base_url=self.base_url, trust_env=False, timeout=10.0)
                try:
                    got = str(
                        client.request(method, path, headers=headers, content=body).status_code
                    )
                except httpx.TransportError as error:
                    got = type(error).__name__
                finally:
                    if fresh_connections:
                        client.close()
                with self.lock:
                    self.outcomes[f"{method} {path} {got}"] += 1
                    if got != str(status):
                        self.unexpected.append(f"{method} {path}: {got}, expected {status}")
        finally:
            kept.close()


def test_mixed_load_keeps_answers_right_and_resources_flat(
    implementation: str,
    capsys: pytest.CaptureFixture[str],
    record_testsuite_property: Callable[[str, object], None],
) -> None:
    server = Server(implementation, {"WORKERS": "1"}).start()
    assert server.process is not None
    mix = Mix(server.base_url)
    threads = [
        threading.Thread(target=mix.run, args=(index * 4, index == THREADS - 1))
        for index in range(THREADS)
    ]
    try:
        started = time.monotonic()
        for thread in threads:
            thread.start()
        time.sleep(WARM_UP)
        rss_before, fds_before = rss_and_fds(server.process.pid)
        sent_before = sum(mix.outcomes.values())
        time.sleep(max(0.0, SECONDS - (time.monotonic() - started)))
        rss_after, fds_after = rss_and_fds(server.process.pid)
    finally:
        mix.stop.set()
        for thread in threads:
            thread.join(timeout=30)
        server.stop()
    sent = sum(mix.outcomes.values())
    mib = 1024 * 1024
    figures = (
        f"{implementation}: {sent} requests in {SECONDS:.0f}s ({sent - sent_before} after the "
        f"warm-up), RSS {rss_before / mib:.1f} -> {rss_after / mib:.1f} MiB, "
        f"fds {fds_before} -> {fds_after}, unexpected {len(mix.unexpected)}"
    )
    # record_property would break --junitxml (xunit2) runs: the suite's property instead.
    record_testsuite_property(f"soak-{implementation}", figures)
    with capsys.disabled():
        print(figures, file=sys.stderr)
    growth = rss_after - rss_before
    assert not mix.unexpected, f"{figures}\n" + "\n".join(mix.unexpected[:20])
    assert growth <= RSS_GROWTH * rss_before, f"RSS grew over 10 %: {figures}"
    assert growth <= RSS_GROWTH_BYTES, f"RSS grew over 8 MiB: {figures}"
    assert fds_after - fds_before <= FD_GROWTH, f"file descriptors grew: {figures}"
    assert sent - sent_before > 100, f"too few requests for a soak: {figures}"
