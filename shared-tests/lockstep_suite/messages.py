"""The suite's one description of an HTTP exchange: a `Request` as a client puts it on the
wire (or as a server hands it to an application in process) and the `Reply` that comes back.

Every target takes a `Request` (`Target.send`); the catalogues (corpus, hostile) are made of
them. Header values are bytes: a request may carry what no well-behaved client would send.
"""

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

# The contract keeps an inbound X-Request-ID only of this form (one header, surrounding
# white space not part of the value, RFC 9110 5.5).
VALID_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")


@dataclass(frozen=True)
class Request:
    method: str
    target: str  # the request target as sent: the path with its query, never normalised
    headers: tuple[tuple[str, bytes], ...] = ()
    # bytes are sent with Content-Length; a tuple of chunks is sent chunked.
    body: bytes | tuple[bytes, ...] | None = None
    dribble: float = 0.0  # seconds over which a real server receives the body pieces

    @classmethod
    def of(
        cls,
        method: str,
        target: str,
        headers: Mapping[str, str | bytes] | None = None,
        body: bytes | Iterable[bytes] | None = None,
    ) -> "Request":
        """From `Target.request`'s arguments: str values as UTF-8, any iterable body chunked."""
        pairs = tuple(
            (name, value if isinstance(value, bytes) else value.encode())
            for name, value in (headers or {}).items()
        )
        sent = body if body is None or isinstance(body, bytes) else tuple(body)
        return cls(method, target, pairs, sent)

    @property
    def path(self) -> str:
        return self.target.partition("?")[0]

    @property
    def query(self) -> str:
        return self.target.partition("?")[2]

    def values(self, name: str) -> list[bytes]:
        return [value for key, value in self.headers if key.lower() == name.lower()]

    def with_header(self, name: str, value: bytes) -> "Request":
        """This request with `name` added in front, unless it already carries one."""
        if self.values(name):
            return self
        return replace(self, headers=((name, value), *self.headers))

    def kept_request_id(self) -> str | None:
        """The X-Request-ID the contract keeps (None: the answer carries a generated one)."""
        sent = self.values("X-Request-ID")
        if len(sent) != 1:
            return None
        value = sent[0].strip(b" \t").decode("latin-1")
        return value if VALID_ID.fullmatch(value) else None

    def framed_headers(self) -> list[tuple[str, bytes]]:
        """The headers a client sends: Content-Length or Transfer-Encoding added for the body,
        unless the request declares its own."""
        names = {name.lower() for name, _ in self.headers}
        added: list[tuple[str, bytes]] = []
        if isinstance(self.body, bytes) and "content-length" not in names:
            added.append(("Content-Length", str(len(self.body)).encode()))
        if isinstance(self.body, tuple) and "transfer-encoding" not in names:
            added.append(("Transfer-Encoding", b"chunked"))
        return [*self.headers, *added]

    def content(self) -> bytes:
        """The body's bytes, chunks joined (what an application reads)."""
        if isinstance(self.body, tuple):
            return b"".join(self.body)
        return self.body or b""

    def body_pieces(self) -> list[bytes]:
        """The body as it goes on the wire: chunk framing, or dribbled pieces."""
        if isinstance(self.body, tuple):
            framed = [b"%x\r\n%s\r\n" % (len(chunk), chunk) for chunk in self.body if chunk]
            return [*framed, b"0\r\n\r\n"]
        if self.body is None:
            return []
        if self.dribble:
            return [self.body[at : at + 4] for at in range(0, len(self.body), 4)]
        return [self.body]


@dataclass(frozen=True)
class Reply:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        values = [value for key, value in self.headers if key.lower() == name.lower()]
        assert len(values) <= 1, f"{name} appears {len(values)} times"
        return values[0] if values else None

    def names(self) -> set[str]:
        return {key.lower() for key, _ in self.headers}

    def json(self) -> Any:
        return json.loads(self.body)
