"""The smallest Flask application answering GET /health as lockstep does: the baseline."""

from flask import Flask, Response

BODY = b'{"status":"ok"}'


def create_app() -> Flask:
    app = Flask(__name__, static_folder=None)

    @app.get("/health")
    def health() -> Response:
        return Response(BODY, mimetype="application/json")

    return app
