"""The access line: one per answered request, in the contract's log format, preformatted and
written to stdout and LOG_FILE by os.write(2), several lines of one process to a write.

It skips logging's record, handler lock, formatter and flush, which cost several times the
line itself (bench/README.md). Server, startup and error lines still go through logging and
its ContractFormatter (logs.py); contract/tests/test_access.py holds the two to the
same bytes.

A line waits for the lines of the requests answered beside it, and then they share one
write: under load the write's system call, not the line, is most of the cost. On an event loop
(uvicorn) the lines go out at the loop's next turn, after the requests it is serving now; in
threads (gunicorn's gthread) one thread of the process writes them FLUSH_AFTER seconds later,
so that a request's thread never makes the system call, nor waits for a lock. A write holds
whole lines and at most PIPE_BUF bytes (a longer line goes alone), so another worker's write
never lands inside a line: on LOG_FILE, opened O_APPEND, at any length; on a pipe, up to
PIPE_BUF (4096 bytes on Linux), beyond which a line with a very long path may interleave.

Waiting lines are written when the process exits (atexit: a worker's graceful stop after
SIGTERM, a crashed worker's sys.exit, the end of the server) and before a runner's
exit-at-once (flush_all). A SIGKILL loses the lines still waiting at that instant: those of the
requests answered in the last turn of the loop, or in the last FLUSH_AFTER seconds.
"""

import atexit
import logging
import os
import threading
import time
import weakref
from asyncio import AbstractEventLoop
from asyncio import _get_running_loop as running_loop  # None outside a loop, never raises
from collections import deque
from json.encoder import encode_basestring  # JSON string escaping as json.dumps does it
from select import PIPE_BUF

from lockstep_contract.logs import ACCESS_LOGGER, rfc3339
from lockstep_contract.settings import Settings

STDOUT = 1  # the descriptor, not sys.stdout: its buffer would hold lines until a flush
FLUSH_AFTER = 0.02  # seconds a line may wait in a process without an event loop
# Opened once per process and path; a worker's descriptors are its own after fork or spawn.
_log_files: dict[str, int] = {}


def _log_file(path: str) -> int:
    if path not in _log_files:
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC
        _log_files[path] = os.open(path, flags, 0o666)  # the umask applies, as for open()
    return _log_files[path]


# The text around a line's request id and duration: (before the id, between, after).
Frame = tuple[str, str, str]
_FRAMES_MAX = 512  # requests to a route's own path (its template); a 404 scan adds none


class AccessLog:
    """The access lines of one application: on when LOG_LEVEL lets INFO through."""

    def __init__(self, settings: Settings, implementation: str) -> None:
        self.enabled = logging.getLevelName(settings.log_level) <= logging.INFO
        self._json = settings.log_format == "json"
        self._implementation = implementation
        self._fds = (STDOUT, _log_file(settings.log_file)) if settings.log_file else (STDOUT,)
        self._frames: dict[tuple[str, str, int], Frame] = {}
        self._start = '{"time":"' if self._json else ""
        self._reset()
        _LOGS.add(self)

    def _reset(self) -> None:
        """No line waiting (also in a forked child: the parent's lines are the parent's)."""
        # deque: append and popleft are atomic, so request threads and a flush never lose a
        # line between them, and neither waits for a lock (a flush may run in a signal handler).
        self._waiting: deque[bytes] = deque()
        # Where the flush of the waiting lines is due: the event loop it was handed to, the
        # flushing thread's event (_FLUSHER), or None while none is due.
        self._due: AbstractEventLoop | threading.Event | None = None

    def write(
        self, *, request_id: str, method: str, path: str, route: str, status: int, seconds: float
    ) -> None:
        """The line of one answered request; keys in contract order."""
        if not self.enabled:
            return
        frame = self._frames.get((method, path, status))
        if frame is None:
            frame = self._frame(method, path, route, status)
            if path == route and len(self._frames) < _FRAMES_MAX:
                self._frames[(method, path, status)] = frame
        head, middle, tail = frame
        # request_id needs no escaping: requestid.py lets only [A-Za-z0-9._-] through.
        now, duration_ms = rfc3339(time.time()), round(seconds * 1000, 3)
        line = f"{self._start}{now}{head}{request_id}{middle}{duration_ms}{tail}"
        # backslashreplace: a line is never refused; a path is decoded text, without surrogates.
        self._waiting.append(line.encode("utf-8", "backslashreplace"))
        loop = running_loop()
        if loop is not None:
            if self._due is not loop:  # also when a closed loop dropped an earlier flush
                self._due = loop
                loop.call_soon(self.flush)
        elif self._due is not _FLUSHER.event:  # also after a closed loop dropped its flush
            self._due = _FLUSHER.wake()

    def flush(self) -> None:
        """Write the waiting lines now: whole lines, at most PIPE_BUF bytes a write (a longer
        line goes alone)."""
        # Before taking lines: a line added from now on makes another flush due.
        self._due = None
        chunk: list[bytes] = []
        size = 0
        while self._waiting:
            try:
                line = self._waiting.popleft()
            except IndexError:  # another flush (a signal handler's, exit's) took it
                break
            if chunk and size + len(line) > PIPE_BUF:
                self._write(b"".join(chunk))
                chunk, size = [], 0
            chunk.append(line)
            size += len(line)
        if chunk:
            self._write(b"".join(chunk))

    def _write(self, data: bytes) -> None:
        for fd in self._fds:
            rest = data
            try:
                while rest:  # a short write (a signal, a full pipe) leaves the rest to write
                    rest = rest[os.write(fd, rest) :]
            except OSError:
                # As logging does: a destination that fails (a closed pipe, a full disk) never
                # fails the request, which has been answered already.
                continue

    def _frame(self, method: str, path: str, route: str, status: int) -> Frame:
        message = f"{method} {path} {status}"
        if self._json:
            return (
                f'","level":"INFO","logger":"{ACCESS_LOGGER}",'
                f'"message":{encode_basestring(message)},"request_id":"',
                f'","method":{encode_basestring(method)},"path":{encode_basestring(path)},'
                f'"route":{encode_basestring(route)},"status":{status},"duration_ms":',
                f',"implementation":"{self._implementation}"}}\n',
            )
        return (
            f" INFO {ACCESS_LOGGER} {message} request_id=",
            f" method={method} path={path} route={route} status={status} duration_ms=",
            f" implementation={self._implementation}\n",
        )


_LOGS: "weakref.WeakSet[AccessLog]" = weakref.WeakSet()


# One flush_all at a time: the exit's waits for the flushing thread's, whose lines taken but
# not yet written would die with it (a daemon thread stops where it is when the process ends).
_FLUSHING = threading.Lock()


def flush_all(timeout: float = -1, due: threading.Event | None = None) -> None:
    """Write every waiting line of this process (with `due`, of the logs whose flush is due
    there): at exit, and before a runner's _exit (from a signal handler: within `timeout`
    seconds of waiting for the flushing thread)."""
    if not _FLUSHING.acquire(timeout=timeout):
        return
    try:
        for log in list(_LOGS):
            if due is None or log._due is due:
                log.flush()
    finally:
        _FLUSHING.release()


class _Flusher:
    """One thread per process that writes the lines of threads without an event loop (WSGI
    servers) FLUSH_AFTER seconds after the first of them waits; started on first need."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self._starting = threading.Lock()
        self._thread: threading.Thread | None = None

    def wake(self) -> threading.Event:
        if self._thread is None:
            with self._starting:  # two threads' first lines start one flushing thread
                if self._thread is None:
                    self._thread = threading.Thread(
                        target=self._run, name="lockstep-access-flush", daemon=True
                    )
                    self._thread.start()
        self.event.set()
        return self.event

    def _run(self) -> None:
        while True:
            self.event.wait()
            self.event.clear()
            time.sleep(FLUSH_AFTER)  # the lines of the requests answered meanwhile join
            flush_all(due=self.event)  # a log whose lines an event loop writes is left to it


_FLUSHER = _Flusher()


def _after_fork_in_child() -> None:
    # The parent's thread, and the lock it may hold, do not exist in the child.
    global _FLUSHER, _FLUSHING
    _FLUSHER, _FLUSHING = _Flusher(), threading.Lock()
    for log in list(_LOGS):
        log._reset()


atexit.register(flush_all)
os.register_at_fork(after_in_child=_after_fork_in_child)
