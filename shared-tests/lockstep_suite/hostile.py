"""The hostile catalogue: requests made to hurt a server (body bombs, broken UTF-8, header
injection, traversal, odd methods, foreign origins, forged tokens, slow bodies), each with the
answer the contract fixes, as data in the catalogue format (lockstep_suite.cases).

`catalogue(profile)` builds it for a target's configuration: the body limit, the admin token,
the delay limit and the CORS origin come from the profile; a body over the limit is 413
whatever else is wrong with it (the contract checks the size first). Requests only a real
server sees are in lockstep_suite.malformed.
"""

import gzip
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import replace
from typing import Any

from lockstep_suite.cases import RID_PLACEHOLDER, Case, Expect, Step
from lockstep_suite.check import BODY_SECRET, COOKIE_SECRET, QUERY_SECRET, RID_SECRET, TOKEN_SECRET
from lockstep_suite.expect import JSON, PROBLEM, problem
from lockstep_suite.messages import Request
from lockstep_suite.profile import Profile

FOREIGN = "https://evil.example"

# -- expected answers --------------------------------------------------------------------------


def dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def problem_of(status: int, detail: str | None = None) -> Expect:
    body = problem(status, RID_PLACEHOLDER.decode(), detail)
    headers: tuple[tuple[str, str | None], ...] = ()
    if status == 401:
        headers = (("WWW-Authenticate", "Bearer"),)
    return Expect(status, body, PROBLEM, headers)


def too_large(p: Profile) -> Expect:
    return Expect(413, p.problem(413, RID_PLACEHOLDER.decode()), PROBLEM)


def bad_delay(p: Profile) -> Expect:
    return problem_of(400, p.bad_delay)


BAD_JSON = problem_of(400, "request body is not valid JSON")
BAD_STATUS = problem_of(400, "code must be an integer from 200 to 599")
UNAUTHORIZED = problem_of(401)
NOT_FOUND = problem_of(404)
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
SECRET_MESSAGE = f"hostile {BODY_SECRET}"
HI = dumps({"message": SECRET_MESSAGE})


def hostile(  # noqa: PLR0917 - a catalogue row reads id, method, path, answer, headers, body
    case_id: str,
    method: str,
    path: str,
    expect: Expect,
    headers: tuple[tuple[str, bytes], ...] = (),
    body: bytes | None = None,
    chunks: tuple[bytes, ...] | None = None,
    dribble: float = 0.0,
    per_family: tuple[tuple[str, Expect], ...] = (),
    cors: bool = False,
    query: bool = True,
    note: str = "",
) -> Case:
    """One request: `body` is sent with Content-Length, `chunks` chunked, both spread over
    `dribble` seconds; `query` adds ?hq=QUERY_SECRET; a valid X-Request-ID made from the case's
    name goes with it unless `headers` carry one."""
    target = f"{path}{'&' if '?' in path else '?'}hq={QUERY_SECRET}" if query else path
    rid = re.sub(r"[^A-Za-z0-9._-]", "_", f"hostile-{case_id}")[:128]
    request = Request(method, target, headers, body if chunks is None else chunks, dribble)
    step = Step(request.with_header("X-Request-ID", rid.encode()), expect, per_family)
    return Case(case_id, (step,), cors, note)


def echo(
    case_id: str,
    body: bytes,
    expect: Expect,
    note: str = "",
    headers: tuple[tuple[str, bytes], ...] = AS_JSON,
) -> Case:
    return hostile(case_id, "POST", "/echo", expect, headers, body, note=note)


def nested(depth: int, inner: bytes = b"") -> bytes:
    return b"[" * depth + inner + b"]" * depth


def in_metadata(raw_value: bytes) -> bytes:
    return b'{"message":"' + SECRET_MESSAGE.encode() + b'","metadata":{"k":' + raw_value + b"}}"


def _bodies(p: Profile) -> Iterator[Case]:
    """Body bombs: depth, size, numbers, duplicates; each must be 400, 413 or 422, never 5xx."""
    limit = p.max_body_bytes
    depth_note = "the contract allows arrays and objects nested at most 64 deep: deeper is 400"
    yield echo("depth-100000-arrays", nested(100000), BAD_JSON, depth_note)
    yield echo(f"depth-{limit // 2}-arrays", nested(limit // 2), BAD_JSON, depth_note)
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
    yield echo("exactly-the-limit", HI + b" " * (limit - len(HI)), echoed(SECRET_MESSAGE))
    yield echo("one-over-the-limit", HI + b" " * (limit + 1 - len(HI)), echoed(SECRET_MESSAGE))
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
    yield hostile(
        "method-override-header",
        "POST",
        "/echo",
        echoed(SECRET_MESSAGE),
        (*AS_JSON, ("X-HTTP-Method-Override", b"DELETE")),
        HI,
    )


def _too_long_message() -> Expect:
    return invalid("/message", "too_long", "must have at most 1000 characters")


def _encodings() -> Iterator[Case]:
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


def _request_ids() -> Iterator[Case]:
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
        yield hostile(f"request-id-{name}", "GET", "/nope", NOT_FOUND, (("X-Request-ID", value),))
    yield hostile(
        "request-id-repeated",
        "GET",
        "/health",
        HEALTHY,
        (("X-Request-ID", b"first"), ("X-Request-ID", b"second")),
    )
    kept = {"dots": b"..", "dash": b"-", "128": b"r" * 128}
    for name, value in kept.items():
        yield hostile(
            f"request-id-valid-{name}", "GET", "/nope", NOT_FOUND, (("X-Request-ID", value),)
        )
    yield hostile(
        "request-id-on-echo-body",
        "POST",
        "/echo",
        echoed(SECRET_MESSAGE),
        (*AS_JSON, ("X-Request-ID", f"{RID_SECRET}\u2028".encode())),
        HI,
    )


def _traversal() -> Iterator[Case]:
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
        yield hostile(f"traversal-{index:02d}-{path}", "GET", path, NOT_FOUND)
    css = Expect(200, None, "text/css; charset=utf-8")
    yield hostile("traversal-encoded-letter", "GET", "/docs/%73wagger-ui.css", css)
    yield hostile(
        "traversal-encoded-slash",
        "GET",
        "/docs%2Fswagger-ui.css",
        css,
        note="one percent-decoding gives /docs/swagger-ui.css: matched, as /hea%6Cth is",
    )


def _paths_and_parameters(p: Profile) -> Iterator[Case]:
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
        yield hostile(f"param-{path}", "GET", path, bad_delay(p))
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
        yield hostile(f"param-{path}", "GET", path, BAD_STATUS)
    yield hostile("param-/status/2%30%30", "GET", "/status/2%30%30", ok(b'{"status":200}'))
    yield hostile("path-1000-slashes", "GET", "/" * 1000, NOT_FOUND)
    yield hostile("path-7000-chars", "GET", "/" + "a" * 7000, NOT_FOUND)
    yield hostile(
        "path-9000-chars",
        "GET",
        "/" + "a" * 9000,
        NOT_FOUND,
        per_family=(("gunicorn", Expect(414, pre_app=True)),),
        query=False,
        note="contract Known differences: a request line over 8190 bytes",
    )
    yield hostile("query-6000-chars", "GET", "/health?" + "q=%00%ff&" * 600, HEALTHY)


def _headers() -> Iterator[Case]:
    """Many, long and forwarded headers."""
    ninety = tuple((f"X-Hostile-{i}", b"v") for i in range(90))
    yield hostile("headers-90", "GET", "/health", HEALTHY, ninety)
    yield hostile(
        "headers-90-on-echo", "POST", "/echo", echoed(SECRET_MESSAGE), (*AS_JSON, *ninety), HI
    )
    cookies = tuple(("Cookie", f"c{i}={COOKIE_SECRET}".encode()) for i in range(40))
    yield hostile("headers-40-cookies", "GET", "/health", HEALTHY, cookies)
    yield hostile("header-8k-value", "GET", "/health", HEALTHY, (("X-Pad", b"p" * 8000),))
    known = "contract Known differences: gunicorn 431, uvicorn serves"
    yield hostile(
        "headers-120",
        "GET",
        "/health",
        HEALTHY,
        tuple((f"X-Many-{i}", b"v") for i in range(120)),
        per_family=(("gunicorn", SERVER_431),),
        note=known,
    )
    yield hostile(
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
    yield hostile("forwarded-headers-ignored", "GET", "/nope", NOT_FOUND, forwarded)
    yield hostile("host-foreign", "GET", "/health", HEALTHY, (("Host", b"evil.example"),))
    yield hostile(
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
    yield hostile(
        "content-type-repeated-text-first",
        "POST",
        "/echo",
        UNSUPPORTED,
        (("Content-Type", b"text/plain"), ("Content-Type", b"application/json")),
        HI,
        per_family=(("gunicorn", SERVER_400),),
        note="gunicorn refuses a repeated Content-Type itself (not in Known differences)",
    )
    yield hostile(
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
        yield hostile(
            f"content-type-{name}", "POST", "/echo", UNSUPPORTED, (("Content-Type", value),), HI
        )


def _methods() -> Iterator[Case]:
    """Methods outside the contract's: 405 with Allow on a known path, 404 elsewhere."""
    for method in ("TRACE", "CONNECT", "PROPFIND", "MKCOL", "LOCK", "SEARCH", "PURGE", "BREW"):
        yield hostile(f"method-{method}", method, "/health", not_allowed(GET_ALLOW))
    yield hostile("method-TRACE-unknown", "TRACE", "/nope", NOT_FOUND)
    yield hostile("method-PROPFIND-echo", "PROPFIND", "/echo", not_allowed("POST, OPTIONS"))
    yield hostile("method-get-lowercase", "get", "/health", not_allowed(GET_ALLOW))
    yield hostile("method-options-lowercase", "options", "/echo", not_allowed("POST, OPTIONS"))
    yield hostile("method-100-letters", "A" * 100, "/health", not_allowed(GET_ALLOW))
    yield hostile("method-TRACE-with-body", "TRACE", "/", not_allowed(GET_ALLOW), AS_JSON, HI)
    head = not_allowed("POST, OPTIONS")
    yield hostile("method-HEAD-echo", "HEAD", "/echo", head)


def _admin(p: Profile) -> Iterator[Case]:
    """Forged and malformed tokens: 401 with WWW-Authenticate, whatever the bytes."""
    token = p.token.encode()
    secret = TOKEN_SECRET.encode()
    forged = {
        "very-long": b"Bearer " + secret + b"A" * 10000,
        "non-ascii-utf8": b"Bearer " + secret + "\u20ac\u00df".encode(),
        "non-ascii-latin1": b"Bearer " + secret + b"\xe9\xff",
        "real-plus-utf8": b"Bearer " + token + "\u00e9".encode(),
        "double-space": b"Bearer  " + token,
        "tab-separator": b"Bearer\t" + token,
        "no-separator": b"Bearer" + token,
        "scheme-only": b"Bearer",
        "scheme-upper": b"BEARER " + token,
        "token-scheme": b"Token " + token,
        "basic-of-token": b"Basic " + secret,
        "two-credentials": b"Bearer " + token + b", Bearer " + secret,
        "token-twice": b"Bearer " + token + b" " + token,
        "prefix": b"Bearer " + token[:-1],
        "longer": b"Bearer " + token + b"0",
        "case-changed": b"Bearer " + token.upper(),
        "quoted": b'Bearer "' + token + b'"',
        "homoglyph": b"Bearer " + token.replace(b"a", "\u0430".encode()),
    }
    body = b'{"ready":true}'
    for name, value in forged.items():
        yield hostile(
            f"admin-{name}",
            "PUT",
            "/admin/readiness",
            UNAUTHORIZED,
            (("Authorization", value), *AS_JSON),
            body,
        )
    yield hostile(
        "admin-authorization-repeated",
        "PUT",
        "/admin/readiness",
        UNAUTHORIZED,
        (("Authorization", b"Bearer " + token), ("Authorization", b"Bearer " + secret), *AS_JSON),
        body,
        note="as for X-Request-ID, repeated fields count joined by ',': not 'Bearer <token>'",
    )
    yield hostile(
        "admin-forged-no-body",
        "PUT",
        "/admin/liveness",
        UNAUTHORIZED,
        (("Authorization", b"Bearer " + secret),),
    )
    yield hostile(
        "admin-forged-over-limit",
        "PUT",
        "/admin/liveness",
        UNAUTHORIZED,
        (("Authorization", b"Bearer " + secret), *AS_JSON),
        b" " * (p.max_body_bytes + 1),
    )
    yield hostile(
        "admin-method-before-token",
        "DELETE",
        "/admin/readiness",
        not_allowed("PUT, OPTIONS"),
        (("Authorization", b"Bearer " + token),),
    )
    admin = (("Authorization", b"Bearer " + token), *AS_JSON)
    not_boolean = invalid("/ready", "not_boolean", "must be a boolean")
    yield hostile("admin-deep-body", "PUT", "/admin/readiness", BAD_JSON, admin, nested(20000))
    yield hostile(
        "admin-1e999999", "PUT", "/admin/readiness", not_boolean, admin, b'{"ready":1e999999}'
    )
    yield hostile(
        "admin-last-member-counts",
        "PUT",
        "/admin/readiness",
        ok(b'{"ready":true}'),
        admin,
        b'{"ready":"no","ready":true}',
    )
    yield hostile(
        "admin-lone-surrogate-member",
        "PUT",
        "/admin/readiness",
        BAD_JSON,
        admin,
        b'{"\\ud800":true}',
    )


def _slow(p: Profile) -> Iterator[Case]:
    """Bodies dribbled over about a second: answered as if sent at once."""
    pieces = tuple(HI[i : i + 4] for i in range(0, len(HI), 4))
    yield hostile(
        "slow-chunked-body",
        "POST",
        "/echo",
        echoed(SECRET_MESSAGE),
        AS_JSON,
        chunks=pieces,
        dribble=1.2,
    )
    yield hostile(
        "slow-content-length-body",
        "POST",
        "/echo",
        echoed(SECRET_MESSAGE),
        AS_JSON,
        HI,
        dribble=1.2,
    )
    yield hostile(
        "slow-chunked-forged-token",
        "PUT",
        "/admin/readiness",
        UNAUTHORIZED,
        (("Authorization", b"Bearer " + TOKEN_SECRET.encode()), *AS_JSON),
        chunks=(b'{"re', b'ady":', b"true}"),
        dribble=0.6,
    )
    over = tuple(b" " * 8192 for _ in range(p.max_body_bytes // 8192 + 1))  # 73728 bytes for 64 KiB
    yield hostile(
        "slow-chunked-over-limit", "POST", "/echo", BAD_JSON, AS_JSON, chunks=over, dribble=0.6
    )


def _cors(p: Profile) -> Iterator[Case]:
    """Foreign origins on a CORS target: Vary always, Access-Control-* only for its origin."""
    origin = p.origin
    foreign = (
        ("Access-Control-Allow-Origin", None),
        ("Access-Control-Expose-Headers", None),
        ("Access-Control-Allow-Credentials", None),
        ("Vary", "Origin"),
    )
    origins = {
        "foreign": FOREIGN.encode(),
        "null": b"null",
        "suffix": f"{origin}.evil.example".encode(),
        "subdomain": origin.replace("://", "://evil.").encode(),
        "explicit-port": _port_spelled_otherwise(origin).encode(),
        "upper-case": origin.upper().encode(),
        "trailing-slash": f"{origin}/".encode(),
        "list": f"{origin}, {FOREIGN}".encode(),
        "star": b"*",
        f"{_other_scheme(origin).partition(':')[0]}-scheme": _other_scheme(origin).encode(),
        "crlf-encoded": f"{origin}%0d%0a".encode(),
        "non-ascii": origin.encode() + "\u00e9".encode(),
    }
    for name, sent in origins.items():
        yield hostile(
            f"cors-{name}",
            "GET",
            "/health",
            replace(HEALTHY, headers=foreign),
            (("Origin", sent), ("Cookie", f"s={COOKIE_SECRET}".encode())),
            cors=True,
        )
    yield hostile(
        "cors-origin-repeated",
        "GET",
        "/health",
        replace(HEALTHY, headers=foreign),
        (("Origin", origin.encode()), ("Origin", origin.encode())),
        cors=True,
    )
    plain = Expect(
        204,
        b"",
        None,
        (("Allow", "POST, OPTIONS"), ("Access-Control-Allow-Methods", None), *foreign),
    )
    yield hostile(
        "cors-preflight-foreign",
        "OPTIONS",
        "/echo",
        plain,
        (("Origin", FOREIGN.encode()), ("Access-Control-Request-Method", b"POST")),
        cors=True,
    )
    allowed = (
        ("Access-Control-Allow-Origin", origin),
        ("Access-Control-Expose-Headers", "X-Request-ID"),
        ("Access-Control-Allow-Credentials", None),
        ("Vary", "Origin"),
    )
    yield hostile(
        "cors-preflight-lowercase-method",
        "OPTIONS",
        "/echo",
        Expect(204, b"", None, (("Access-Control-Allow-Methods", None), *allowed)),
        (("Origin", origin.encode()), ("Access-Control-Request-Method", b"post")),
        cors=True,
    )
    yield hostile(
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
            ("Origin", origin.encode()),
            ("Access-Control-Request-Method", b"PUT"),
            ("Access-Control-Request-Headers", b"X-Evil, Cookie"),
        ),
        cors=True,
    )
    yield hostile(
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
    yield hostile(
        "cors-foreign-echo",
        "POST",
        "/echo",
        replace(echoed(SECRET_MESSAGE), headers=foreign),
        (("Origin", FOREIGN.encode()), *AS_JSON),
        HI,
        cors=True,
    )


def _other_scheme(origin: str) -> str:
    scheme, _, rest = origin.partition("://")
    return f"{'http' if scheme == 'https' else 'https'}://{rest}"


def _port_spelled_otherwise(origin: str) -> str:
    """The origin with its default port written out, or without the port it has."""
    scheme, _, rest = origin.partition("://")
    if ":" in rest:
        return f"{scheme}://{rest.rpartition(':')[0]}"
    return f"{origin}:{443 if scheme == 'https' else 80}"


def catalogue(p: Profile) -> tuple[Case, ...]:
    """Every hostile case for a target of profile `p`."""
    cases = (
        *_bodies(p),
        *_encodings(),
        *_request_ids(),
        *_traversal(),
        *_paths_and_parameters(p),
        *_headers(),
        *_methods(),
        *_admin(p),
        *_slow(p),
        *_cors(p),
    )
    return tuple(applied(case, p) for case in cases)


def applied(case: Case, p: Profile) -> Case:
    """`case` for profile `p`: a body over the limit expects 413 (the contract checks the size
    first), and what an admin call needs of the target (the token, guarded, drills) is said."""
    step, request = case.step, case.request
    if len(request.content()) > p.max_body_bytes:
        limited = too_large(p)
        per_family = tuple((f, e if e.pre_app else limited) for f, e in step.per_family)
        step = Step(request, limited, per_family)
    needs = set(case.needs)
    if request.path.startswith("/admin/") and step.expect is not None:
        status = step.expect.status
        if any(p.token.encode() in value for _, value in request.headers):
            needs.add("admin_token")
        if 200 <= status < 300:
            needs.add("drills")
        if status == 401:
            needs.add("guarded_admin")
    return replace(case, steps=(step,), needs=frozenset(needs))
