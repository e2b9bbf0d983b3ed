"""Comparing answers: a `Reply` with the contract's allowed differences (and nothing else)
normalised away, so that two implementations' answers to one request compare equal."""

import re
from dataclasses import dataclass
from urllib.parse import unquote

from lockstep_suite.expect import GENERATED_ID, INFO_VARYING, VOLATILE
from lockstep_suite.messages import Reply, Request

_INFO_VALUE = re.compile(rb'"(' + "|".join(INFO_VARYING).encode() + rb')":"(?:[^"\\]|\\.)*"')
_LABEL_VALUE = re.compile(r'="(?:[^"\\]|\\.)*"')


@dataclass(frozen=True)
class Answer:
    """One reply with the allowed differences normalised away."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def shown_body(self, limit: int = 1500) -> str:
        shown = repr(self.body[:limit])
        return shown + f"... ({len(self.body)} bytes)" if len(self.body) > limit else shown


def normalise(request: Request, reply: Reply) -> Answer:
    """Keep everything but the contract's allowed differences."""
    headers = [(name.lower(), value) for name, value in reply.headers]
    headers = [(name, value) for name, value in headers if name not in VOLATILE]
    body = reply.body
    answered = reply.header("X-Request-ID") or ""
    if request.kept_request_id() is None and GENERATED_ID.fullmatch(answered):
        headers = [(n, "<generated>" if n == "x-request-id" else v) for n, v in headers]
        body = body.replace(answered.encode(), b"<generated>")
    path = unquote(request.path)
    if reply.status == 200 and path in ("/info", "/metrics"):
        # Differing values make differing lengths: check the length, then let it go.
        length = reply.header("Content-Length")
        assert request.method == "HEAD" or length == str(len(reply.body)), reply
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
