"""Targets: one implementation reached in process, as a real server, or at a URL. Every test
talks to a `Target` and reads a `Reply`; none sees an implementation's code.

`request()` is the everyday call; `send()` takes a `messages.Request` as it goes on the wire
(raw bytes, repeated headers, a request target no client library would send). In process
both go through `inprocess.call`; a real server gets `request()` from httpx and `send()`
from the raw socket client.
"""

import contextlib
import importlib
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import httpx

from lockstep_suite import inprocess, wire
from lockstep_suite.messages import Reply, Request
from lockstep_suite.profile import SUITE, SUITE_ENV, Profile

ROOT = Path(__file__).resolve().parents[2]
IMPLEMENTATIONS = tuple(
    sorted(path.parent.name for path in (ROOT / "implementations").glob("*/pyproject.toml"))
)
Body = bytes | Iterable[bytes] | None
Headers = Mapping[str, str | bytes] | None


class Target(Protocol):
    name: str
    implementation: str
    kind: str
    profile: Profile

    def request(self, method: str, path: str, headers: Headers = None, body: Body = None) -> Reply:
        """One request; str header values go as UTF-8, an iterable body goes chunked."""

    def send(self, request: Request) -> Reply:
        """`request` exactly as written."""


def _url(base: str, path: str) -> httpx.URL:
    # raw_path keeps "//health" and "%6C" as sent; httpx would otherwise normalise them.
    return httpx.URL(base).copy_with(raw_path=path.encode("ascii"))


@dataclass
class HttpTarget:
    """A running server at base_url (a subprocess of the suite, a container, any URL)."""

    name: str
    implementation: str
    kind: str
    base_url: str
    profile: Profile = SUITE
    timeout: float = 30.0
    observer: Callable[[str, str], None] | None = None  # told of each request (the report)

    def request(self, method: str, path: str, headers: Headers = None, body: Body = None) -> Reply:
        if self.observer is not None:
            self.observer(method, path)
        with httpx.Client(trust_env=False, timeout=self.timeout) as client:
            sent = Request.of(method, path, headers).headers
            raw = [(name.encode("latin-1"), value) for name, value in sent]
            response = client.request(method, _url(self.base_url, path), headers=raw, content=body)
            return Reply(
                response.status_code, list(response.headers.multi_items()), response.content
            )

    def send(self, request: Request) -> Reply:
        if self.observer is not None:
            self.observer(request.method, request.target)
        return wire.send(self.base_url, request, self.timeout)


@dataclass
class InProcessTarget:
    """create_app() called in this process with an environment, called as its server would
    call it (lockstep_suite.inprocess)."""

    name: str
    implementation: str
    kind: str
    app: Any
    profile: Profile = field(default=SUITE)

    @classmethod
    def build(cls, implementation: str, env: Mapping[str, str] = SUITE_ENV) -> "InProcessTarget":
        module = importlib.import_module(f"lockstep_{implementation}.app")
        with _environment(env):
            app = module.create_app()
        profile = Profile.from_env(env)
        return cls(f"{implementation}-inprocess", implementation, "inprocess", app, profile)

    def request(self, method: str, path: str, headers: Headers = None, body: Body = None) -> Reply:
        return self.send(Request.of(method, path, headers, body))

    def send(self, request: Request) -> Reply:
        return inprocess.call(self.app, request)


@contextlib.contextmanager
def _environment(env: Mapping[str, str]) -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)
