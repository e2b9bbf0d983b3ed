"""Requests only a real server sees: malformed request lines and headers, which the HTTP
server answers before the application (each server family its own way, outside parity), and
requests that test a kept-alive connection after an early 413. Data in the catalogue format;
lockstep_suite.wire puts them on the wire."""

from collections.abc import Iterator

from lockstep_suite.cases import Case, Expect
from lockstep_suite.hostile import (
    AS_JSON,
    BAD_JSON,
    HEALTHY,
    HI,
    NOT_FOUND,
    SECRET_MESSAGE,
    SERVER_400,
    applied,
    echoed,
    hostile,
    ok,
    too_large,
)
from lockstep_suite.profile import Profile


def wire_cases(p: Profile) -> tuple[Case, ...]:
    """Malformed requests: each server family's own answer, never a 5xx, and nothing served
    that the contract forbids. Run against real servers only, compared per family."""
    return tuple(applied(case, p) for case in _malformed(p))


def reuse_cases(p: Profile) -> tuple[Case, ...]:
    """Bodies well past gunicorn's 64 KiB drain of an unread body, whatever its first read
    took in: declared, then chunked."""
    over = b" " * (4 * p.max_body_bytes)
    chunks = tuple(over[at : at + 16384] for at in range(0, len(over), 16384))
    return (
        hostile("reuse-after-declared-413", "POST", "/echo", too_large(p), AS_JSON, over),
        hostile("reuse-after-chunked-413", "POST", "/echo", too_large(p), AS_JSON, chunks=chunks),
    )


def _malformed(p: Profile) -> Iterator[Case]:
    token = p.token.encode()

    def both(status: int) -> tuple[tuple[str, Expect], ...]:
        return (("h11", Expect(status, pre_app=True)), ("gunicorn", Expect(status, pre_app=True)))

    bad = {
        "nul-in-header-value": (("X-Trace", b"a\x00b"),),
        "bare-cr-in-header-value": (("X-Trace", b"a\rb"),),
        "nul-after-token": (("Authorization", b"Bearer " + token + b"\x00"),),
        "space-before-colon": (("X-Trace ", b"a"),),
        "repeated-host": (("Host", b"127.0.0.1"), ("Host", b"evil.example")),
        "content-length-plus": (("Content-Length", b"+0"),),
        "content-length-negative": (("Content-Length", b"-1"),),
        "transfer-encoding-identity": (("Transfer-Encoding", b"identity"),),
    }
    for name, headers in bad.items():
        yield hostile(f"wire-{name}", "GET", "/health", SERVER_400, headers, per_family=both(400))
    for name, target in {"nul-in-target": "/he\x00alth", "utf8-in-target": "/h\xc3\xa9alth",
                         "space-in-target": "/he alth"}.items():  # fmt: skip
        yield hostile(f"wire-{name}", "GET", target, SERVER_400, per_family=both(400), query=False)
    yield hostile(
        "wire-non-ascii-method", "G\xc3\x89T", "/health", SERVER_400, per_family=both(400)
    )
    yield hostile(
        "wire-content-length-huge",
        "POST",
        "/echo",
        too_large(p),
        (*AS_JSON, ("Content-Length", b"99999999999999999999")),
    )
    yield hostile(
        "wire-chunk-size-past-limit",
        "POST",
        "/echo",
        BAD_JSON,
        AS_JSON,
        chunks=(b" " * max(70000, p.max_body_bytes + 1),),
        note="one chunk header declaring more bytes than MAX_BODY_BYTES",
    )
    yield hostile("wire-options-asterisk", "OPTIONS", "*", NOT_FOUND, query=False)
    yield hostile("wire-connect-authority", "CONNECT", "127.0.0.1:80", NOT_FOUND, query=False)
    yield hostile(
        "wire-authorization-surrounding-whitespace",
        "PUT",
        "/admin/readiness",
        ok(b'{"ready":true}'),
        (("Authorization", b" \tBearer " + token + b" \t"), *AS_JSON),
        b'{"ready":true}',
        note="RFC 9110 5.5: surrounding whitespace is not part of the value",
    )
    yield hostile(
        "wire-request-id-surrounding-whitespace",
        "GET",
        "/nope",
        NOT_FOUND,
        (("X-Request-ID", b"  spaced-id  "),),
    )
    yield hostile(
        "wire-fragment-in-target",
        "GET",
        "/health#x",
        HEALTHY,
        query=False,
        note="a fragment is no part of the path: gunicorn drops it, the ASGI middleware too",
    )
    yield hostile(
        "wire-transfer-encoding-gzip-chunked",
        "POST",
        "/echo",
        SERVER_400,
        (*AS_JSON, ("Transfer-Encoding", b"gzip, chunked")),
        chunks=(HI,),
        per_family=(("gunicorn", echoed(SECRET_MESSAGE)),),
        note="not in Known differences: h11 refuses the gzip coding, gunicorn ignores it",
    )
    yield hostile(
        "wire-obs-fold",
        "GET",
        "/health",
        HEALTHY,
        (("X-Trace", b"a\r\n b"),),
        per_family=(("gunicorn", SERVER_400),),
        note="contract Known differences: obsolete line folding",
    )
    yield hostile(
        "wire-del-in-header-value",
        "GET",
        "/health",
        HEALTHY,
        (("X-Trace", b"a\x7fb"),),
        per_family=(("gunicorn", SERVER_400),),
        note="not in Known differences: h11 accepts DEL in a value, gunicorn refuses it",
    )
