"""Run a WSGI application factory under gunicorn as the contract asks (Flask).

gunicorn configured in code: one access log (the application's), one log format,
`Server: lockstep`, graceful shutdown bounded by SHUTDOWN_TIMEOUT_SECONDS, and WORKERS
processes sharing the instance, each building its own application after the fork (no
preload). The stop signals go to `lifecycle.StopSignals` in gunicorn's master.
"""

import functools
import importlib
import os
import signal
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from types import FrameType
from typing import Any

import gunicorn.http.wsgi
from gunicorn.app.base import BaseApplication
from gunicorn.arbiter import Arbiter
from gunicorn.config import PreRequest

from lockstep_contract import access, lifecycle
from lockstep_contract.logs import logging_config
from lockstep_contract.settings import Settings

# gthread: a sleeping /delay holds one thread, not the whole worker process.
THREADS = 8


@dataclass(frozen=True, slots=True)
class GunicornOverrides:
    """What the bench varies; None keeps the contract's setting."""

    # "gthread" (the contract's), "sync", or "uvicorn": uvicorn's gunicorn worker, with the
    # uvicorn runner's protocol settings, for an ASGI factory.
    worker_class: str | None = None
    workers: int | None = None  # WORKERS


def gunicorn_options(
    implementation: str, settings: Settings, overrides: GunicornOverrides
) -> dict[str, Any]:
    host = f"[{settings.host}]" if ":" in settings.host else settings.host
    worker_class = overrides.worker_class or "gthread"
    return {
        "bind": [f"{host}:{settings.port}"],
        "workers": overrides.workers or settings.workers,
        "worker_class": uvicorn_worker() if worker_class == "uvicorn" else worker_class,
        # More than one thread would turn gunicorn's sync worker into gthread.
        "threads": THREADS if worker_class == "gthread" else 1,
        "graceful_timeout": settings.shutdown_timeout_seconds,
        "worker_int": quit_at_once,
        "pre_request": close_while_draining,
        "keepalive": 5,  # uvicorn's default
        "loglevel": settings.log_level.lower(),
        "logconfig_dict": logging_config(settings, implementation),
        "accesslog": None,  # the application writes the access lines
        # Closest to uvicorn's h11, which limits the whole head to 16 KiB: see the README.
        "limit_request_line": 8190,
        "limit_request_fields": 100,
        "limit_request_field_size": 16384,
        # h11 takes any token as a method; gunicorn refuses lowercase, short and long ones.
        "permit_unconventional_http_method": True,
        # uvicorn runs with proxy_headers=False: trust no X-Forwarded-* or SCRIPT_NAME header.
        "forwarded_allow_ips": "",
        # A per-user default path that several instances on one host would share.
        "control_socket_disable": True,
    }


def quit_at_once(worker: object) -> None:
    # A worker's quick stop (SIGQUIT, SIGINT) ends in sys.exit, which still waits for the
    # request threads; the contract's second signal drops them, not the lines they wrote.
    access.flush_all(timeout=0.1)
    os._exit(0)


def close_while_draining(worker: Any, request: Any) -> None:
    """gunicorn's pre_request hook: in the drain, this answer closes its connection."""
    if _instance_state().shutting_down:
        request.must_close = True  # gunicorn then writes `Connection: close` and closes
    PreRequest.default(worker, request)  # gunicorn's own: a debug line


# Each worker maps the instance's flags once, on its first request.
_instance_state = functools.cache(lifecycle.instance_state)


def uvicorn_worker() -> type:
    """uvicorn's gunicorn worker with the uvicorn runner's protocol settings (bench only)."""
    from lockstep_contract.runners.uvicorn import UvicornOverrides, protocol_settings  # noqa: PLC0415

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # moved to the uvicorn-worker package
        from uvicorn.workers import UvicornWorker  # noqa: PLC0415

    class ContractUvicornWorker(UvicornWorker):
        CONFIG_KWARGS = protocol_settings(UvicornOverrides())

    return ContractUvicornWorker


class InstanceArbiter(Arbiter):  # type: ignore[misc]
    """gunicorn's master. Its stop signals go to StopSignals in the handler itself, before
    any worker hears of the stop; gunicorn's own SIGTERM is the graceful stop, its SIGQUIT
    the quick one (workers `_exit`)."""

    def __init__(self, app: BaseApplication, shutdown_delay_seconds: int) -> None:
        super().__init__(app)
        self.stop_signals = lifecycle.StopSignals(
            shutdown_delay_seconds, self.stop_gracefully, self.exit_at_once
        )

    def signal(self, sig: int, frame: FrameType | None) -> None:
        if sig in lifecycle.STOP_SIGNALS:
            self.stop_signals.received()
        else:
            super().signal(sig, frame)

    def stop_gracefully(self) -> None:
        super().signal(signal.SIGTERM, None)

    def exit_at_once(self) -> None:
        super().signal(signal.SIGQUIT, None)

    def stop(self, graceful: bool = True) -> None:
        # Both signals may be read in one batch, before the graceful stop began.
        super().stop(graceful and not self.stop_signals.at_once)


class FactoryApplication(BaseApplication):  # type: ignore[misc]
    """gunicorn's application: these options, and `factory` called in each worker."""

    def __init__(self, factory: str, options: dict[str, Any], shutdown_delay_seconds: int) -> None:
        self.factory = factory
        self.options = options
        self.shutdown_delay_seconds = shutdown_delay_seconds
        super().__init__()

    def load_config(self) -> None:
        for name, value in self.options.items():
            self.cfg.set(name, value)

    def load(self) -> Callable[..., Any]:
        module, name = self.factory.split(":")
        made: Callable[..., Any] = getattr(importlib.import_module(module), name)()
        return made

    def run(self) -> None:
        # BaseApplication.run, with the instance's arbiter.
        try:
            InstanceArbiter(self, self.shutdown_delay_seconds).run()
        except RuntimeError as error:
            print(f"lockstep: cannot start: {error}", file=sys.stderr)
            raise SystemExit(1) from None


def run(factory: str, implementation: str, overrides: GunicornOverrides | None = None) -> None:
    """Serve `factory` ("package.module:create_app") as configured by the environment."""
    settings = lifecycle.start_instance()
    lifecycle.share_metrics()  # the arbiter replaces workers, even with WORKERS=1
    options = gunicorn_options(implementation, settings, overrides or GunicornOverrides())
    # gunicorn writes `Server: gunicorn` itself, from this module global read per response.
    gunicorn.http.wsgi.SERVER = "lockstep"
    FactoryApplication(factory, options, settings.shutdown_delay_seconds).run()
