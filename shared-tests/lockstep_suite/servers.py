"""Real servers for the suite: `python -m lockstep_<name>` as a user starts it, on a free
127.0.0.1 port, its stdout kept for the log tests, stopped with SIGTERM."""

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from lockstep_suite.targets import SUITE_ENV, HttpTarget


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def server_env(port: int, extra: Mapping[str, str]) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("PROMETHEUS_MULTIPROC_DIR", "LOCKSTEP_RUNTIME_DIR")
    }
    env.update(SUITE_ENV)
    env.update({"HOST": "127.0.0.1", "PORT": str(port), "PYTHONUNBUFFERED": "1"})
    env.update(extra)
    return env


@dataclass
class Server:
    implementation: str
    extra_env: Mapping[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None
    port: int = 0
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="suite-")))

    @property
    def stdout_path(self) -> Path:
        return self.workdir / "stdout.log"

    @property
    def log_file(self) -> Path:
        return self.workdir / "app.log"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> "Server":
        self.port = free_port()
        env = server_env(self.port, {"LOG_FILE": str(self.log_file), **self.extra_env})
        with self.stdout_path.open("wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", f"lockstep_{self.implementation}"],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited {self.process.returncode}:\n{self.output()}")
            try:
                httpx.get(f"{self.base_url}/health", timeout=1.0, trust_env=False)
                return self
            except httpx.TransportError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"server did not answer within {timeout}s:\n{self.output()}")

    def target(self, kind: str) -> HttpTarget:
        return HttpTarget(f"{self.implementation}-{kind}", self.implementation, kind, self.base_url)

    def output(self) -> str:
        return self.stdout_path.read_text(errors="replace") if self.stdout_path.exists() else ""

    def stop(self, timeout: float = 30.0) -> int | None:
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else None
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise
