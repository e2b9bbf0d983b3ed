"""The add-on stack baselines: each framework with the libraries a user picks for what the
contract does on every request (request id, JSON access line, Prometheus metrics, CORS),
serving GET /health like the minimal apps (`bench/serve.py --app addons`)."""

import logging
import sys
import time

from pythonjsonlogger.json import JsonFormatter

BODY = b'{"status":"ok"}'
REQUEST_ID = "X-Request-ID"
ORIGINS = ["https://app.example"]  # CORS on for one origin, as CORS_ORIGINS would set it


def access_logger() -> logging.Logger:
    """A logger writing one JSON object per line to stdout (python-json-logger)."""
    logger = logging.getLogger("addons.access")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False  # the server's own handlers would write it a second time
    return logger


def access_line(logger: logging.Logger, started: float, **fields: str | int) -> None:
    """The access line, with the keys lockstep's has (request_id, method, path, status)."""
    took = round((time.perf_counter() - started) * 1000, 3)
    logger.info("request", extra={**fields, "duration_ms": took})
