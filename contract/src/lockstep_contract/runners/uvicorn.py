"""Run an ASGI application factory under uvicorn as the contract asks (FastAPI, Litestar).

One access log (the application's), one log format, `Server: lockstep`, graceful shutdown
bounded by SHUTDOWN_TIMEOUT_SECONDS, and WORKERS processes sharing the instance. The stop
signals go to `lifecycle.StopSignals` in this process: its server when WORKERS=1, else
uvicorn's supervisor of plain uvicorn workers.
"""

import os
import signal
import socket
from dataclasses import dataclass
from types import FrameType
from typing import Any

import uvicorn
from uvicorn.supervisors import multiprocess

from lockstep_contract import lifecycle
from lockstep_contract.logs import logging_config
from lockstep_contract.settings import Settings


@dataclass(frozen=True, slots=True)
class UvicornOverrides:
    """What the bench varies; None keeps the contract's setting."""

    http: str | None = None  # "h11" (the contract's), "httptools"
    loop: str | None = None  # "asyncio" (the contract's), "uvloop"
    workers: int | None = None  # WORKERS


def protocol_settings(overrides: UvicornOverrides) -> dict[str, Any]:
    """uvicorn's settings for each connection, also given to uvicorn's gunicorn worker."""
    return {
        "http": overrides.http or "h11",
        "loop": overrides.loop or "asyncio",
        "access_log": False,  # the application writes the access lines
        "server_header": False,
        "headers": [("Server", "lockstep")],
        "proxy_headers": False,
    }


def uvicorn_config(
    factory: str, implementation: str, settings: Settings, overrides: UvicornOverrides
) -> uvicorn.Config:
    return uvicorn.Config(
        factory,
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=overrides.workers or settings.workers,
        log_config=logging_config(settings, implementation),
        log_level=settings.log_level.lower(),
        timeout_graceful_shutdown=settings.shutdown_timeout_seconds,
        **protocol_settings(overrides),
    )


class SingleProcessServer(uvicorn.Server):
    """uvicorn's server when this process is the whole instance (WORKERS=1)."""

    def __init__(self, config: uvicorn.Config, shutdown_delay_seconds: int) -> None:
        super().__init__(config)
        self.stop_signals = lifecycle.StopSignals(
            shutdown_delay_seconds, self.stop_gracefully, self.exit_at_once
        )

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        # Not uvicorn's own: it forces the exit only on a second SIGINT (the contract says any
        # signal), and raises the signal again once shut down, so the process would die of it
        # (status -15) where the contract wants 0.
        self.stop_signals.received()

    def stop_gracefully(self) -> None:
        self.should_exit = True

    def exit_at_once(self) -> None:
        self.should_exit = self.force_exit = True


class WorkerSupervisor(multiprocess.Multiprocess):
    """uvicorn's supervisor of WORKERS processes, each a plain uvicorn server. Its stop
    signals go to the instance's StopSignals at once (uvicorn reads its own signal queue
    only twice a second)."""

    def __init__(
        self, config: uvicorn.Config, sockets: list[socket.socket], shutdown_delay_seconds: int
    ) -> None:
        super().__init__(config, sockets)
        self.stop_signals = lifecycle.StopSignals(
            shutdown_delay_seconds, self.stop_gracefully, self.exit_at_once
        )
        for sig in lifecycle.STOP_SIGNALS:
            signal.signal(sig, self._on_stop_signal)

    def _on_stop_signal(self, sig: int, frame: FrameType | None) -> None:
        self.stop_signals.received()

    def stop_gracefully(self) -> None:
        # uvicorn's own SIGTERM: each worker gets SIGTERM and stops gracefully, the
        # supervisor waits for them.
        self.signal_queue.append(signal.SIGTERM)

    def exit_at_once(self) -> None:
        for process in self.processes:
            if process.pid is not None and process.exitcode is None:
                os.kill(process.pid, signal.SIGKILL)
        self.signal_queue.append(signal.SIGTERM)

    def keep_subprocess_alive(self) -> None:
        # Once stopping, a worker that is gone (killed by the second signal) stays gone.
        if not self.stop_signals.count:
            super().keep_subprocess_alive()


def run(factory: str, implementation: str, overrides: UvicornOverrides | None = None) -> None:
    """Serve `factory` ("package.module:create_app") as configured by the environment."""
    settings = lifecycle.start_instance()
    config = uvicorn_config(factory, implementation, settings, overrides or UvicornOverrides())
    if config.workers == 1:
        SingleProcessServer(config, settings.shutdown_delay_seconds).run()
        return
    lifecycle.share_metrics()
    listener = config.bind_socket()
    # uvicorn binds this socket with proto 0, so asyncio leaves Nagle on for connections
    # accepted from it and each keep-alive answer waits ~40 ms for a delayed ACK
    # (Kludex/uvicorn#3149); Linux passes the option on to accepted sockets.
    listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    WorkerSupervisor(config, [listener], settings.shutdown_delay_seconds).run()
