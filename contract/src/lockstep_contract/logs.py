"""One log format for application, server and access lines: JSON lines (or key=value text)."""

import json
import logging
from datetime import UTC, datetime
from typing import Any

from lockstep_contract.settings import Settings

ACCESS_LOGGER = "lockstep.access"
ERROR_LOGGER = "lockstep.error"
# Extra keys of an access line, in contract order.
ACCESS_KEYS = ("request_id", "method", "path", "route", "status", "duration_ms")


class ContractFormatter(logging.Formatter):
    """Formats any record with the contract's keys; `implementation` names the stack."""

    def __init__(self, implementation: str, style_name: str = "json") -> None:
        super().__init__()
        self.implementation = implementation
        self.style_name = style_name

    def format(self, record: logging.LogRecord) -> str:
        moment = datetime.fromtimestamp(record.created, UTC)
        line: dict[str, Any] = {
            "time": moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update({key: getattr(record, key) for key in ACCESS_KEYS if hasattr(record, key)})
        line["implementation"] = self.implementation
        if record.exc_info:
            line["exc_info"] = self.formatException(record.exc_info)
        if self.style_name == "json":
            return json.dumps(line, ensure_ascii=False, separators=(",", ":"), default=str)
        head = f"{line.pop('time')} {line.pop('level')} {line.pop('logger')} {line.pop('message')}"
        return " ".join([head, *(f"{key}={value}" for key, value in line.items())])


def logging_config(settings: Settings, implementation: str) -> dict[str, Any]:
    """A dictConfig for the process: the servers' loggers and ours share the formatter."""
    handlers: dict[str, Any] = {
        "stdout": {
            "class": "logging.StreamHandler",
            "formatter": "contract",
            "stream": "ext://sys.stdout",
        },
    }
    if settings.log_file:
        handlers["file"] = {
            "class": "logging.FileHandler",
            "formatter": "contract",
            "filename": settings.log_file,
            "mode": "a",
            "encoding": "utf-8",
        }
    names = list(handlers)
    server_loggers = ("uvicorn", "uvicorn.error", "gunicorn.error")
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "contract": {
                "()": f"{__name__}.ContractFormatter",
                "implementation": implementation,
                "style_name": settings.log_format,
            }
        },
        "handlers": handlers,
        "root": {"level": settings.log_level, "handlers": names},
        "loggers": {
            **{
                name: {"level": settings.log_level, "handlers": [], "propagate": True}
                for name in server_loggers
            },
            # The servers' own access lines are replaced by the application's.
            "uvicorn.access": {"level": "CRITICAL", "handlers": [], "propagate": False},
            "gunicorn.access": {"level": "CRITICAL", "handlers": [], "propagate": False},
        },
    }
