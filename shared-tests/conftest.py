"""The suite's parametrisation: every test that takes `target` runs once per implementation
and target kind (in process, real server, real server with WORKERS=2), or against the URL
given with --base-url."""

from collections.abc import Iterator

import pytest

from lockstep_suite.expect import CORS_ORIGIN
from lockstep_suite.servers import LAUNCHER, Server, remove_workdirs
from lockstep_suite.targets import (
    ADMIN_TOKEN,
    IMPLEMENTATIONS,
    SUITE_ENV,
    HttpTarget,
    InProcessTarget,
    Target,
)

KINDS = ("inprocess", "server", "workers2")
_WORKERS = {"server": "1", "workers2": "2"}
# Targets built with a configuration of their own (in process and as one real server each):
# fixture name -> environment added to SUITE_ENV. An empty ADMIN_TOKEN means unset.
VARIANTS = {
    "cors_target": {"CORS_ORIGINS": CORS_ORIGIN},
    "noadmin_target": {"ADMIN_TOKEN": ""},
}
_VARIANT_KINDS = ("inprocess", "server")


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
    group.addoption(
        "--swap",
        action="store_true",
        help="also run the swap drill behind HAProxy (test_swap.py; needs haproxy)",
    )
    group.addoption(
        "--base-url-impl",
        default="deployed",
        help="the implementation name reported for --base-url",
    )


def pytest_configure(config: pytest.Config) -> None:
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
    config.addinivalue_line(
        "markers", "swap: the swap drill behind HAProxy; selected only with --swap"
    )


def pytest_unconfigure(config: pytest.Config) -> None:
    LAUNCHER.remove_all()
    remove_workdirs()


def _cannot_run(config: pytest.Config, item: pytest.Item) -> bool:
    if config.getoption("base_url") and item.get_closest_marker("process"):
        return True
    if not config.getoption("container_engine") and item.get_closest_marker("container"):
        return True  # the images are tested by `nox -s containers`
    if not config.getoption("swap") and item.get_closest_marker("swap"):
        return True  # needs haproxy: `nox -s swap`
    if config.getoption("container_engine") and item.get_closest_marker("host_processes"):
        return True  # reads the server's processes in /proc, which a container hides
    # A variant target with no kind left by --kind (e.g. --kind workers2) is parametrised
    # with pytest's NOTSET placeholder: nothing to test.
    callspec = getattr(item, "callspec", None)
    params = callspec.params if callspec is not None else {}
    fixtures = getattr(item, "fixturenames", ())
    return any(name in fixtures and not isinstance(params.get(name), str) for name in VARIANTS)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect, never skip, what cannot run here: a skipped test counts as a failure."""
    deselected = [item for item in items if _cannot_run(config, item)]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if not _cannot_run(config, item)]


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
            return HttpTarget("url", impl, "url", self.config.getoption("base_url"))
        implementation, kind = key.split("-", 1)
        if kind == "inprocess":
            return InProcessTarget.build(implementation, SUITE_ENV)
        server = Server(implementation, {"WORKERS": _WORKERS[kind]}).start()
        self.servers.append(server)
        return server.target(kind)

    def variant(self, name: str, key: str) -> Target:
        """`key` ("<impl>-inprocess" or "<impl>-server") built with VARIANTS[name]."""
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

    def server_of(self, target: Target) -> Server | None:
        for server in self.servers:
            if isinstance(target, HttpTarget) and server.base_url == target.base_url:
                return server
        return None

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
    """A target whose CORS_ORIGINS is CORS_ORIGIN (Origin is only a header: no network)."""
    return targets.variant("cors_target", request.param)


@pytest.fixture(scope="session")
def noadmin_target(request: pytest.FixtureRequest, targets: Targets) -> Target:
    """A target without ADMIN_TOKEN: the admin endpoints are disabled."""
    return targets.variant("noadmin_target", request.param)


@pytest.fixture
def admin_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {ADMIN_TOKEN}", "Content-Type": "application/json"}


@pytest.fixture
def restore_flags(target: Target, admin_headers: dict[str, str]) -> Iterator[Target]:
    """For drills that flip the instance flags: both are on again after the test."""
    yield target
    for name, member in (("liveness", "healthy"), ("readiness", "ready")):
        reply = target.request(
            "PUT", f"/admin/{name}", admin_headers, f'{{"{member}":true}}'.encode()
        )
        assert reply.status == 200, reply
