"""One request as the middleware sees it: its id, its route, the answers the middleware gives
before the application runs (400 for a bad Host, 413, OPTIONS, CORS preflight, 404 outside the
route table), the headers added to every answer, and the access line and metrics written when
it ends. Shared by the ASGI and WSGI middleware."""

import time
from dataclasses import dataclass

from lockstep_contract import problems, requestid, rules
from lockstep_contract.route_table import UNMATCHED, match
from lockstep_contract.runtime import Runtime

Headers = list[tuple[str, str]]  # WSGI's
RawHeaders = list[tuple[bytes, bytes]]  # ASGI's: handled as bytes, never decoded whole
# What the contract sets on every answer, replacing the framework's own if it sent one (the
# order of header fields is not part of the contract).
_OWNED = frozenset({requestid.HEADER.lower(), "cache-control", "x-content-type-options", "vary"})
_OWNED_RAW = frozenset(name.encode() for name in _OWNED)
_ALWAYS = (("Cache-Control", "no-store"), ("X-Content-Type-Options", "nosniff"))
_ALWAYS_RAW = tuple((name.encode(), value.encode()) for name, value in _ALWAYS)
_REQUEST_ID_RAW = requestid.HEADER.encode()
_ALLOWED_HEADERS = f"Authorization, Content-Type, {requestid.HEADER}"
# The request headers the middleware reads, lower-case: the ASGI and WSGI middleware hand over
# these alone, decoded, as a dict (see Exchange).
READ = (
    "host",
    "x-request-id",
    "content-length",
    "transfer-encoding",
    "origin",
    "access-control-request-method",
)


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    headers: Headers
    body: bytes


class Exchange:
    """One request; `headers` holds those of READ it carries, by lower-case name."""

    __slots__ = (
        "_header",
        "_origin",
        "chunked",
        "method",
        "path",
        "request_id",
        "route",
        "runtime",
        "started",
        "template",
    )

    def __init__(self, runtime: Runtime, method: str, path: str, headers: dict[str, str]) -> None:
        self.started = time.perf_counter()
        self.runtime = runtime
        self.method = method
        self.path = path
        self.route = route = match(path)
        self.template = route.template if route is not None else UNMATCHED  # metrics, log
        self._header = header = headers.get
        self.request_id = requestid.resolve(header("x-request-id"))
        self.chunked = "chunked" in header("transfer-encoding", "").lower()
        allowed = runtime.settings.cors_origins
        origin = header("origin") if allowed else None
        if origin is not None and allowed != ("*",) and origin not in allowed:
            origin = None
        self._origin = origin

    def answer_before_app(self) -> Answer | None:
        """The answer the middleware gives without calling the application, if any: 400 for
        an invalid Host, 413 for a declared oversize body, 204 for OPTIONS on a known path,
        404 for a path outside the route table, whatever the method. A chunked body is read
        first (answer_unrouted() then tells): over the limit, it is a 413 on any path."""
        if not rules.is_valid_host(self._header("host")):
            return self.problem(400, problems.INVALID_HOST)
        length = self._header("content-length")
        if (
            length is not None
            and length.isdigit()
            and int(length) > self.runtime.settings.max_body_bytes
        ):
            return self.too_large()
        route = self.route
        if route is None:
            return None if self.chunked else self.problem(404, problems.NOT_FOUND)
        if self.method != "OPTIONS":
            return None
        headers = [("Allow", route.allow)]
        asked = self._header("access-control-request-method")
        if self._origin is not None and asked is not None and asked in route.methods:
            headers += [
                ("Access-Control-Allow-Methods", route.allow),
                ("Access-Control-Allow-Headers", _ALLOWED_HEADERS),
                ("Access-Control-Max-Age", "600"),
            ]
        return Answer(204, headers, b"")

    def answer_unrouted(self) -> Answer | None:
        """After a chunked body was read within the limit: 404 outside the route table."""
        return self.problem(404, problems.NOT_FOUND) if self.route is None else None

    def too_large(self) -> Answer:
        detail = problems.too_large(self.runtime.settings.max_body_bytes)
        return self.problem(413, detail)

    def problem(self, status: int, detail: str) -> Answer:
        body = problems.problem(status, detail, self.request_id)
        return Answer(
            status,
            [("Content-Type", problems.PROBLEM_JSON), ("Content-Length", str(len(body)))],
            body,
        )

    def with_contract_headers(self, headers: Headers) -> Headers:
        """The answer's headers but those the contract owns, then the contract's (WSGI)."""
        kept = [pair for pair in headers if pair[0].lower() not in _OWNED]
        return kept + self._contract_headers()

    def with_raw_contract_headers(self, headers: RawHeaders) -> RawHeaders:
        """The same for ASGI, in bytes: only the names are looked at, lower-cased."""
        kept = [pair for pair in headers if pair[0].lower() not in _OWNED_RAW]
        if not self.runtime.settings.cors_origins:  # the usual case, in bytes made once
            kept += ((_REQUEST_ID_RAW, self.request_id.encode()), *_ALWAYS_RAW)
        else:
            kept += ((k.encode(), v.encode("latin-1")) for k, v in self._contract_headers())
        return kept

    def _contract_headers(self) -> Headers:
        added = [(requestid.HEADER, self.request_id), *_ALWAYS]
        if self.runtime.settings.cors_origins:
            added.append(("Vary", "Origin"))
        if self._origin is not None:
            added += [
                ("Access-Control-Allow-Origin", self._origin),
                ("Access-Control-Expose-Headers", requestid.HEADER),
            ]
        return added

    def count_and_log(self, status: int) -> None:
        """Count the request in the metrics and write its access line (it has been answered)."""
        seconds = time.perf_counter() - self.started
        route = self.template
        self.runtime.metrics.observe(self.method, route, status, seconds)
        self.runtime.access.write(
            request_id=self.request_id,
            method=self.method,
            path=self.path,
            route=route,
            status=status,
            seconds=seconds,
        )
