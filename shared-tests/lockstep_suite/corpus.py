"""The comparison corpus: requests every implementation must answer identically (compared
once the allowed differences are normalised away, lockstep_suite.compare), with the status
the contract fixes where it fixes one; data in the catalogue format (lockstep_suite.cases)."""

import json
from collections.abc import Iterator
from typing import Any

import yaml

from lockstep_suite.cases import Case, Expect, Step
from lockstep_suite.expect import KNOWN_PATHS
from lockstep_suite.messages import Request
from lockstep_suite.profile import Profile
from lockstep_suite.targets import ROOT

CONTRACT = ROOT / "contract" / "openapi.yaml"
JSON_TYPE = {"Content-Type": "application/json"}


def step(
    method: str,
    path: str,
    headers: dict[str, str] | None = None,
    body: bytes | tuple[bytes, ...] | None = None,
    status: int | None = None,
) -> Step:
    """One request; `status` is what the contract says, checked once per implementation."""
    expect = None if status is None else Expect(status)
    return Step(Request.of(method, path, headers, body), expect)


def one(case_id: str, first: Step, cors: bool = False) -> Case:
    return Case(case_id, (first,), cors)


def _dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def contract_examples(p: Profile) -> Iterator[Case]:
    """Every example of contract/openapi.yaml, as requests; GET operations also as HEAD."""
    document = yaml.safe_load(CONTRACT.read_text(encoding="utf-8"))
    for template, operations in document["paths"].items():
        for method, operation in operations.items():
            paths = [template]
            for parameter in operation.get("parameters", []):
                name = "{" + parameter["name"] + "}"
                values = parameter["schema"].get("enum") or [parameter["example"]]
                paths = [path.replace(name, str(value)) for path in paths for value in values]
            content = operation.get("requestBody", {}).get("content", {})
            examples = content.get("application/json", {}).get("examples", {})
            for path in paths:
                op = operation["operationId"]
                if not examples:
                    yield one(f"example-{op}-{path}", step(method.upper(), path))
                    yield one(f"example-{op}-{path}-head", step("HEAD", path))
                for name, example in examples.items():
                    yield _with_body(p, f"example-{op}-{name}", method.upper(), path, example)


def _with_body(p: Profile, case_id: str, method: str, path: str, example: dict[str, Any]) -> Case:
    body = _dumps(example["value"])
    if not path.startswith("/admin/"):
        return one(case_id, step(method, path, JSON_TYPE, body, status=200))
    # A drill changes the instance: look at the probe, then put the flag back.
    probe = "/health" if path.endswith("liveness") else "/readiness"
    member = next(iter(example["value"]))
    restore = _dumps({member: True})
    return Case(
        case_id,
        (
            step(method, path, p.bearer, body, 200),
            step("GET", probe),
            step(method, path, p.bearer, restore, 200),
        ),
    )


def _methods() -> Iterator[Case]:
    for path in KNOWN_PATHS:
        for method in ("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "FOO"):
            yield one(f"method-{method}-{path}", step(method, path))
    yield one("method-GET-unknown", step("GET", "/nope", status=404))
    yield one("method-FOO-unknown", step("FOO", "/nope", status=404))


PATHS = [
    ("/health/", 404),
    ("//health", 404),
    ("/HEALTH", 404),
    ("/health/x", 404),
    ("/docs/", 404),
    ("/docs/nope", 404),
    ("/docs/swagger-ui.css/", 404),
    ("/redoc/", 404),
    ("/REDOC", 404),
    ("/redoc/redoc.standalone.js", 404),
    ("/delay/", 404),
    ("/status/", 404),
    ("/admin", 404),
    ("/health;x=1", 404),
    ("/health%3Fx=1", 404),
    ("/h%C3%A9alth", 404),
    ("/%ZZ", 404),
    ("/hea%6Cth", 200),
    ("/health?x=1&y", 200),
    ("/nope?token=x", 404),
    ("/delay/0.50", 200),
    ("/delay/0.000001", 200),
    ("/delay/10.000001", 400),
    ("/delay/11", 400),
    ("/delay/-1", 400),
    ("/delay/1e1", 400),
    ("/delay/01", 400),
    ("/delay/0.", 400),
    ("/delay/.5", 400),
    ("/delay/abc", 400),
    ("/delay/%30", 200),
    ("/status/200", 200),
    ("/status/201", 201),
    ("/status/204", 204),
    ("/status/304", 304),
    ("/status/418", 418),
    ("/status/500", 500),
    ("/status/599", 599),
    ("/status/199", 400),
    ("/status/600", 400),
    ("/status/2000", 400),
    ("/status/20", 400),
    ("/status/abc", 400),
    ("/status/%32%30%31", 201),
]


def _paths() -> Iterator[Case]:
    for path, status in PATHS:
        yield one(f"path-{path}", step("GET", path, status=status))
        yield one(f"path-{path}-head", step("HEAD", path, status=status))


ECHO_BODIES: list[tuple[str, bytes, int]] = [
    ("plain", b'{"message":"hi"}', 200),
    ("unicode", '{"message":"h\u00e9llo \U0001f600","metadata":{"k\u00e9":"v"}}'.encode(), 200),
    ("escapes", b'{"message":"\\u00e9\\n\\"\\/","metadata":{}}', 200),
    ("whitespace", b' \r\n\t{ "message" : "hi" , "metadata" : { } } \n', 200),
    ("duplicate", b'{"message":"a","message":"b"}', 200),
    ("metadata-order", b'{"metadata":{"z":"1","a":"2"},"message":"m"}', 200),
    ("message-1000", _dumps({"message": "\u00e9" * 1000}), 200),
    ("message-1001", _dumps({"message": "x" * 1001}), 422),
    ("message-empty", b'{"message":""}', 422),
    ("message-int", b'{"message":1}', 422),
    ("message-null", b'{"message":null}', 422),
    ("message-missing", b'{"metadata":{}}', 422),
    ("extra", b'{"message":"hi","x":1}', 422),
    ("extra-first", b'{"x":1,"message":5}', 422),
    ("metadata-16", _dumps({"message": "m", "metadata": {str(i): "" for i in range(16)}}), 200),
    ("metadata-17", _dumps({"message": "m", "metadata": {str(i): "" for i in range(17)}}), 422),
    ("metadata-list", b'{"message":"m","metadata":[]}', 422),
    ("metadata-value-int", b'{"message":"m","metadata":{"a":1}}', 422),
    ("metadata-key-empty", b'{"message":"m","metadata":{"":"v"}}', 422),
    ("metadata-key-65", _dumps({"message": "m", "metadata": {"k" * 65: "v"}}), 422),
    ("metadata-key-64", _dumps({"message": "m", "metadata": {"k" * 64: "v"}}), 200),
    ("metadata-value-257", _dumps({"message": "m", "metadata": {"a/b~c": "v" * 257}}), 422),
    ("metadata-value-256", _dumps({"message": "m", "metadata": {"a": "v" * 256}}), 200),
    ("array", b"[]", 422),
    ("null", b"null", 422),
    ("string", b'"hi"', 422),
    ("empty", b"", 400),
    ("truncated", b'{"message":"hi"', 400),
    ("trailing", b'{"message":"hi"} x', 400),
    ("two-values", b'{"message":"hi"}{}', 400),
    ("nan", b'{"message":"hi","metadata":NaN}', 400),
    ("infinity", b'{"message":Infinity}', 400),
    ("lone-surrogate", b'{"message":"\\ud800"}', 400),
    ("not-utf8", b'{"message":"\xff"}', 400),
    ("latin1", '{"message":"h\u00e9"}'.encode("latin-1"), 400),
    ("bom", b'\xef\xbb\xbf{"message":"hi"}', 400),
    ("single-quotes", b"{'message':'hi'}", 400),
]
CONTENT_TYPES: list[tuple[str, dict[str, str], int]] = [
    ("missing", {}, 415),
    ("text-plain", {"Content-Type": "text/plain"}, 415),
    ("form", {"Content-Type": "application/x-www-form-urlencoded"}, 415),
    ("jsonx", {"Content-Type": "application/jsonx"}, 415),
    ("problem-json", {"Content-Type": "application/problem+json"}, 415),
    ("latin-1", {"Content-Type": "application/json; charset=latin-1"}, 415),
    ("upper", {"Content-Type": "APPLICATION/JSON"}, 200),
    ("utf-8", {"Content-Type": "application/json; charset=utf-8"}, 200),
    ("quoted-utf-8", {"Content-Type": 'application/json;charset="UTF-8"'}, 200),
    ("other-parameter", {"Content-Type": "application/json; foo=bar"}, 200),
]


def _spaced(payload: bytes, size: int) -> bytes:
    return payload + b" " * (size - len(payload))


def _chunks(data: bytes) -> tuple[bytes, ...]:
    return tuple(data[at : at + 16384] for at in range(0, len(data), 16384))


def _echo(p: Profile) -> Iterator[Case]:
    limit = p.max_body_bytes
    for name, body, status in ECHO_BODIES:
        yield one(f"echo-{name}", step("POST", "/echo", JSON_TYPE, body, status=status))
    for name, headers, status in CONTENT_TYPES:
        yield one(
            f"echo-type-{name}", step("POST", "/echo", headers, b'{"message":"hi"}', status=status)
        )
    yield one("echo-type-before-syntax", step("POST", "/echo", {}, b"{", status=415))
    hi = b'{"message":"hi"}'
    yield one("limit-exact", step("POST", "/echo", JSON_TYPE, _spaced(hi, limit), status=200))
    yield one("limit-over", step("POST", "/echo", JSON_TYPE, _spaced(hi, limit + 1), status=413))
    yield one(
        "limit-over-unknown", step("POST", "/nope", JSON_TYPE, b"x" * (limit + 1), status=413)
    )
    yield one("limit-over-get", step("GET", "/health", {}, b"x" * (limit + 1), status=413))
    yield one(
        "chunked-small", step("POST", "/echo", JSON_TYPE, (b'{"message"', b':"hi"}'), status=200)
    )
    yield one("chunked-empty", step("POST", "/echo", JSON_TYPE, (), status=400))
    yield one(
        "chunked-exact", step("POST", "/echo", JSON_TYPE, _chunks(_spaced(hi, limit)), status=200)
    )
    yield one(
        "chunked-over",
        step("POST", "/echo", JSON_TYPE, _chunks(_spaced(hi, limit + 1)), status=413),
    )
    yield one(
        "chunked-over-unknown", step("PUT", "/x", {}, _chunks(b"x" * (limit + 1)), status=413)
    )


def _admin_cases(p: Profile) -> list[tuple[str, dict[str, str], bytes, int]]:
    auth = {"Authorization": f"Bearer {p.token}"}
    return [
        ("no-token", JSON_TYPE, b'{"ready":true}', 401),
        (
            "wrong-token",
            {"Authorization": "Bearer wrong-token-0123456789", **JSON_TYPE},
            b"{}",
            401,
        ),
        ("lower-scheme", {"Authorization": f"bearer {p.token}", **JSON_TYPE}, b"{}", 401),
        ("double-space", {"Authorization": f"Bearer  {p.token}", **JSON_TYPE}, b"{}", 401),
        ("basic", {"Authorization": "Basic dXNlcjpwYXNz", **JSON_TYPE}, b"{}", 401),
        ("token-prefix", {"Authorization": f"Bearer {p.token[:-1]}", **JSON_TYPE}, b"{}", 401),
        ("no-token-bad-type", {}, b"x", 401),
        ("bad-type", auth, b'{"ready":true}', 415),
        ("bad-json", p.bearer, b"{", 400),
        ("string-bool", p.bearer, b'{"ready":"false"}', 422),
        ("int-bool", p.bearer, b'{"ready":0}', 422),
        ("extra", p.bearer, b'{"ready":true,"x":1}', 422),
        ("missing", p.bearer, b"{}", 422),
        ("wrong-member", p.bearer, b'{"healthy":true}', 422),
        ("array", p.bearer, b"[true]", 422),
        ("set-true", p.bearer, b'{"ready":true}', 200),
        ("oversize-no-token", {}, b"x" * (p.max_body_bytes + 1), 413),
    ]


def _admin(p: Profile) -> Iterator[Case]:
    for name, headers, body, status in _admin_cases(p):
        yield one(
            f"admin-readiness-{name}", step("PUT", "/admin/readiness", headers, body, status=status)
        )
    off = step("PUT", "/admin/liveness", p.bearer, b'{"healthy":false}', 200)
    on = step("PUT", "/admin/liveness", p.bearer, b'{"healthy":true}', 200)
    yield Case(
        "admin-liveness-drill",
        (off, step("GET", "/health", status=503), step("HEAD", "/health", status=503), on),
    )
    off = step("PUT", "/admin/readiness", p.bearer, b'{"ready":false}', 200)
    on = step("PUT", "/admin/readiness", p.bearer, b'{"ready":true}', 200)
    yield Case("admin-readiness-drill", (off, off, step("GET", "/readiness", status=503), on))


def _request_ids() -> Iterator[Case]:
    yield Case("request-id-missing", (step("GET", "/health", {"X-Request-ID": ""}, None, 200),))
    for name, value in (("129", "a" * 129), ("space", "a b"), ("slash", "a/b")):
        yield one(
            f"request-id-{name}",
            step(
                "POST",
                "/echo",
                {"X-Request-ID": value, **JSON_TYPE},
                b'{"message":"hi"}',
                status=200,
            ),
        )
    yield one("request-id-128", step("GET", "/nope", {"X-Request-ID": "r" * 128}, status=404))


def _cors(p: Profile) -> Iterator[Case]:
    origin = {"Origin": p.origin}
    foreign = {"Origin": "https://evil.example"}
    for path, allow in KNOWN_PATHS.items():
        method = allow.split(",")[0]
        asked = {"Access-Control-Request-Method": method}
        yield one(
            f"cors-preflight-{path}",
            step("OPTIONS", path, {**origin, **asked}, status=204),
            cors=True,
        )
    preflight = {"Access-Control-Request-Method": "POST"}
    yield one(
        "cors-preflight-foreign",
        step("OPTIONS", "/echo", {**foreign, **preflight}, status=204),
        cors=True,
    )
    yield one(
        "cors-preflight-other-method",
        step("OPTIONS", "/health", {**origin, **preflight}, status=204),
        cors=True,
    )
    yield one(
        "cors-preflight-unknown",
        step("OPTIONS", "/nope", {**origin, **preflight}, status=404),
        cors=True,
    )
    yield one("cors-options-no-origin", step("OPTIONS", "/echo", status=204), cors=True)
    yield one("cors-simple", step("GET", "/health", origin, status=200), cors=True)
    yield one("cors-simple-foreign", step("GET", "/health", foreign, status=200), cors=True)
    yield one("cors-simple-none", step("GET", "/health", status=200), cors=True)
    yield one(
        "cors-echo",
        step("POST", "/echo", {**origin, **JSON_TYPE}, b'{"message":"hi"}', status=200),
        cors=True,
    )
    yield one("cors-404", step("GET", "/nope", origin, status=404), cors=True)
    yield one("cors-405", step("DELETE", "/echo", origin, status=405), cors=True)
    yield one(
        "cors-413",
        step("POST", "/echo", {**origin, **JSON_TYPE}, b" " * (p.max_body_bytes + 1), status=413),
        cors=True,
    )
    yield one("cors-401", step("PUT", "/admin/liveness", origin, b"{}", status=401), cors=True)
    yield one("cors-204", step("GET", "/status/204", origin, status=204), cors=True)
    yield one("origin-without-cors-origins", step("GET", "/health", origin, status=200))


def corpus(p: Profile) -> tuple[Case, ...]:
    """Every case, for the servers of profile `p` (and their twins with CORS_ORIGINS)."""
    return (
        *contract_examples(p),
        *_methods(),
        *_paths(),
        *_echo(p),
        *_admin(p),
        *_request_ids(),
        *_cors(p),
        # Last: the metrics every earlier case produced, and what is serving.
        one("metrics", step("GET", "/metrics", status=200)),
        one("info-again", step("GET", "/info?x=1", status=200)),
    )


def contract_operations() -> set[tuple[str, str]]:
    document = yaml.safe_load(CONTRACT.read_text(encoding="utf-8"))
    return {
        (method.upper(), template)
        for template, operations in document["paths"].items()
        for method in operations
    }
