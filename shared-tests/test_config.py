"""Configuration: an invalid variable stops `python -m lockstep_<name>` before it binds, with
exit status 2 and one line on stderr naming the variable, the value and what is expected."""

import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass

import pytest

from lockstep_suite.servers import LAUNCHER, free_port, new_workdir, server_env

pytestmark = pytest.mark.process

PREFIX = "lockstep: invalid configuration: "
DEPENDENCIES = (
    "comma-separated http://, https:// URLs, tcp://host:port or "
    "postgresql://user@host[:port][/database]"
)
# (variable, value, what the line says is expected), from the contract's configuration table.
INVALID = [
    ("PORT", "abc", "an integer from 1 to 65535"),
    ("PORT", "0", "an integer from 1 to 65535"),
    ("PORT", "70000", "an integer from 1 to 65535"),
    ("WORKERS", "0", "an integer from 1 to 64"),
    ("WORKERS", "x", "an integer from 1 to 64"),
    ("LOG_LEVEL", "loud", "one of DEBUG, INFO, WARNING, ERROR, CRITICAL"),
    ("LOG_FORMAT", "xml", "one of json, text"),
    ("LOG_FILE", "/nonexistent-dir/x.log", "a file path whose directory exists"),
    ("MAX_BODY_BYTES", "-1", "an integer from 1 to 67108864"),
    ("MAX_BODY_BYTES", "67108865", "an integer from 1 to 67108864"),
    ("MAX_DELAY_SECONDS", "1e3", "a decimal number from 0 to 3600"),
    ("SHUTDOWN_DELAY_SECONDS", "-1", "an integer from 0 to 3600"),
    ("SHUTDOWN_DELAY_SECONDS", "3601", "an integer from 0 to 3600"),
    ("SHUTDOWN_TIMEOUT_SECONDS", "0", "an integer from 1 to 3600"),
    ("CORS_ORIGINS", "ftp://x", "'*' or comma-separated http(s)://host[:port] origins"),
    ("ADMIN_TOKEN", "short", "at least 16 printable ASCII characters without spaces"),
    ("DEPENDENCIES", "tcp://nohostport", DEPENDENCIES),
    ("DEPENDENCIES", "redis://127.0.0.1:6379", DEPENDENCIES),
    ("DEPENDENCIES", "postgresql://127.0.0.1:5432/app", DEPENDENCIES),  # no user
    ("DEPENDENCIES", "postgres://app@127.0.0.1:99999/app", DEPENDENCIES),
    ("DEPENDENCIES", "postgresql://app@127.0.0.1/app/x", DEPENDENCIES),
    ("DEPENDENCIES", "postgresql://app@/app", DEPENDENCIES),
    ("DEPENDENCIES", "http://127.0.0.1:8080/health,", DEPENDENCIES),
    ("DEPENDENCY_TIMEOUT_SECONDS", "0", "a decimal number from 0.05 to 30"),
    ("APP_NAME", "", "1 to 64 printable characters"),
    ("HOST", "bad host", "an IP address or host name"),
]
SECRETS = frozenset({"ADMIN_TOKEN"})


@dataclass(frozen=True)
class Run:
    status: int
    stdout: str
    stderr: str
    bound: bool


def run_until_exit(implementation: str, env: dict[str, str], port: int, timeout: float) -> Run:
    """Start the server command and watch `port` until it exits: was anything listening?"""
    process = subprocess.Popen(
        LAUNCHER.command(implementation, env, new_workdir()),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # so that a server that did start is stopped with its workers
    )
    bound = False
    deadline = time.monotonic() + timeout
    try:
        while process.poll() is None and time.monotonic() < deadline:
            with socket.socket() as probe:
                probe.settimeout(0.2)
                bound = bound or probe.connect_ex(("127.0.0.1", port)) == 0
            time.sleep(0.01)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        stdout, stderr = process.communicate(timeout=10)
    assert process.returncode is not None
    return Run(process.returncode, stdout.decode(errors="replace"), stderr.decode(), bound)


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    INVALID,
    ids=[f"{name}={value}" for name, value, _ in INVALID],
)
def test_invalid_value_stops_before_binding(
    implementation: str, name: str, value: str, expected: str
) -> None:
    port = free_port()
    run = run_until_exit(implementation, server_env(port, {name: value}), port, timeout=30)
    shown = "<hidden>" if name in SECRETS else f"'{value}'"
    assert run.stderr == f"{PREFIX}{name}={shown}: expected {expected}\n"
    assert run.status == 2, run
    assert run.stdout == ""
    assert not run.bound, f"something listened on 127.0.0.1:{port}"
    if name in SECRETS:
        assert value not in run.stderr


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        pytest.param(
            "postgresql://app:s3cret-pw@127.0.0.1:5432/app/x",
            "postgresql://app@127.0.0.1:5432/app/x",
            id="postgres_path",
        ),
        pytest.param(
            "http://127.0.0.1/health,postgres://app:s3cret-pw@db:port/app",
            "http://127.0.0.1/health,postgres://app@db:port/app",
            id="postgres_port",
        ),
        pytest.param(
            "postgresql://app:s3cret/pw@127.0.0.1/app",  # "/" unencoded in the password
            "postgresql://app@127.0.0.1/app",
            id="unencoded_slash",
        ),
        pytest.param(
            "postgresql://app@127.0.0.1/app/x?sslmode=disable&password=s3cret-pw",
            "postgresql://app@127.0.0.1/app/x?sslmode=disable",
            id="query_parameter",
        ),
    ],
)
def test_invalid_dependencies_never_show_a_password(
    implementation: str, value: str, shown: str
) -> None:
    port = free_port()
    run = run_until_exit(implementation, server_env(port, {"DEPENDENCIES": value}), port, 30)
    assert run.stderr == f"{PREFIX}DEPENDENCIES='{shown}': expected {DEPENDENCIES}\n"
    assert run.status == 2, run
    assert "s3cret" not in run.stderr + run.stdout
