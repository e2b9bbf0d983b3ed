"""The smallest Litestar application answering GET /health as lockstep does: the baseline."""

from litestar import Litestar, MediaType, Response, get

BODY = b'{"status":"ok"}'


@get("/health", sync_to_thread=False)
def health() -> Response[bytes]:
    return Response(BODY, media_type=MediaType.JSON)


def create_app() -> Litestar:
    # The server configures logging; Litestar's own schema routes are off.
    return Litestar([health], openapi_config=None, logging_config=None)
