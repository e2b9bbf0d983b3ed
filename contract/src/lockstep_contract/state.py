"""Instance state: the admin flags and the shutdown mark, shared by every worker at once.

Three bytes in a memory-mapped file of the instance's runtime directory (a fresh temporary
directory per start, so a restart resets them). Without a runtime directory (an application
built in process), an anonymous map plays the same part.
"""

import mmap
import time
from pathlib import Path

# How `python -m lockstep_<name>` hands the instance to its workers (see serving.py).
RUNTIME_DIR_ENV = "LOCKSTEP_RUNTIME_DIR"
STARTED_AT_ENV = "LOCKSTEP_STARTED_AT"
_LIVE, _READY, _SHUTTING_DOWN = range(3)
_SIZE = 3
STATE_FILE = "state"


class InstanceState:
    def __init__(self, runtime_dir: Path | None = None) -> None:
        if runtime_dir is None:
            self._map = mmap.mmap(-1, _SIZE)
            self._map[:] = b"\x01\x01\x00"
            return
        path = runtime_dir / STATE_FILE
        if not path.exists():
            path.write_bytes(b"\x01\x01\x00")
        with path.open("r+b") as handle:
            self._map = mmap.mmap(handle.fileno(), _SIZE)

    @staticmethod
    def initialise(runtime_dir: Path) -> None:
        """Called once by the process that starts the server, before any worker."""
        (runtime_dir / STATE_FILE).write_bytes(b"\x01\x01\x00")

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

    def begin_shutdown(self) -> None:
        self._map[_SHUTTING_DOWN] = 1


def utc_now_text() -> str:
    """RFC 3339 UTC with seconds: the contract's started_at."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
