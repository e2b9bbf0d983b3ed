"""The suite's parametrisation: every test that takes `target` runs once per implementation
and target kind (in process, real server, real server with WORKERS=2), or against the URL
given with --base-url."""

from collections.abc import Iterator

import pytest

from lockstep_suite.servers import Server
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
        "--base-url-impl",
        default="deployed",
        help="the implementation name reported for --base-url",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "target" not in metafunc.fixturenames:
        return
    config = metafunc.config
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
