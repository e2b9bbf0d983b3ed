"""The hostile catalogue: requests made to hurt a server (body bombs, broken UTF-8, header
injection, traversal, odd methods, foreign origins, forged tokens, slow bodies), each with the
answer the contract fixes, and a sender that puts every byte on the wire as written.

A real server is reached through a raw socket (httpx would normalise `/docs/../x`, refuse
bytes it thinks illegal and upper-case methods); an application in process is called the way
its server would call it: uvicorn's ASGI scope or gunicorn's WSGI environ, built here.
"""

import asyncio
import contextlib
import gzip
import inspect
import io
import json
import re
import socket
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import unquote, unquote_to_bytes, urlsplit

from lockstep_suite.corpus import Step
from lockstep_suite.expect import CORS_ORIGIN, GENERATED_ID, JSON, PROBLEM, problem
from lockstep_suite.rawheaders import call_wsgi
from lockstep_suite.targets import ADMIN_TOKEN, HttpTarget, InProcessTarget, Reply, Target

LIMIT = 65536  # MAX_BODY_BYTES of the suite's configuration
# Markers no answer may repeat unless the contract echoes them (/echo's message), and no
# log line may ever hold.
QUERY_SECRET = "hq-secret-7f3a91c2"
BODY_SECRET = "hb-secret-52c0de4b"
TOKEN_SECRET = "ht-secret-e41b6a07"
RID_SECRET = "hr-secret-0d9c37aa"
COOKIE_SECRET = "hc-secret-9b21f5e3"
SECRETS = (QUERY_SECRET, BODY_SECRET, TOKEN_SECRET, RID_SECRET, COOKIE_SECRET, ADMIN_TOKEN)
RID_PLACEHOLDER = b"<rid>"  # in an expected body: the X-Request-ID of the answer
ANY = "*"  # an expected Content-Type not checked
VALID_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")
FOREIGN = "https://evil.example"
# The server families: the application in process (no server), uvicorn with h11 (FastAPI,
# Litestar), gunicorn (Flask); "url" for --base-url, whose server is not known.
FAMILIES = {"fastapi": "h11", "litestar": "h11", "flask": "gunicorn"}


@dataclass(frozen=True)
class Expect:
    status: int
    body: bytes | None = None  # exact, RID_PLACEHOLDER standing for the answer's id
    content_type: str | None = ANY
    headers: tuple[tuple[str, str | None], ...] = ()  # exact values; None: must be absent
    pre_app: bool = False  # the server answers itself: its own page, no contract headers


@dataclass(frozen=True)
class Hostile:
    id: str
    method: str
    path: str  # the request target as sent (the query marker is added to it)
    expect: Expect
    headers: tuple[tuple[str, bytes], ...] = ()
    body: bytes | None = None  # sent with Content-Length
    chunks: tuple[bytes, ...] | None = None  # sent with Transfer-Encoding: chunked
    dribble: float = 0.0  # seconds over which the body pieces are spread
    per_family: tuple[tuple[str, Expect], ...] = ()
    cors: bool = False  # for the targets configured with CORS_ORIGINS=CORS_ORIGIN
    query: bool = True  # add ?hq=QUERY_SECRET
    note: str = ""  # why the expectation is what it is, where the contract is silent

    @property
    def rid(self) -> str:
        """The X-Request-ID sent: the case's own header, else a valid id made from its name."""
        for name, value in self.headers:
            if name.lower() == "x-request-id":
                return value.decode("latin-1")
        return re.sub(r"[^A-Za-z0-9._-]", "_", f"hostile-{self.id}")[:128]

    @property
    def rid_kept(self) -> bool:
        """Whether the contract keeps the inbound id (one header, of the valid form)."""
        sent = [v for n, v in self.headers if n.lower() == "x-request-id"]
        if len(sent) > 1:
            return False
        return VALID_ID.fullmatch(self.rid.strip(" \t")) is not None

    def expected(self, family: str) -> Expect:
        return dict(self.per_family).get(family, self.expect)

    def expectations(self) -> list[Expect]:
        return [self.expect, *(expect for _, expect in self.per_family)]

    @property
    def target(self) -> str:
        if not self.query:
            return self.path
        return f"{self.path}{'&' if '?' in self.path else '?'}hq={QUERY_SECRET}"

    def step(self) -> Step:
        """The corpus Step normalise() needs to tell a kept id from a generated one."""
        headers = {"X-Request-ID": self.rid.strip(" \t")} if self.rid_kept else {}
        return Step(self.method, self.target, headers)

    def all_headers(self) -> list[tuple[str, bytes]]:
        names = {name.lower() for name, _ in self.headers}
        added: list[tuple[str, bytes]] = []
        if "x-request-id" not in names:
            added.append(("X-Request-ID", self.rid.encode()))
        if self.body is not None and "content-length" not in names:
            added.append(("Content-Length", str(len(self.body)).encode()))
        if self.chunks is not None and "transfer-encoding" not in names:
            added.append(("Transfer-Encoding", b"chunked"))
        return [*added, *self.headers]


# -- expected answers --------------------------------------------------------------------------


def dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def problem_of(status: int, detail: str | None = None) -> Expect:
    body = problem(status, RID_PLACEHOLDER.decode(), detail)
    headers: tuple[tuple[str, str | None], ...] = ()
    if status == 401:
        headers = (("WWW-Authenticate", "Bearer"),)
    return Expect(status, body, PROBLEM, headers)


BAD_JSON = problem_of(400, "request body is not valid JSON")
BAD_DELAY = problem_of(400, "seconds must be a decimal number from 0 to 10")
BAD_STATUS = problem_of(400, "code must be an integer from 200 to 599")
UNAUTHORIZED = problem_of(401)
NOT_FOUND = problem_of(404)
TOO_LARGE = problem_of(413)
UNSUPPORTED = problem_of(415)
GET_ALLOW = "GET, HEAD, OPTIONS"


def not_allowed(allow: str) -> Expect:
    return replace(problem_of(405), headers=(("Allow", allow),))


def invalid(field_: str, code: str, message: str) -> Expect:
    body = json.loads(problem(422, "x", "request body does not match the schema"))
    body["request_id"] = RID_PLACEHOLDER.decode()
    body["errors"] = [{"field": field_, "code": code, "message": message}]
    return Expect(422, dumps(body), PROBLEM)


NOT_STRING_MESSAGE = invalid("/message", "not_string", "must be a string")
NOT_OBJECT = invalid("", "not_object", "must be an object")


def echoed(message: str, metadata: Mapping[str, str] | None = None) -> Expect:
    value = {
        "message": message,
        "metadata": dict(metadata or {}),
        "length": len(message),
        "request_id": RID_PLACEHOLDER.decode(),
    }
    return Expect(200, dumps(value), JSON)


def ok(body: bytes, content_type: str = JSON) -> Expect:
    return Expect(200, body, content_type)


HEALTHY = ok(b'{"status":"ok"}')
SERVER_431 = Expect(431, pre_app=True)
SERVER_400 = Expect(400, pre_app=True)


# -- the catalogue -----------------------------------------------------------------------------

AS_JSON = (("Content-Type", b"application/json"),)
TOKEN = ADMIN_TOKEN.encode()
SECRET_MESSAGE = f"hostile {BODY_SECRET}"
HI = dumps({"message": SECRET_MESSAGE})


def echo(
    case_id: str,
    body: bytes,
    expect: Expect,
    note: str = "",
    headers: tuple[tuple[str, bytes], ...] = AS_JSON,
) -> Hostile:
    return Hostile(case_id, "POST", "/echo", expect, headers, body, note=note)


def nested(depth: int, inner: bytes = b"") -> bytes:
    return b"[" * depth + inner + b"]" * depth


def in_metadata(raw_value: bytes) -> bytes:
    return b'{"message":"' + SECRET_MESSAGE.encode() + b'","metadata":{"k":' + raw_value + b"}}"


def _bodies() -> Iterator[Hostile]:
    """Body bombs: depth, size, numbers, duplicates; each must be 400, 413 or 422, never 5xx."""
    depth_note = "the contract allows arrays and objects nested at most 64 deep: deeper is 400"
    yield echo("depth-100000-arrays", nested(100000), TOO_LARGE)
    yield echo("depth-32768-arrays", nested(LIMIT // 2), BAD_JSON, depth_note)
    yield echo("depth-10000-objects", b'{"a":' * 10000 + b"1" + b"}" * 10000, BAD_JSON, depth_note)
    yield echo("depth-20000-in-metadata", in_metadata(nested(20000)), BAD_JSON, depth_note)
    yield echo("depth-20000-unclosed", b"[" * 20000, BAD_JSON)
    yield echo("depth-960-arrays", nested(960), BAD_JSON, depth_note)
    yield echo("depth-500-arrays", nested(500), BAD_JSON, depth_note)
    yield echo("depth-65-arrays", nested(65), BAD_JSON, depth_note)
    yield echo("depth-64-arrays", nested(64), NOT_OBJECT, "64 deep is within the limit: 422")
    yield echo("depth-65-in-metadata", in_metadata(nested(63, b'"x"')), BAD_JSON, depth_note)
    yield echo(
        "depth-50-in-metadata",
        in_metadata(nested(50, b'"x"')),
        invalid("/metadata/k", "not_string", "must be a string"),
    )
    yield echo(
        "object-in-metadata",
        in_metadata(b'{"x":{"y":"z"}}'),
        invalid("/metadata/k", "not_string", "must be a string"),
    )
    big_number_note = (
        "valid JSON; Python's decoder refuses integers over 4300 digits, so all three "
        "answer 400: pinned (the contract is silent on number limits)"
    )
    yield echo("number-1e999999-message", b'{"message":1e999999}', NOT_STRING_MESSAGE)
    yield echo("number--1e999999-message", b'{"message":-1e999999}', NOT_STRING_MESSAGE)
    yield echo("number-1e999999-body", b"1e999999", NOT_OBJECT)
    yield echo(
        "number-1e999999-metadata",
        in_metadata(b"1e999999"),
        invalid("/metadata/k", "not_string", "must be a string"),
    )
    yield echo(
        "number-10e5000-digits", b'{"message":1' + b"0" * 5000 + b"}", BAD_JSON, big_number_note
    )
    yield echo("number-4300-digits", b'{"message":' + b"9" * 4300 + b"}", NOT_STRING_MESSAGE)
    yield echo(
        "number-60000-digit-fraction", b'{"message":0.' + b"1" * 60000 + b"}", NOT_STRING_MESSAGE
    )
    yield echo("number-1e-999999", b'{"message":1e-999999}', NOT_STRING_MESSAGE)
    yield echo("number-leading-zero", b'{"message":01}', BAD_JSON)
    yield echo("number-plus", b'{"message":+1}', BAD_JSON)
    yield echo("number-hex", b'{"message":0x10}', BAD_JSON)
    yield echo("number-nan", b'{"message":NaN}', BAD_JSON)
    yield echo("number--infinity", b'{"message":-Infinity}', BAD_JSON)
    yield echo("message-60000-chars", dumps({"message": "x" * 60000}), _too_long_message())
    many = {f"k{i}": BODY_SECRET for i in range(2000)}
    yield echo(
        "metadata-2000-entries",
        dumps({"message": SECRET_MESSAGE, "metadata": many}),
        invalid("/metadata", "too_many_entries", "must have at most 16 entries"),
    )
    repeated = b'{"message":"m","metadata":{' + b'"k":"v",' * 5000 + b'"k":"last"}}'
    yield echo("metadata-key-repeated-5000", repeated, echoed("m", {"k": "last"}))
    yield echo(
        "message-repeated-invalid-first",
        b'{"message":1,"message":"' + SECRET_MESSAGE.encode() + b'"}',
        echoed(SECRET_MESSAGE),
        "'the last occurrence counts'",
    )
    yield echo(
        "member-proto",
        b'{"message":"m","__proto__":{"admin":true}}',
        invalid("/__proto__", "extra_forbidden", "unknown field"),
    )
    yield echo(
        "metadata-proto",
        b'{"message":"m","metadata":{"__proto__":"x"}}',
        echoed("m", {"__proto__": "x"}),
    )
    long_key = "a/b~" * 17  # 68 code points; its pointer is escaped
    yield echo(
        "metadata-key-escaped-too-long",
        dumps({"message": "m", "metadata": {long_key: "v"}}),
        invalid(
            "/metadata/" + long_key.replace("~", "~0").replace("/", "~1"),
            "key_too_long",
            "key must have at most 64 characters",
        ),
    )
    yield echo("whitespace-only", b" \t\r\n" * 1000, BAD_JSON)
    yield echo("comment", b'{"message":"m"/*x*/}', BAD_JSON)
    yield echo("trailing-comma", b'{"message":"m",}', BAD_JSON)
    yield echo("escapes-1000", b'{"message":"' + b"\\u00e9" * 1000 + b'"}', echoed("\u00e9" * 1000))
    yield echo("astral-1001", dumps({"message": "\U0001f600" * 1001}), _too_long_message())
    yield echo("combining-1000", dumps({"message": "e\u0301" * 500}), echoed("e\u0301" * 500))
    yield echo("exactly-the-limit", HI + b" " * (LIMIT - len(HI)), echoed(SECRET_MESSAGE))
    yield echo("one-over-the-limit", HI + b" " * (LIMIT + 1 - len(HI)), TOO_LARGE)
    yield echo(
        "gzip-declared-not-compressed",
        HI,
        echoed(SECRET_MESSAGE),
        headers=(*AS_JSON, ("Content-Encoding", b"gzip")),
    )
    yield echo(
        "gzip-compressed",
        gzip.compress(HI, mtime=0),
        BAD_JSON,
        headers=(*AS_JSON, ("Content-Encoding", b"gzip")),
    )
    yield echo("content-length-zero", b"", BAD_JSON)
    yield Hostile(
        "method-override-header",
        "POST",
        "/echo",
        echoed(SECRET_MESSAGE),
        (*AS_JSON, ("X-HTTP-Method-Override", b"DELETE")),
        HI,
    )


def _too_long_message() -> Expect:
    return invalid("/message", "too_long", "must have at most 1000 characters")


def _encodings() -> Iterator[Hostile]:
    """Broken UTF-8, overlong forms, lone surrogates and NUL bytes: 400 unless valid JSON text."""
    broken = {
        "invalid-utf8-ff": b"\xff",
        "invalid-utf8-continuation": b"\x80",
        "overlong-slash-2": b"\xc0\xaf",
        "overlong-slash-3": b"\xe0\x80\xaf",
        "overlong-nul-2": b"\xc0\x80",
        "five-byte-form": b"\xf8\x88\x80\x80\x80",
        "utf8-surrogate-d800": b"\xed\xa0\x80",
        "beyond-10ffff": b"\xf4\x90\x80\x80",
        "truncated-sequence": b"\xe2\x82",
        "raw-nul": b"\x00",
        "raw-control": b"\x1b[2J",
    }
    for name, raw in broken.items():
        yield echo(f"message-{name}", b'{"message":"a' + raw + b'b"}', BAD_JSON)
    yield echo("metadata-key-overlong", b'{"message":"m","metadata":{"\xc0\xae":"v"}}', BAD_JSON)
    yield echo("utf16-body", '{"message":"hi"}'.encode("utf-16"), BAD_JSON)
    yield echo("utf32-body", '{"message":"hi"}'.encode("utf-32-le"), BAD_JSON)
    yield echo("nul-before-value", b'\x00{"message":"m"}', BAD_JSON)
    yield echo("nul-after-value", b'{"message":"m"}\x00', BAD_JSON)
    surrogates = {
        "lone-high": b"\\ud800",
        "lone-low": b"\\udc00",
        "high-then-letter": b"\\ud800\\u0041",
        "reversed-pair": b"\\udc00\\ud800",
        "high-at-end": b"abc\\udbff",
    }
    for name, escape in surrogates.items():
        yield echo(f"surrogate-{name}", b'{"message":"' + escape + b'"}', BAD_JSON)
    yield echo("surrogate-in-metadata-key", b'{"message":"m","metadata":{"\\udc00":"v"}}', BAD_JSON)
    yield echo(
        "surrogate-in-metadata-value", b'{"message":"m","metadata":{"k":"\\ud800"}}', BAD_JSON
    )
    yield echo("surrogate-pair-valid", b'{"message":"\\ud83d\\ude00"}', echoed("\U0001f600"))
    yield echo(
        "escaped-nul",
        b'{"message":"a\\u0000b","metadata":{"\\u0000":"\\u0000"}}',
        echoed("a\x00b", {"\x00": "\x00"}),
    )
    yield echo(
        "bidi-and-zero-width",
        dumps({"message": "\u202egnp.exe\u200b\ufeff"}),
        echoed("\u202egnp.exe\u200b\ufeff"),
    )


def _request_ids() -> Iterator[Hostile]:
    """X-Request-ID injection: anything but ^[A-Za-z0-9._-]{1,128}$ is replaced, never echoed."""
    replaced = {
        "crlf-encoded": f"{RID_SECRET}%0d%0aSet-Cookie:%20x=1".encode(),
        "crlf-escaped": f"{RID_SECRET}\\r\\nSet-Cookie: x=1".encode(),
        "129": RID_SECRET.encode() + b"a" * (129 - len(RID_SECRET)),
        "8000": RID_SECRET.encode() * 400,
        "cyrillic": f"{RID_SECRET}-\u043a\u043b\u044e\u0447".encode(),
        "latin1-byte": RID_SECRET.encode() + b"\xe9",
        "rtl-override": f"{RID_SECRET}\u202e".encode(),
        "fullwidth-digits": "\uff11\uff12\uff13".encode(),
        "emoji": "\U0001f600".encode(),
        "tab-inside": f"{RID_SECRET}\tx".encode(),
        "shell": b"$(touch /tmp/pwned)",
        "html": b"<script>alert(1)</script>",
        "semicolon": f"{RID_SECRET};x".encode(),
        "percent": b"%41%42",
        "path": b"../../etc/passwd",
    }
    for name, value in replaced.items():
        yield Hostile(f"request-id-{name}", "GET", "/nope", NOT_FOUND, (("X-Request-ID", value),))
    yield Hostile(
        "request-id-repeated",
        "GET",
        "/health",
        HEALTHY,
        (("X-Request-ID", b"first"), ("X-Request-ID", b"second")),
    )
    kept = {"dots": b"..", "dash": b"-", "128": b"r" * 128}
    for name, value in kept.items():
        yield Hostile(
            f"request-id-valid-{name}", "GET", "/nope", NOT_FOUND, (("X-Request-ID", value),)
        )
    yield Hostile(
        "request-id-on-echo-body",
        "POST",
        "/echo",
        echoed(SECRET_MESSAGE),
        (*AS_JSON, ("X-Request-ID", f"{RID_SECRET}\u2028".encode())),
        HI,
    )


def _traversal() -> Iterator[Hostile]:
    """Paths against /docs assets: matched exactly after one percent-decoding, never resolved."""
    not_found = [
        "/docs/../openapi.json",
        "/docs/./swagger-ui.css",
        "/docs/%2e%2e/openapi.json",
        "/docs/%2E%2E/%2E%2E/%2E%2E/etc/passwd",
        "/docs/..%2fopenapi.json",
        "/docs/..%2F..%2F..%2Fetc%2Fpasswd",
        "/docs/%2e%2e%2f%2e%2e%2fpyproject.toml",
        "/docs/..%5c..%5cwindows%5cwin.ini",
        "/docs/..\\..\\openapi.json",
        "/docs/%252e%252e%252fopenapi.json",
        "/docs/..%252fopenapi.json",
        "/docs/%c0%ae%c0%ae/openapi.json",
        "/docs/%e0%80%ae%e0%80%ae/openapi.json",
        "/docs/swagger-ui.css%00",
        "/docs/swagger-ui.css%00.png",
        "/docs/swagger-ui.css%2500",
        "/docs//swagger-ui.css",
        "/docs/swagger-ui.css;.js",
        "/docs/swagger-ui.css%3f",
        "/docs/swagger-ui.css%20",
        "/docs/swagger-ui.css/..",
        "/docs/%ff",
        "/docs/%2fetc%2fpasswd",
        "/..%2f..%2fetc%2fpasswd",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/./health",
        "/health/..",
        "/health%00",
        "/health%2500",
        "/h%FFealth",
    ]
    for index, path in enumerate(not_found):
        yield Hostile(f"traversal-{index:02d}-{path}", "GET", path, NOT_FOUND)
    css = Expect(200, None, "text/css; charset=utf-8")
    yield Hostile("traversal-encoded-letter", "GET", "/docs/%73wagger-ui.css", css)
    yield Hostile(
        "traversal-encoded-slash",
        "GET",
        "/docs%2Fswagger-ui.css",
        css,
        note="one percent-decoding gives /docs/swagger-ui.css: matched, as /hea%6Cth is",
    )


def _paths_and_parameters() -> Iterator[Hostile]:
    """Path parameters out of their grammar, long and odd paths."""
    for path in (
        "/delay/%D9%A3",
        "/delay/%EF%BC%91",
        "/delay/NaN",
        "/delay/Infinity",
        "/delay/1e-7",
        "/delay/0.0000001",
        "/delay/9999999",
        "/delay/999999",
        "/delay/0%0a",
        "/delay/%200",
        "/delay/0x1",
    ):
        yield Hostile(f"param-{path}", "GET", path, BAD_DELAY)
    for path in (
        "/status/%D9%A3%D9%A0%D9%A0",
        "/status/%EF%BC%92%EF%BC%90%EF%BC%90",
        "/status/+200",
        "/status/200.0",
        "/status/1e2",
        "/status/0x1F4",
        "/status/200%0a",
        "/status/-200",
    ):
        yield Hostile(f"param-{path}", "GET", path, BAD_STATUS)
    yield Hostile("param-/status/2%30%30", "GET", "/status/2%30%30", ok(b'{"status":200}'))
    yield Hostile("path-1000-slashes", "GET", "/" * 1000, NOT_FOUND)
    yield Hostile("path-7000-chars", "GET", "/" + "a" * 7000, NOT_FOUND)
    yield Hostile(
        "path-9000-chars",
        "GET",
        "/" + "a" * 9000,
        NOT_FOUND,
        per_family=(("gunicorn", Expect(414, pre_app=True)),),
        query=False,
        note="contract Known differences: a request line over 8190 bytes",
    )
    yield Hostile("query-6000-chars", "GET", "/health?" + "q=%00%ff&" * 600, HEALTHY)


def _headers() -> Iterator[Hostile]:
    """Many, long and forwarded headers."""
    ninety = tuple((f"X-Hostile-{i}", b"v") for i in range(90))
    yield Hostile("headers-90", "GET", "/health", HEALTHY, ninety)
    yield Hostile(
        "headers-90-on-echo", "POST", "/echo", echoed(SECRET_MESSAGE), (*AS_JSON, *ninety), HI
    )
    cookies = tuple(("Cookie", f"c{i}={COOKIE_SECRET}".encode()) for i in range(40))
    yield Hostile("headers-40-cookies", "GET", "/health", HEALTHY, cookies)
    yield Hostile("header-8k-value", "GET", "/health", HEALTHY, (("X-Pad", b"p" * 8000),))
    known = "contract Known differences: gunicorn 431, uvicorn serves"
    yield Hostile(
        "headers-120",
        "GET",
        "/health",
        HEALTHY,
        tuple((f"X-Many-{i}", b"v") for i in range(120)),
        per_family=(("gunicorn", SERVER_431),),
        note=known,
    )
    yield Hostile(
        "header-17k-value",
        "GET",
        "/health",
        HEALTHY,
        (("X-Pad", b"p" * 17000),),
        per_family=(("gunicorn", SERVER_431),),
        note=known,
    )
    forwarded = (
        ("X-Forwarded-For", b"10.0.0.1"),
        ("X-Forwarded-Host", b"evil.example"),
        ("X-Forwarded-Proto", b"https"),
        ("X-Forwarded-Prefix", b"/docs"),
        ("X-Original-URL", b"/health"),
        ("X-Rewrite-URL", b"/health"),
        ("Forwarded", b"for=10.0.0.1;host=evil.example;proto=https"),
    )
    yield Hostile("forwarded-headers-ignored", "GET", "/nope", NOT_FOUND, forwarded)
    yield Hostile("host-foreign", "GET", "/health", HEALTHY, (("Host", b"evil.example"),))
    yield Hostile(
        "upgrade-websocket",
        "GET",
        "/health",
        HEALTHY,
        (
            ("Upgrade", b"websocket"),
            ("Sec-WebSocket-Key", b"dGhlIHNhbXBsZSBub25jZQ=="),
            ("Sec-WebSocket-Version", b"13"),
        ),
    )
    yield Hostile(
        "content-type-repeated-text-first",
        "POST",
        "/echo",
        UNSUPPORTED,
        (("Content-Type", b"text/plain"), ("Content-Type", b"application/json")),
        HI,
        per_family=(("gunicorn", SERVER_400),),
        note="gunicorn refuses a repeated Content-Type itself (not in Known differences)",
    )
    yield Hostile(
        "content-type-repeated-json-first",
        "POST",
        "/echo",
        UNSUPPORTED,
        (("Content-Type", b"application/json"), ("Content-Type", b"text/plain")),
        HI,
        per_family=(("gunicorn", SERVER_400),),
        note="as a repeated X-Request-ID, the joined value is what counts: not a JSON type",
    )
    for name, value in {
        "list": b"application/json, text/plain",
        "utf-16": b"application/json; charset=utf-16",
        "empty-charset": b"application/json; charset=",
        "two-charsets": b"application/json; charset=utf-8; charset=latin-1",
        "vendor-suffix": b"application/vnd.evil+json",
    }.items():
        yield Hostile(
            f"content-type-{name}", "POST", "/echo", UNSUPPORTED, (("Content-Type", value),), HI
        )


def _methods() -> Iterator[Hostile]:
    """Methods outside the contract's: 405 with Allow on a known path, 404 elsewhere."""
    for method in ("TRACE", "CONNECT", "PROPFIND", "MKCOL", "LOCK", "SEARCH", "PURGE", "BREW"):
        yield Hostile(f"method-{method}", method, "/health", not_allowed(GET_ALLOW))
    yield Hostile("method-TRACE-unknown", "TRACE", "/nope", NOT_FOUND)
    yield Hostile("method-PROPFIND-echo", "PROPFIND", "/echo", not_allowed("POST, OPTIONS"))
    yield Hostile("method-get-lowercase", "get", "/health", not_allowed(GET_ALLOW))
    yield Hostile("method-options-lowercase", "options", "/echo", not_allowed("POST, OPTIONS"))
    yield Hostile("method-100-letters", "A" * 100, "/health", not_allowed(GET_ALLOW))
    yield Hostile("method-TRACE-with-body", "TRACE", "/", not_allowed(GET_ALLOW), AS_JSON, HI)
    head = not_allowed("POST, OPTIONS")
    yield Hostile("method-HEAD-echo", "HEAD", "/echo", head)


def _admin() -> Iterator[Hostile]:
    """Forged and malformed tokens: 401 with WWW-Authenticate, whatever the bytes."""
    secret = TOKEN_SECRET.encode()
    forged = {
        "very-long": b"Bearer " + secret + b"A" * 10000,
        "non-ascii-utf8": b"Bearer " + secret + "\u20ac\u00df".encode(),
        "non-ascii-latin1": b"Bearer " + secret + b"\xe9\xff",
        "real-plus-utf8": b"Bearer " + TOKEN + "\u00e9".encode(),
        "double-space": b"Bearer  " + TOKEN,
        "tab-separator": b"Bearer\t" + TOKEN,
        "no-separator": b"Bearer" + TOKEN,
        "scheme-only": b"Bearer",
        "scheme-upper": b"BEARER " + TOKEN,
        "token-scheme": b"Token " + TOKEN,
        "basic-of-token": b"Basic " + secret,
        "two-credentials": b"Bearer " + TOKEN + b", Bearer " + secret,
        "token-twice": b"Bearer " + TOKEN + b" " + TOKEN,
        "prefix": b"Bearer " + TOKEN[:-1],
        "longer": b"Bearer " + TOKEN + b"0",
        "case-changed": b"Bearer " + TOKEN.upper(),
        "quoted": b'Bearer "' + TOKEN + b'"',
        "homoglyph": b"Bearer " + TOKEN.replace(b"a", "\u0430".encode()),
    }
    body = b'{"ready":true}'
    for name, value in forged.items():
        yield Hostile(
            f"admin-{name}",
            "PUT",
            "/admin/readiness",
            UNAUTHORIZED,
            (("Authorization", value), *AS_JSON),
            body,
        )
    yield Hostile(
        "admin-authorization-repeated",
        "PUT",
        "/admin/readiness",
        UNAUTHORIZED,
        (("Authorization", b"Bearer " + TOKEN), ("Authorization", b"Bearer " + secret), *AS_JSON),
        body,
        note="as for X-Request-ID, repeated fields count joined by ',': not 'Bearer <token>'",
    )
    yield Hostile(
        "admin-forged-no-body",
        "PUT",
        "/admin/liveness",
        UNAUTHORIZED,
        (("Authorization", b"Bearer " + secret),),
    )
    yield Hostile(
        "admin-forged-over-limit",
        "PUT",
        "/admin/liveness",
        TOO_LARGE,
        (("Authorization", b"Bearer " + secret), *AS_JSON),
        b" " * (LIMIT + 1),
    )
    yield Hostile(
        "admin-method-before-token",
        "DELETE",
        "/admin/readiness",
        not_allowed("PUT, OPTIONS"),
        (("Authorization", b"Bearer " + TOKEN),),
    )
    admin = (("Authorization", b"Bearer " + TOKEN), *AS_JSON)
    not_boolean = invalid("/ready", "not_boolean", "must be a boolean")
    yield Hostile("admin-deep-body", "PUT", "/admin/readiness", BAD_JSON, admin, nested(20000))
    yield Hostile(
        "admin-1e999999", "PUT", "/admin/readiness", not_boolean, admin, b'{"ready":1e999999}'
    )
    yield Hostile(
        "admin-last-member-counts",
        "PUT",
        "/admin/readiness",
        ok(b'{"ready":true}'),
        admin,
        b'{"ready":"no","ready":true}',
    )
    yield Hostile(
        "admin-lone-surrogate-member",
        "PUT",
        "/admin/readiness",
        BAD_JSON,
        admin,
        b'{"\\ud800":true}',
    )


def _slow() -> Iterator[Hostile]:
    """Bodies dribbled over about a second: answered as if sent at once."""
    pieces = tuple(HI[i : i + 4] for i in range(0, len(HI), 4))
    yield Hostile(
        "slow-chunked-body",
        "POST",
        "/echo",
        echoed(SECRET_MESSAGE),
        AS_JSON,
        chunks=pieces,
        dribble=1.2,
    )
    yield Hostile(
        "slow-content-length-body",
        "POST",
        "/echo",
        echoed(SECRET_MESSAGE),
        AS_JSON,
        HI,
        dribble=1.2,
    )
    yield Hostile(
        "slow-chunked-forged-token",
        "PUT",
        "/admin/readiness",
        UNAUTHORIZED,
        (("Authorization", b"Bearer " + TOKEN_SECRET.encode()), *AS_JSON),
        chunks=(b'{"re', b'ady":', b"true}"),
        dribble=0.6,
    )
    over = tuple(b" " * 8192 for _ in range(9))  # 73728 bytes
    yield Hostile(
        "slow-chunked-over-limit", "POST", "/echo", TOO_LARGE, AS_JSON, chunks=over, dribble=0.6
    )


def _cors() -> Iterator[Hostile]:
    """Foreign origins on a CORS target: Vary always, Access-Control-* only for CORS_ORIGIN."""
    foreign = (
        ("Access-Control-Allow-Origin", None),
        ("Access-Control-Expose-Headers", None),
        ("Access-Control-Allow-Credentials", None),
        ("Vary", "Origin"),
    )
    origins = {
        "foreign": FOREIGN.encode(),
        "null": b"null",
        "suffix": f"{CORS_ORIGIN}.evil.example".encode(),
        "subdomain": CORS_ORIGIN.replace("://", "://evil.").encode(),
        "explicit-port": f"{CORS_ORIGIN}:443".encode(),
        "upper-case": CORS_ORIGIN.upper().encode(),
        "trailing-slash": f"{CORS_ORIGIN}/".encode(),
        "list": f"{CORS_ORIGIN}, {FOREIGN}".encode(),
        "star": b"*",
        "http-scheme": CORS_ORIGIN.replace("https", "http").encode(),
        "crlf-encoded": f"{CORS_ORIGIN}%0d%0a".encode(),
        "non-ascii": CORS_ORIGIN.encode() + "\u00e9".encode(),
    }
    for name, origin in origins.items():
        yield Hostile(
            f"cors-{name}",
            "GET",
            "/health",
            replace(HEALTHY, headers=foreign),
            (("Origin", origin), ("Cookie", f"s={COOKIE_SECRET}".encode())),
            cors=True,
        )
    yield Hostile(
        "cors-origin-repeated",
        "GET",
        "/health",
        replace(HEALTHY, headers=foreign),
        (("Origin", CORS_ORIGIN.encode()), ("Origin", CORS_ORIGIN.encode())),
        cors=True,
    )
    plain = Expect(
        204,
        b"",
        None,
        (("Allow", "POST, OPTIONS"), ("Access-Control-Allow-Methods", None), *foreign),
    )
    yield Hostile(
        "cors-preflight-foreign",
        "OPTIONS",
        "/echo",
        plain,
        (("Origin", FOREIGN.encode()), ("Access-Control-Request-Method", b"POST")),
        cors=True,
    )
    allowed = (
        ("Access-Control-Allow-Origin", CORS_ORIGIN),
        ("Access-Control-Expose-Headers", "X-Request-ID"),
        ("Access-Control-Allow-Credentials", None),
        ("Vary", "Origin"),
    )
    yield Hostile(
        "cors-preflight-lowercase-method",
        "OPTIONS",
        "/echo",
        Expect(204, b"", None, (("Access-Control-Allow-Methods", None), *allowed)),
        (("Origin", CORS_ORIGIN.encode()), ("Access-Control-Request-Method", b"post")),
        cors=True,
    )
    yield Hostile(
        "cors-preflight-evil-headers",
        "OPTIONS",
        "/admin/readiness",
        Expect(
            204,
            b"",
            None,
            (
                ("Access-Control-Allow-Methods", "PUT, OPTIONS"),
                ("Access-Control-Allow-Headers", "Authorization, Content-Type, X-Request-ID"),
                ("Access-Control-Max-Age", "600"),
                *allowed,
            ),
        ),
        (
            ("Origin", CORS_ORIGIN.encode()),
            ("Access-Control-Request-Method", b"PUT"),
            ("Access-Control-Request-Headers", b"X-Evil, Cookie"),
        ),
        cors=True,
    )
    yield Hostile(
        "cors-foreign-forged-token",
        "PUT",
        "/admin/readiness",
        replace(UNAUTHORIZED, headers=(*UNAUTHORIZED.headers, *foreign)),
        (
            ("Origin", FOREIGN.encode()),
            ("Authorization", b"Bearer " + TOKEN_SECRET.encode()),
            *AS_JSON,
        ),
        b'{"ready":true}',
        cors=True,
    )
    yield Hostile(
        "cors-foreign-echo",
        "POST",
        "/echo",
        replace(echoed(SECRET_MESSAGE), headers=foreign),
        (("Origin", FOREIGN.encode()), *AS_JSON),
        HI,
        cors=True,
    )


CATALOGUE: tuple[Hostile, ...] = (
    *_bodies(),
    *_encodings(),
    *_request_ids(),
    *_traversal(),
    *_paths_and_parameters(),
    *_headers(),
    *_methods(),
    *_admin(),
    *_slow(),
    *_cors(),
)


# -- requests only a real server sees (the server answers before the application) --------------


def _wire_only() -> Iterator[Hostile]:
    """Malformed requests: each server family's own answer, never a 5xx, and nothing served
    that the contract forbids. Run against real servers only, compared per family."""

    def both(status: int) -> tuple[tuple[str, Expect], ...]:
        return (("h11", Expect(status, pre_app=True)), ("gunicorn", Expect(status, pre_app=True)))

    bad = {
        "nul-in-header-value": (("X-Trace", b"a\x00b"),),
        "bare-cr-in-header-value": (("X-Trace", b"a\rb"),),
        "nul-after-token": (("Authorization", b"Bearer " + TOKEN + b"\x00"),),
        "space-before-colon": (("X-Trace ", b"a"),),
        "repeated-host": (("Host", b"127.0.0.1"), ("Host", b"evil.example")),
        "content-length-plus": (("Content-Length", b"+0"),),
        "content-length-negative": (("Content-Length", b"-1"),),
        "transfer-encoding-identity": (("Transfer-Encoding", b"identity"),),
    }
    for name, headers in bad.items():
        yield Hostile(f"wire-{name}", "GET", "/health", SERVER_400, headers, per_family=both(400))
    for name, target in {"nul-in-target": "/he\x00alth", "utf8-in-target": "/h\xc3\xa9alth",
                         "space-in-target": "/he alth"}.items():  # fmt: skip
        yield Hostile(f"wire-{name}", "GET", target, SERVER_400, per_family=both(400), query=False)
    yield Hostile(
        "wire-non-ascii-method", "G\xc3\x89T", "/health", SERVER_400, per_family=both(400)
    )
    yield Hostile(
        "wire-content-length-huge",
        "POST",
        "/echo",
        TOO_LARGE,
        (*AS_JSON, ("Content-Length", b"99999999999999999999")),
    )
    yield Hostile(
        "wire-chunk-size-past-limit",
        "POST",
        "/echo",
        TOO_LARGE,
        AS_JSON,
        chunks=(b" " * 70000,),
        note="one chunk header declaring 70000 bytes",
    )
    yield Hostile("wire-options-asterisk", "OPTIONS", "*", NOT_FOUND, query=False)
    yield Hostile("wire-connect-authority", "CONNECT", "127.0.0.1:80", NOT_FOUND, query=False)
    yield Hostile(
        "wire-authorization-surrounding-whitespace",
        "PUT",
        "/admin/readiness",
        ok(b'{"ready":true}'),
        (("Authorization", b" \tBearer " + TOKEN + b" \t"), *AS_JSON),
        b'{"ready":true}',
        note="RFC 9110 5.5: surrounding whitespace is not part of the value",
    )
    yield Hostile(
        "wire-request-id-surrounding-whitespace",
        "GET",
        "/nope",
        NOT_FOUND,
        (("X-Request-ID", b"  spaced-id  "),),
    )
    yield Hostile(
        "wire-fragment-in-target",
        "GET",
        "/health#x",
        HEALTHY,
        query=False,
        note="a fragment is no part of the path: gunicorn drops it, the ASGI middleware too",
    )
    yield Hostile(
        "wire-transfer-encoding-gzip-chunked",
        "POST",
        "/echo",
        SERVER_400,
        (*AS_JSON, ("Transfer-Encoding", b"gzip, chunked")),
        chunks=(HI,),
        per_family=(("gunicorn", echoed(SECRET_MESSAGE)),),
        note="not in Known differences: h11 refuses the gzip coding, gunicorn ignores it",
    )
    yield Hostile(
        "wire-obs-fold",
        "GET",
        "/health",
        HEALTHY,
        (("X-Trace", b"a\r\n b"),),
        per_family=(("gunicorn", SERVER_400),),
        note="contract Known differences: obsolete line folding",
    )
    yield Hostile(
        "wire-del-in-header-value",
        "GET",
        "/health",
        HEALTHY,
        (("X-Trace", b"a\x7fb"),),
        per_family=(("gunicorn", SERVER_400),),
        note="not in Known differences: h11 accepts DEL in a value, gunicorn refuses it",
    )


WIRE: tuple[Hostile, ...] = tuple(_wire_only())


# -- sending -----------------------------------------------------------------------------------


def family(target: Target) -> str:
    if target.kind == "inprocess":
        return "app"
    return FAMILIES.get(target.implementation, "url")


def send(target: Target, case: Hostile, timeout: float = 30.0) -> Reply:
    """The request on the wire (a real server) or as its server would hand it over."""
    if isinstance(target, HttpTarget):
        return wire(target.base_url, case, timeout)
    if isinstance(target, InProcessTarget):
        if inspect.iscoroutinefunction(type(target.app).__call__):
            return asyncio.run(_asgi(target.app, case))
        return _wsgi(target.app, case)
    raise TypeError(f"cannot send to {target!r}")


def head_bytes(case: Hostile, host: str, close: bool = True) -> bytes:
    lines = [f"{case.method} {case.target} HTTP/1.1".encode("latin-1")]
    headers = case.all_headers()
    if not any(name.lower() == "host" for name, _ in case.headers):
        headers.insert(0, ("Host", host.encode()))
    lines += [name.encode("latin-1") + b": " + value for name, value in headers]
    if close:
        lines.append(b"Connection: close")
    return b"\r\n".join(lines) + b"\r\n\r\n"


def body_pieces(case: Hostile) -> list[bytes]:
    if case.chunks is not None:
        framed = [b"%x\r\n%s\r\n" % (len(chunk), chunk) for chunk in case.chunks if chunk]
        return [*framed, b"0\r\n\r\n"]
    if case.body is None:
        return []
    if case.dribble:
        return [case.body[at : at + 4] for at in range(0, len(case.body), 4)]
    return [case.body]


def wire(base_url: str, case: Hostile, timeout: float = 30.0) -> Reply:
    """One request on a connection of its own, every byte as the case says."""
    address = urlsplit(base_url)
    host, port = address.hostname or "127.0.0.1", address.port or 80
    pieces = body_pieces(case)
    pause = case.dribble / max(1, len(pieces))
    received = b""
    with socket.create_connection((host, port), timeout=timeout) as sock:
        try:
            sock.sendall(head_bytes(case, f"{host}:{port}"))
            for piece in pieces:
                if pause:
                    time.sleep(pause)
                sock.sendall(piece)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered before the whole body: read what it said
        try:
            while chunk := sock.recv(65536):
                received += chunk
        except ConnectionResetError:
            if not received:
                raise
    return parse_response(received, case.method)


# Bodies well past gunicorn's 64 KiB drain of an unread body, whatever its first read took in.
OVER = b" " * (4 * LIMIT)
REUSE = (
    Hostile("reuse-after-declared-413", "POST", "/echo", TOO_LARGE, AS_JSON, OVER),
    Hostile(
        "reuse-after-chunked-413",
        "POST",
        "/echo",
        TOO_LARGE,
        AS_JSON,
        chunks=tuple(OVER[at : at + 16384] for at in range(0, len(OVER), 16384)),
    ),
)


def reuse_after(base_url: str, case: Hostile, timeout: float = 10.0) -> str:
    """`case` sent whole on a kept-alive connection, then GET /health on it: "413 200", or
    "413 close" when the first answer said Connection: close (the server may then close)."""
    address = urlsplit(base_url)
    host, port = address.hostname or "127.0.0.1", address.port or 80
    with socket.create_connection((host, port), timeout=timeout) as sock:
        with contextlib.suppress(OSError):  # the server may stop reading: read its answer
            sock.sendall(head_bytes(case, f"{host}:{port}", close=False))
            sock.sendall(b"".join(body_pieces(case)))
        first = _read_one(sock, case.method)
        if first is None:
            return "no answer"
        if (first.header("Connection") or "").lower() == "close":
            return f"{first.status} close"
        try:
            sock.sendall(f"GET /health HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode())
            second = _read_one(sock, "GET")
        except OSError as error:
            return f"{first.status} {type(error).__name__}"
        return f"{first.status} {second.status if second else 'closed without an answer'}"


def _read_one(sock: socket.socket, method: str) -> Reply | None:
    """One answer off a kept-alive connection (Content-Length framed), None at EOF."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        data += chunk
    head = parse_response(data, method)
    length = 0 if method == "HEAD" else int(head.header("Content-Length") or "0")
    while len(data.partition(b"\r\n\r\n")[2]) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return parse_response(data, method)


def parse_response(data: bytes, method: str) -> Reply:
    """The last final answer in `data` (skipping 100 Continue): status, headers, body."""
    while True:
        head, _, rest = data.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split(b" ")[1])
        headers = [
            (name.decode("latin-1").strip(), value.decode("latin-1").strip())
            for name, _, value in (line.partition(b":") for line in lines[1:])
        ]
        if 100 <= status < 200:
            data = rest
            continue
        break
    names = {name.lower(): value for name, value in headers}
    if method == "HEAD" or status in (204, 304):
        body = b""
    elif "content-length" in names:
        body = rest[: int(names["content-length"])]
    elif "chunked" in names.get("transfer-encoding", "").lower():
        body = _dechunk(rest)
    else:
        body = rest
    return Reply(status, headers, body)


def _dechunk(data: bytes) -> bytes:
    body = b""
    while data:
        size_line, _, data = data.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        body, data = body + data[:size], data[size + 2 :]
    return body


def _ows(value: bytes) -> bytes:
    return value.strip(b" \t")  # servers hand values over without surrounding whitespace


def _with_host(case: Hostile) -> list[tuple[str, bytes]]:
    headers = case.all_headers()
    if any(name.lower() == "host" for name, _ in headers):
        return headers
    return [("Host", b"testserver"), *headers]


def _body(case: Hostile) -> bytes:
    return b"".join(case.chunks) if case.chunks is not None else case.body or b""


async def _asgi(app: Any, case: Hostile) -> Reply:
    """The call uvicorn (h11) makes: lower-case names, raw values, one decoded path."""
    raw_path, _, query = case.target.partition("?")
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": case.method,
        "scheme": "http",
        "path": unquote(raw_path),
        "raw_path": raw_path.encode("ascii"),
        "query_string": query.encode("ascii"),
        "root_path": "",
        "headers": [
            (name.lower().encode("latin-1"), _ows(value)) for name, value in _with_host(case)
        ],
        "server": ("testserver", 80),
        "client": ("127.0.0.1", 50000),
    }
    chunks = list(case.chunks) if case.chunks is not None else [case.body or b""]
    answered = asyncio.Event()
    started: list[dict[str, Any]] = []
    parts: list[bytes] = []

    async def receive() -> dict[str, Any]:
        if chunks:
            return {"type": "http.request", "body": chunks.pop(0), "more_body": bool(chunks)}
        await answered.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            started.append(message)
        elif message["type"] == "http.response.body":
            parts.append(message.get("body", b""))
            if not message.get("more_body", False):
                answered.set()

    await app(scope, receive, send)
    headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in started[0]["headers"]]
    body = b"" if case.method == "HEAD" else b"".join(parts)
    return Reply(started[0]["status"], headers, body)


def _wsgi(app: Callable[..., Any], case: Hostile) -> Reply:
    """The environ gunicorn builds: repeated fields joined, PATH_INFO decoded as latin-1.

    gunicorn refuses a repeated Content-Type or Content-Length itself; in process they are
    joined like any other field, as the ASGI middleware joins them."""
    raw_path, _, query = case.target.partition("?")
    environ: dict[str, Any] = {
        "REQUEST_METHOD": case.method,
        "SCRIPT_NAME": "",
        "PATH_INFO": unquote_to_bytes(raw_path).decode("latin-1"),
        "QUERY_STRING": query,
        "RAW_URI": case.target,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(_body(case)),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    repeated: dict[str, list[str]] = {}
    for name, raw in _with_host(case):
        value, upper = _ows(raw).decode("latin-1"), name.upper()
        if "_" in name:
            continue  # gunicorn drops names with underscores (header_map="drop")
        key = upper.replace("-", "_")
        key = key if upper in ("CONTENT-TYPE", "CONTENT-LENGTH") else "HTTP_" + key
        repeated.setdefault(key, []).append(value)
    environ.update({key: ",".join(values) for key, values in repeated.items()})
    if case.chunks is not None:
        environ["wsgi.input_terminated"] = True
    reply = call_wsgi(app, environ)
    return replace(reply, body=b"") if case.method == "HEAD" else reply


# -- checking ----------------------------------------------------------------------------------


def check(case: Hostile, reply: Reply, family_name: str) -> list[str]:
    """What is wrong with `reply` as the contract's answer to `case` (empty: nothing)."""
    if family_name == "url":  # --base-url: the server family is not known
        candidates = case.expectations()
        found = [check_against(case, reply, expect) for expect in candidates]
        return [] if any(not problems for problems in found) else found[0]
    return check_against(case, reply, case.expected(family_name))


def check_against(case: Hostile, reply: Reply, expect: Expect) -> list[str]:
    problems: list[str] = []
    if reply.status >= 500:
        problems.append(f"server error {reply.status}")
    if reply.status != expect.status:
        problems.append(f"status {reply.status}, expected {expect.status}")
    if expect.pre_app or problems:
        return problems
    answered_id = reply.header("X-Request-ID") or ""
    if case.rid_kept and answered_id != case.rid.strip(" \t"):
        problems.append(f"X-Request-ID {answered_id!r}, expected the one sent {case.rid!r}")
    if not case.rid_kept and not GENERATED_ID.fullmatch(answered_id):
        problems.append(f"X-Request-ID {answered_id!r} is not a generated id")
    if expect.body is not None:
        wanted = expect.body.replace(RID_PLACEHOLDER, answered_id.encode())
        length = reply.header("Content-Length")
        if case.method == "HEAD":
            if reply.body or length != str(len(wanted)):
                problems.append(f"HEAD: body {reply.body[:80]!r}, Content-Length {length}")
        elif reply.body != wanted:
            problems.append(f"body {reply.body[:300]!r}\n  expected {wanted[:300]!r}")
    if expect.content_type != ANY and reply.header("Content-Type") != expect.content_type:
        problems.append(
            f"Content-Type {reply.header('Content-Type')!r}, expected {expect.content_type!r}"
        )
    for name, value in expect.headers:
        if reply.header(name) != value:
            problems.append(f"{name}: {reply.header(name)!r}, expected {value!r}")
    problems += _common_headers(reply)
    problems += _not_echoed(case, reply)
    return problems


def _common_headers(reply: Reply) -> list[str]:
    problems = []
    if reply.header("Cache-Control") != "no-store":
        problems.append("Cache-Control is not no-store")
    if reply.header("X-Content-Type-Options") != "nosniff":
        problems.append("X-Content-Type-Options is not nosniff")
    if "transfer-encoding" in reply.names():
        problems.append("answered chunked")
    if reply.status not in (204, 304) and reply.header("Content-Length") is None:
        problems.append("no Content-Length")
    return problems


def _not_echoed(case: Hostile, reply: Reply) -> list[str]:
    """No marker (but /echo's message) and no rejected request id comes back."""
    shown = " ".join(f"{n}: {v}" for n, v in reply.headers).encode("latin-1") + b" " + reply.body
    problems = []
    for secret in (QUERY_SECRET, TOKEN_SECRET, RID_SECRET, COOKIE_SECRET, ADMIN_TOKEN):
        if secret.encode() in shown:
            problems.append(f"the answer repeats {secret!r}")
    if not case.rid_kept and len(case.rid) > 3 and case.rid.encode("latin-1") in shown:
        problems.append("the answer repeats the rejected X-Request-ID")
    return problems
