"""FastAPI with the usual add-ons: prometheus-fastapi-instrumentator, asgi-correlation-id,
Starlette's CORSMiddleware, and a JSON access line from an `http` middleware."""

import time
from collections.abc import Awaitable, Callable

from asgi_correlation_id import CorrelationIdMiddleware, correlation_id
from fastapi import FastAPI, Request, Response
from fastapi.middleware.cors import CORSMiddleware
from prometheus_fastapi_instrumentator import Instrumentator

from . import BODY, ORIGINS, REQUEST_ID, access_line, access_logger


def create_app() -> FastAPI:
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    logger = access_logger()

    @app.middleware("http")
    async def access_log(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        access_line(
            logger,
            started,
            request_id=correlation_id.get() or "",
            method=request.method,
            path=request.url.path,
            status=response.status_code,
        )
        return response

    @app.get("/health")
    async def health() -> Response:
        return Response(BODY, media_type="application/json")

    app.add_middleware(CORSMiddleware, allow_origins=ORIGINS, expose_headers=[REQUEST_ID])
    app.add_middleware(CorrelationIdMiddleware, header_name=REQUEST_ID)
    Instrumentator().instrument(app).expose(app, include_in_schema=False)
    return app
