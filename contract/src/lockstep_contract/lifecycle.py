"""The life of one instance, from its runner's start to its exit, whatever the server.

An instance is one runner process and its workers (runners/uvicorn.py, runners/gunicorn.py).

1. Start: the runner calls `start_instance()`. The configuration is checked (exit 2 with
   one line), then a fresh runtime directory holds the instance's shared flags and, when
   workers run under a supervisor (`share_metrics()`), their metric files; its path and the
   start time are handed to the workers in the environment (the `*_ENV` names below) before
   any worker exists.
2. Serving: each worker's application reads them back (`instance_state`,
   `instance_started_at`, and prometheus_client reads MULTIPROC_ENV), so an admin flag or the
   shutdown mark set in one process is seen by every worker at once.
3. Stop: the runner's handler of SIGTERM and SIGINT calls `StopSignals.received`. The first
   signal marks the instance as shutting down: readiness answers 503 in every worker from
   then on, so that load balancers take the instance out. For SHUTDOWN_DELAY_SECONDS (the
   drain) the instance still accepts and serves new connections, and every answer closes
   its connection (`Connection: close`), so that kept-alive clients move to another
   instance. Then the runner's graceful stop: requests in flight finish, exit 0 within
   SHUTDOWN_TIMEOUT_SECONDS. A second signal, in the drain or after it, exits at once.

Who closes the connections in the drain: the ASGI middleware adds `Connection: close` to
the answer, after which uvicorn closes; gunicorn drops an application's hop-by-hop headers
(PEP 3333), so its runner's pre_request hook marks the request instead and gunicorn writes
the header itself. Both ask `InstanceState.shutting_down`.

Nothing here imports prometheus_client: it must see MULTIPROC_ENV before its first import.
"""

import atexit
import mmap
import os
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType

from lockstep_contract.settings import ConfigError, Settings

# The hand-over from a runner to its workers, through the environment.
RUNTIME_DIR_ENV = "LOCKSTEP_RUNTIME_DIR"
STARTED_AT_ENV = "LOCKSTEP_STARTED_AT"
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
# The signals that stop an instance, the same for every runner.
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)

_LIVE, _READY, _SHUTTING_DOWN = range(3)
_FRESH = b"\x01\x01\x00"  # live, ready, not shutting down
_STATE_FILE = "state"


class InstanceState:
    """The admin flags and the shutdown mark: three bytes in a memory-mapped file of the
    runtime directory, shared by every worker. Without a runtime directory (an application
    built in process), an anonymous map of this process plays the same part."""

    def __init__(self, runtime_dir: Path | None = None) -> None:
        if runtime_dir is None:
            self._map = mmap.mmap(-1, len(_FRESH))
            self._map[:] = _FRESH
            return
        path = runtime_dir / _STATE_FILE
        if not path.exists():
            path.write_bytes(_FRESH)
        with path.open("r+b") as handle:
            self._map = mmap.mmap(handle.fileno(), len(_FRESH))

    @property
    def live(self) -> bool:
        return self._map[_LIVE] == 1

    @live.setter
    def live(self, value: bool) -> None:
        self._map[_LIVE] = int(value)

    @property
    def ready(self) -> bool:
        return self._map[_READY] == 1

    @ready.setter
    def ready(self, value: bool) -> None:
        self._map[_READY] = int(value)

    @property
    def shutting_down(self) -> bool:
        return self._map[_SHUTTING_DOWN] == 1

    def mark_shutting_down(self) -> None:
        self._map[_SHUTTING_DOWN] = 1


def utc_now_text() -> str:
    """RFC 3339 UTC with seconds: the contract's started_at."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def start_instance() -> Settings:
    """A runner's first step: the checked settings, and the instance handed over to the
    workers it will start. The runtime directory is removed when this process exits."""
    try:
        settings = Settings.from_env(os.environ)
    except ConfigError as error:
        print(error, file=sys.stderr)
        raise SystemExit(2) from None
    directory = Path(tempfile.mkdtemp(prefix="lockstep-"))
    (directory / "metrics").mkdir()
    (directory / _STATE_FILE).write_bytes(_FRESH)
    os.environ[RUNTIME_DIR_ENV] = str(directory)
    os.environ[STARTED_AT_ENV] = utc_now_text()
    owner = os.getpid()

    def remove() -> None:
        # Forked workers inherit atexit hooks; only the process that made it removes it.
        if os.getpid() == owner:
            shutil.rmtree(directory, ignore_errors=True)

    atexit.register(remove)
    return settings


def share_metrics() -> None:
    """For a runner whose workers run under a supervisor (gunicorn's arbiter, uvicorn's with
    WORKERS>1): each worker's samples go to a file in the instance's directory, which /metrics
    reads whole, and a worker that dies leaves its counts behind. A server that is the whole
    instance (uvicorn, WORKERS=1) keeps them in memory: a file write per addition is the
    largest part of counting a request (bench/README.md)."""
    os.environ[MULTIPROC_ENV] = str(Path(os.environ[RUNTIME_DIR_ENV]) / "metrics")


def instance_state() -> InstanceState:
    """The flags of the instance this process serves (this process's own without a runner)."""
    directory = os.environ.get(RUNTIME_DIR_ENV)
    return InstanceState(Path(directory) if directory else None)


def instance_started_at() -> str:
    return os.environ.get(STARTED_AT_ENV) or utc_now_text()


class StopSignals:
    """A runner's stop signals, counted in the process that received them (the runner's,
    never a worker's: runners also stop single workers with SIGTERM, to replace them, and
    the instance stays up then).

    `stop_gracefully` and `exit_at_once` are the runner's own ways to stop its server; they
    run in a signal handler, so they only set a flag or queue a signal for the server. The
    drain ends with SIGALRM (a timer of this process, no thread: gunicorn forks workers)."""

    def __init__(
        self,
        delay_seconds: int,
        stop_gracefully: Callable[[], None],
        exit_at_once: Callable[[], None],
    ) -> None:
        self._delay = delay_seconds
        self._stop_gracefully = stop_gracefully
        self._exit_at_once = exit_at_once
        self.count = 0

    @property
    def at_once(self) -> bool:
        return self.count > 1

    def received(self) -> None:
        """What every runner's handler of SIGTERM and SIGINT does."""
        self.count += 1
        if self.count == 1:
            # Readiness fails before any worker hears of the stop.
            instance_state().mark_shutting_down()
            if self._delay:
                signal.signal(signal.SIGALRM, self._drained)
                signal.setitimer(signal.ITIMER_REAL, self._delay)
            else:
                self._stop_gracefully()
        else:
            signal.setitimer(signal.ITIMER_REAL, 0)  # the drain, if any, ends here
            self._exit_at_once()

    def _drained(self, sig: int, frame: FrameType | None) -> None:
        self._stop_gracefully()
