"""The contract's handlers, one Router per tag, in contract order; bodies are msgspec Structs."""

import asyncio
from collections.abc import Callable
from functools import partial
from typing import Annotated, Any, TypeVar

import msgspec
from litestar import HttpMethod, Request, Response, Router, post, put, route
from litestar.concurrency import sync_to_thread
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency, Provide
from litestar.exceptions import (
    ClientException,
    HTTPException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
)
from litestar.handlers import BaseRouteHandler
from litestar.params import FromPath
from litestar.serialization import default_serializer
from litestar.types import Serializer

from lockstep_contract import documents, encoding, payloads, problems, rules, validation
from lockstep_contract.metrics import CONTENT_TYPE as METRICS_CONTENT_TYPE
from lockstep_contract.runtime import Runtime


class ContractResponse(Response[Any]):
    """Litestar's response, rendered by the contract's JSON encoder (not msgspec's)."""

    def render(
        self, content: Any, media_type: str, enc_hook: Serializer = default_serializer
    ) -> bytes:
        return content if isinstance(content, bytes) else encoding.dumps(content)


def document(content: bytes, content_type: str) -> Response[bytes]:
    # Litestar appends "; charset=utf-8" to a text/* media type; the contract's already has it.
    return Response(content, headers={"Content-Type": content_type})


Key = Annotated[str, msgspec.Meta(min_length=1, max_length=validation.KEY_MAX)]
Value = Annotated[str, msgspec.Meta(max_length=validation.VALUE_MAX)]


class EchoIn(msgspec.Struct, forbid_unknown_fields=True):
    message: Annotated[str, msgspec.Meta(min_length=1, max_length=validation.MESSAGE_MAX)]
    metadata: Annotated[
        dict[Key, Value], msgspec.Meta(max_length=validation.METADATA_MAX_ENTRIES)
    ] = msgspec.field(default_factory=dict)


class LivenessIn(msgspec.Struct, forbid_unknown_fields=True):
    healthy: bool


class ReadinessIn(msgspec.Struct, forbid_unknown_fields=True):
    ready: bool


def get_request_id(request: Request[Any, Any, Any]) -> str:
    request_id: str = request.state.request_id
    return request_id


def dependencies(runtime: Runtime) -> dict[str, Provide]:
    """The app's dependencies. The runtime is bound here, so that its provider takes no
    parameter: Litestar then parses nothing from the request to resolve it (README.md)."""

    def get_runtime() -> Runtime:
        return runtime

    return {
        "runtime": Provide(get_runtime, sync_to_thread=False),
        "request_id": Provide(get_request_id, sync_to_thread=False),
    }


RuntimeDep = NamedDependency[Runtime]
RequestId = NamedDependency[str]
Body = TypeVar("Body", bound=msgspec.Struct)


async def json_body(request: Request[Any, Any, Any]) -> Any:
    if not rules.is_json(request.headers.get("content-type")):
        raise HTTPException(status_code=415, detail=problems.UNSUPPORTED_MEDIA_TYPE)
    try:
        return encoding.loads(await request.body())
    except encoding.BodyError:
        raise ClientException(detail=problems.INVALID_JSON) from None


def body_as(struct: type[Body], contract_rules: Callable[[Any], object]) -> Provide:
    """A dependency: the JSON body converted to `struct`; a rejection is a 422.

    msgspec says what it rejected only in English; the contract's own validator, given the
    same body, names the item (msgspec and it must agree on what is valid: the suite's
    differential test holds them to it)."""

    async def convert(request: Request[Any, Any, Any]) -> Body:
        body = await json_body(request)
        try:
            return msgspec.convert(body, struct, strict=True)
        except msgspec.ValidationError:
            raise validation.InvalidBodyError(validation.rejected(contract_rules(body))) from None

    return Provide(convert)


ECHO_BODY = body_as(EchoIn, validation.validate_echo)
LIVENESS_BODY = body_as(LivenessIn, partial(validation.validate_flag, member="healthy"))
READINESS_BODY = body_as(ReadinessIn, partial(validation.validate_flag, member="ready"))


async def require_admin(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    # async: Litestar runs a sync guard in its thread pool.
    runtime: Runtime = connection.app.state.runtime
    refusal = rules.admin_refusal(
        connection.headers.get("authorization"), runtime.settings.admin_token
    )
    if refusal == 403:
        raise PermissionDeniedException(detail=problems.ADMIN_DISABLED)
    if refusal == 401:
        raise NotAuthorizedException(
            detail=problems.UNAUTHORIZED, headers={"WWW-Authenticate": "Bearer"}
        )


GET = [HttpMethod.GET, HttpMethod.HEAD]


@route("/", http_method=GET, sync_to_thread=False)
def get_root(runtime: RuntimeDep) -> dict[str, Any]:
    return payloads.root(runtime.settings)


@route("/health", http_method=GET, sync_to_thread=False)
def get_health(runtime: RuntimeDep) -> Response[bytes]:
    status, body = payloads.health(runtime.state)
    return Response(body, status_code=status, media_type=encoding.JSON)


@route("/readiness", http_method=GET)
async def get_readiness(runtime: RuntimeDep) -> Response[Any]:
    if runtime.settings.dependencies:
        # Dependency checks block: in a thread, so that they never stall the event loop.
        checks = await sync_to_thread(payloads.readiness_checks, runtime.settings, runtime.state)
    else:
        # Only the instance's flags: the thread hop would cost more than the checks.
        checks = payloads.readiness_checks(runtime.settings, runtime.state)
    status, body = payloads.readiness(checks)
    return ContractResponse(body, status_code=status)


@route("/info", http_method=GET, sync_to_thread=False)
def get_info(runtime: RuntimeDep) -> dict[str, Any]:
    return payloads.info(runtime.settings, runtime.stack, runtime.started_at)


@route("/metrics", http_method=GET, sync_to_thread=False)
def get_metrics(runtime: RuntimeDep) -> Response[bytes]:
    return document(runtime.metrics.render(), METRICS_CONTENT_TYPE)


@route("/openapi.json", http_method=GET, sync_to_thread=False)
def get_openapi() -> Response[bytes]:
    return document(documents.openapi_json(), encoding.JSON)


@route("/docs", http_method=GET, sync_to_thread=False)
def get_docs(runtime: RuntimeDep) -> Response[bytes]:
    return document(documents.docs_page(runtime.settings.app_name), documents.HTML)


@route("/docs/{asset:str}", http_method=GET, sync_to_thread=False)
def get_docs_asset(asset: FromPath[str]) -> Response[bytes]:
    content = documents.docs_asset(asset)
    if content is None:
        raise NotFoundException(detail=problems.NOT_FOUND)
    return document(content, documents.ASSETS[asset])


@route("/redoc", http_method=GET, sync_to_thread=False)
def get_redoc(runtime: RuntimeDep) -> Response[bytes]:
    return document(documents.redoc_page(runtime.settings.app_name), documents.HTML)


@post("/echo", status_code=200, sync_to_thread=False, dependencies={"payload": ECHO_BODY})
def post_echo(payload: NamedDependency[EchoIn], request_id: RequestId) -> dict[str, Any]:
    return payloads.echo(payload.message, payload.metadata, request_id)


@route("/delay/{seconds:str}", http_method=GET)
async def get_delay(seconds: FromPath[str], runtime: RuntimeDep) -> Response[bytes]:
    delay = rules.delay_seconds(seconds, runtime.settings.max_delay)
    if delay is None:
        raise ClientException(detail=problems.bad_delay(runtime.settings.max_delay_seconds))
    await asyncio.sleep(float(delay))
    return document(payloads.delay(seconds), encoding.JSON)


@route("/status/{code:str}", http_method=GET, sync_to_thread=False)
def get_status(code: FromPath[str]) -> Response[Any]:
    status = rules.status_code(code)
    if status is None:
        raise ClientException(detail=problems.BAD_STATUS_CODE)
    if not rules.has_body(status):
        return Response(b"", status_code=status)
    return ContractResponse(payloads.status(status), status_code=status)


@put("/liveness", sync_to_thread=False, dependencies={"payload": LIVENESS_BODY})
def put_liveness(payload: NamedDependency[LivenessIn], runtime: RuntimeDep) -> dict[str, Any]:
    runtime.state.live = payload.healthy
    return {"healthy": runtime.state.live}


@put("/readiness", sync_to_thread=False, dependencies={"payload": READINESS_BODY})
def put_readiness(payload: NamedDependency[ReadinessIn], runtime: RuntimeDep) -> dict[str, Any]:
    runtime.state.ready = payload.ready
    return {"ready": runtime.state.ready}


meta = Router(
    "/",
    tags=["meta"],
    route_handlers=[
        get_root,
        get_info,
        get_metrics,
        get_openapi,
        get_docs,
        get_docs_asset,
        get_redoc,
    ],
)
probes = Router("/", tags=["probes"], route_handlers=[get_health, get_readiness])
echo = Router("/", tags=["echo"], route_handlers=[post_echo])
drills = Router("/", tags=["drills"], route_handlers=[get_delay, get_status])
admin = Router(
    "/admin",
    tags=["admin"],
    guards=[require_admin],
    route_handlers=[put_liveness, put_readiness],
)
ROUTERS = (probes, meta, echo, drills, admin)
