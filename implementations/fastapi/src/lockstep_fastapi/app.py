"""create_app: the FastAPI application, wrapped in the contract's ASGI middleware."""

import fastapi
import uvicorn

from lockstep_contract.asgi import ContractMiddleware
from lockstep_contract.runtime import Runtime, Stack
from lockstep_contract.settings import Settings
from lockstep_fastapi import errors, routes

STACK = Stack("fastapi", "fastapi", fastapi.__version__, "uvicorn", uvicorn.__version__)


def create_app(settings: Settings | None = None) -> ContractMiddleware:
    runtime = Runtime.create(settings, STACK)
    app = fastapi.FastAPI(
        # The contract serves its own document and docs; FastAPI's are off.
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        redirect_slashes=False,
    )
    app.state.runtime = runtime
    for router in routes.ROUTERS:
        # The router's routes, which carry its prefix and dependencies, become the app's own:
        # an included router is matched again on every request, which cost more than the
        # rest of the application's share (README.md, "Where the idiom cost").
        app.router.routes.extend(router.routes)
    errors.register(app)
    return ContractMiddleware(app, runtime)
