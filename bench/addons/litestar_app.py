"""Litestar with the usual add-ons: its Prometheus plugin, CORSConfig, and a middleware of
the user's for the request id and the JSON access line (Litestar has no request-id one)."""

import time
import uuid

from litestar import Litestar, MediaType, Response, get
from litestar.config.cors import CORSConfig
from litestar.datastructures import Headers, MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.plugins.prometheus import PrometheusConfig, PrometheusController
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from . import BODY, ORIGINS, REQUEST_ID, access_line, access_logger


class RequestIdMiddleware(ASGIMiddleware):
    """X-Request-ID taken from the request or made, sent back, and written in the access line."""

    scopes = (ScopeType.HTTP,)

    def __init__(self) -> None:
        self.logger = access_logger()

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        if scope["type"] != ScopeType.HTTP:  # never: `scopes` says so; for the type checker
            return await next_app(scope, receive, send)
        started = time.perf_counter()
        request_id = Headers.from_scope(scope).get(REQUEST_ID) or uuid.uuid4().hex
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableScopeHeaders.from_message(message)[REQUEST_ID] = request_id
            await send(message)

        try:
            await next_app(scope, receive, send_with_id)
        finally:
            access_line(self.logger, started, request_id=request_id, method=scope["method"],
                        path=scope["path"], status=status)  # fmt: skip


@get("/health", sync_to_thread=False)
def health() -> Response[bytes]:
    return Response(BODY, media_type=MediaType.JSON)


def create_app() -> Litestar:
    return Litestar(
        [health, PrometheusController],
        middleware=[PrometheusConfig().middleware, RequestIdMiddleware()],
        cors_config=CORSConfig(allow_origins=ORIGINS, expose_headers=[REQUEST_ID]),
        openapi_config=None,
        logging_config=None,  # the server configures logging, as for the minimal app
    )
