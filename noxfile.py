"""Every task a user or CI runs: `nox` (lint, typecheck, parity, compare), `nox -s serve`.

Implementations are found under implementations/: adding one is adding a folder.
"""

import os
import shutil
import subprocess
from pathlib import Path

import nox

nox.needs_version = ">=2024.10.9"
nox.options.default_venv_backend = "uv"
nox.options.sessions = ["lint", "typecheck", "parity", "compare", "fuzz"]
nox.options.error_on_missing_interpreters = True

ROOT = Path(__file__).parent
IMPLEMENTATIONS = sorted(path.parent.name for path in ROOT.glob("implementations/*/pyproject.toml"))
REPORTS = ROOT / ".nox" / "reports"
# lockstep-check against a server that answers {"status":"ok"} to everything: run once.
IMPOSTOR = "shared-tests/test_check.py::test_check_fails_on_an_impostor"


def install(session: nox.Session) -> None:
    """The locked workspace (every member, dev tools included) into the session's venv."""
    session.run_install(
        "uv",
        "sync",
        "--locked",
        "--all-packages",
        env={"UV_PROJECT_ENVIRONMENT": session.virtualenv.location},
    )


@nox.session
def lint(session: nox.Session) -> None:
    """ruff (lint rules and formatting), hadolint (the Dockerfile) and checkov (the Dockerfile's
    policies; secrets in it and in the compose file, for which checkov has no policies)."""
    install(session)
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("hadolint", "docker/Dockerfile")
    # checkov's locked group has an environment of its own (it conflicts with the dev group).
    checkov = Path(session.virtualenv.location) / "checkov"
    session.run_install(
        "uv", "sync", "--locked", "--only-group", "security",
        env={"UV_PROJECT_ENVIRONMENT": str(checkov)},
    )  # fmt: skip
    session.run(
        str(checkov / "bin" / "checkov"), "--quiet", "--compact", "--skip-download",
        "--framework", "dockerfile", "secrets",
        "-f", "docker/Dockerfile", "-f", "docker/compose.yaml",
        external=True,
        # Offline: no Prisma Cloud mappings, no PyPI check for a newer checkov.
        env={"BC_SKIP_MAPPING": "TRUE", "CKV_SKIP_PACKAGE_UPDATE_CHECK": "true"},
    )  # fmt: skip


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict over the contract package, every implementation and the suite."""
    install(session)
    sources = ["contract/src", *(f"implementations/{name}/src" for name in IMPLEMENTATIONS)]
    session.run("mypy", *sources, "shared-tests", "fuzz", "bench")


@nox.session
@nox.parametrize("implementation", IMPLEMENTATIONS, ids=IMPLEMENTATIONS)
def parity(session: nox.Session, implementation: str) -> None:
    """The shared suite against one implementation: in process, server, WORKERS=2."""
    install(session)
    REPORTS.mkdir(parents=True, exist_ok=True)
    report = REPORTS / f"parity-{implementation}.xml"
    session.run(
        "pytest",
        "shared-tests",
        "--impl",
        implementation,
        "-p",
        "no:cacheprovider",
        "--ignore=shared-tests/test_comparison.py",
        f"--deselect={IMPOSTOR}",  # the same for every implementation: in `compare`
        f"--junitxml={report}",
        *session.posargs,
    )
    session.run(
        "python", "-m", "lockstep_suite.matrix", *sorted(map(str, REPORTS.glob("parity-*.xml")))
    )


@nox.session
def compare(session: nox.Session) -> None:
    """The corpus and the hostile catalogue sent to every implementation's real server:
    identical answers; and `lockstep-check` fails on an impostor."""
    install(session)
    session.run(
        "pytest", "shared-tests/test_comparison.py", "shared-tests/test_hostile.py", IMPOSTOR,
        "-m", "process", "-p", "no:cacheprovider", *session.posargs,
    )  # fmt: skip


@nox.session
def check(session: nox.Session) -> None:
    """The contract's check of a running instance as deployed, e.g.
    `nox -s check -- http://127.0.0.1:8000 --admin-token TOKEN` (options: `-- --help`)."""
    if not session.posargs:
        session.error("usage: nox -s check -- URL [--admin-token TOKEN] [--drills] [--help]")
    install(session)
    session.run("lockstep-check", *session.posargs)


@nox.session
def fuzz(session: nox.Session) -> None:
    """schemathesis against every implementation's real server, every check, seed 1
    (fuzz/run.py; e.g. `nox -s fuzz -- --impl flask --max-examples 100 --seed 7`)."""
    install(session)
    session.run("python", "fuzz/run.py", *session.posargs)


def container_engine(session: nox.Session) -> str:
    """CONTAINER_ENGINE, else the first of docker and podman whose engine answers."""
    chosen = os.environ.get("CONTAINER_ENGINE")
    answering = [
        engine
        for engine in ([chosen] if chosen else ["docker", "podman"])
        if shutil.which(engine)
        and subprocess.run([engine, "info"], capture_output=True, check=False).returncode == 0
    ]
    if not answering:
        session.error(
            "no container engine answers: install Docker (https://docs.docker.com/engine/install/)"
            " or podman, start it, or name it with CONTAINER_ENGINE=docker|podman"
        )
    return answering[0]


@nox.session
def containers(session: nox.Session) -> None:
    """Build every image (docker/Dockerfile) and run the suite against them: the comparison,
    and lockstep-check against each image started with a configuration unlike the suite's.

    PYTHON_IMAGE picks another base; CONTAINER_BUILD_ARGS adds engine flags to each build.
    The suite removes every container it started, also on failure; the images stay.
    """
    engine = container_engine(session)
    install(session)
    extra = os.environ.get("CONTAINER_BUILD_ARGS", "").split()
    if engine == "podman":
        extra.append("--format=docker")  # OCI, podman's default, drops HEALTHCHECK
    if base := os.environ.get("PYTHON_IMAGE"):
        extra.append(f"--build-arg=PYTHON_IMAGE={base}")
    for implementation in IMPLEMENTATIONS:
        session.run(
            engine, "build", "--file", "docker/Dockerfile", *extra,
            f"--build-arg=IMPLEMENTATION={implementation}",
            "--tag", f"lockstep-{implementation}:test", ".", external=True,
        )  # fmt: skip
    REPORTS.mkdir(parents=True, exist_ok=True)
    session.run(
        "pytest", "shared-tests", "-p", "no:cacheprovider", "--container-engine", engine,
        "--kind", "server", "--kind", "workers2", f"--junitxml={REPORTS / 'containers.xml'}",
        *session.posargs,
    )  # fmt: skip


@nox.session
def bench(session: nox.Session) -> None:
    """wrk load per endpoint and server option against minimal apps: bench/results/bench.*

    Needs wrk. Options pass through: `nox -s bench -- --duration 5 --only flask`.
    """
    install(session)
    # The httptools + uvloop variant is measured from a scratch venv made with nox's own uv.
    session.run("python", "bench/bench.py", *session.posargs, env={"UV": nox.virtualenv.UV})


@nox.session
def images(session: nox.Session) -> None:
    """Image size, start time and memory against minimal-app images: bench/results/images.*

    Builds missing images (PYTHON_IMAGE for another base) with Docker or podman, as `containers`.
    """
    engine = container_engine(session)
    install(session)
    session.run("python", "bench/images.py", *session.posargs, env={"CONTAINER_ENGINE": engine})


@nox.session
def serve(session: nox.Session) -> None:
    """Start one implementation on 127.0.0.1:8000: `nox -s serve -- fastapi` (PORT=... to move)."""
    if len(session.posargs) != 1 or session.posargs[0] not in IMPLEMENTATIONS:
        session.error(f"usage: nox -s serve -- {{{'|'.join(IMPLEMENTATIONS)}}}")
    install(session)
    session.run("python", "-m", f"lockstep_{session.posargs[0]}", external=False)
