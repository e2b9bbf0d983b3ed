"""A target's profile: the configuration the contract's answers depend on (APP_NAME,
MAX_BODY_BYTES, ADMIN_TOKEN, CORS_ORIGINS...), and what the suite may do to the instance.

The suite's own targets run with SUITE_ENV; a deployed instance's profile is learned from its
answers and its operator's options (lockstep_suite.learn). Tests read the expected values
from `target.profile`, never from constants of their own.
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

from lockstep_suite.expect import problem

ADMIN_TOKEN = "suite-admin-token-0123456789"
CORS_ORIGIN = "https://app.example"  # CORS_ORIGINS of the suite's CORS targets
# The configuration every target the suite starts runs with.
SUITE_ENV = {
    "APP_NAME": "lockstep",
    "APP_ENV": "test",
    "ADMIN_TOKEN": ADMIN_TOKEN,
    "MAX_BODY_BYTES": "65536",
    "MAX_DELAY_SECONDS": "10",
    "LOG_LEVEL": "INFO",
}
# The contract's defaults (contract/README.md, Configuration) for what SUITE_ENV leaves unset.
DEFAULTS = {
    "APP_NAME": "lockstep",
    "APP_DESCRIPTION": "One HTTP contract, three Python frameworks.",
    "APP_VERSION": "1.0.0",
    "APP_ENV": "development",
    "MAX_BODY_BYTES": "1048576",
    "MAX_DELAY_SECONDS": "10",
}
# What a test may need of a target, in the order the reasons it does not apply are told.
NEEDS = ("guarded_admin", "disabled_admin", "cors", "no_cors", "admin_token", "drills")


@dataclass(frozen=True)
class Profile:
    name: str = DEFAULTS["APP_NAME"]
    description: str = DEFAULTS["APP_DESCRIPTION"]
    version: str = DEFAULTS["APP_VERSION"]
    environment: str = DEFAULTS["APP_ENV"]
    max_body_bytes: int = int(DEFAULTS["MAX_BODY_BYTES"])
    max_delay_seconds: str = DEFAULTS["MAX_DELAY_SECONDS"]  # as configured: 400s repeat it
    admin_enabled: bool = False  # ADMIN_TOKEN set: admin calls are guarded (401), else 403
    admin_token: str | None = None  # that token, when the suite knows it
    cors_enabled: bool = False  # CORS_ORIGINS set: every answer varies by Origin
    cors_origin: str | None = None  # an origin CORS_ORIGINS allows, when the suite knows one
    dependencies: tuple[str, ...] = ()  # readiness checks after readiness_flag and shutdown
    drills: bool = False  # the suite may flip the instance's liveness and readiness flags
    notes: tuple[str, ...] = field(default=(), compare=False)  # how it was learned

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> "Profile":
        """The profile of an instance the suite starts itself with `env` (empty: unset)."""

        def value(name: str) -> str:
            return env.get(name) or DEFAULTS[name]

        token = env.get("ADMIN_TOKEN") or None
        origins = [o.strip() for o in env.get("CORS_ORIGINS", "").split(",") if o.strip()]
        return cls(
            name=value("APP_NAME"),
            description=value("APP_DESCRIPTION"),
            version=value("APP_VERSION"),
            environment=value("APP_ENV"),
            max_body_bytes=int(value("MAX_BODY_BYTES")),
            max_delay_seconds=value("MAX_DELAY_SECONDS"),
            admin_enabled=token is not None,
            admin_token=token,
            cors_enabled=bool(origins),
            cors_origin=(CORS_ORIGIN if origins == ["*"] else origins[0]) if origins else None,
            dependencies=tuple(d for d in env.get("DEPENDENCIES", "").split(",") if d),
            drills=True,  # the suite's own instances exist for its tests
        )

    def has(self, need: str) -> bool:
        return {
            "admin_token": self.admin_enabled and self.admin_token is not None,
            "drills": self.drills and self.admin_enabled and self.admin_token is not None,
            "guarded_admin": self.admin_enabled,
            "disabled_admin": not self.admin_enabled,
            "cors": self.cors_enabled and self.cors_origin is not None,
            "no_cors": not self.cors_enabled,
        }[need]

    def unmet(self, needs: set[str]) -> str | None:
        """Why a test with these needs does not apply to this target (None: it applies)."""
        missing = next((need for need in NEEDS if need in needs and not self.has(need)), None)
        if missing is None:
            return None
        if missing in ("admin_token", "drills", "guarded_admin") and not self.admin_enabled:
            return "the admin endpoints are disabled (ADMIN_TOKEN unset)"
        return {
            "disabled_admin": "the admin endpoints are enabled (ADMIN_TOKEN set)",
            "cors": "needs an origin CORS_ORIGINS allows (--cors-origin)"
            if self.cors_enabled
            else "CORS is off (CORS_ORIGINS unset)",
            "no_cors": "CORS is on (CORS_ORIGINS set)",
            "admin_token": "needs the admin token (--admin-token)",
            "drills": "flips the liveness or readiness flag (only with --drills)",
        }[missing]

    @property
    def token(self) -> str:
        """The admin token (a test that uses it declares the need `admin_token`)."""
        return self.admin_token or "token-the-suite-was-not-given"

    @property
    def bearer(self) -> dict[str, str]:
        """The admin headers: the token and a JSON body."""
        return {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}

    @property
    def origin(self) -> str:
        return self.cors_origin or CORS_ORIGIN

    @property
    def bad_delay(self) -> str:
        return f"seconds must be a decimal number from 0 to {self.max_delay_seconds}"

    def problem(self, status: int, request_id: str, detail: str | None = None) -> bytes:
        """The exact problem body, with the texts this configuration fixes (413's limit)."""
        if status == 413 and detail is None:
            detail = f"request body exceeds {self.max_body_bytes} bytes"
        return problem(status, request_id, detail)

    def readiness(self, flag: bool = True) -> bytes:
        """/readiness's body while shutdown and every dependency pass: 200's, or 503's when
        the readiness flag is off."""
        checks = [("readiness_flag", "ok" if flag else "fail"), ("shutdown", "ok")]
        checks += [(name, "ok") for name in self.dependencies]
        body = {
            "status": "ready" if flag else "not_ready",
            "checks": [{"name": name, "status": status} for name, status in checks],
        }
        return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


SUITE = Profile.from_env(SUITE_ENV)


class _Run:
    """The profile of this test run's main targets: SUITE, or a deployed instance's."""

    profile = SUITE


def run_profile() -> Profile:
    """What parametrisations built at collection (catalogues, sizes) are built for."""
    return _Run.profile


def set_run_profile(profile: Profile) -> None:
    _Run.profile = profile
