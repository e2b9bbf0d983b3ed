"""create_app: the Flask application, wrapped in the contract's WSGI middleware."""

from importlib.metadata import version

import flask
from werkzeug.exceptions import MethodNotAllowed
from werkzeug.routing import MapAdapter

from lockstep_contract.runtime import Runtime, Stack
from lockstep_contract.settings import Settings
from lockstep_contract.wsgi import ContractMiddleware
from lockstep_flask import errors, routes

# Distribution metadata: flask.__version__ is deprecated, and gunicorn need not be imported.
STACK = Stack("flask", "flask", version("flask"), "gunicorn", version("gunicorn"))


class ContractFlask(flask.Flask):
    def create_url_adapter(self, request: flask.Request | None) -> MapAdapter | None:
        adapter = super().create_url_adapter(request)
        if adapter is not None:
            # werkzeug sends `Upgrade: websocket` requests to WebSocket rules only (a 400 on
            # every route here); the contract has none and serves them as plain HTTP.
            adapter.websocket = False
        return adapter


def match_exactly() -> None:
    """Undo a folding of werkzeug's router that the contract forbids: it upper-cases the method
    ("get" would be GET). Paths it would fold ("//health") never reach it: the middleware
    answers 404 for any path outside the contract's route table."""
    environ = flask.request.environ
    rule = flask.request.url_rule
    if rule is not None and environ["REQUEST_METHOD"] not in (rule.methods or ()):
        raise MethodNotAllowed


def create_app(settings: Settings | None = None) -> ContractMiddleware:
    runtime = Runtime.create(settings, STACK)
    # The contract serves its own documents; the middleware answers OPTIONS itself.
    app = ContractFlask(__name__, static_folder=None)
    app.config["PROVIDE_AUTOMATIC_OPTIONS"] = False
    # Paths match exactly: no "//" merging, no redirect to or from a trailing slash.
    app.url_map.merge_slashes = False
    app.url_map.strict_slashes = True
    app.before_request(match_exactly)
    app.json = routes.ContractJSONProvider(app)
    app.extensions[routes.RUNTIME_KEY] = runtime
    for blueprint in routes.BLUEPRINTS:
        app.register_blueprint(blueprint)
    errors.register(app)
    return ContractMiddleware(app, runtime)
