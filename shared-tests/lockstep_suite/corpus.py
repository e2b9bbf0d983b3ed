"""The comparison corpus: requests every implementation must answer identically, and the
normalisation of the contract's allowed differences (and nothing else) before comparing."""

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import yaml

from lockstep_suite.expect import CORS_ORIGIN, GENERATED_ID, INFO_VARYING, KNOWN_PATHS, VOLATILE
from lockstep_suite.targets import ADMIN_TOKEN, ROOT, Reply

CONTRACT = ROOT / "contract" / "openapi.yaml"
VALID_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")
JSON_TYPE = {"Content-Type": "application/json"}
AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
ADMIN = {**AUTH, **JSON_TYPE}
LIMIT = 65536  # MAX_BODY_BYTES of the suite's configuration
_INFO_VALUE = re.compile(rb'"(' + "|".join(INFO_VARYING).encode() + rb')":"(?:[^"\\]|\\.)*"')
_LABEL_VALUE = re.compile(r'="(?:[^"\\]|\\.)*"')


@dataclass(frozen=True)
class Step:
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    # bytes are sent with Content-Length; a tuple of chunks is sent chunked.
    body: bytes | tuple[bytes, ...] | None = None
    status: int | None = None  # what the contract says, checked once per implementation


@dataclass(frozen=True)
class Case:
    id: str
    steps: tuple[Step, ...]
    cors: bool = False  # sent to the trio configured with CORS_ORIGINS=CORS_ORIGIN


def one(case_id: str, step: Step, cors: bool = False) -> Case:
    return Case(case_id, (step,), cors)


def _dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def contract_examples() -> Iterator[Case]:
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
                    yield one(f"example-{op}-{path}", Step(method.upper(), path))
                    yield one(f"example-{op}-{path}-head", Step("HEAD", path))
                for name, example in examples.items():
                    yield _with_body(f"example-{op}-{name}", method.upper(), path, example)


def _with_body(case_id: str, method: str, path: str, example: dict[str, Any]) -> Case:
    body = _dumps(example["value"])
    if not path.startswith("/admin/"):
        return one(case_id, Step(method, path, JSON_TYPE, body, status=200))
    # A drill changes the instance: look at the probe, then put the flag back.
    probe = "/health" if path.endswith("liveness") else "/readiness"
    member = next(iter(example["value"]))
    restore = _dumps({member: True})
    return Case(
        case_id,
        (
            Step(method, path, ADMIN, body, 200),
            Step("GET", probe),
            Step(method, path, ADMIN, restore, 200),
        ),
    )


def _methods() -> Iterator[Case]:
    for path in KNOWN_PATHS:
        for method in ("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "FOO"):
            yield one(f"method-{method}-{path}", Step(method, path))
    yield one("method-GET-unknown", Step("GET", "/nope", status=404))
    yield one("method-FOO-unknown", Step("FOO", "/nope", status=404))


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
        yield one(f"path-{path}", Step("GET", path, status=status))
        yield one(f"path-{path}-head", Step("HEAD", path, status=status))


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


def _echo() -> Iterator[Case]:
    for name, body, status in ECHO_BODIES:
        yield one(f"echo-{name}", Step("POST", "/echo", JSON_TYPE, body, status=status))
    for name, headers, status in CONTENT_TYPES:
        yield one(
            f"echo-type-{name}", Step("POST", "/echo", headers, b'{"message":"hi"}', status=status)
        )
    yield one("echo-type-before-syntax", Step("POST", "/echo", {}, b"{", status=415))
    hi = b'{"message":"hi"}'
    yield one("limit-exact", Step("POST", "/echo", JSON_TYPE, _spaced(hi, LIMIT), status=200))
    yield one("limit-over", Step("POST", "/echo", JSON_TYPE, _spaced(hi, LIMIT + 1), status=413))
    yield one(
        "limit-over-unknown", Step("POST", "/nope", JSON_TYPE, b"x" * (LIMIT + 1), status=413)
    )
    yield one("limit-over-get", Step("GET", "/health", {}, b"x" * (LIMIT + 1), status=413))
    yield one(
        "chunked-small", Step("POST", "/echo", JSON_TYPE, (b'{"message"', b':"hi"}'), status=200)
    )
    yield one("chunked-empty", Step("POST", "/echo", JSON_TYPE, (), status=400))
    yield one(
        "chunked-exact", Step("POST", "/echo", JSON_TYPE, _chunks(_spaced(hi, LIMIT)), status=200)
    )
    yield one(
        "chunked-over",
        Step("POST", "/echo", JSON_TYPE, _chunks(_spaced(hi, LIMIT + 1)), status=413),
    )
    yield one(
        "chunked-over-unknown", Step("PUT", "/x", {}, _chunks(b"x" * (LIMIT + 1)), status=413)
    )


ADMIN_CASES: list[tuple[str, dict[str, str], bytes, int]] = [
    ("no-token", JSON_TYPE, b'{"ready":true}', 401),
    ("wrong-token", {"Authorization": "Bearer wrong-token-0123456789", **JSON_TYPE}, b"{}", 401),
    ("lower-scheme", {"Authorization": f"bearer {ADMIN_TOKEN}", **JSON_TYPE}, b"{}", 401),
    ("double-space", {"Authorization": f"Bearer  {ADMIN_TOKEN}", **JSON_TYPE}, b"{}", 401),
    ("basic", {"Authorization": "Basic dXNlcjpwYXNz", **JSON_TYPE}, b"{}", 401),
    ("token-prefix", {"Authorization": f"Bearer {ADMIN_TOKEN[:-1]}", **JSON_TYPE}, b"{}", 401),
    ("no-token-bad-type", {}, b"x", 401),
    ("bad-type", AUTH, b'{"ready":true}', 415),
    ("bad-json", ADMIN, b"{", 400),
    ("string-bool", ADMIN, b'{"ready":"false"}', 422),
    ("int-bool", ADMIN, b'{"ready":0}', 422),
    ("extra", ADMIN, b'{"ready":true,"x":1}', 422),
    ("missing", ADMIN, b"{}", 422),
    ("wrong-member", ADMIN, b'{"healthy":true}', 422),
    ("array", ADMIN, b"[true]", 422),
    ("set-true", ADMIN, b'{"ready":true}', 200),
    ("oversize-no-token", {}, b"x" * (LIMIT + 1), 413),
]


def _admin() -> Iterator[Case]:
    for name, headers, body, status in ADMIN_CASES:
        yield one(
            f"admin-readiness-{name}", Step("PUT", "/admin/readiness", headers, body, status=status)
        )
    off = Step("PUT", "/admin/liveness", ADMIN, b'{"healthy":false}', 200)
    on = Step("PUT", "/admin/liveness", ADMIN, b'{"healthy":true}', 200)
    yield Case(
        "admin-liveness-drill",
        (off, Step("GET", "/health", status=503), Step("HEAD", "/health", status=503), on),
    )
    off = Step("PUT", "/admin/readiness", ADMIN, b'{"ready":false}', 200)
    on = Step("PUT", "/admin/readiness", ADMIN, b'{"ready":true}', 200)
    yield Case("admin-readiness-drill", (off, off, Step("GET", "/readiness", status=503), on))


def _request_ids() -> Iterator[Case]:
    yield Case("request-id-missing", (Step("GET", "/health", {"X-Request-ID": ""}, None, 200),))
    for name, value in (("129", "a" * 129), ("space", "a b"), ("slash", "a/b")):
        yield one(
            f"request-id-{name}",
            Step(
                "POST",
                "/echo",
                {"X-Request-ID": value, **JSON_TYPE},
                b'{"message":"hi"}',
                status=200,
            ),
        )
    yield one("request-id-128", Step("GET", "/nope", {"X-Request-ID": "r" * 128}, status=404))


def _cors() -> Iterator[Case]:
    origin = {"Origin": CORS_ORIGIN}
    foreign = {"Origin": "https://evil.example"}
    for path, allow in KNOWN_PATHS.items():
        method = allow.split(",")[0]
        asked = {"Access-Control-Request-Method": method}
        yield one(
            f"cors-preflight-{path}",
            Step("OPTIONS", path, {**origin, **asked}, status=204),
            cors=True,
        )
    preflight = {"Access-Control-Request-Method": "POST"}
    yield one(
        "cors-preflight-foreign",
        Step("OPTIONS", "/echo", {**foreign, **preflight}, status=204),
        cors=True,
    )
    yield one(
        "cors-preflight-other-method",
        Step("OPTIONS", "/health", {**origin, **preflight}, status=204),
        cors=True,
    )
    yield one(
        "cors-preflight-unknown",
        Step("OPTIONS", "/nope", {**origin, **preflight}, status=404),
        cors=True,
    )
    yield one("cors-options-no-origin", Step("OPTIONS", "/echo", status=204), cors=True)
    yield one("cors-simple", Step("GET", "/health", origin, status=200), cors=True)
    yield one("cors-simple-foreign", Step("GET", "/health", foreign, status=200), cors=True)
    yield one("cors-simple-none", Step("GET", "/health", status=200), cors=True)
    yield one(
        "cors-echo",
        Step("POST", "/echo", {**origin, **JSON_TYPE}, b'{"message":"hi"}', status=200),
        cors=True,
    )
    yield one("cors-404", Step("GET", "/nope", origin, status=404), cors=True)
    yield one("cors-405", Step("DELETE", "/echo", origin, status=405), cors=True)
    yield one(
        "cors-413",
        Step("POST", "/echo", {**origin, **JSON_TYPE}, b" " * (LIMIT + 1), status=413),
        cors=True,
    )
    yield one("cors-401", Step("PUT", "/admin/liveness", origin, b"{}", status=401), cors=True)
    yield one("cors-204", Step("GET", "/status/204", origin, status=204), cors=True)
    yield one("origin-without-cors-origins", Step("GET", "/health", origin, status=200))


CORPUS: tuple[Case, ...] = (
    *contract_examples(),
    *_methods(),
    *_paths(),
    *_echo(),
    *_admin(),
    *_request_ids(),
    *_cors(),
    # Last: the metrics every earlier case produced, and what is serving.
    one("metrics", Step("GET", "/metrics", status=200)),
    one("info-again", Step("GET", "/info?x=1", status=200)),
)


@dataclass(frozen=True)
class Answer:
    """One reply with the allowed differences normalised away."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def shown_body(self, limit: int = 1500) -> str:
        shown = repr(self.body[:limit])
        return shown + f"... ({len(self.body)} bytes)" if len(self.body) > limit else shown


def normalise(step: Step, reply: Reply) -> Answer:
    """Keep everything but the contract's allowed differences."""
    headers = [(name.lower(), value) for name, value in reply.headers]
    headers = [(name, value) for name, value in headers if name not in VOLATILE]
    body = reply.body
    sent = step.headers.get("X-Request-ID")
    answered = reply.header("X-Request-ID") or ""
    if not (sent is not None and VALID_ID.fullmatch(sent)) and GENERATED_ID.fullmatch(answered):
        headers = [(n, "<generated>" if n == "x-request-id" else v) for n, v in headers]
        body = body.replace(answered.encode(), b"<generated>")
    path = unquote(step.path.partition("?")[0])
    if reply.status == 200 and path in ("/info", "/metrics"):
        # Differing values make differing lengths: check the length, then let it go.
        length = reply.header("Content-Length")
        assert step.method == "HEAD" or length == str(len(reply.body)), reply
        headers = [(n, "<varies>" if n == "content-length" else v) for n, v in headers]
        body = _info(body) if path == "/info" else _metrics(body)
    return Answer(reply.status, tuple(sorted(headers)), body)


def _info(body: bytes) -> bytes:
    return _INFO_VALUE.sub(rb'"\1":"<varies>"', body)


def _metrics(body: bytes) -> bytes:
    lines = []
    for line in body.decode().splitlines():
        if line and not line.startswith("#"):
            series, _, _ = line.rpartition(" ")
            if series.startswith("lockstep_info{"):
                series = _LABEL_VALUE.sub('="<varies>"', series)
            lines.append(f"{series} <value>")
        else:
            lines.append(line)
    return "\n".join(lines).encode()


def chunked(body: bytes | tuple[bytes, ...] | None) -> bytes | list[bytes] | None:
    """The body as Target.request takes it: a list of chunks is sent chunked."""
    return list(body) if isinstance(body, tuple) else body


def contract_operations() -> set[tuple[str, str]]:
    document = yaml.safe_load(CONTRACT.read_text(encoding="utf-8"))
    return {
        (method.upper(), template)
        for template, operations in document["paths"].items()
        for method in operations
    }
