"""One request as the middleware sees it: its id, its route, the answers the middleware gives
before the application runs (400 for a bad Host, 413, OPTIONS, CORS preflight), the headers
added to every answer, and the access line and metrics written when it ends. Shared by the
ASGI and WSGI middleware."""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from lockstep_contract import logs, problems, requestid, rules
from lockstep_contract.logs import ACCESS_LOGGER
from lockstep_contract.route_table import UNMATCHED, match
from lockstep_contract.runtime import Runtime

Headers = list[tuple[str, str]]
_ACCESS = logging.getLogger(ACCESS_LOGGER)
_OWNED = frozenset({requestid.HEADER.lower(), "cache-control", "x-content-type-options", "vary"})
_ALLOWED_HEADERS = f"Authorization, Content-Type, {requestid.HEADER}"


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    headers: Headers
    body: bytes


class Exchange:
    def __init__(
        self, runtime: Runtime, method: str, path: str, header: Callable[[str], str | None]
    ) -> None:
        self.started = time.perf_counter()
        self.runtime = runtime
        self.method = method
        self.path = path
        self.route = match(path)
        self.request_id = requestid.resolve(header("x-request-id"))
        self._header = header
        self._origin = self._allowed_origin(header("origin"))

    def _allowed_origin(self, origin: str | None) -> str | None:
        allowed = self.runtime.settings.cors_origins
        if origin is None or not allowed:
            return None
        return origin if allowed == ("*",) or origin in allowed else None

    def declared_too_large(self) -> bool:
        length = self._header("content-length")
        limit = self.runtime.settings.max_body_bytes
        return length is not None and length.isdigit() and int(length) > limit

    def is_chunked(self) -> bool:
        return "chunked" in (self._header("transfer-encoding") or "").lower()

    def answer_before_app(self) -> Answer | None:
        """The answer the middleware gives without calling the application, if any: 400 for
        an invalid Host, 413 for a declared oversize body, 204 for OPTIONS on a known path."""
        if not rules.is_valid_host(self._header("host")):
            return self.problem(400, problems.INVALID_HOST)
        if self.declared_too_large():
            return self.too_large()
        if self.method != "OPTIONS" or self.route is None:
            return None
        headers = [("Allow", self.route.allow)]
        asked = self._header("access-control-request-method")
        if self._origin is not None and asked is not None and asked in self.route.methods:
            headers += [
                ("Access-Control-Allow-Methods", self.route.allow),
                ("Access-Control-Allow-Headers", _ALLOWED_HEADERS),
                ("Access-Control-Max-Age", "600"),
            ]
        return Answer(204, headers, b"")

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
        """The answer's headers plus those the contract puts on every answer."""
        kept = [
            (name, value)
            for name, value in headers
            if name.lower() not in _OWNED and not name.lower().startswith("access-control-")
        ]
        kept += [
            (requestid.HEADER, self.request_id),
            ("Cache-Control", "no-store"),
            ("X-Content-Type-Options", "nosniff"),
        ]
        if self.runtime.settings.cors_origins:
            kept.append(("Vary", "Origin"))
        if self._origin is not None:
            kept += [
                ("Access-Control-Allow-Origin", self._origin),
                ("Access-Control-Expose-Headers", requestid.HEADER),
            ]
        return kept + [
            (name, value) for name, value in headers if name.lower().startswith("access-control-")
        ]

    def count_and_log(self, status: int) -> None:
        """Count the request in the metrics and write its access line (it has been answered)."""
        seconds = time.perf_counter() - self.started
        self.runtime.metrics.observe(self.method, self.route, status, seconds)
        logs.access(
            _ACCESS,
            {
                "request_id": self.request_id,
                "method": self.method,
                "path": self.path,
                "route": self.route.template if self.route else UNMATCHED,
                "status": status,
                "duration_ms": round(seconds * 1000, 3),
            },
        )
