"""The three applications held to the contract's route table: what each framework registered
(path templates, methods, handler names, routers) is what contract/openapi.yaml and
lockstep_contract.route_table say, and each routes.py defines its handlers in contract order.

White-box, unlike shared-tests/: it reads each framework's own route objects.
"""

import functools
import importlib
import inspect
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml
from fastapi.routing import APIRoute, iter_route_contexts
from litestar.routes import HTTPRoute

from lockstep_contract.route_table import ROUTES
from lockstep_contract.settings import Settings
from lockstep_suite.targets import IMPLEMENTATIONS

HERE = Path(__file__).parent
OPENAPI = HERE.parent / "contract" / "openapi.yaml"
# OPTIONS is answered by the contract's middleware for every known path, never routed.
MIDDLEWARE_METHODS = frozenset({"OPTIONS"})
HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})


@dataclass(frozen=True, order=True)
class Operation:
    """One route: its path template, methods (OPTIONS aside), handler name and router tag."""

    template: str
    methods: tuple[str, ...]
    name: str
    tag: str


def operation(template: str, methods: set[str], name: str, tag: str) -> Operation:
    return Operation(template, tuple(sorted(set(methods) - MIDDLEWARE_METHODS)), name, tag)


def contract_operations() -> list[Operation]:
    """Every operation of contract/openapi.yaml, in the document's order; GET implies HEAD."""
    document = yaml.safe_load(OPENAPI.read_text(encoding="utf-8"))
    found = []
    for template, item in document["paths"].items():
        for method, spec in item.items():
            if method not in HTTP_METHODS:
                continue  # path-level members (parameters, summary)
            methods = {"GET", "HEAD"} if method == "get" else {method.upper()}
            (tag,) = spec["tags"]
            found.append(operation(template, methods, spec["operationId"], tag))
    return found


# -- what each framework registered -----------------------------------------------------------


Read = Iterator[tuple[Operation, Callable[..., Any]]]


def fastapi_operations(app: Any) -> Read:
    # iter_route_contexts: app.routes holds each included router whole (FastAPI 0.137+).
    for route in iter_route_contexts(app.routes):
        assert isinstance(route.original_route, APIRoute), route
        (tag,) = route.tags
        endpoint = route.endpoint
        assert endpoint is not None, route
        yield operation(str(route.path), set(route.methods or ()), endpoint.__name__, tag), endpoint


def flask_operations(app: Any) -> Read:
    for rule in app.url_map.iter_rules():
        template = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        view = app.view_functions[rule.endpoint]
        blueprint, _, _ = rule.endpoint.rpartition(".")
        yield operation(template, set(rule.methods or ()), view.__name__, blueprint), view


def litestar_operations(app: Any) -> Read:
    for route in app.routes:
        assert isinstance(route, HTTPRoute), route
        template = re.sub(r"\{(\w+):\w+\}", r"{\1}", route.path)
        for handler in route.route_handlers:
            if set(handler.http_methods) <= MIDDLEWARE_METHODS:
                continue  # the OPTIONS handler Litestar adds to every path
            (tag,) = handler.resolve_tags()
            # A sync_to_thread handler's function is wrapped (AsyncCallable.func).
            function = getattr(handler.fn, "func", handler.fn)
            yield operation(template, set(handler.http_methods), function.__name__, tag), function


def router_tags(implementation: str, routes: ModuleType) -> list[list[str]]:
    """Each router's (blueprint's) tags, in the order the application includes them."""
    if implementation == "flask":
        return [[blueprint.name] for blueprint in routes.BLUEPRINTS]
    return [list(router.tags) for router in routes.ROUTERS]


READERS = {
    "fastapi": fastapi_operations,
    "flask": flask_operations,
    "litestar": litestar_operations,
}


@dataclass
class Registered:
    operations: list[Operation]
    handlers: list[Callable[..., Any]]
    routes: ModuleType


@functools.cache
def registered(implementation: str) -> Registered:
    """What create_app() of `implementation` registered with its framework."""
    app_module = importlib.import_module(f"lockstep_{implementation}.app")
    routes = importlib.import_module(f"lockstep_{implementation}.routes")
    framework_app = app_module.create_app(Settings.from_env({})).app
    pairs = list(READERS[implementation](framework_app))
    return Registered([op for op, _ in pairs], [handler for _, handler in pairs], routes)


# -- the tests --------------------------------------------------------------------------------


def test_route_table_is_the_openapi_document() -> None:
    table = [
        operation(route.template, set(route.methods), route.operation_id, "") for route in ROUTES
    ]
    document = [
        Operation(found.template, found.methods, found.name, "") for found in contract_operations()
    ]
    assert table == document


def test_every_implementation_is_read() -> None:
    assert sorted(READERS) == sorted(IMPLEMENTATIONS)


@pytest.mark.parametrize("implementation", IMPLEMENTATIONS)
def test_registered_routes_are_the_contract_operations(implementation: str) -> None:
    """Templates, methods, handler names (the operationIds) and each handler's router tag."""
    assert sorted(registered(implementation).operations) == sorted(contract_operations())


@pytest.mark.parametrize("implementation", IMPLEMENTATIONS)
def test_handlers_are_defined_in_contract_order(implementation: str) -> None:
    found = registered(implementation)
    for handler in found.handlers:
        assert inspect.getmodule(handler) is found.routes, handler
    in_file = sorted(found.handlers, key=lambda handler: inspect.getsourcelines(handler)[1])
    assert [handler.__name__ for handler in in_file] == [op.name for op in contract_operations()]


@pytest.mark.parametrize("implementation", IMPLEMENTATIONS)
def test_one_router_per_contract_tag(implementation: str) -> None:
    routers = router_tags(implementation, registered(implementation).routes)
    assert all(len(tags) == 1 for tags in routers), routers
    assert sorted(tags[0] for tags in routers) == sorted({op.tag for op in contract_operations()})
