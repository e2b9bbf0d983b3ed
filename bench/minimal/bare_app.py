"""The server's ceiling: a bare ASGI or WSGI callable with lockstep's /health bytes, and a
fixed 404 problem for any other path."""

from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any

HEALTH = b'{"status":"ok"}'
NOT_FOUND = (
    b'{"type":"about:blank","title":"Not Found","status":404,"detail":"no resource at this path"}'
)
Message = MutableMapping[str, Any]
ASGI = Callable[
    [Message, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]],
    Awaitable[None],
]
WSGI = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def _answer(path: str) -> tuple[int, str, bytes]:
    if path == "/health":
        return 200, "application/json", HEALTH
    return 404, "application/problem+json", NOT_FOUND


def create_asgi() -> ASGI:
    async def app(
        scope: Message,
        receive: Callable[[], Awaitable[Message]],
        send: Callable[[Message], Awaitable[None]],
    ) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        status, content_type, body = _answer(scope["path"])
        headers = [(b"content-type", content_type.encode()), (b"content-length", b"%d" % len(body))]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return app


def create_wsgi() -> WSGI:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        status, content_type, body = _answer(environ["PATH_INFO"])
        line = "200 OK" if status == 200 else "404 Not Found"
        start_response(line, [("Content-Type", content_type), ("Content-Length", str(len(body)))])
        return [body]

    return app
