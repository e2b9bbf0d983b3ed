"""create_app: the Litestar application, wrapped in the contract's ASGI middleware."""

from importlib.metadata import version
from typing import cast

import uvicorn
from litestar import Litestar
from litestar.datastructures import State

from lockstep_contract.asgi import ASGIApp, ContractMiddleware
from lockstep_contract.runtime import Runtime, Stack
from lockstep_contract.settings import Settings
from lockstep_litestar import errors, routes

STACK = Stack("litestar", "litestar", version("litestar"), "uvicorn", uvicorn.__version__)


def create_app(settings: Settings | None = None) -> ContractMiddleware:
    runtime = Runtime.create(settings, STACK)
    app = Litestar(
        route_handlers=list(routes.ROUTERS),
        # The contract serves its own document and docs; Litestar's /schema is off.
        openapi_config=None,
        # The runner configures logging once for the process; the middleware logs 500s.
        logging_config=None,
        # The middleware enforces MAX_BODY_BYTES (also on chunked bodies) before routing.
        request_max_body_size=None,
        # Fixed here, not read from LITESTAR_DEBUG / LITESTAR_PDB in the environment.
        debug=False,
        pdb_on_exception=False,
        dependencies=routes.dependencies(runtime),
        exception_handlers=errors.EXCEPTION_HANDLERS,
        response_class=routes.ContractResponse,
        state=State({"runtime": runtime}),
    )
    # A cast for the type checker only: Litestar types its scope and messages as TypedDicts,
    # the contract's ASGIApp as plain mappings; at run time both are the same ASGI callable.
    return ContractMiddleware(cast(ASGIApp, app), runtime)
