"""`python -m lockstep_flask`: the production server (gunicorn), configured by the environment."""

import os
import signal
import sys
from types import FrameType
from typing import TYPE_CHECKING, Any

import gunicorn.http.wsgi
from gunicorn.app.base import BaseApplication
from gunicorn.arbiter import Arbiter

from lockstep_contract.logs import logging_config
from lockstep_contract.serving import mark_shutting_down, prepare_instance, settings_or_exit
from lockstep_contract.settings import Settings

if TYPE_CHECKING:
    # Only for the annotation: it imports prometheus_client, which must wait for the
    # instance's PROMETHEUS_MULTIPROC_DIR.
    from lockstep_contract.wsgi import WSGIApp

# gthread: a sleeping /delay holds one thread, not the whole worker process.
THREADS = 8
_STOP_SIGNALS = frozenset({signal.SIGTERM, signal.SIGINT, signal.SIGQUIT})


class ContractArbiter(Arbiter):  # type: ignore[misc]
    """gunicorn's master. Readiness fails in the signal handler itself, before any worker
    hears of the stop; a second signal is a quick stop (gunicorn's own is SIGINT/SIGQUIT only).

    A worker's own SIGTERM does not mark it: the master also sends that on HUP and TTOU, and
    the instance stays ready then.
    """

    stop_signals = 0

    def signal(self, sig: int, frame: FrameType | None) -> None:
        if sig in _STOP_SIGNALS:
            mark_shutting_down()
            self.stop_signals += 1
            if self.stop_signals > 1:
                sig = signal.SIGQUIT
        super().signal(sig, frame)

    def stop(self, graceful: bool = True) -> None:
        # Both signals may be read in one batch, before the graceful stop began.
        super().stop(graceful and self.stop_signals < 2)


class ContractServer(BaseApplication):  # type: ignore[misc]
    """gunicorn configured in code; each worker builds its own application (no preload)."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for name, value in self.options.items():
            self.cfg.set(name, value)

    def load(self) -> "WSGIApp":
        from lockstep_flask.app import create_app  # noqa: PLC0415 (in the worker, after fork)

        return create_app()

    def run(self) -> None:
        # BaseApplication.run, with the contract's arbiter.
        try:
            ContractArbiter(self).run()
        except RuntimeError as error:
            print(f"lockstep: cannot start: {error}", file=sys.stderr)
            raise SystemExit(1) from None


def quit_at_once(worker: object) -> None:
    # A worker's quick stop (SIGQUIT, SIGINT) ends in sys.exit, which still waits for the
    # request threads; the contract's second signal drops them.
    os._exit(0)


def options(settings: Settings) -> dict[str, Any]:
    host = f"[{settings.host}]" if ":" in settings.host else settings.host
    return {
        "bind": [f"{host}:{settings.port}"],
        "workers": settings.workers,
        "worker_class": "gthread",
        "threads": THREADS,
        "graceful_timeout": settings.shutdown_timeout_seconds,
        "worker_int": quit_at_once,
        "keepalive": 5,  # uvicorn's default
        "loglevel": settings.log_level.lower(),
        "logconfig_dict": logging_config(settings, "flask"),
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


def main() -> None:
    settings = settings_or_exit()
    prepare_instance()
    # gunicorn writes `Server: gunicorn` itself, from this module global read per response.
    gunicorn.http.wsgi.SERVER = "lockstep"
    ContractServer(options(settings)).run()


if __name__ == "__main__":
    main()
