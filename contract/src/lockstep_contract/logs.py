"""One log format for application, server and access lines: JSON lines (or key=value text)."""

import json
import logging
import time
from typing import Any

from lockstep_contract.settings import Settings

ACCESS_LOGGER = "lockstep.access"
ERROR_LOGGER = "lockstep.error"
# The record attribute holding an access line's own keys, in contract order (see access()).
ACCESS_FIELDS = "access_fields"
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str)


class ContractFormatter(logging.Formatter):
    """Formats any record with the contract's keys; `implementation` names the stack."""

    def __init__(self, implementation: str, style_name: str = "json") -> None:
        super().__init__()
        self.implementation = implementation
        self.style_name = style_name

    def format(self, record: logging.LogRecord) -> str:
        # Every handler formats the record again (stdout, then LOG_FILE): keep the first.
        cached: str | None = getattr(record, "contract_line", None)
        if cached is None:
            cached = record.contract_line = self._format(record)
        return cached

    def _format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": rfc3339(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update(getattr(record, ACCESS_FIELDS, ()))
        line["implementation"] = self.implementation
        if record.exc_info:
            line["exc_info"] = self.formatException(record.exc_info)
        if self.style_name == "json":
            return _ENCODER.encode(line)
        head = f"{line.pop('time')} {line.pop('level')} {line.pop('logger')} {line.pop('message')}"
        return " ".join([head, *(f"{key}={value}" for key, value in line.items())])


# The last millisecond written, and its text: under load, several lines share one.
_last: tuple[int, str] = (-1, "")


def rfc3339(moment: float) -> str:
    """RFC 3339 UTC with milliseconds, as every line carries it."""
    global _last  # noqa: PLW0603 (one cache for the process; a tuple, swapped whole)
    millisecond = int(moment * 1000)
    if millisecond != _last[0]:
        second, fraction = divmod(millisecond, 1000)
        text = f"{time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(second))}.{fraction:03d}Z"
        _last = (millisecond, text)
    return _last[1]


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
