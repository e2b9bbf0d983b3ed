"""The contract's handlers, one APIRouter per tag, in contract order; bodies are pydantic models."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    ValidationError,
    field_validator,
)
from pydantic_core import PydanticCustomError

from lockstep_contract import documents, encoding, payloads, problems, rules, validation
from lockstep_contract.metrics import CONTENT_TYPE as METRICS_CONTENT_TYPE
from lockstep_contract.runtime import Runtime
from lockstep_fastapi import errors


class ContractJSONResponse(JSONResponse):
    def render(self, content: Any) -> bytes:
        return encoding.dumps(content)


class EchoIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    message: Annotated[str, Field(min_length=1, max_length=validation.MESSAGE_MAX)]
    metadata: Annotated[
        dict[
            Annotated[str, StringConstraints(min_length=1, max_length=validation.KEY_MAX)],
            Annotated[str, StringConstraints(max_length=validation.VALUE_MAX)],
        ],
        Field(max_length=validation.METADATA_MAX_ENTRIES),
    ] = {}

    @field_validator("metadata", mode="before")
    @classmethod
    def count_entries_first(cls, value: Any) -> Any:
        # pydantic counts entries after validating them; the contract counts them first.
        if isinstance(value, dict) and len(value) > validation.METADATA_MAX_ENTRIES:
            limit = {"max_length": validation.METADATA_MAX_ENTRIES}
            raise PydanticCustomError("too_long", "too many entries", limit)
        return value


class LivenessIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    healthy: StrictBool


class ReadinessIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    ready: StrictBool


# Handlers and dependencies that never block are `async def`: FastAPI runs a plain def in its
# thread pool, a hop that cost more than half of /health's time (bench/README.md).
# Handlers read the runtime and the request id from the request rather than through
# Depends(): resolving that one dependency cost /health ~10 µs, a third of the contract's
# whole budget per request (README.md). Bodies still arrive through dependencies.
def runtime_of(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def request_id_of(request: Request) -> str:
    request_id: str = request.state.request_id
    return request_id


Model = TypeVar("Model", bound=BaseModel)


async def json_body(request: Request) -> Any:
    if not rules.is_json(request.headers.get("content-type")):
        raise HTTPException(415, problems.UNSUPPORTED_MEDIA_TYPE)
    try:
        return encoding.loads(await request.body())
    except encoding.BodyError:
        raise HTTPException(400, problems.INVALID_JSON) from None


def body_as(model: type[Model]) -> Callable[[Any], Awaitable[Model]]:
    """A dependency: the JSON body validated as `model`; a rejection is a 422."""

    async def validate(body: Annotated[Any, Depends(json_body)]) -> Model:
        try:
            return model.model_validate(body)
        except ValidationError as error:
            raise validation.InvalidBodyError(errors.rejected(error, body)) from None

    return validate


async def require_admin(request: Request) -> None:
    refusal = rules.admin_refusal(
        request.headers.get("authorization"), runtime_of(request).settings.admin_token
    )
    if refusal == 403:
        raise HTTPException(403, problems.ADMIN_DISABLED)
    if refusal == 401:
        raise HTTPException(401, problems.UNAUTHORIZED, {"WWW-Authenticate": "Bearer"})


# Each router renders with the contract's encoder: the app takes the routers' routes as its
# own (app.py), so no default of the app's reaches them.
meta = APIRouter(tags=["meta"], default_response_class=ContractJSONResponse)
probes = APIRouter(tags=["probes"], default_response_class=ContractJSONResponse)
echo = APIRouter(tags=["echo"], default_response_class=ContractJSONResponse)
drills = APIRouter(tags=["drills"], default_response_class=ContractJSONResponse)
admin = APIRouter(
    prefix="/admin",
    tags=["admin"],
    dependencies=[Depends(require_admin)],
    default_response_class=ContractJSONResponse,
)
# Probes first: a probe target answers them most, and FastAPI tries routes in this order.
ROUTERS = (probes, meta, echo, drills, admin)
GET = ["GET", "HEAD"]


@meta.api_route("/", methods=GET)
async def get_root(request: Request) -> dict[str, Any]:
    return payloads.root(runtime_of(request).settings)


@probes.api_route("/health", methods=GET)
async def get_health(request: Request) -> Response:
    status, body = payloads.health(runtime_of(request).state)
    return Response(body, status, media_type=encoding.JSON)


@probes.api_route("/readiness", methods=GET)
async def get_readiness(request: Request) -> Response:
    runtime = runtime_of(request)
    if runtime.settings.dependencies:
        # Dependency checks block: in the thread pool, so that they never stall the loop.
        checks = await run_in_threadpool(payloads.readiness_checks, runtime.settings, runtime.state)
    else:
        # Only the instance's flags: the thread hop would cost more than the checks.
        checks = payloads.readiness_checks(runtime.settings, runtime.state)
    status, body = payloads.readiness(checks)
    return ContractJSONResponse(body, status_code=status)


@meta.api_route("/info", methods=GET)
async def get_info(request: Request) -> dict[str, Any]:
    runtime = runtime_of(request)
    return payloads.info(runtime.settings, runtime.stack, runtime.started_at)


@meta.api_route("/metrics", methods=GET)
async def get_metrics(request: Request) -> Response:
    # On the event loop, as in Litestar: with several workers it reads every worker's metric
    # file, small local files of this instance, which is CPU work a thread would not speed up
    # (the GIL); only waits on other hosts (readiness) earn a thread.
    return Response(runtime_of(request).metrics.render(), media_type=METRICS_CONTENT_TYPE)


@meta.api_route("/openapi.json", methods=GET)
async def get_openapi() -> Response:
    return Response(documents.openapi_json(), media_type=encoding.JSON)


@meta.api_route("/docs", methods=GET)
async def get_docs(request: Request) -> Response:
    page = documents.docs_page(runtime_of(request).settings.app_name)
    return Response(page, media_type=documents.HTML)


@meta.api_route("/docs/{asset}", methods=GET)
async def get_docs_asset(asset: str) -> Response:
    content = documents.docs_asset(asset)
    if content is None:
        raise HTTPException(404, problems.NOT_FOUND)
    return Response(content, media_type=documents.ASSETS[asset])


@meta.api_route("/redoc", methods=GET)
async def get_redoc(request: Request) -> Response:
    page = documents.redoc_page(runtime_of(request).settings.app_name)
    return Response(page, media_type=documents.HTML)


@echo.post("/echo")
async def post_echo(
    request: Request, payload: Annotated[EchoIn, Depends(body_as(EchoIn))]
) -> dict[str, Any]:
    return payloads.echo(payload.message, payload.metadata, request_id_of(request))


@drills.api_route("/delay/{seconds}", methods=GET)
async def get_delay(request: Request, seconds: str) -> Response:
    settings = runtime_of(request).settings
    delay = rules.delay_seconds(seconds, settings.max_delay)
    if delay is None:
        raise HTTPException(400, problems.bad_delay(settings.max_delay_seconds))
    await asyncio.sleep(float(delay))
    return Response(payloads.delay(seconds), media_type=encoding.JSON)


@drills.api_route("/status/{code}", methods=GET)
async def get_status(code: str) -> Response:
    status = rules.status_code(code)
    if status is None:
        raise HTTPException(400, problems.BAD_STATUS_CODE)
    if not rules.has_body(status):
        return Response(status_code=status)
    return ContractJSONResponse(payloads.status(status), status_code=status)


@admin.put("/liveness")
async def put_liveness(
    request: Request, payload: Annotated[LivenessIn, Depends(body_as(LivenessIn))]
) -> dict[str, Any]:
    state = runtime_of(request).state
    state.live = payload.healthy
    return {"healthy": state.live}


@admin.put("/readiness")
async def put_readiness(
    request: Request, payload: Annotated[ReadinessIn, Depends(body_as(ReadinessIn))]
) -> dict[str, Any]:
    state = runtime_of(request).state
    state.ready = payload.ready
    return {"ready": state.ready}
