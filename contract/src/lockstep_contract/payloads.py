"""Builders of the contract's success bodies, so every implementation says them alike."""

import socket
from typing import Any

from lockstep_contract.dependencies import is_up
from lockstep_contract.encoding import dumps
from lockstep_contract.lifecycle import InstanceState
from lockstep_contract.runtime import Stack
from lockstep_contract.settings import Settings, without_password


def root(settings: Settings) -> dict[str, Any]:
    return {"service": settings.app_name, "status": "ok"}


# /health answers one of two fixed bodies: encoded once, not on every probe.
_HEALTHY, _UNHEALTHY = dumps({"status": "ok"}), dumps({"status": "unhealthy"})


def health(state: InstanceState) -> tuple[int, bytes]:
    """/health's status and its body, already encoded."""
    return (200, _HEALTHY) if state.live else (503, _UNHEALTHY)


def readiness_checks(settings: Settings, state: InstanceState) -> list[tuple[str, bool]]:
    """Each check's name and outcome (blocking when dependencies are configured); a
    dependency's check is named by its URL without the password."""
    checks = [("readiness_flag", state.ready), ("shutdown", not state.shutting_down)]
    timeout = settings.dependency_timeout_seconds
    checks.extend((without_password(url), is_up(url, timeout)) for url in settings.dependencies)
    return checks


def readiness(checks: list[tuple[str, bool]]) -> tuple[int, dict[str, Any]]:
    ready = all(ok for _, ok in checks)
    listed = [{"name": name, "status": "ok" if ok else "fail"} for name, ok in checks]
    if ready:
        return 200, {"status": "ready", "checks": listed}
    return 503, {"status": "not_ready", "checks": listed}


def info(settings: Settings, stack: Stack, started_at: str) -> dict[str, Any]:
    return {
        "name": settings.app_name,
        "description": settings.app_description,
        "version": settings.app_version,
        "environment": settings.app_env,
        "implementation": stack.implementation,
        "framework": stack.framework,
        "framework_version": stack.framework_version,
        "server": stack.server,
        "server_version": stack.server_version,
        "python_version": stack.python_version,
        "hostname": socket.gethostname(),
        "started_at": started_at,
    }


def echo(message: str, metadata: dict[str, str], request_id: str) -> dict[str, Any]:
    return {
        "message": message,
        "metadata": metadata,
        "length": len(message),
        "request_id": request_id,
    }


def delay(seconds_text: str) -> bytes:
    """`{"delay":<the path text>}`: the number exactly as asked, not re-rendered as a float."""
    return b'{"delay":' + seconds_text.encode() + b"}"


def status(code: int) -> dict[str, Any]:
    return {"status": code}
