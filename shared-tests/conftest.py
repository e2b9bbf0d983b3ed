"""The suite's parametrisation: every test that takes `target` runs once per implementation
and target kind (in process, real server, real server with WORKERS=2), or against the URL
given with --base-url: the check of a deployed instance (lockstep-check), whose profile is
learned from its answers and the options, and whose run ends with a per-operation report.

What a test needs of its target (the admin token, leave to flip flags, CORS...) comes from the
fixtures it takes and its `needs` marks; a test whose needs the target's profile does not meet
is deselected (never skipped) as not applicable.
"""

from collections.abc import Iterator

import pytest

from lockstep_suite.learn import Options, UnreachableError, learn
from lockstep_suite.profile import (
    CORS_ORIGIN,
    NEEDS,
    SUITE,
    SUITE_ENV,
    Profile,
    run_profile,
    set_run_profile,
)
from lockstep_suite.report import Report
from lockstep_suite.servers import LAUNCHER, Server, remove_workdirs
from lockstep_suite.targets import IMPLEMENTATIONS, HttpTarget, InProcessTarget, Target

KINDS = ("inprocess", "server", "workers2")
_WORKERS = {"server": "1", "workers2": "2"}
# Targets built with a configuration of their own (in process and as one real server each):
# fixture name -> environment added to SUITE_ENV. An empty ADMIN_TOKEN means unset.
VARIANTS = {
    "cors_target": {"CORS_ORIGINS": CORS_ORIGIN},
    "noadmin_target": {"ADMIN_TOKEN": ""},
}
_VARIANT_KINDS = ("inprocess", "server")
# Marker (and option) of the tests that need a system tool -> the nox session that runs them.
SYSTEM_TOOLS = {"browser": "browser", "postgres": "postgres", "swap": "swap"}
# What taking a fixture needs of the target's profile (lockstep_suite.profile.NEEDS).
FIXTURE_NEEDS = {
    "restore_flags": "drills",
    "admin_target": "admin_token",
    "guarded_target": "guarded_admin",
    "admin_headers": "admin_token",
    "noadmin_target": "disabled_admin",
    "cors_target": "cors",
}


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("lockstep")
    group.addoption(
        "--impl",
        action="append",
        choices=IMPLEMENTATIONS,
        help="implementation(s) to test (default: all under implementations/)",
    )
    group.addoption(
        "--kind", action="append", choices=KINDS, help="target kind(s) to test (default: all)"
    )
    group.addoption("--base-url", help="test a running service at this URL instead")
    group.addoption(
        "--container-engine",
        help="start every server as a container with this engine (docker or podman); "
        "use with --kind server --kind workers2",
    )
    group.addoption(
        "--image",
        default="lockstep-{implementation}:test",
        help="the image of each implementation, for --container-engine",
    )
    for tool, session in SYSTEM_TOOLS.items():
        group.addoption(
            f"--{tool}",
            action="store_true",
            help=f"run the tests marked {tool} (they need a system tool: `nox -s {session}`)",
        )
    group.addoption(
        "--base-url-impl",
        default="deployed",
        help="the implementation name reported for --base-url",
    )
    # What a deployed instance cannot reveal (lockstep_suite.learn), for --base-url.
    group.addoption("--admin-token", help="its ADMIN_TOKEN (else: admin calls without one)")
    group.addoption("--max-body-bytes", type=int, help="its MAX_BODY_BYTES (else: learned)")
    group.addoption("--max-delay-seconds", help="its MAX_DELAY_SECONDS (else: learned)")
    group.addoption("--cors-origin", help="an origin its CORS_ORIGINS allows")
    group.addoption(
        "--drills", action="store_true", help="flip its admin flags too (needs --admin-token)"
    )


def _deployed(config: pytest.Config) -> None:
    """--base-url: learn the instance's profile and report on it at the end."""
    options = Options(
        config.getoption("admin_token"),
        config.getoption("max_body_bytes"),
        config.getoption("max_delay_seconds"),
        config.getoption("cors_origin"),
        config.getoption("drills"),
    )
    url = config.getoption("base_url").rstrip("/")
    if options.drills and options.admin_token is None:
        raise pytest.UsageError("--drills needs --admin-token")
    try:
        profile = learn(url, options)
    except UnreachableError as error:
        pytest.exit(f"lockstep-check: FAILED: no answer from {url}: {error}", returncode=1)
    set_run_profile(profile)
    config.pluginmanager.register(Report(url, profile), REPORT)


REPORT = "lockstep-report"
ONLY_WITH_BASE_URL = ("admin_token", "max_body_bytes", "max_delay_seconds", "cors_origin", "drills")


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("base_url"):
        _deployed(config)
    elif any(config.getoption(name) for name in ONLY_WITH_BASE_URL):
        raise pytest.UsageError(
            "--admin-token, --max-body-bytes, --max-delay-seconds, --cors-origin and --drills "
            "describe the instance of --base-url"
        )
    if config.getoption("container_engine"):
        LAUNCHER.engine = config.getoption("container_engine")
        LAUNCHER.image = config.getoption("image")
    config.addinivalue_line(
        "markers",
        "process: starts servers or builds apps with a configuration of its own; "
        "deselected by --base-url",
    )
    config.addinivalue_line(
        "markers", "container: tests an image; selected only with --container-engine"
    )
    config.addinivalue_line(
        "markers", "host_processes: reads the server's processes; deselected for containers"
    )
    for tool, session in SYSTEM_TOOLS.items():
        config.addinivalue_line(
            "markers", f"{tool}: needs a system tool; selected only by --{tool} (nox -s {session})"
        )
    config.addinivalue_line(
        "markers",
        "needs(*what): what the test needs of its target's profile "
        "(lockstep_suite.profile.NEEDS); deselected as not applicable where it is missing",
    )


def pytest_unconfigure(config: pytest.Config) -> None:
    LAUNCHER.remove_all()
    remove_workdirs()


def _cannot_run(config: pytest.Config, item: pytest.Item) -> bool:
    if config.getoption("base_url") and item.get_closest_marker("process"):
        return True
    if not config.getoption("container_engine") and item.get_closest_marker("container"):
        return True  # the images are tested by `nox -s containers`
    if config.getoption("container_engine") and item.get_closest_marker("host_processes"):
        return True  # reads the server's processes in /proc, which a container hides
    if any(item.get_closest_marker(tool) and not config.getoption(tool) for tool in SYSTEM_TOOLS):
        return True  # its own nox session, which checks for the tool
    # A variant target with no kind left by --kind (e.g. --kind workers2) is parametrised
    # with pytest's NOTSET placeholder: nothing to test.
    callspec = getattr(item, "callspec", None)
    params = callspec.params if callspec is not None else {}
    fixtures = getattr(item, "fixturenames", ())
    return any(name in fixtures and not isinstance(params.get(name), str) for name in VARIANTS)


def not_applicable(config: pytest.Config, item: pytest.Item) -> str | None:
    """Why `item` does not apply to its target's profile (None: it applies)."""
    fixtures = set(getattr(item, "fixturenames", ()))
    needs = {need for name, need in FIXTURE_NEEDS.items() if name in fixtures}
    for mark in item.iter_markers("needs"):
        needs.update(mark.args)
    if unknown := needs - set(NEEDS):
        raise pytest.UsageError(f"{item.nodeid}: unknown needs {sorted(unknown)}, not in {NEEDS}")
    if config.getoption("base_url"):
        return run_profile().unmet(needs)
    # The suite's own targets: each variant is built for its fixture's need, the others
    # run with SUITE_ENV.
    variant = next((name for name in VARIANTS if name in fixtures), None)
    profile = Profile.from_env({**SUITE_ENV, **VARIANTS[variant]}) if variant else SUITE
    return profile.unmet(needs)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect, never skip, what cannot run here: a skipped test counts as a failure."""
    report: Report | None = config.pluginmanager.get_plugin(REPORT)
    deselected = []
    for item in items:
        if _cannot_run(config, item):
            deselected.append(item)
        elif (why := not_applicable(config, item)) is not None:
            deselected.append(item)
            if report is not None:
                report.not_applicable(item, why)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        chosen = set(map(id, deselected))
        items[:] = [item for item in items if id(item) not in chosen]


def _implementations(config: pytest.Config) -> list[str]:
    return list(config.getoption("impl") or IMPLEMENTATIONS)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    config = metafunc.config
    if "implementation" in metafunc.fixturenames:
        metafunc.parametrize(
            "implementation", _implementations(config), indirect=True, scope="session"
        )
    for name in VARIANTS:
        if name in metafunc.fixturenames:
            if config.getoption("base_url"):
                variants = ["url"]
            else:
                chosen: list[str] = list(config.getoption("kind") or KINDS)
                built = [kind for kind in chosen if kind in _VARIANT_KINDS]
                variants = [f"{impl}-{kind}" for impl in _implementations(config) for kind in built]
            metafunc.parametrize(name, variants, indirect=True, scope="session")
    if "target" not in metafunc.fixturenames:
        return
    if config.getoption("base_url"):
        ids = ["url"]
    else:
        implementations = config.getoption("impl") or IMPLEMENTATIONS
        kinds = config.getoption("kind") or KINDS
        ids = [f"{impl}-{kind}" for impl in implementations for kind in kinds]
    metafunc.parametrize("target", ids, indirect=True, scope="session")


class Targets:
    """Builds each target once per session and stops every server at the end."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.cache: dict[str, Target] = {}
        self.servers: list[Server] = []

    def get(self, key: str) -> Target:
        if key not in self.cache:
            self.cache[key] = self._build(key)
        return self.cache[key]

    def _build(self, key: str) -> Target:
        if key == "url":
            impl = self.config.getoption("base_url_impl")
            url = self.config.getoption("base_url").rstrip("/")
            report: Report | None = self.config.pluginmanager.get_plugin(REPORT)
            observer = report.sent if report is not None else None
            return HttpTarget("url", impl, "url", url, run_profile(), observer=observer)
        implementation, kind = key.split("-", 1)
        if kind == "inprocess":
            return InProcessTarget.build(implementation, SUITE_ENV)
        server = Server(implementation, {"WORKERS": _WORKERS[kind]}).start()
        self.servers.append(server)
        return server.target(kind)

    def variant(self, name: str, key: str) -> Target:
        """`key` ("<impl>-inprocess" or "<impl>-server") built with VARIANTS[name]; "url"
        for --base-url (where it applies, the instance's profile is that variant's)."""
        if key == "url":
            return self.get(key)
        cache_key = f"{name}:{key}"
        if cache_key not in self.cache:
            implementation, kind = key.split("-", 1)
            env = VARIANTS[name]
            if kind == "inprocess":
                self.cache[cache_key] = InProcessTarget.build(implementation, {**SUITE_ENV, **env})
            else:
                server = Server(implementation, {"WORKERS": "1", **env}).start()
                self.servers.append(server)
                self.cache[cache_key] = server.target(kind)
        return self.cache[cache_key]

    def close(self) -> None:
        for server in self.servers:
            server.stop()


@pytest.fixture(scope="session")
def targets(request: pytest.FixtureRequest) -> Iterator[Targets]:
    built = Targets(request.config)
    yield built
    built.close()


@pytest.fixture(scope="session")
def target(request: pytest.FixtureRequest, targets: Targets) -> Target:
    return targets.get(request.param)


@pytest.fixture(scope="session")
def implementations(request: pytest.FixtureRequest) -> list[str]:
    """The implementations this run covers (--impl, else every one under implementations/)."""
    return _implementations(request.config)


@pytest.fixture(scope="session")
def implementation(request: pytest.FixtureRequest) -> str:
    """One implementation's name, for tests that start its processes themselves."""
    name: str = request.param
    return name


@pytest.fixture(scope="session")
def cors_target(request: pytest.FixtureRequest, targets: Targets) -> Target:
    """A target whose CORS_ORIGINS allows its profile's `origin` (Origin is only a header)."""
    return targets.variant("cors_target", request.param)


@pytest.fixture(scope="session")
def noadmin_target(request: pytest.FixtureRequest, targets: Targets) -> Target:
    """A target without ADMIN_TOKEN: the admin endpoints are disabled."""
    return targets.variant("noadmin_target", request.param)


@pytest.fixture
def admin_headers(target: Target) -> dict[str, str]:
    """The admin token and a JSON body type, for calls that change nothing."""
    return target.profile.bearer


def _flags_on(target: Target) -> None:
    for name, member in (("liveness", "healthy"), ("readiness", "ready")):
        reply = target.request(
            "PUT", f"/admin/{name}", target.profile.bearer, f'{{"{member}":true}}'.encode()
        )
        assert reply.status == 200, reply


@pytest.fixture
def restore_flags(target: Target) -> Iterator[Target]:
    """For drills that flip the instance flags: both are on again after the test."""
    yield target
    _flags_on(target)


@pytest.fixture
def guarded_target(target: Target) -> Iterator[Target]:
    """A target whose admin endpoints are guarded (ADMIN_TOKEN set), for calls it must refuse;
    a wrong answer may have flipped a flag: both are put back where the suite may."""
    yield target
    if target.profile.has("drills"):
        _flags_on(target)


@pytest.fixture
def admin_target(guarded_target: Target) -> Target:
    """A guarded target whose token the suite knows, for calls it must refuse all the same."""
    return guarded_target
