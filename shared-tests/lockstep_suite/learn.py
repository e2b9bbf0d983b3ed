"""A deployed instance's profile, learned from what it answers and completed by what its
operator says (the options of `lockstep-check` and `pytest --base-url`).

It reads /info (name, description, version, environment), the limits the contract's own
error details state (413: `request body exceeds N bytes`, /delay's 400: `... from 0 to N`),
whether its admin endpoints are guarded (401) or disabled (403), whether its answers vary by
Origin (CORS_ORIGINS set), and its readiness checks (DEPENDENCIES). None of these requests
changes the instance. What it cannot learn (the token, an allowed origin, leave to flip the
flags) comes from the options; an option wins over what was learned, so that the tests hold
the instance to what its operator expects of it.
"""

import re
from dataclasses import dataclass
from typing import Any

from lockstep_suite import wire
from lockstep_suite.messages import Reply, Request
from lockstep_suite.profile import DEFAULTS, Profile

AS_JSON = (("Content-Type", b"application/json"),)
# One over the largest MAX_BODY_BYTES the contract accepts: declared, never sent.
OVER_ANY_LIMIT = b"67108865"
TOO_LARGE_DETAIL = re.compile(r"request body exceeds ([0-9]+) bytes")
BAD_DELAY_DETAIL = re.compile(r"seconds must be a decimal number from 0 to ([0-9.]+)")
PROBE_ORIGIN = b"https://lockstep-check.invalid"  # an origin no CORS_ORIGINS allows
TIMEOUT = 5.0  # seconds: every question is answered at once by a conforming instance


@dataclass(frozen=True)
class Options:
    """What the operator says about the instance (None: learn it)."""

    admin_token: str | None = None
    max_body_bytes: int | None = None
    max_delay_seconds: str | None = None
    cors_origin: str | None = None
    drills: bool = False


class UnreachableError(Exception):
    """The instance answered nothing the check can read."""


def _ask(base_url: str, request: Request) -> Reply:
    try:
        return wire.send(base_url, request, TIMEOUT)
    except (OSError, ValueError, IndexError) as error:
        raise UnreachableError(f"{request.method} {request.target}: {error}") from error


def _try(base_url: str, request: Request) -> Reply:
    """The answer, or a 599 without a body when none came: nothing is revealed by it (the
    tests then say what is wrong)."""
    try:
        return _ask(base_url, request)
    except UnreachableError:
        return Reply(599, [], b"")


def _json_object(reply: Reply) -> dict[str, Any]:
    try:
        value = reply.json()
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _detail(reply: Reply, pattern: re.Pattern[str]) -> str | None:
    """The number a contract error detail states (the contract fixes these texts)."""
    detail = _json_object(reply).get("detail")
    found = pattern.fullmatch(detail) if isinstance(detail, str) else None
    return found.group(1) if found else None


class _Notes:
    """How each value was found, for the report."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def value(self, variable: str, found: Any, given: str | None, how: str) -> str:
        if given is not None:
            self.lines.append(f"{variable} {given} (given)")
            return given
        if not isinstance(found, str):
            default = DEFAULTS[variable]
            self.lines.append(f"{variable} not revealed: the contract's default {default}")
            return default
        self.lines.append(f"{variable} {found} ({how})")
        return found


def learn(base_url: str, options: Options) -> Profile:
    notes = _Notes()
    info = _json_object(_ask(base_url, Request("GET", "/info")))
    stack = [info.get(key) for key in ("implementation", "framework_version", "server")]
    shown = "{} {} on {}".format(*stack) if all(isinstance(v, str) for v in stack) else None
    notes.lines.append(f"serving: {shown or 'not revealed by /info'}")
    name, description, version, environment = (
        notes.value(variable, info.get(key), None, "from /info")
        for key, variable in (
            ("name", "APP_NAME"),
            ("description", "APP_DESCRIPTION"),
            ("version", "APP_VERSION"),
            ("environment", "APP_ENV"),
        )
    )
    declared = Request("POST", "/echo", (*AS_JSON, ("Content-Length", OVER_ANY_LIMIT)))
    given_limit = None if options.max_body_bytes is None else str(options.max_body_bytes)
    max_body = notes.value(
        "MAX_BODY_BYTES",
        _detail(_try(base_url, declared), TOO_LARGE_DETAIL),
        given_limit,
        "a 413's detail",
    )
    max_delay = notes.value(
        "MAX_DELAY_SECONDS",
        _detail(_try(base_url, Request("GET", "/delay/x")), BAD_DELAY_DETAIL),
        options.max_delay_seconds,
        "a 400's detail",
    )
    refused = _try(base_url, Request("PUT", "/admin/readiness", AS_JSON, b"{}")).status
    admin_enabled = options.admin_token is not None or refused != 403
    state = "set" if admin_enabled else "unset"
    notes.lines.append(
        "ADMIN_TOKEN given"
        if options.admin_token is not None
        else f"ADMIN_TOKEN {state} (an admin call without a token answered {refused})"
    )
    vary = _try(base_url, Request("GET", "/health", (("Origin", PROBE_ORIGIN),))).header("Vary")
    cors_enabled = options.cors_origin is not None or "origin" in (vary or "").lower()
    notes.lines.append(
        f"CORS_ORIGINS allows {options.cors_origin} (given)"
        if options.cors_origin is not None
        else f"CORS_ORIGINS {'set: answers vary by Origin' if cors_enabled else 'unset'}"
    )
    checks = _json_object(_try(base_url, Request("GET", "/readiness"))).get("checks")
    listed = checks if isinstance(checks, list) else []
    names = [check.get("name") for check in listed if isinstance(check, dict)]
    dependencies = tuple(name for name in names[2:] if isinstance(name, str))
    notes.lines.append(f"DEPENDENCIES {', '.join(dependencies) or 'none'} (from /readiness)")
    notes.lines.append("drills: allowed" if options.drills else "drills: not without --drills")
    return Profile(
        name=name,
        description=description,
        version=version,
        environment=environment,
        max_body_bytes=int(max_body),
        max_delay_seconds=max_delay,
        admin_enabled=admin_enabled,
        admin_token=options.admin_token,
        cors_enabled=cors_enabled,
        cors_origin=options.cors_origin,
        dependencies=dependencies,
        drills=options.drills,
        notes=tuple(notes.lines),
    )
