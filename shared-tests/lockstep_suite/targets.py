"""Targets: one implementation reached in process (httpx transport), as a real server, or at
a URL. Every test talks to a `Target` and reads a `Reply`; none sees an implementation's code."""

import asyncio
import contextlib
import importlib
import inspect
import json
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import httpx

ROOT = Path(__file__).resolve().parents[2]
IMPLEMENTATIONS = tuple(
    sorted(path.parent.name for path in (ROOT / "implementations").glob("*/pyproject.toml"))
)
ADMIN_TOKEN = "suite-admin-token-0123456789"
# The configuration every target runs with (a URL given by --base-url must match it).
SUITE_ENV = {
    "APP_NAME": "lockstep",
    "APP_ENV": "test",
    "ADMIN_TOKEN": ADMIN_TOKEN,
    "MAX_BODY_BYTES": "65536",
    "MAX_DELAY_SECONDS": "10",
    "LOG_LEVEL": "INFO",
}
Body = bytes | Iterable[bytes] | None


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


class Target(Protocol):
    name: str
    implementation: str
    kind: str

    def request(
        self, method: str, path: str, headers: Mapping[str, str] | None = None, body: Body = None
    ) -> Reply: ...


def _url(base: str, path: str) -> httpx.URL:
    # raw_path keeps "//health" and "%6C" as sent; httpx would otherwise normalise them.
    return httpx.URL(base).copy_with(raw_path=path.encode("ascii"))


def _reply(response: httpx.Response) -> Reply:
    return Reply(response.status_code, list(response.headers.multi_items()), response.content)


@dataclass
class HttpTarget:
    """A running server at base_url (a subprocess of the suite, a container, any URL)."""

    name: str
    implementation: str
    kind: str
    base_url: str
    timeout: float = 30.0

    def request(
        self, method: str, path: str, headers: Mapping[str, str] | None = None, body: Body = None
    ) -> Reply:
        with httpx.Client(trust_env=False, timeout=self.timeout) as client:
            response = client.request(
                method, _url(self.base_url, path), headers=dict(headers or {}), content=body
            )
            return _reply(response)


@dataclass
class InProcessTarget:
    """create_app() called in this process with the suite's environment, reached through
    httpx's ASGI or WSGI transport."""

    name: str
    implementation: str
    kind: str
    app: Any

    @classmethod
    def build(cls, implementation: str, env: Mapping[str, str]) -> "InProcessTarget":
        module = importlib.import_module(f"lockstep_{implementation}.app")
        with _environment(env):
            app = module.create_app()
        return cls(f"{implementation}-inprocess", implementation, "inprocess", app)

    def request(
        self, method: str, path: str, headers: Mapping[str, str] | None = None, body: Body = None
    ) -> Reply:
        url = _url("http://testserver", path)
        if inspect.iscoroutinefunction(type(self.app).__call__):
            return asyncio.run(self._asgi(method, url, headers, body))
        transport = httpx.WSGITransport(app=_as_wsgi_server_would(self.app))
        with httpx.Client(transport=transport, trust_env=False) as client:
            return _reply(client.request(method, url, headers=dict(headers or {}), content=body))

    async def _asgi(
        self, method: str, url: httpx.URL, headers: Mapping[str, str] | None, body: Body
    ) -> Reply:
        content: Any = body
        if body is not None and not isinstance(body, bytes):
            chunks = list(body)

            async def stream() -> Any:
                for chunk in chunks:
                    yield chunk

            content = stream()
        transport = httpx.ASGITransport(app=self.app)
        async with httpx.AsyncClient(transport=transport, trust_env=False) as client:
            return _reply(
                await client.request(method, url, headers=dict(headers or {}), content=content)
            )


def _as_wsgi_server_would(app: Any) -> Any:
    """httpx hands PATH_INFO over decoded as UTF-8; PEP 3333 servers pass the bytes as latin-1."""

    def call(environ: dict[str, Any], start_response: Any) -> Any:
        environ["PATH_INFO"] = environ["PATH_INFO"].encode("utf-8").decode("latin-1")
        return app(environ, start_response)

    return call


@contextlib.contextmanager
def _environment(env: Mapping[str, str]) -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)
