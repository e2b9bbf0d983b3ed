"""The images (`nox -s containers`): what runs is unprivileged, read-only and labelled, and the
compose file is one the engine accepts. Selected only with --container-engine."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from lockstep_suite.servers import LAUNCHER, Server

pytestmark = [pytest.mark.process, pytest.mark.container]
ROOT = Path(__file__).resolve().parents[1]
# Run inside the container: every process's uid/gid and capabilities, and a write to `/`.
INSPECT = """
import json, pathlib
procs = []
for status in pathlib.Path("/proc").glob("[0-9]*/status"):
    fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
    procs.append({k: fields[k].split() for k in ("Uid", "Gid", "CapEff", "CapPrm", "CapBnd")})
try:
    pathlib.Path("/opt/venv/probe").write_text("x")
    writable = True
except OSError:
    writable = False
print(json.dumps({"procs": procs, "root_writable": writable}))
"""


def engine() -> str:
    assert LAUNCHER.engine is not None
    return LAUNCHER.engine


def healthcheck(image: str) -> list[str]:
    # Both engines answer this template (podman keeps the healthcheck out of `.Config`'s JSON).
    found = subprocess.run(
        [engine(), "image", "inspect", image, "--format", "{{json .Config.Healthcheck.Test}}"],
        capture_output=True, check=True, timeout=60,
    )  # fmt: skip
    test: list[str] = json.loads(found.stdout)
    return test


def test_container_has_no_root_process_no_capabilities_and_a_read_only_root(
    implementation: str,
) -> None:
    server = Server(implementation, {"WORKERS": "2"}).start()
    name = LAUNCHER.started[-1]
    try:
        found = subprocess.run(
            [engine(), "exec", name, "python", "-c", INSPECT],
            capture_output=True, check=True, timeout=60,
        )  # fmt: skip
    finally:
        server.stop()
    report = json.loads(found.stdout)
    assert report["root_writable"] is False
    assert len(report["procs"]) >= 3  # the server, its workers, this probe
    for process in report["procs"]:
        assert set(process["Uid"]) == {"10001"}, process
        assert set(process["Gid"]) == {"10001"}, process
        assert process["CapEff"] == ["0000000000000000"], process
        assert process["CapPrm"] == ["0000000000000000"], process


def test_image_declares_user_healthcheck_stop_signal_and_labels(implementation: str) -> None:
    image = LAUNCHER.image.format(implementation=implementation)
    found = subprocess.run(
        [engine(), "image", "inspect", image, "--format", "{{json .Config}}"],
        capture_output=True, check=True, timeout=60,
    )  # fmt: skip
    config = json.loads(found.stdout)
    assert config["User"] == "10001:10001"
    assert config["StopSignal"] == "SIGTERM"
    assert healthcheck(image)[:2] == ["CMD", "python"]
    assert config["Entrypoint"] == ["lockstep"]
    labels = config["Labels"]
    assert labels["org.opencontainers.image.title"] == f"lockstep-{implementation}"
    assert labels["io.lockstep.implementation"] == implementation
    assert labels["org.opencontainers.image.licenses"] == "MIT"


def test_image_healthcheck_reports_the_liveness_flag(implementation: str) -> None:
    """The HEALTHCHECK command, run in the container: healthy, then unhealthy once the
    liveness drill turns the flag off."""
    server = Server(implementation).start()
    name = LAUNCHER.started[-1]
    image = LAUNCHER.image.format(implementation=implementation)
    command = healthcheck(image)[1:]  # after "CMD"
    target = server.target("server")
    try:
        healthy = subprocess.run([engine(), "exec", name, *command], check=False, timeout=30)
        off = target.request(
            "PUT", "/admin/liveness",
            {"Authorization": "Bearer suite-admin-token-0123456789",
             "Content-Type": "application/json"},
            b'{"healthy":false}',
        )  # fmt: skip
        unhealthy = subprocess.run(
            [engine(), "exec", name, *command], capture_output=True, check=False, timeout=30
        )
    finally:
        server.stop()
    assert healthy.returncode == 0
    assert off.status == 200
    assert unhealthy.returncode != 0


def test_compose_file_is_accepted_by_the_engine() -> None:
    compose = ROOT / "docker" / "compose.yaml"
    if engine() == "docker":
        command = ["docker", "compose", "-f", str(compose), "config", "--quiet"]
    else:
        tool = shutil.which("podman-compose")
        assert tool, "podman-compose is in the dev dependencies: uv sync installs it"
        command = [tool, "-f", str(compose), "config"]
    checked = subprocess.run(command, capture_output=True, check=False, timeout=60)
    assert checked.returncode == 0, checked.stderr.decode()
