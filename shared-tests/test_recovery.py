"""Crash recovery: SIGKILL one worker of a WORKERS=2 instance under load. The instance keeps
answering, a replacement worker starts, the admin flags stay instance-wide, the dead worker's
requests stay counted in /metrics, and the instance still stops gracefully."""

import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from lockstep_suite.profile import ADMIN_TOKEN, SUITE
from lockstep_suite.servers import Server

pytestmark = [pytest.mark.process, pytest.mark.host_processes]

LOAD_SECONDS = 3.0
KILL_AFTER = 1.0  # seconds into the load
GRACE = 0.2  # a request started this soon after the kill may still have met the dead worker
LOAD_THREADS = 2
REPLACEMENT_SECONDS = 10.0
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}", "Content-Type": "application/json"}
NOT_READY = SUITE.readiness(False)


def workers(pid: int) -> set[int]:
    """The live worker processes of a server: its children, but multiprocessing's resource
    tracker (uvicorn) and zombies not yet reaped."""
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            try:
                command = Path(f"/proc/{child}/cmdline").read_bytes()
                state = Path(f"/proc/{child}/stat").read_text().rpartition(")")[2].split()[0]
            except FileNotFoundError:
                continue  # gone meanwhile
            if b"resource_tracker" not in command and state != "Z":
                found.add(int(child))
    return found


def show(capsys: pytest.CaptureFixture[str], line: str) -> None:
    """A line on the terminal (stderr) whatever the capture mode."""
    with capsys.disabled():
        print(line, file=sys.stderr)


def wait_for(predicate: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


@dataclass
class Load:
    """Requests on fresh connections (so both workers take some) until stopped."""

    base_url: str
    stop: threading.Event = field(default_factory=threading.Event)
    # (started, outcome): the status, or the name of the transport error
    results: list[tuple[float, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def run(self) -> None:
        while not self.stop.is_set():
            started = time.monotonic()
            try:
                with httpx.Client(trust_env=False, timeout=5.0) as client:
                    outcome = str(client.get(f"{self.base_url}/status/201").status_code)
            except httpx.TransportError as error:
                outcome = type(error).__name__
            with self.lock:
                self.results.append((started, outcome))


def counted_201(base_url: str) -> float:
    """http_requests_total{method="GET",route="/status/{code}",status="201"} of the instance."""
    reply = httpx.get(f"{base_url}/metrics", trust_env=False, timeout=10.0)
    assert reply.status_code == 200, reply
    wanted = {"method": "GET", "route": "/status/{code}", "status": "201"}
    return sum(
        sample.value
        for family in text_string_to_metric_families(reply.text)
        for sample in family.samples
        if sample.name == "http_requests_total" and sample.labels == wanted
    )


def put_readiness(base_url: str, ready: bool) -> None:
    body = b'{"ready":true}' if ready else b'{"ready":false}'
    reply = httpx.put(
        f"{base_url}/admin/readiness", headers=ADMIN, content=body, trust_env=False, timeout=10.0
    )
    assert (reply.status_code, reply.content) == (200, body), reply


def readiness(base_url: str) -> tuple[int, bytes]:
    # A connection of its own each time: the kernel shares them out between the workers.
    reply = httpx.get(f"{base_url}/readiness", trust_env=False, timeout=10.0)
    return reply.status_code, reply.content


@dataclass
class Kill:
    """What happened around the SIGKILL of one worker under load."""

    victim: int
    killed_at: float
    counted_before: float
    results: list[tuple[float, str]]

    @property
    def answered(self) -> list[float]:
        return [started for started, outcome in self.results if outcome == "201"]

    @property
    def failed(self) -> list[tuple[float, str]]:
        """(seconds after the kill the request started, outcome) of every failed request."""
        return [(round(at - self.killed_at, 3), out) for at, out in self.results if out != "201"]


def kill_one_worker_under_load(url: str, pid: int) -> Kill:
    victim = min(workers(pid))
    load = Load(url)
    threads = [threading.Thread(target=load.run) for _ in range(LOAD_THREADS)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(KILL_AFTER)
        counted_before = counted_201(url)
        os.kill(victim, signal.SIGKILL)
        killed_at = time.monotonic()
        time.sleep(LOAD_SECONDS - KILL_AFTER)
    finally:
        load.stop.set()
        for thread in threads:
            thread.join(timeout=15)
    return Kill(victim, killed_at, counted_before, load.results)


def load_problems(kill: Kill) -> list[str]:
    problems = []
    late = [(round(at, 3), outcome) for at, outcome in kill.failed if at > GRACE]
    if late:
        problems.append(f"requests started after the kill failed: {late}")
    if len(kill.failed) > LOAD_THREADS:
        problems.append(f"{len(kill.failed)} requests failed, {LOAD_THREADS} were in flight")
    if not kill.answered or max(kill.answered) < kill.killed_at:
        problems.append("nothing answered after the kill")
    return problems


def flag_problems(url: str) -> list[str]:
    """The flags are the instance's, the replacement worker included."""
    problems = []
    put_readiness(url, False)
    try:
        seen = [readiness(url) for _ in range(20)]
    finally:
        put_readiness(url, True)
    if seen != [(503, NOT_READY)] * 20:
        problems.append(f"readiness off after the kill answered {sorted(set(seen))}")
    statuses = {readiness(url)[0] for _ in range(20)}
    if statuses != {200}:
        problems.append(f"readiness back on answered {statuses}")
    return problems


def test_a_killed_worker_is_replaced_and_the_instance_stays_whole(
    implementation: str,
    capsys: pytest.CaptureFixture[str],
    record_testsuite_property: Callable[[str, object], None],
) -> None:
    server = Server(implementation, {"WORKERS": "2"}).start()
    assert server.process is not None
    url, pid = server.base_url, server.process.pid
    try:
        assert wait_for(lambda: len(workers(pid)) == 2, REPLACEMENT_SECONDS), workers(pid)
        kill = kill_one_worker_under_load(url, pid)
        problems = load_problems(kill)

        def replaced() -> bool:
            now = workers(pid)
            return len(now) == 2 and kill.victim not in now

        if not wait_for(replaced, REPLACEMENT_SECONDS):
            problems.append(f"no replacement within {REPLACEMENT_SECONDS}s: {workers(pid)}")
        # The dead worker's answers stay counted: its samples live in the instance's files.
        counted = counted_201(url)
        if counted < kill.counted_before:
            problems.append(f"201s counted went down: {kill.counted_before} -> {counted}")
        if counted < len(kill.answered) - LOAD_THREADS:
            problems.append(f"{counted} 201s counted, {len(kill.answered)} answered")
        problems += flag_problems(url)
    finally:
        status = server.stop()
    if status != 0:
        problems.append(f"SIGTERM after the recovery: exit status {status}")
    summary = (
        f"{implementation}: {len(kill.results)} requests under load, {len(kill.failed)} failed "
        f"at the kill {kill.failed}, 201s counted {kill.counted_before} before it, {counted} after"
    )
    # record_property would break --junitxml (xunit2) runs: the suite's property instead.
    record_testsuite_property(f"recovery-{implementation}", summary)
    show(capsys, summary)
    assert not problems, "\n".join([summary, *problems, "--- output:", server.output()[-3000:]])
