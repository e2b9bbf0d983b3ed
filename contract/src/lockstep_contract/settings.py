"""Configuration from environment variables, validated once, the same for every implementation."""

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

T = TypeVar("T")

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
LOG_FORMATS = ("json", "text")
POSTGRES_SCHEMES = ("postgresql", "postgres")
DEPENDENCY_SCHEMES = ("http", "https", "tcp", *POSTGRES_SCHEMES)
SECRETS = frozenset({"ADMIN_TOKEN"})
_PRINTABLE = re.compile(r"[\x20-\x7e\u00a0-\U0010ffff]*")
_TOKEN = re.compile(r"[\x21-\x7e]{16,}")
_HOST = re.compile(r"[A-Za-z0-9.:\-\[\]]{1,253}")
_ORIGIN = re.compile(r"https?://[A-Za-z0-9.\-\[\]:]+")
_DECIMAL = re.compile(r"(0|[1-9][0-9]*)(\.[0-9]+)?")


class ConfigError(ValueError):
    """One invalid variable; str() is the single line the process prints before exit 2."""

    def __init__(self, name: str, value: str, expected: str) -> None:
        shown = "<hidden>" if name in SECRETS else repr(value)
        super().__init__(f"lockstep: invalid configuration: {name}={shown}: expected {expected}")


@dataclass(frozen=True)
class Settings:
    app_name: str = "lockstep"
    app_description: str = "One HTTP contract, three Python frameworks."
    app_version: str = "1.0.0"
    app_env: str = "development"
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    log_level: str = "INFO"
    log_format: str = "json"
    log_file: str | None = None
    cors_origins: tuple[str, ...] = ()
    admin_token: str | None = None
    max_body_bytes: int = 1_048_576
    max_delay_seconds: str = "10"
    shutdown_delay_seconds: int = 0
    shutdown_timeout_seconds: int = 8
    dependencies: tuple[str, ...] = ()
    dependency_timeout_seconds: float = 1.0

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> "Settings":
        """Read and check every variable; raise ConfigError naming the first invalid one."""
        reader = _Reader(env)
        return cls(
            app_name=reader.text("APP_NAME", cls.app_name, 1, 64),
            app_description=reader.text("APP_DESCRIPTION", cls.app_description, 0, 256),
            app_version=reader.text("APP_VERSION", cls.app_version, 1, 64),
            app_env=reader.text("APP_ENV", cls.app_env, 1, 64),
            host=reader.parse("HOST", cls.host, _host, "an IP address or host name"),
            port=reader.integer("PORT", cls.port, 1, 65535),
            workers=reader.integer("WORKERS", cls.workers, 1, 64),
            log_level=reader.choice("LOG_LEVEL", cls.log_level, LOG_LEVELS, upper=True),
            log_format=reader.choice("LOG_FORMAT", cls.log_format, LOG_FORMATS),
            log_file=reader.optional("LOG_FILE", _log_file, "a file path whose directory exists"),
            cors_origins=reader.parse(
                "CORS_ORIGINS", "", _origins, "'*' or comma-separated http(s)://host[:port] origins"
            ),
            admin_token=reader.optional(
                "ADMIN_TOKEN", _token, "at least 16 printable ASCII characters without spaces"
            ),
            max_body_bytes=reader.integer(
                "MAX_BODY_BYTES", cls.max_body_bytes, 1, 64 * 1024 * 1024
            ),
            max_delay_seconds=reader.parse(
                "MAX_DELAY_SECONDS",
                cls.max_delay_seconds,
                _decimal_text(0, 3600),
                "a decimal number from 0 to 3600",
            ),
            shutdown_delay_seconds=reader.integer(
                "SHUTDOWN_DELAY_SECONDS", cls.shutdown_delay_seconds, 0, 3600
            ),
            shutdown_timeout_seconds=reader.integer(
                "SHUTDOWN_TIMEOUT_SECONDS", cls.shutdown_timeout_seconds, 1, 3600
            ),
            dependencies=reader.parse(
                "DEPENDENCIES",
                "",
                _dependencies,
                "comma-separated http://, https:// URLs, tcp://host:port or "
                "postgresql://user@host[:port][/database]",
                shown=lambda raw: ",".join(map(without_password, raw.split(","))),
            ),
            dependency_timeout_seconds=float(
                reader.parse(
                    "DEPENDENCY_TIMEOUT_SECONDS",
                    "1",
                    _decimal_text(Decimal("0.05"), 30),
                    "a decimal number from 0.05 to 30",
                )
            ),
        )

    @property
    def max_delay(self) -> Decimal:
        return Decimal(self.max_delay_seconds)


class _Reader:
    def __init__(self, env: Mapping[str, str]) -> None:
        self._env = env

    def parse(
        self,
        name: str,
        default: str,
        convert: Callable[[str], T],
        expected: str,
        shown: Callable[[str], str] = str,
    ) -> T:
        raw = self._env.get(name, default)
        try:
            return convert(raw)
        except ValueError:
            raise ConfigError(name, shown(raw), expected) from None

    def optional(self, name: str, convert: Callable[[str], str], expected: str) -> str | None:
        if self._env.get(name, "") == "":
            return None
        return self.parse(name, "", convert, expected)

    def text(self, name: str, default: str, low: int, high: int) -> str:
        def convert(raw: str) -> str:
            _require(low <= len(raw) <= high and bool(_PRINTABLE.fullmatch(raw)))
            return raw

        return self.parse(name, default, convert, f"{low} to {high} printable characters")

    def integer(self, name: str, default: int, low: int, high: int) -> int:
        def convert(raw: str) -> int:
            _require(raw.isascii() and raw.isdigit() and len(raw) <= 10)
            value = int(raw)
            _require(low <= value <= high)
            return value

        return self.parse(name, str(default), convert, f"an integer from {low} to {high}")

    def choice(self, name: str, default: str, choices: tuple[str, ...], upper: bool = False) -> str:
        def convert(raw: str) -> str:
            value = raw.upper() if upper else raw.lower()
            _require(value in choices)
            return value

        return self.parse(name, default, convert, "one of " + ", ".join(choices))


def _require(condition: bool) -> None:
    if not condition:
        raise ValueError


def _host(raw: str) -> str:
    _require(bool(_HOST.fullmatch(raw)))
    return raw


def _token(raw: str) -> str:
    _require(bool(_TOKEN.fullmatch(raw)))
    return raw


def _log_file(raw: str) -> str:
    path = Path(raw)
    _require(path.name != "" and path.parent.is_dir() and not path.is_dir())
    return raw


def _decimal_text(low: Decimal | int, high: Decimal | int) -> Callable[[str], str]:
    def convert(raw: str) -> str:
        _require(bool(_DECIMAL.fullmatch(raw)) and len(raw) <= 16)
        try:
            value = Decimal(raw)
        except InvalidOperation:
            raise ValueError from None
        _require(low <= value <= high)
        return raw

    return convert


def _split(raw: str) -> tuple[str, ...]:
    if raw.strip() == "":
        return ()
    items = tuple(item.strip() for item in raw.split(","))
    _require(all(items))
    return items


def _origins(raw: str) -> tuple[str, ...]:
    origins = _split(raw)
    _require(origins == ("*",) or all(_ORIGIN.fullmatch(origin) for origin in origins))
    return origins


def _dependencies(raw: str) -> tuple[str, ...]:
    urls = _split(raw)
    for url in urls:
        parts = urlsplit(url)
        _require(parts.scheme in DEPENDENCY_SCHEMES and bool(parts.hostname))
        _require(parts.port is None or parts.port > 0)  # .port raises ValueError when invalid
        # An "@" only in the user information, so that without_password finds it there.
        _require("@" not in url.partition("://")[2].partition(parts.netloc)[2])
        if parts.scheme == "tcp":
            _require(parts.port is not None and parts.path in ("", "/"))
        if parts.scheme in POSTGRES_SCHEMES:
            # The user is required: without one, a driver falls back to the OS user, which an
            # image's numeric user does not have. One host (a comma separates dependencies).
            _require(bool(parts.username) and not parts.fragment)
            _require("/" not in parts.path[1:])
    return urls


def without_password(url: str) -> str:
    """A dependency URL as it may be shown (its readiness check, a configuration error): the
    password left out of the user information and any `*password*` query parameter dropped.

    Cautious with text that is no valid URL: everything up to the last "@" counts as user
    information."""
    scheme, separator, rest = url.partition("://")
    if separator and "@" in rest:
        userinfo, _, place = rest.rpartition("@")
        url = f"{scheme}://{userinfo.partition(':')[0]}@{place}"
    base, question, query = url.partition("?")
    if not question:
        return url
    query, hash_, fragment = query.partition("#")
    kept = [item for item in query.split("&") if "password" not in item.partition("=")[0].lower()]
    return base + ("?" + "&".join(kept) if kept else "") + hash_ + fragment
