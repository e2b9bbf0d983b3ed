"""Fixtures: one overlay's rendered objects, rendered once per test run."""

import copy
import functools

import pytest
from manifests import ENVIRONMENTS, Object, one, render


@functools.cache
def _rendered(environment: str) -> tuple[Object, ...]:
    return tuple(render(environment))


@pytest.fixture(params=ENVIRONMENTS)
def environment(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture
def objects(environment: str) -> list[Object]:
    # A copy: a test may change what it is given without touching the next test's objects.
    return copy.deepcopy(list(_rendered(environment)))


@pytest.fixture
def deployment(objects: list[Object]) -> Object:
    return one(objects, "Deployment")


@pytest.fixture
def pod(deployment: Object) -> Object:
    spec: Object = deployment["spec"]["template"]["spec"]
    return spec


@pytest.fixture
def container(pod: Object) -> Object:
    assert len(pod["containers"]) == 1
    first: Object = pod["containers"][0]
    return first
