"""Every task a user or CI runs: `nox` (lint, typecheck, symmetry, parity, compare, fuzz),
`nox -s serve`.

Implementations are found under implementations/: adding one is adding a folder.
"""

import os
import shutil
import subprocess
from pathlib import Path

import nox

nox.needs_version = ">=2024.10.9"
nox.options.default_venv_backend = "uv"
nox.options.sessions = ["lint", "typecheck", "symmetry", "parity", "compare", "fuzz"]
nox.options.error_on_missing_interpreters = True

ROOT = Path(__file__).parent
IMPLEMENTATIONS = sorted(path.parent.name for path in ROOT.glob("implementations/*/pyproject.toml"))
REPORTS = ROOT / ".nox" / "reports"
# bench/'s own dependency groups (pyproject.toml): the chart, and the add-on stack baselines.
BENCH_GROUPS = ("bench", "addons")
IMAGE = "lockstep-{implementation}:test"  # the suite's --image default
# lockstep-check against a server that answers {"status":"ok"} to everything: run once.
IMPOSTOR = "shared-tests/test_check.py::test_check_fails_on_an_impostor"


def install(session: nox.Session, *groups: str) -> None:
    """The locked workspace (every member, dev tools included) into the session's venv, with
    these dependency groups besides."""
    session.run_install(
        "uv",
        "sync",
        "--locked",
        "--all-packages",
        *(f"--group={group}" for group in groups),
        env={"UV_PROJECT_ENVIRONMENT": session.virtualenv.location},
    )


def checkov(session: nox.Session, *args: str) -> None:
    """checkov, offline, from its locked group in an environment of its own (the group
    conflicts with the dev group)."""
    venv = Path(session.virtualenv.location) / "checkov"
    session.run_install(
        "uv", "sync", "--locked", "--only-group", "security",
        env={"UV_PROJECT_ENVIRONMENT": str(venv)},
    )  # fmt: skip
    session.run(
        str(venv / "bin" / "checkov"), "--quiet", "--compact", "--skip-download", *args,
        external=True,
        # Offline: no Prisma Cloud mappings, no PyPI check for a newer checkov.
        env={"BC_SKIP_MAPPING": "TRUE", "CKV_SKIP_PACKAGE_UPDATE_CHECK": "true"},
    )  # fmt: skip


@nox.session
def lint(session: nox.Session) -> None:
    """ruff (lint rules and formatting), hadolint (the Dockerfile) and checkov (the Dockerfile's
    policies; secrets in it and in the compose file, for which checkov has no policies)."""
    install(session)
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("hadolint", "docker/Dockerfile")
    checkov(
        session, "--framework", "dockerfile", "secrets",
        "-f", "docker/Dockerfile", "-f", "docker/compose.yaml",
    )  # fmt: skip


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict over the contract package, every implementation, the suite, fuzz/,
    bench/ (with bench's own groups, whose libraries its modules import) and deploy/tests."""
    install(session, *BENCH_GROUPS)
    sources = ["contract/src", *(f"implementations/{name}/src" for name in IMPLEMENTATIONS)]
    tests = sorted(str(path.relative_to(ROOT)) for path in ROOT.glob("implementations/test_*.py"))
    session.run("mypy", *sources, *tests, "contract/tests", "shared-tests", "fuzz", "bench")
    # A run of its own: deploy/tests has a conftest too, and imports its helpers from beside it.
    session.run("mypy", "deploy/tests", env={"MYPYPATH": "deploy/tests"})


@nox.session
def symmetry(session: nox.Session) -> None:
    """The white-box tests beside the code. The implementations' (implementations/test_*.py,
    which read each framework's objects): routes, handler names and routers against the
    contract's route table; one home for an unhandled exception's 500 and its log line. The
    contract package's (contract/tests): its access line and metrics, written without logging
    and Counter/Histogram, held to what those would write."""
    install(session)
    session.run(
        "pytest", "implementations", "contract/tests", "-p", "no:cacheprovider", *session.posargs
    )


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
        "--ignore=shared-tests/test_differential.py",
        f"--deselect={IMPOSTOR}",  # the same for every implementation: in `compare`
        f"--junitxml={report}",
        *session.posargs,
    )
    session.run(
        "python", "-m", "lockstep_suite.matrix", *sorted(map(str, REPORTS.glob("parity-*.xml")))
    )


@nox.session
def compare(session: nox.Session) -> None:
    """The corpus and the hostile catalogue sent to every implementation's real server, and
    generated bodies to every implementation in process: identical answers; and
    `lockstep-check` fails on an impostor."""
    install(session)
    session.run(
        "pytest", "shared-tests/test_comparison.py", "shared-tests/test_hostile.py",
        "shared-tests/test_differential.py", IMPOSTOR,
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


def build_images(session: nox.Session, engine: str, image: str = IMAGE) -> None:
    """Every implementation's image from docker/Dockerfile, tagged `image`.

    PYTHON_IMAGE picks another base; CONTAINER_BUILD_ARGS adds engine flags to each build.
    """
    extra = os.environ.get("CONTAINER_BUILD_ARGS", "").split()
    if engine == "podman":
        extra.append("--format=docker")  # OCI, podman's default, drops HEALTHCHECK
    if base := os.environ.get("PYTHON_IMAGE"):
        extra.append(f"--build-arg=PYTHON_IMAGE={base}")
    for implementation in IMPLEMENTATIONS:
        session.run(
            engine, "build", "--file", "docker/Dockerfile", *extra,
            f"--build-arg=IMPLEMENTATION={implementation}",
            "--tag", image.format(implementation=implementation), ".", external=True,
        )  # fmt: skip


@nox.session
def containers(session: nox.Session) -> None:
    """Build every image (see build_images) and run the suite against them: the comparison,
    and lockstep-check against each image started with a configuration unlike the suite's.

    The suite removes every container it started, also on failure; the images stay.
    """
    engine = container_engine(session)
    install(session)
    build_images(session, engine)
    REPORTS.mkdir(parents=True, exist_ok=True)
    session.run(
        "pytest", "shared-tests", "-p", "no:cacheprovider", "--container-engine", engine,
        "--kind", "server", "--kind", "workers2", f"--junitxml={REPORTS / 'containers.xml'}",
        *session.posargs,
    )  # fmt: skip


def tool_tests(session: nox.Session, tool: str) -> None:
    """shared-tests/test_<tool>.py, selected by --<tool> (conftest.SYSTEM_TOOLS), once the
    session has checked that the tool is there."""
    install(session)
    REPORTS.mkdir(parents=True, exist_ok=True)
    session.run(
        "pytest", f"shared-tests/test_{tool}.py", f"--{tool}", "-p", "no:cacheprovider",
        f"--junitxml={REPORTS / f'{tool}.xml'}", *session.posargs,
    )  # fmt: skip


@nox.session
def browser(session: nox.Session) -> None:
    """/docs and /redoc in headless Chromium, driven by Playwright, on each implementation's
    real server with no network but loopback; screenshots in .nox/reports/browser/. Needs
    Debian's chromium (Playwright's own browser download is never used)."""
    if not Path("/usr/bin/chromium").exists():
        session.error("chromium is missing: apt-get install chromium")
    tool_tests(session, "browser")


@nox.session
def postgres(session: nox.Session) -> None:
    """Readiness against a real PostgreSQL, started by the tests, on each implementation's real
    server: down, shutting down, at its connection limit, up again. Needs Debian's postgresql
    (its server binaries in /usr/lib/postgresql/<version>/bin)."""
    if not any(Path("/usr/lib/postgresql").glob("*/bin/initdb")):
        session.error("PostgreSQL is missing: apt-get install postgresql")
    tool_tests(session, "postgres")


@nox.session
def swap(session: nox.Session) -> None:
    """The swap drill (shared-tests/test_swap.py): HAProxy in front of real servers, rolled
    through every implementation under load, WORKERS=1 and 2, as processes and as the images
    (built as `containers` builds them; LOCKSTEP_IMAGE names another tag, e.g.
    `mine-{implementation}:test`). Needs haproxy and Docker or podman."""
    if shutil.which("haproxy") is None:
        session.error("haproxy is not installed: apt-get install haproxy")
    engine = container_engine(session)
    install(session)
    image = os.environ.get("LOCKSTEP_IMAGE", IMAGE)
    build_images(session, engine, image)
    drill = ["pytest", "shared-tests/test_swap.py", "--swap", "-p", "no:cacheprovider"]
    session.run(*drill, *session.posargs)
    # The images: the rolling swaps; what no delay loses was shown by the processes.
    session.run(
        *drill, "--container-engine", engine, "--image", image, "-k", "rolling_swap",
        *session.posargs,
    )  # fmt: skip


@nox.session
def bench(session: nox.Session) -> None:
    """wrk load per endpoint and server option against each framework's minimal app, its
    add-on stack and a bare callable: bench/results/bench.*

    Needs wrk. Options pass through: `nox -s bench -- --duration 5 --only flask`.
    """
    install(session, *BENCH_GROUPS)
    session.run("python", "bench/bench.py", *session.posargs)


@nox.session
def images(session: nox.Session) -> None:
    """Image size, start time and memory against minimal-app images: bench/results/images.*

    Builds missing images (PYTHON_IMAGE for another base) with Docker or podman, as `containers`.
    """
    engine = container_engine(session)
    install(session, *BENCH_GROUPS)
    session.run("python", "bench/images.py", *session.posargs, env={"CONTAINER_ENGINE": engine})


@nox.session
def kubernetes(session: nox.Session) -> None:
    """deploy/kubernetes offline, no cluster: every overlay rendered by `kubectl kustomize` and
    scanned by checkov; deploy/tests validates the objects strictly against pinned Kubernetes
    schemas (kubernetes-validate) and checks what they say. Needs kubectl."""
    if shutil.which("kubectl") is None:
        session.error(
            "kubectl not found: install it (apt-get install kubectl, from the Kubernetes apt"
            " repository: https://kubernetes.io/docs/tasks/tools/)"
        )
    install(session, "kubernetes")
    rendered = Path(session.create_tmp()) / "rendered"
    shutil.rmtree(rendered, ignore_errors=True)
    rendered.mkdir()
    for overlay in sorted((ROOT / "deploy" / "kubernetes" / "overlays").iterdir()):
        objects = session.run("kubectl", "kustomize", str(overlay), external=True, silent=True)
        (rendered / f"{overlay.name}.yaml").write_text(str(objects))
    checkov(session, "--framework", "kubernetes", "secrets", "--directory", str(rendered))
    session.run("pytest", "deploy/tests", "-p", "no:cacheprovider", *session.posargs)


@nox.session
def serve(session: nox.Session) -> None:
    """Start one implementation on 127.0.0.1:8000: `nox -s serve -- fastapi` (PORT=... to move)."""
    if len(session.posargs) != 1 or session.posargs[0] not in IMPLEMENTATIONS:
        session.error(f"usage: nox -s serve -- {{{'|'.join(IMPLEMENTATIONS)}}}")
    install(session)
    session.run("python", "-m", f"lockstep_{session.posargs[0]}", external=False)
