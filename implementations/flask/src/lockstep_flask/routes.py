"""The contract's handlers, one Blueprint per tag, in contract order; bodies are checked by the
contract's plain validator (Flask has no validation of its own)."""

import time
from typing import Any, TypeVar

from flask import Blueprint, Response, abort, current_app, request
from flask.json.provider import JSONProvider
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import BadRequest, Unauthorized

from lockstep_contract import documents, encoding, payloads, problems, rules, validation
from lockstep_contract.metrics import CONTENT_TYPE as METRICS_CONTENT_TYPE
from lockstep_contract.problems import Issue
from lockstep_contract.runtime import Runtime
from lockstep_contract.wsgi import REQUEST_ID_KEY

RUNTIME_KEY = "lockstep"
Body = dict[str, Any]
Valid = TypeVar("Valid")


class ContractJSONProvider(JSONProvider):
    """What Flask uses for a handler's returned dict: the contract's encoding, no newline."""

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        return encoding.dumps(obj).decode()

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return encoding.loads(s.encode() if isinstance(s, str) else s)

    def response(self, *args: Any, **kwargs: Any) -> Response:
        body = args[0] if len(args) == 1 else (args or kwargs)
        return Response(encoding.dumps(body), content_type=encoding.JSON)


def get_runtime() -> Runtime:
    runtime: Runtime = current_app.extensions[RUNTIME_KEY]
    return runtime


def get_request_id() -> str:
    request_id: str = request.environ[REQUEST_ID_KEY]
    return request_id


def json_body() -> Any:
    if not rules.is_json(request.content_type):
        abort(415, problems.UNSUPPORTED_MEDIA_TYPE)
    try:
        return encoding.loads(request.get_data(cache=False))
    except encoding.BodyError:
        raise BadRequest(problems.INVALID_JSON) from None


def valid(found: Valid | Issue) -> Valid:
    """A validator's result; an Issue is the contract's 422."""
    if isinstance(found, Issue):
        raise validation.InvalidBodyError(found)
    return found


def require_admin() -> None:
    refusal = rules.admin_refusal(
        request.headers.get("Authorization"), get_runtime().settings.admin_token
    )
    if refusal == 403:
        abort(403, problems.ADMIN_DISABLED)
    if refusal == 401:
        raise Unauthorized(problems.UNAUTHORIZED, www_authenticate=WWWAuthenticate("bearer"))


meta = Blueprint("meta", __name__)
probes = Blueprint("probes", __name__)
echo = Blueprint("echo", __name__)
drills = Blueprint("drills", __name__)
admin = Blueprint("admin", __name__, url_prefix="/admin")
# A blueprint's before_request runs only for its matched routes: 404 and 405 come first.
admin.before_request(require_admin)
BLUEPRINTS = (probes, meta, echo, drills, admin)


@meta.get("/")
def get_root() -> Body:
    return payloads.root(get_runtime().settings)


@probes.get("/health")
def get_health() -> Response:
    status, body = payloads.health(get_runtime().state)
    return Response(body, status, content_type=encoding.JSON)


@probes.get("/readiness")
def get_readiness() -> tuple[Body, int]:
    # Blocking dependency checks are fine here: each request has its own gunicorn thread.
    runtime = get_runtime()
    checks = payloads.readiness_checks(runtime.settings, runtime.state)
    status, body = payloads.readiness(checks)
    return body, status


@meta.get("/info")
def get_info() -> Body:
    runtime = get_runtime()
    return payloads.info(runtime.settings, runtime.stack, runtime.started_at)


@meta.get("/metrics")
def get_metrics() -> Response:
    return Response(get_runtime().metrics.render(), content_type=METRICS_CONTENT_TYPE)


@meta.get("/openapi.json")
def get_openapi() -> Response:
    return Response(documents.openapi_json(), content_type=encoding.JSON)


@meta.get("/docs")
def get_docs() -> Response:
    page = documents.docs_page(get_runtime().settings.app_name)
    return Response(page, content_type=documents.HTML)


@meta.get("/docs/<asset>")
def get_docs_asset(asset: str) -> Response:
    content = documents.docs_asset(asset)
    if content is None:
        abort(404)
    return Response(content, content_type=documents.ASSETS[asset])


@meta.get("/redoc")
def get_redoc() -> Response:
    page = documents.redoc_page(get_runtime().settings.app_name)
    return Response(page, content_type=documents.HTML)


@echo.post("/echo")
def post_echo() -> Body:
    payload = valid(validation.validate_echo(json_body()))
    return payloads.echo(payload.message, payload.metadata, get_request_id())


@drills.get("/delay/<seconds>")
def get_delay(seconds: str) -> Response:
    settings = get_runtime().settings
    delay = rules.delay_seconds(seconds, settings.max_delay)
    if delay is None:
        abort(400, problems.bad_delay(settings.max_delay_seconds))
    time.sleep(float(delay))
    return Response(payloads.delay(seconds), content_type=encoding.JSON)


@drills.get("/status/<code>")
def get_status(code: str) -> Response | tuple[Body, int]:
    status = rules.status_code(code)
    if status is None:
        abort(400, problems.BAD_STATUS_CODE)
    if not rules.has_body(status):
        response = Response(status=status)
        # werkzeug drops Content-Length on 204 and 304 but keeps its default Content-Type.
        del response.headers["Content-Type"]
        return response
    return payloads.status(status), status


@admin.put("/liveness")
def put_liveness() -> Body:
    state = get_runtime().state
    state.live = valid(validation.validate_flag(json_body(), "healthy"))
    return {"healthy": state.live}


@admin.put("/readiness")
def put_readiness() -> Body:
    state = get_runtime().state
    state.ready = valid(validation.validate_flag(json_body(), "ready"))
    return {"ready": state.ready}
