"""The images (`nox -s containers`): what runs is unprivileged, read-only and labelled, the
image holds no build tool, cache, source or secret, and the compose file is one the engine
accepts. Selected only with --container-engine."""

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from lockstep_suite.drills import ADMIN, engine, healthcheck, inspect_image
from lockstep_suite.profile import ADMIN_TOKEN
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
# Run in the image as root (to read /root): what a runtime image must not hold. The
# distribution's libraries under /usr embed PEM markers as parsing constants, so private keys
# are looked for everywhere else.
SCAN = r"""
import json, os, re
tools = r"gcc|g\+\+|cc|c\+\+|clang(\+\+)?|tcc|cc1(plus)?"
compiler = re.compile(rf"(\w+-linux-gnu-)?({tools})(-[\d.]+)?")
credential = {".netrc", ".pypirc", ".git-credentials", "id_rsa", "id_ecdsa", "id_ed25519",
              ".env", "pip.conf", "uv.toml"}
found = {key: [] for key in ("compilers", "uv", "caches", "sources", "credentials",
                             "private_keys", "unreadable")}
files = 0
def unreadable(error): found["unreadable"].append(error.filename)
for root, dirs, names in os.walk("/", onerror=unreadable):
    if root == "/":
        dirs[:] = [d for d in dirs if d not in ("proc", "sys", "dev")]
        found["sources"] += ["/src"] if "src" in dirs else []
    found["caches"] += [os.path.join(root, d) for d in dirs if d == ".cache"]
    found["uv"] += [os.path.join(root, d) for d in dirs if root == "/opt" and d == "uv"]
    for name in names:
        path = os.path.join(root, name)
        files += 1
        found["compilers"] += [path] if compiler.fullmatch(name) else []
        found["uv"] += [path] if name in ("uv", "uvx") else []
        found["sources"] += [path] if name in ("pyproject.toml", "uv.lock") else []
        found["credentials"] += [path] if name in credential else []
        if not path.startswith("/usr/") and os.path.isfile(path) and not os.path.islink(path):
            with open(path, "rb") as file:
                found["private_keys"] += [path] if b"PRIVATE KEY-----" in file.read() else []
print(json.dumps({"files": files, **found}))
"""
# A name that says its value is a credential, assigned in an ENV, an ARG or a build argument.
SECRET_ASSIGNMENT = re.compile(
    r"\b\w*(TOKEN|PASSW|SECRET|API_?KEY|PRIVATE_?KEY|CREDENTIAL)\w*=", re.I
)


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
    config = inspect_image(image, ".Config")
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
        off = target.request("PUT", "/admin/liveness", ADMIN, b'{"healthy":false}')
        unhealthy = subprocess.run(
            [engine(), "exec", name, *command], capture_output=True, check=False, timeout=30
        )
    finally:
        server.stop()
    assert healthy.returncode == 0
    assert off.status == 200
    assert unhealthy.returncode != 0


def test_image_holds_no_compiler_cache_uv_source_or_credential(implementation: str) -> None:
    image = LAUNCHER.image.format(implementation=implementation)
    found = subprocess.run(
        [engine(), "run", "--rm", "--network", "none", "--no-healthcheck", "--user", "0:0",
         "--entrypoint", "python", image, "-c", SCAN],
        capture_output=True, check=True, timeout=120,
    )  # fmt: skip
    report = json.loads(found.stdout)
    assert report.pop("files") > 1000  # the walk saw the whole image
    assert report == {
        "compilers": [], "uv": [], "caches": [], "sources": [], "credentials": [],
        "private_keys": [], "unreadable": [],
    }  # fmt: skip


def history(image: str) -> list[str]:
    """The instruction (with its build arguments) that made each layer of `image`."""
    found = subprocess.run(
        [engine(), "history", "--no-trunc", "--format", "{{json .}}", image],
        capture_output=True, check=True, timeout=60,
    )  # fmt: skip
    text = found.stdout.decode()
    # podman prints one JSON array, docker one object per line.
    entries = json.loads(text) if text.lstrip().startswith("[") else [
        json.loads(line) for line in text.splitlines() if line.strip()
    ]  # fmt: skip
    return [str(entry["CreatedBy"]) for entry in entries]


def test_image_history_and_environment_hold_no_secret(implementation: str) -> None:
    image = LAUNCHER.image.format(implementation=implementation)
    env: list[str] = inspect_image(image, ".Config.Env")
    steps = history(image)
    assert any(step.endswith('ENTRYPOINT ["lockstep"]') for step in steps), steps
    assert [name.split("=", 1)[0] for name in env if SECRET_ASSIGNMENT.search(name)] == []
    leaks = [step for step in steps if SECRET_ASSIGNMENT.search(step) or ADMIN_TOKEN in step]
    assert leaks == []


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
