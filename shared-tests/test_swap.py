"""The swap drill: HAProxy in front of the implementations (lockstep_suite/haproxy.py), rolled
A→B→C→A the way a rolling update does it (start the new instance, wait until the proxy's
health check marks it UP, SIGTERM the old one), under steady load from keep-alive clients
sending mixed requests with fixed request ids. Nothing may be lost: every answer is the
contract's bytes whoever served it, no connection error, no answer made by the proxy, every
old instance exits 0. Once more without the drain delay, to show what it prevents.

Needs haproxy: selected only with --swap (`nox -s swap`, processes then the images)."""

import os
import signal
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import httpx
import pytest

from lockstep_suite.haproxy import SERVED_BY, Proxy
from lockstep_suite.servers import LAUNCHER, Server

pytestmark = [pytest.mark.process, pytest.mark.swap]

CLIENTS = 8
PAUSE = 0.01  # each client's pause between two requests: a steady load, not a flood
STEADY = 1.5  # seconds of load before the roll, between its steps and after it
DRAIN = 2  # SHUTDOWN_DELAY_SECONDS: ten health checks of the proxy
SHUTDOWN_TIMEOUT = 8
UP_TIMEOUT = 10.0


@dataclass(frozen=True)
class Call:
    """One request of the load and its answer, `<id>` standing for the request id."""

    name: str
    method: str
    path: str
    body: bytes | None
    status: int
    content_type: str
    answer: str

    def expected(self, request_id: str) -> tuple[int, str, bytes]:
        return self.status, self.content_type, self.answer.replace("<id>", request_id).encode()


JSON, PROBLEM = "application/json", "application/problem+json"
CALLS = (
    Call("health", "GET", "/health", None, 200, JSON, '{"status":"ok"}'),
    Call(
        "echo", "POST", "/echo", b'{"message":"swap"}', 200, JSON,
        '{"message":"swap","metadata":{},"length":4,"request_id":"<id>"}',
    ),
    Call(
        "missing", "GET", "/missing", None, 404, PROBLEM,
        '{"type":"about:blank","title":"Not Found","status":404,'
        '"detail":"no resource at this path","request_id":"<id>"}',
    ),
    Call("teapot", "GET", "/status/418", None, 418, JSON, '{"status":418}'),
)  # fmt: skip


@dataclass
class Load:
    """CLIENTS threads, each on its own keep-alive connection to the proxy."""

    base_url: str
    stop: threading.Event = field(default_factory=threading.Event)
    served: Counter[str] = field(default_factory=Counter)  # answers per slot (X-Served-By)
    failures: list[str] = field(default_factory=list)  # what each failed request got
    lock: threading.Lock = field(default_factory=threading.Lock)

    def run(self, client: int) -> None:
        with httpx.Client(base_url=self.base_url, trust_env=False, timeout=10.0) as http:
            while not self.stop.is_set():
                for call in CALLS:
                    self._send(http, call, f"swap-{client}-{call.name}")
                    time.sleep(PAUSE)

    def _send(self, http: httpx.Client, call: Call, request_id: str) -> None:
        headers = {"X-Request-ID": request_id}
        if call.body is not None:
            headers["Content-Type"] = JSON
        try:
            response = http.request(call.method, call.path, headers=headers, content=call.body)
        except httpx.TransportError as error:
            self._fail(type(error).__name__)
            return
        served_by = response.headers.get(SERVED_BY)
        got = (response.status_code, response.headers.get("content-type", ""), response.content)
        if served_by is None:
            self._fail(f"{response.status_code} from the proxy")
        elif got != call.expected(request_id) or response.headers.get("x-request-id") != (
            request_id
        ):
            self._fail(f"{served_by} answered {call.method} {call.path} with {got!r}")
        else:
            with self.lock:
                self.served[served_by] += 1

    def _fail(self, what: str) -> None:
        with self.lock:
            self.failures.append(what)

    @property
    def requests(self) -> int:
        return sum(self.served.values()) + len(self.failures)


@dataclass(frozen=True)
class Step:
    old: str
    new: str
    up_seconds: float  # from the new instance's port given to the proxy to UP
    drain_seconds: float  # from SIGTERM to the old instance's exit
    exit_status: int


@dataclass
class Drill:
    slots: tuple[str, ...]
    load: Load
    steps: list[Step] = field(default_factory=list)
    proxy_log: str = ""  # HAProxy's warnings: each server UP or DOWN, and why

    def figures(self, label: str) -> str:
        served = ", ".join(f"{slot} {self.load.served[slot]:,}" for slot in self.slots)
        drains = ", ".join(f"{s.old} {s.drain_seconds:.1f} s" for s in self.steps)
        lost = Counter(self.load.failures)
        failed = f"{len(self.load.failures)} failed" + (
            f" ({', '.join(f'{n} {what}' for what, n in lost.most_common())})" if lost else ""
        )
        return (
            f"swap drill, {label}: {self.load.requests:,} requests, {failed}; "
            f"served by {served}; drain (SIGTERM to exit) {drains}; "
            f"exit statuses {[s.exit_status for s in self.steps]}"
        )


@pytest.fixture
def drill_order(implementations: list[str]) -> list[str]:
    """A→B→C→A: every implementation in turn, then the first again."""
    return [*implementations, implementations[0]]


def roll(order: list[str], workers: str, delay: int) -> Drill:
    slots = tuple(f"{impl}-{number}" for number, impl in enumerate(order, start=1))
    env = {
        "WORKERS": workers,
        "SHUTDOWN_DELAY_SECONDS": str(delay),
        "SHUTDOWN_TIMEOUT_SECONDS": str(SHUTDOWN_TIMEOUT),
        "LOG_LEVEL": "WARNING",  # no access lines: the load shares two cores with them
    }
    proxy = Proxy.start(slots)
    drill = Drill(slots, Load(proxy.base_url))
    servers: list[Server] = []
    clients: list[threading.Thread] = []
    try:
        current = start_behind(proxy, slots[0], Server(order[0], env), servers)[0]
        for number in range(CLIENTS):
            clients.append(threading.Thread(target=drill.load.run, args=(number,)))
            clients[-1].start()
        time.sleep(STEADY)
        for old, slot, implementation in zip(slots, slots[1:], order[1:], strict=False):
            new, up_seconds = start_behind(proxy, slot, Server(implementation, env), servers)
            assert current.process is not None
            os.kill(current.process.pid, signal.SIGTERM)
            signalled = time.monotonic()
            status = current.process.wait(timeout=delay + SHUTDOWN_TIMEOUT + 10)
            drill.steps.append(Step(old, slot, up_seconds, time.monotonic() - signalled, status))
            proxy.retire(old)
            current = new
            time.sleep(STEADY)
    finally:
        drill.load.stop.set()
        for client in clients:
            client.join(timeout=20)
            if client.is_alive():
                drill.load.failures.append("a client did not finish")
        for server in servers:
            server.stop()
        proxy.stop()
        drill.proxy_log = proxy.log()
    return drill


def start_behind(
    proxy: Proxy, slot: str, server: Server, started: list[Server]
) -> tuple[Server, float]:
    """Start `server`, give it `slot`, and wait until the proxy's check marks it UP."""
    started.append(server.start())
    answer = proxy.point(slot, server.port)
    try:
        return server, proxy.wait_for(slot, "UP", UP_TIMEOUT)
    except RuntimeError as error:
        raise RuntimeError(f"{error}; haproxy said {answer!r}\n{proxy.log()}") from None


def kind() -> str:
    return "images" if LAUNCHER.engine else "processes"


def show(capsys: pytest.CaptureFixture[str], line: str) -> None:
    with capsys.disabled():
        print(line, file=sys.stderr)


@pytest.mark.parametrize("workers", ["1", "2"], ids=["workers1", "workers2"])
def test_a_rolling_swap_loses_nothing(
    drill_order: list[str], workers: str, capsys: pytest.CaptureFixture[str]
) -> None:
    drill = roll(drill_order, workers, DRAIN)
    show(capsys, drill.figures(f"{kind()}, WORKERS={workers}, SHUTDOWN_DELAY_SECONDS={DRAIN}"))
    assert drill.load.failures == [], drill.proxy_log
    assert [slot for slot in drill.slots if drill.load.served[slot] == 0] == []
    assert [step.exit_status for step in drill.steps] == [0] * len(drill.steps)


def test_without_the_drain_delay_requests_are_lost(
    drill_order: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """The demonstration: what SHUTDOWN_DELAY_SECONDS=0 loses is printed, not asserted."""
    drill = roll(drill_order, "1", 0)
    show(capsys, drill.figures(f"{kind()}, WORKERS=1, SHUTDOWN_DELAY_SECONDS=0"))
    assert [slot for slot in drill.slots if drill.load.served[slot] == 0] == []
    assert [step.exit_status for step in drill.steps] == [0] * len(drill.steps)
