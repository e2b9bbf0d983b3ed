"""Real servers for the suite: `python -m lockstep_<name>` as a user starts it, or its
container image (`--container-engine`), on a free 127.0.0.1 port, its stdout kept for the log
tests, stopped with SIGTERM.

A container runs in the foreground of `<engine> run`, which forwards signals to it and exits
with its status: the tests drive both launchers through the same process handle."""

import os
import shutil
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

from lockstep_suite.profile import SUITE_ENV, Profile
from lockstep_suite.targets import HttpTarget

_WORKDIRS: list[Path] = []


def new_workdir() -> Path:
    """A server's own directory (its stdout, LOG_FILE), under one folder per test run that
    `remove_workdirs` deletes at the end."""
    if not _WORKDIRS:
        _WORKDIRS.append(Path(tempfile.mkdtemp(prefix="lockstep-suite-")))
        _WORKDIRS[0].chmod(0o755)  # a container's user reaches its own directory below it
    return Path(tempfile.mkdtemp(prefix="server-", dir=_WORKDIRS[0]))


def remove_workdirs() -> None:
    for path in _WORKDIRS:
        # ignore_errors: a rootless engine's container user may own files the suite cannot
        # delete; they stay in the system's temporary folder.
        shutil.rmtree(path, ignore_errors=True)
    _WORKDIRS.clear()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Launcher:
    """How servers start: as processes (engine None) or as containers of `image`."""

    engine: str | None = None
    image: str = "lockstep-{implementation}:test"
    started: list[str] = field(default_factory=list)
    # Processes only: this command instead of `python -m lockstep_<name>` (bench/ starts its
    # baseline apps and server options through bench/serve.py).
    argv: list[str] | None = None

    def command(
        self,
        implementation: str,
        env: Mapping[str, str],
        workdir: Path,
        restartable: bool = False,
    ) -> list[str]:
        if self.engine is None:
            return self.argv or [sys.executable, "-m", f"lockstep_{implementation}"]
        name = f"lockstep-suite-{implementation}-{env.get('PORT', '0')}-{os.getpid()}"
        self.started.append(name)
        workdir.chmod(0o777)  # the image's user (10001) writes LOG_FILE there
        mounts = {workdir}
        log_dir = Path(env["LOG_FILE"]).parent if env.get("LOG_FILE") else workdir
        if log_dir.is_dir() and log_dir.parent != Path("/"):
            mounts.add(log_dir)  # a LOG_FILE kept from an earlier server (restart tests)
        contract_env = {key: env[key] for key in CONTAINER_ENV if key in env}
        # A restartable container (restart drills) outlives its stop, until `remove`, and keeps
        # the image's HEALTHCHECK for `<engine> healthcheck run`; the others go with their stop
        # and leave out the engine's periodic probe.
        lifetime = [] if restartable else ["--rm", "--no-healthcheck"]
        return [
            self.engine, "run", *lifetime, "--name", name, "--network", "host",
            "--read-only", "--tmpfs", "/tmp", "--cap-drop", "ALL",  # noqa: S108 - in the container
            "--security-opt", "no-new-privileges",
            *(f"--volume={path}:{path}" for path in sorted(mounts)),
            *(f"--env={key}={value}" for key, value in contract_env.items()),
            self.image.format(implementation=implementation),
        ]  # fmt: skip

    def remove(self, *names: str) -> None:
        """Remove these containers, running or not (a restarted one has no client to stop)."""
        if self.engine is not None and names:
            subprocess.run(
                [self.engine, "rm", "--force", "--ignore", *names],
                capture_output=True, check=False, timeout=120,
            )  # fmt: skip
            self.started[:] = [name for name in self.started if name not in names]

    def remove_all(self) -> None:
        """Remove every container started, also those a failed test left running."""
        self.remove(*self.started)


# The contract's variables: what a container is given (never the host's environment).
CONTAINER_ENV = (
    "APP_NAME", "APP_DESCRIPTION", "APP_VERSION", "APP_ENV", "HOST", "PORT", "WORKERS",
    "LOG_LEVEL", "LOG_FORMAT", "LOG_FILE", "CORS_ORIGINS", "ADMIN_TOKEN", "MAX_BODY_BYTES",
    "MAX_DELAY_SECONDS", "SHUTDOWN_DELAY_SECONDS", "SHUTDOWN_TIMEOUT_SECONDS", "DEPENDENCIES",
    "DEPENDENCY_TIMEOUT_SECONDS",
)  # fmt: skip
LAUNCHER = Launcher()


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
    workdir: Path = field(default_factory=new_workdir)
    # Containers only: the container survives its stop, for restart drills (see Launcher).
    restartable: bool = False
    # How it starts: the run's launcher, or one of its own (bench/: baselines, other images).
    launcher: Launcher = field(default_factory=lambda: LAUNCHER)
    # Between two probes while it starts (bench/images.py times starts to a few ms).
    poll_seconds: float = 0.1

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
                self.launcher.command(self.implementation, env, self.workdir, self.restartable),
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
                time.sleep(self.poll_seconds)
        self.stop()
        raise RuntimeError(f"server did not answer within {timeout}s:\n{self.output()}")

    def target(self, kind: str) -> HttpTarget:
        profile = Profile.from_env({**SUITE_ENV, **self.extra_env})
        name = f"{self.implementation}-{kind}"
        return HttpTarget(name, self.implementation, kind, self.base_url, profile)

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
