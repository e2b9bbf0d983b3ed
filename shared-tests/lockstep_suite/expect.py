"""What the contract says an answer looks like, written out independently of any
implementation: problem bodies, Allow values, the headers every answer carries."""

import re

from lockstep_suite.messages import Reply

GENERATED_ID = re.compile(r"[0-9a-f]{32}")
JSON = "application/json"
PROBLEM = "application/problem+json"
GET_ALLOW = "GET, HEAD, OPTIONS"
# Every known path (one example per template) and its Allow value, in contract order.
KNOWN_PATHS = {
    "/": GET_ALLOW,
    "/health": GET_ALLOW,
    "/readiness": GET_ALLOW,
    "/info": GET_ALLOW,
    "/metrics": GET_ALLOW,
    "/openapi.json": GET_ALLOW,
    "/docs": GET_ALLOW,
    "/docs/swagger-ui.css": GET_ALLOW,
    "/redoc": GET_ALLOW,
    "/echo": "POST, OPTIONS",
    "/delay/0": GET_ALLOW,
    "/status/200": GET_ALLOW,
    "/admin/liveness": "PUT, OPTIONS",
    "/admin/readiness": "PUT, OPTIONS",
}
TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    500: "Internal Server Error",
}
DETAILS = {
    401: "missing or invalid bearer token",
    403: "admin endpoints are disabled: ADMIN_TOKEN is not set",
    404: "no resource at this path",
    405: "method not allowed on this path",
    # 413's names MAX_BODY_BYTES: Profile.problem writes it for a target's configuration.
    415: "Content-Type must be application/json",
}
# Headers that may differ between two answers to the same request (allowed differences).
VOLATILE = frozenset({"date", "connection", "keep-alive"})


def problem(status: int, request_id: str, detail: str | None = None) -> bytes:
    """The exact body of an error answer without `errors` (every status but 422); the details
    that depend on the configuration are given (or written by `Profile.problem`)."""
    text = DETAILS[status] if detail is None else detail
    return (
        f'{{"type":"about:blank","title":"{TITLES[status]}","status":{status},'
        f'"detail":"{text}","request_id":"{request_id}"}}'
    ).encode()


def expect(reply: Reply, status: int, content_type: str, body: bytes) -> None:
    """The exact status, Content-Type, body bytes and a Content-Length that matches them."""
    assert reply.status == status
    assert reply.header("Content-Type") == content_type
    assert reply.body == body
    assert reply.header("Content-Length") == str(len(body))


def common_headers(reply: Reply, kind: str) -> None:
    """The headers every answer carries, whatever its status."""
    assert reply.header("X-Request-ID"), reply
    assert reply.header("Cache-Control") == "no-store", reply
    assert reply.header("X-Content-Type-Options") == "nosniff", reply
    assert "transfer-encoding" not in reply.names(), reply
    if reply.status in (204, 304):
        assert reply.header("Content-Length") is None, reply
        assert reply.header("Content-Type") is None, reply
        assert reply.body == b"", reply
    else:
        assert reply.header("Content-Length") == str(len(reply.body)), reply
    server_header(reply, kind)


def server_header(reply: Reply, kind: str) -> None:
    """`Server: lockstep`, exactly once, from a real server; an app in process may send none."""
    values = [value for name, value in reply.headers if name.lower() == "server"]
    if kind == "inprocess":
        assert values in ([], ["lockstep"]), values
    else:
        assert values == ["lockstep"], values


def comparable_headers(reply: Reply, also: frozenset[str] = frozenset()) -> list[tuple[str, str]]:
    """Sorted (lower-case name, value) pairs without the allowed differences."""
    skipped = VOLATILE | also
    return sorted(
        (name.lower(), value) for name, value in reply.headers if name.lower() not in skipped
    )


# /info's members in contract order; the stack's and the instance's values may differ between
# implementations (an allowed difference), and the stack's are the info gauge's labels.
INFO_STACK = (
    "implementation",
    "framework",
    "framework_version",
    "server",
    "server_version",
    "python_version",
)
INFO_VARYING = (*INFO_STACK, "hostname", "started_at")
INFO_KEYS = ("name", "description", "version", "environment", *INFO_VARYING)
