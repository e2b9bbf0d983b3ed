"""Servers under test: started on a free 127.0.0.1 port in their own process group, waited
for, and always stopped (SIGTERM to the group, then SIGKILL); plus a proxy-free HTTP probe."""

import os
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path

from bench.project import ROOT

# The contract's variables: a benchmark runs every server with their defaults.
CONTRACT_ENV = (
    "APP_NAME", "APP_DESCRIPTION", "APP_VERSION", "APP_ENV", "HOST", "PORT", "WORKERS",
    "LOG_LEVEL", "LOG_FORMAT", "LOG_FILE", "CORS_ORIGINS", "ADMIN_TOKEN", "MAX_BODY_BYTES",
    "MAX_DELAY_SECONDS", "SHUTDOWN_DELAY_SECONDS", "SHUTDOWN_TIMEOUT_SECONDS", "DEPENDENCIES",
    "DEPENDENCY_TIMEOUT_SECONDS",
    "PROMETHEUS_MULTIPROC_DIR", "LOCKSTEP_RUNTIME_DIR", "LOCKSTEP_STARTED_AT",
)  # fmt: skip
# Only 127.0.0.1 is ever asked: never through a proxy from the environment.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def fetch(
    url: str, method: str = "GET", body: bytes | None = None, timeout: float = 2.0
) -> tuple[int, bytes]:
    """One request; the status and body, whatever the status."""
    headers = {"Content-Type": "application/json"} if body is not None else {}
    request = urllib.request.Request(url, data=body, method=method, headers=headers)  # noqa: S310
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return int(response.status), bytes(response.read())
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def wait_for_200(url: str, timeout: float, alive: "Alive | None" = None) -> float:
    """Poll `url` until it answers 200; the seconds it took. RuntimeError after `timeout`."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if alive is not None and not alive():
            raise RuntimeError(f"server exited before {url} answered")
        try:
            if fetch(url, timeout=1.0)[0] == 200:
                return time.monotonic() - started
        except (OSError, urllib.error.URLError):
            pass
        time.sleep(0.01)
    raise RuntimeError(f"{url} did not answer 200 within {timeout:g}s")


class Alive:
    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self.process = process

    def __call__(self) -> bool:
        return self.process.poll() is None


def server_env(port: int, workers: int, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in CONTRACT_ENV}
    env.update({"HOST": "127.0.0.1", "PORT": str(port), "WORKERS": str(workers)})
    env.update(extra or {})
    return env


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the server's process group (its workers too), SIGKILL after 15 s."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(15)
    # Workers left behind by a crashed master.
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


@contextmanager
def serving(command: list[str], workers: int = 1, ready_path: str = "/health") -> Iterator[str]:
    """Start `command` as the server of a free port; yield its base URL; stop it."""
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="lockstep-bench-") as workdir:
        output = Path(workdir) / "server.log"
        with output.open("wb") as log:
            process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=server_env(port, workers),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        base = f"http://127.0.0.1:{port}"
        try:
            try:
                wait_for_200(base + ready_path, 60.0, Alive(process))
            except RuntimeError as error:
                tail = output.read_text(errors="replace")[-2000:]
                raise RuntimeError(f"{' '.join(command)}: {error}\n{tail}") from None
            yield base
        finally:
            stop(process)
