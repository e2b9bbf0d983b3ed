"""The smallest FastAPI application answering GET /health as lockstep does: the baseline."""

from fastapi import FastAPI, Response

BODY = b'{"status":"ok"}'


def create_app() -> FastAPI:
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

    @app.get("/health")
    async def health() -> Response:
        return Response(BODY, media_type="application/json")

    return app
