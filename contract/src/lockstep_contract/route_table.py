"""The contract's route table: templates, methods and operationIds, for the middleware.

Frameworks route requests to handlers themselves; the middleware uses this table for what
must not depend on the framework: the metrics/log `route` label, `Allow`, `OPTIONS`, and the
404 of a path outside the table, answered before any framework runs.
"""

import re
from dataclasses import dataclass

UNMATCHED = "unmatched"
GET_ALLOW = "GET, HEAD, OPTIONS"


@dataclass(frozen=True, slots=True)
class Route:
    template: str
    operation_id: str
    allow: str
    pattern: re.Pattern[str]

    @property
    def methods(self) -> frozenset[str]:
        return frozenset(self.allow.split(", "))


def _route(template: str, operation_id: str, allow: str = GET_ALLOW) -> Route:
    # A path parameter is one non-empty segment; its syntax is the handler's to judge (400).
    regex = re.sub(r"\\\{[a-z_]+\\\}", "[^/]+", re.escape(template))
    return Route(template, operation_id, allow, re.compile(regex))


ROUTES = (
    _route("/", "get_root"),
    _route("/health", "get_health"),
    _route("/readiness", "get_readiness"),
    _route("/info", "get_info"),
    _route("/metrics", "get_metrics"),
    _route("/openapi.json", "get_openapi"),
    _route("/docs", "get_docs"),
    _route("/docs/{asset}", "get_docs_asset"),
    _route("/redoc", "get_redoc"),
    _route("/echo", "post_echo", "POST, OPTIONS"),
    _route("/delay/{seconds}", "get_delay"),
    _route("/status/{code}", "get_status"),
    _route("/admin/liveness", "put_liveness", "PUT, OPTIONS"),
    _route("/admin/readiness", "put_readiness", "PUT, OPTIONS"),
)


# Most requests name a template without parameters: one dict look-up finds them.
_STATIC = {route.template: route for route in ROUTES if "{" not in route.template}
_TEMPLATED = tuple(route for route in ROUTES if "{" in route.template)


def match(path: str) -> Route | None:
    """The route whose template matches the percent-decoded path exactly, if any."""
    route = _STATIC.get(path)
    if route is not None:
        return route
    for route in _TEMPLATED:
        if route.pattern.fullmatch(path):
            return route
    return None


def allow_for(path: str) -> str:
    """The Allow value for a 405 on this path (the framework already knows it matched)."""
    route = match(path)
    return route.allow if route is not None else ""
