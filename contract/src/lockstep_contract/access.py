"""The access line: one per answered request, in the contract's log format, preformatted and
written to stdout and LOG_FILE with one os.write(2) each.

It skips logging's record, handler lock, formatter and flush, which cost several times the
line itself (bench/README.md). Server, startup and error lines still go through logging and
its ContractFormatter (logs.py); contract/tests/test_access.py holds the two to the
same bytes.

One write of a whole line is never interleaved with another worker's or thread's: on LOG_FILE,
opened O_APPEND, at any length; on a pipe, up to PIPE_BUF (4096 bytes on Linux), beyond which
a line with a very long path may interleave. Nothing is buffered in the process, so an exit,
SIGTERM or a crashed worker loses no line already written; a SIGKILL loses at most the lines
of requests answered but not yet logged at that instant (the write follows the answer).
"""

import logging
import os
import time
from json.encoder import encode_basestring  # JSON string escaping as json.dumps does it

from lockstep_contract.logs import ACCESS_LOGGER, rfc3339
from lockstep_contract.settings import Settings

STDOUT = 1  # the descriptor, not sys.stdout: its buffer would hold lines until a flush
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
        data = line.encode("utf-8", "backslashreplace")
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
