"""Flask with the usual add-ons: prometheus-flask-exporter, flask-cors, a request id in
before/after_request and a JSON access line.

The exporter's multiprocess class: the server runs with PROMETHEUS_MULTIPROC_DIR, as lockstep.
"""

import time
import uuid

from flask import Flask, Response, g, request
from flask_cors import CORS
from prometheus_flask_exporter.multiprocess import GunicornInternalPrometheusMetrics

from . import BODY, ORIGINS, REQUEST_ID, access_line, access_logger


def create_app() -> Flask:
    app = Flask(__name__, static_folder=None)
    logger = access_logger()
    CORS(app, origins=ORIGINS, expose_headers=[REQUEST_ID])
    GunicornInternalPrometheusMetrics(app)

    @app.before_request
    def take_request_id() -> None:
        g.request_id = request.headers.get(REQUEST_ID) or uuid.uuid4().hex
        g.started = time.perf_counter()

    @app.after_request
    def log_access(response: Response) -> Response:
        response.headers[REQUEST_ID] = g.request_id
        access_line(logger, g.started, request_id=g.request_id, method=request.method,
                    path=request.path, status=response.status_code)  # fmt: skip
        return response

    @app.get("/health")
    def health() -> Response:
        return Response(BODY, mimetype="application/json")

    return app
