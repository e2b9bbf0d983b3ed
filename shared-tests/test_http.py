"""Cross-cutting HTTP behaviour: the headers of every answer, X-Request-ID, HEAD, OPTIONS,
405, path matching, the body limit, CORS and disabled admin endpoints."""

import http.client
from collections.abc import Iterator, Mapping
from urllib.parse import urlsplit

import pytest

from lockstep_suite.expect import (
    GENERATED_ID,
    JSON,
    KNOWN_PATHS,
    PROBLEM,
    common_headers,
    comparable_headers,
    expect,
    problem,
    server_header,
)
from lockstep_suite.messages import Reply, Request
from lockstep_suite.profile import run_profile
from lockstep_suite.servers import Server
from lockstep_suite.targets import Body, Target

RID = "http-test-rid"
PROFILE = run_profile()  # the configuration of the targets this run tests
LIMIT = PROFILE.max_body_bytes
ECHO_HI = b'{"message":"hi","metadata":{},"length":2,"request_id":"http-test-rid"}'
AS_JSON = {"Content-Type": JSON}
AUTH = PROFILE.bearer


def send(
    target: Target,
    method: str,
    path: str,
    headers: Mapping[str, str] | None = None,
    body: Body = None,
) -> Reply:
    """One request carrying the fixed X-Request-ID RID (unless headers say otherwise)."""
    return target.request(method, path, {"X-Request-ID": RID, **(headers or {})}, body)


# (id, method, path, headers, body, status, Content-Type)
ANSWERS = [
    ("200", "GET", "/health", {}, None, 200, JSON),
    ("204-options", "OPTIONS", "/health", {}, None, 204, None),
    ("204-status", "GET", "/status/204", {}, None, 204, None),
    ("304-status", "GET", "/status/304", {}, None, 304, None),
    ("400", "GET", "/status/99", {}, None, 400, PROBLEM),
    ("401", "PUT", "/admin/liveness", AS_JSON, b'{"healthy":true}', 401, PROBLEM),
    ("404", "GET", "/nope", {}, None, 404, PROBLEM),
    ("405", "POST", "/health", {}, None, 405, PROBLEM),
    ("413", "POST", "/echo", AS_JSON, b" " * (LIMIT + 1), 413, PROBLEM),
    ("415", "POST", "/echo", {"Content-Type": "text/plain"}, b'{"message":"hi"}', 415, PROBLEM),
    ("422", "POST", "/echo", AS_JSON, b"{}", 422, PROBLEM),
    ("503", "GET", "/status/503", {}, None, 503, JSON),
]


@pytest.mark.parametrize(
    "case",
    [
        # a 401 needs the admin endpoints guarded (ADMIN_TOKEN set)
        pytest.param(case, id=case[0], marks=pytest.mark.needs("guarded_admin"))
        if case[5] == 401
        else pytest.param(case, id=case[0])
        for case in ANSWERS
    ],
)
def test_every_answer_carries_the_contract_headers(
    target: Target,
    case: tuple[str, str, str, dict[str, str], bytes | None, int, str | None],
) -> None:
    _, method, path, headers, body, status, content_type = case
    reply = send(target, method, path, headers, body)
    assert reply.status == status, reply
    assert reply.header("X-Request-ID") == RID
    assert reply.header("Content-Type") == content_type
    common_headers(reply, target.kind)


@pytest.mark.parametrize(
    ("flag", "probe", "body"),
    [
        ("liveness", "/health", b'{"status":"unhealthy"}'),
        ("readiness", "/readiness", PROFILE.readiness(False)),
    ],
)
def test_probe_503_carries_the_contract_headers(
    restore_flags: Target, admin_headers: dict[str, str], flag: str, probe: str, body: bytes
) -> None:
    member = "healthy" if flag == "liveness" else "ready"
    off = f'{{"{member}":false}}'.encode()
    assert send(restore_flags, "PUT", f"/admin/{flag}", admin_headers, off).status == 200
    reply = send(restore_flags, "GET", probe)
    assert (reply.status, reply.body) == (503, body)
    assert reply.header("Content-Type") == JSON
    assert reply.header("X-Request-ID") == RID
    common_headers(reply, restore_flags.kind)


@pytest.mark.parametrize(
    "value", ["abc", "A.b_c-9", "a" * 128, "0" * 32, "...", "-"], ids=lambda v: v[:12]
)
def test_valid_inbound_request_id_is_echoed(target: Target, value: str) -> None:
    reply = target.request("GET", "/nope", {"X-Request-ID": value})
    assert reply.header("X-Request-ID") == value
    assert reply.body == problem(404, value)


@pytest.mark.parametrize(
    "value",
    ["a" * 129, "a b", "a/b", "", "a+b", "a:b", "{x}", "caf\u00e9"],
    ids=["129-chars", "space", "slash", "empty", "plus", "colon", "braces", "non-ascii"],
)
def test_invalid_inbound_request_id_is_replaced(target: Target, value: str) -> None:
    if value.isascii():
        reply = target.request("GET", "/nope", {"X-Request-ID": value})
    else:  # sent as UTF-8 bytes
        reply = target.send(Request("GET", "/nope", (("X-Request-ID", value.encode()),)))
    generated = reply.header("X-Request-ID") or ""
    assert GENERATED_ID.fullmatch(generated), generated
    assert reply.body == problem(404, generated)


def test_generated_request_ids_differ_per_request(target: Target) -> None:
    ids = [target.request("GET", "/health").header("X-Request-ID") or "" for _ in range(5)]
    assert all(GENERATED_ID.fullmatch(value) for value in ids), ids
    assert len(set(ids)) == 5, ids


@pytest.mark.parametrize(
    ("method", "path", "headers", "body"),
    [
        ("GET", "/", {}, None),
        ("GET", "/health", {}, None),
        ("GET", "/readiness", {}, None),
        ("GET", "/info", {}, None),
        ("GET", "/openapi.json", {}, None),
        ("GET", "/status/200", {}, None),
        ("GET", "/delay/0", {}, None),
        ("POST", "/echo", AS_JSON, b'{"message":"hi"}'),
        pytest.param(
            "PUT", "/admin/readiness", AUTH, b'{"ready":true}', marks=pytest.mark.needs("drills")
        ),
    ],
    ids=["root", "health", "readiness", "info", "openapi", "status", "delay", "echo", "admin"],
)
def test_json_content_type_has_no_charset(
    target: Target, method: str, path: str, headers: dict[str, str], body: bytes | None
) -> None:
    reply = send(target, method, path, headers, body)
    assert reply.status == 200, reply
    assert reply.header("Content-Type") == "application/json"


def test_server_header_is_lockstep_once(target: Target) -> None:
    for method, path in (("GET", "/"), ("GET", "/nope"), ("OPTIONS", "/echo")):
        server_header(send(target, method, path), target.kind)


GET_PATHS = [
    "/",
    "/health",
    "/readiness",
    "/info",
    "/metrics",
    "/openapi.json",
    "/docs",
    "/docs/swagger-ui.css",
    "/docs/swagger-ui-bundle.js",
    "/docs/redoc.standalone.js",
    "/docs/nope",
    "/redoc",
    "/delay/0",
    "/delay/abc",
    "/status/200",
    "/status/201",
    "/status/204",
    "/status/304",
    "/status/404",
    "/status/503",
    "/status/99",
]


@pytest.mark.parametrize("path", GET_PATHS)
def test_head_answers_like_get_without_body(target: Target, path: str) -> None:
    got = send(target, "GET", path)
    head = send(target, "HEAD", path)
    assert head.status == got.status
    assert head.body == b""
    # /metrics changes between two requests (the GET itself is counted): its length too.
    varying = frozenset({"content-length"}) if path == "/metrics" else frozenset()
    assert comparable_headers(head, varying) == comparable_headers(got, varying)
    if got.status in (204, 304):
        assert head.header("Content-Length") is None
    elif path == "/metrics":
        assert int(head.header("Content-Length") or "0") > 0
    else:
        assert head.header("Content-Length") == str(len(got.body))


@pytest.mark.parametrize(
    ("path", "allow"),
    [
        *KNOWN_PATHS.items(),
        ("/delay/abc", "GET, HEAD, OPTIONS"),
        ("/status/99", "GET, HEAD, OPTIONS"),
    ],
)
def test_options_on_a_known_path_is_204_with_allow(target: Target, path: str, allow: str) -> None:
    reply = send(target, "OPTIONS", path)
    assert reply.status == 204, reply
    assert reply.header("Allow") == allow
    assert reply.body == b""
    assert reply.header("Content-Type") is None
    common_headers(reply, target.kind)


@pytest.mark.parametrize("path", ["/nope", "/health/", "/admin", "/echo/x"])
def test_options_on_an_unknown_path_is_404(target: Target, path: str) -> None:
    reply = send(target, "OPTIONS", path)
    assert reply.status == 404
    assert reply.body == problem(404, RID)
    assert reply.header("Allow") is None


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("POST", "/health", "GET, HEAD, OPTIONS"),
        ("DELETE", "/echo", "POST, OPTIONS"),
        ("GET", "/echo", "POST, OPTIONS"),
        ("HEAD", "/echo", "POST, OPTIONS"),
        ("PUT", "/echo", "POST, OPTIONS"),
        ("GET", "/admin/liveness", "PUT, OPTIONS"),
        ("DELETE", "/admin/readiness", "PUT, OPTIONS"),
        ("PATCH", "/", "GET, HEAD, OPTIONS"),
        ("PUT", "/status/200", "GET, HEAD, OPTIONS"),
        ("POST", "/delay/1", "GET, HEAD, OPTIONS"),
        ("POST", "/docs/swagger-ui.css", "GET, HEAD, OPTIONS"),
        ("POST", "/redoc", "GET, HEAD, OPTIONS"),
        ("DELETE", "/metrics", "GET, HEAD, OPTIONS"),
    ],
)
def test_unsupported_method_is_405_with_allow(
    target: Target, method: str, path: str, allow: str
) -> None:
    reply = send(target, method, path)
    assert reply.status == 405, reply
    assert reply.header("Allow") == allow
    assert reply.header("Content-Type") == PROBLEM
    expected = problem(405, RID)
    if method == "HEAD":
        assert reply.body == b""
        assert reply.header("Content-Length") == str(len(expected))
    else:
        assert reply.body == expected
        common_headers(reply, target.kind)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/nope"),
        ("GET", "/health/"),
        ("GET", "//health"),
        ("GET", "/HEALTH"),
        ("GET", "/health/x"),
        ("GET", "/docs/"),
        ("GET", "/docs/nope"),
        ("GET", "/delay/"),
        ("GET", "/status/"),
        ("GET", "/echo/"),
        ("GET", "/admin/"),
        ("GET", "/health%3Fx=1"),
        ("GET", "/nope?x=1"),
        ("DELETE", "/nope"),
        ("POST", "/health/"),
    ],
)
def test_unknown_path_is_404_problem(target: Target, method: str, path: str) -> None:
    reply = send(target, method, path)
    assert reply.status == 404, reply
    assert reply.body == problem(404, RID)
    assert reply.header("Content-Type") == PROBLEM
    common_headers(reply, target.kind)


@pytest.mark.parametrize(
    ("path", "status", "body"),
    [
        ("/hea%6Cth", 200, b'{"status":"ok"}'),
        ("/%68ealth", 200, b'{"status":"ok"}'),
        ("/health?x=1", 200, b'{"status":"ok"}'),
        ("/health?token=a&b=%20", 200, b'{"status":"ok"}'),
        ("/status/%32%30%31", 201, b'{"status":201}'),
        ("/status/201?code=500", 201, b'{"status":201}'),
    ],
)
def test_path_is_percent_decoded_and_query_ignored(
    target: Target, path: str, status: int, body: bytes
) -> None:
    reply = send(target, "GET", path)
    assert (reply.status, reply.body) == (status, body)


@pytest.mark.parametrize(
    ("method", "path", "headers"),
    [
        ("POST", "/echo", AS_JSON),
        ("POST", "/nope", AS_JSON),
        ("GET", "/health", {}),
        ("DELETE", "/echo", AS_JSON),
        ("PUT", "/admin/liveness", AS_JSON),
    ],
)
def test_declared_oversize_body_is_413_before_routing(
    target: Target, method: str, path: str, headers: dict[str, str]
) -> None:
    reply = send(target, method, path, headers, b"x" * (target.profile.max_body_bytes + 1))
    assert reply.status == 413, reply
    assert reply.body == target.profile.problem(413, RID)
    assert reply.header("Content-Type") == PROBLEM
    common_headers(reply, target.kind)


def test_body_of_exactly_max_body_bytes_is_accepted(target: Target) -> None:
    payload = b'{"message":"hi"}'
    limit = target.profile.max_body_bytes
    reply = send(target, "POST", "/echo", AS_JSON, payload + b" " * (limit - len(payload)))
    assert (reply.status, reply.body) == (200, ECHO_HI)


def chunks(size: int, payload: bytes = b'{"message":"hi"}') -> list[bytes]:
    """`size` bytes of JSON (payload padded with spaces) in chunks of at most 16 KiB."""
    data = payload + b" " * (size - len(payload))
    return [data[at : at + 16384] for at in range(0, len(data), 16384)]


@pytest.mark.parametrize(("path", "size"), [("/echo", LIMIT + 1), ("/nope", LIMIT + 1)])
def test_chunked_body_over_the_limit_is_413(target: Target, path: str, size: int) -> None:
    reply = send(target, "POST", path, AS_JSON, chunks(size))
    assert reply.status == 413, reply
    assert reply.body == target.profile.problem(413, RID)
    common_headers(reply, target.kind)


@pytest.mark.parametrize("size", sorted({16, min(20000, LIMIT), LIMIT}))
def test_chunked_body_within_the_limit_is_answered(target: Target, size: int) -> None:
    reply = send(target, "POST", "/echo", AS_JSON, chunks(size))
    assert (reply.status, reply.body) == (200, ECHO_HI)
    common_headers(reply, target.kind)


# CORS: targets whose CORS_ORIGINS allows ORIGIN; Origin is only a header here.
FOREIGN = "https://evil.example"
ORIGIN = PROFILE.origin
ALLOWED = {"Origin": ORIGIN}
BASE = [
    ("cache-control", "no-store"),
    ("vary", "Origin"),
    ("x-content-type-options", "nosniff"),
    ("x-request-id", RID),
]
EXPOSED = [
    ("access-control-allow-origin", ORIGIN),
    ("access-control-expose-headers", "X-Request-ID"),
]


def cors_headers(reply: Reply) -> list[tuple[str, str]]:
    return [(k, v) for k, v in comparable_headers(reply) if k.startswith("access-control-")]


SIMPLE = [
    ("200", "GET", "/health", {}, None, 200),
    ("echo", "POST", "/echo", AS_JSON, b'{"message":"hi"}', 200),
    ("404", "GET", "/nope", {}, None, 404),
    ("405", "POST", "/health", {}, None, 405),
    ("413", "POST", "/echo", AS_JSON, b" " * (LIMIT + 1), 413),
    ("204", "GET", "/status/204", {}, None, 204),
]


@pytest.mark.parametrize("case", SIMPLE, ids=[case[0] for case in SIMPLE])
def test_cors_simple_request_from_allowed_origin(
    cors_target: Target, case: tuple[str, str, str, dict[str, str], bytes | None, int]
) -> None:
    _, method, path, headers, body, status = case
    reply = send(cors_target, method, path, {**ALLOWED, **headers}, body)
    assert reply.status == status, reply
    assert reply.header("Vary") == "Origin"
    assert cors_headers(reply) == EXPOSED


@pytest.mark.parametrize(
    "headers",
    [{"Origin": FOREIGN}, {"Origin": "null"}, {"Origin": ORIGIN + ":8443"}, {}],
    ids=["foreign", "null", "other-port", "no-origin"],
)
def test_cors_other_origins_get_only_vary(cors_target: Target, headers: dict[str, str]) -> None:
    reply = send(cors_target, "GET", "/health", headers)
    assert reply.status == 200
    assert reply.header("Vary") == "Origin"
    assert cors_headers(reply) == []


@pytest.mark.parametrize(
    ("path", "method"),
    [("/health", "GET"), ("/health", "HEAD"), ("/echo", "POST"), ("/admin/liveness", "PUT")],
)
def test_cors_preflight_from_allowed_origin(cors_target: Target, path: str, method: str) -> None:
    asked = {**ALLOWED, "Access-Control-Request-Method": method}
    reply = send(cors_target, "OPTIONS", path, asked)
    assert reply.status == 204, reply
    assert reply.body == b""
    allow = KNOWN_PATHS[path]
    expected = [
        *BASE,
        *EXPOSED,
        ("access-control-allow-headers", "Authorization, Content-Type, X-Request-ID"),
        ("access-control-allow-methods", allow),
        ("access-control-max-age", "600"),
        ("allow", allow),
    ]
    assert comparable_headers(reply, frozenset({"server"})) == sorted(expected)
    server_header(reply, cors_target.kind)


@pytest.mark.parametrize(
    ("origin", "method", "exposed"),
    [(FOREIGN, "POST", []), (ORIGIN, "GET", EXPOSED), (ORIGIN, "DELETE", EXPOSED)],
    ids=["foreign-origin", "method-not-on-path", "unknown-method"],
)
def test_cors_other_preflights_answer_as_plain_options(
    cors_target: Target, origin: str, method: str, exposed: list[tuple[str, str]]
) -> None:
    asked = {"Origin": origin, "Access-Control-Request-Method": method}
    reply = send(cors_target, "OPTIONS", "/echo", asked)
    assert reply.status == 204, reply
    expected = [*BASE, *exposed, ("allow", "POST, OPTIONS")]
    assert comparable_headers(reply, frozenset({"server"})) == sorted(expected)


def test_cors_preflight_on_unknown_path_is_404(cors_target: Target) -> None:
    asked = {**ALLOWED, "Access-Control-Request-Method": "GET"}
    reply = send(cors_target, "OPTIONS", "/nope", asked)
    assert reply.status == 404
    assert reply.body == problem(404, RID)
    assert cors_headers(reply) == EXPOSED


@pytest.mark.parametrize(
    ("method", "path", "headers"),
    [
        ("GET", "/health", ALLOWED),
        ("GET", "/nope", ALLOWED),
        ("OPTIONS", "/echo", {**ALLOWED, "Access-Control-Request-Method": "POST"}),
    ],
    ids=["simple", "404", "preflight"],
)
@pytest.mark.needs("no_cors")
def test_no_cors_headers_without_cors_origins(
    target: Target, method: str, path: str, headers: dict[str, str]
) -> None:
    reply = send(target, method, path, headers)
    assert reply.status in (200, 204, 404), reply
    assert cors_headers(reply) == []
    assert reply.header("Vary") is None


@pytest.mark.parametrize("path", ["/admin/liveness", "/admin/readiness"])
@pytest.mark.parametrize(
    "headers",
    [AUTH, AS_JSON, {"Authorization": "Bearer wrong-token-0123456789"}],
    ids=["token", "no-token", "wrong-token-and-type"],
)
def test_admin_without_admin_token_is_403(
    noadmin_target: Target, path: str, headers: dict[str, str]
) -> None:
    member = "healthy" if path.endswith("liveness") else "ready"
    reply = send(noadmin_target, "PUT", path, headers, f'{{"{member}":false}}'.encode())
    assert reply.status == 403, reply
    assert reply.body == problem(403, RID)
    assert reply.header("WWW-Authenticate") is None
    common_headers(reply, noadmin_target.kind)
    assert send(noadmin_target, "GET", "/health").status == 200


# -- the Host header (RFC 9112 3.2: an invalid value is a 400) -------------------------------

INVALID_HOST = "Host must be a host name or address and an optional port"


@pytest.mark.parametrize(
    "host", ["a b", "exa{mple", "example.com:80:80", "example.com:http", "[::1", "user@example"]
)
def test_invalid_host_is_400_before_anything(target: Target, host: str) -> None:
    # Before the body limit and routing: the request as a whole is not one to answer.
    reply = send(target, "POST", "/nope", {"Host": host, **AS_JSON}, b" " * (LIMIT + 1))
    expect(reply, 400, PROBLEM, problem(400, RID, INVALID_HOST))
    common_headers(reply, target.kind)


@pytest.mark.parametrize(
    "host", ["example.com", "example.com:8080", "127.0.0.1", "[::1]:8000", "xn--bcher-kva.ch"]
)
def test_valid_host_is_served(target: Target, host: str) -> None:
    assert send(target, "GET", "/health", {"Host": host}).status == 200


# -- the request target as sent on the wire: absolute form and fragment ----------------------


@pytest.fixture(scope="module")
def wire(implementation: str) -> Iterator[str]:
    """A real server of `implementation`: only a server reads the request line."""
    server = Server(implementation, {"WORKERS": "1"}).start()
    try:
        yield server.base_url
    finally:
        server.stop()


def on_the_wire(base_url: str, method: str, target: str, body: bytes | None) -> Reply:
    """One request whose request line carries `target` verbatim (http.client does not
    normalise it); Host is that of the server, whatever the target's authority says."""
    address = urlsplit(base_url)
    connection = http.client.HTTPConnection(address.hostname or "", address.port, timeout=30)
    headers = {"Host": address.netloc, "X-Request-ID": RID, "Connection": "close", **AUTH}
    try:
        connection.request(method, target, body, headers)
        response = connection.getresponse()
        return Reply(response.status, response.getheaders(), response.read())
    finally:
        connection.close()


# (method, target as sent, the same in origin form, body)
TARGET_FORMS = [
    ("GET", "http://testserver/health", "/health", None),
    ("GET", "HTTP://TestServer:8080/status/201?code=500", "/status/201?code=500", None),
    ("HEAD", "https://testserver/info", "/info", None),
    ("POST", "http://testserver/echo", "/echo", b'{"message":"hi"}'),
    ("PUT", "http://testserver/admin/readiness", "/admin/readiness", b'{"ready":true}'),
    ("OPTIONS", "http://testserver/echo", "/echo", None),
    ("GET", "http://testserver", "/", None),
    ("GET", "http://testserver?q=1", "/?q=1", None),
    ("GET", "http://testserver/h%65alth", "/h%65alth", None),
    ("GET", "http://testserver/nope", "/nope", None),
    ("GET", "http://testserver//health", "//health", None),
    ("GET", "/health#x", "/health", None),
    ("GET", "http://testserver/status/204#x?y", "/status/204", None),
    ("GET", "/health%23x", "/health%23x", None),
]


@pytest.mark.process
@pytest.mark.parametrize(
    ("method", "sent", "origin", "body"),
    TARGET_FORMS,
    ids=[f"{case[0]} {case[1]}" for case in TARGET_FORMS],
)
def test_request_target_is_served_as_its_origin_form(
    wire: str, method: str, sent: str, origin: str, body: bytes | None
) -> None:
    """RFC 9112 3.2.2: a server must accept the absolute form; a fragment is no part of the
    path. Every server answers such a target exactly as it answers the origin form."""
    reply = on_the_wire(wire, method, sent, body)
    assert reply.status < 500, reply
    expected = on_the_wire(wire, method, origin, body)
    assert (reply.status, comparable_headers(reply), reply.body) == (
        expected.status,
        comparable_headers(expected),
        expected.body,
    )
