"""Run an application factory under uvicorn as the contract asks (FastAPI and Litestar).

One access log (the application's), one log format, `Server: lockstep`, graceful shutdown
bounded by SHUTDOWN_TIMEOUT_SECONDS, a second signal exits at once, and WORKERS processes
sharing the instance state prepared by `serving.prepare_instance`.
"""

import os
import signal
import socket
from types import FrameType

import uvicorn
from uvicorn.supervisors import multiprocess

from lockstep_contract.logs import logging_config
from lockstep_contract.serving import mark_shutting_down, prepare_instance, settings_or_exit


class ContractServer(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, marks_instance: bool = True) -> None:
        super().__init__(config)
        # A worker of several must not mark the instance: the supervisor also stops workers
        # with SIGTERM to replace them (SIGHUP, SIGTTOU), and then the instance stays up.
        self.marks_instance = marks_instance

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if self.marks_instance:
            mark_shutting_down()
        # uvicorn forces the exit only on a second SIGINT; the contract says any signal.
        if self.should_exit:
            self.force_exit = True
        super().handle_exit(sig, frame)
        # uvicorn re-raises the signal once it has shut down, so the process dies of it
        # (status -15); after a graceful shutdown the contract wants exit status 0.
        self._captured_signals.clear()


class _Worker(multiprocess.Process):
    """A uvicorn worker process whose server is a ContractServer."""

    @property
    def server(self) -> uvicorn.Server:
        if self._server is None:
            self._server = ContractServer(self.config, marks_instance=False)
        return self._server


class _Supervisor(multiprocess.Multiprocess):
    """uvicorn's worker supervisor. On SIGTERM or SIGINT readiness fails at once (uvicorn
    only looks at its signal queue twice a second); a second signal, which uvicorn would
    leave queued while it waits for the workers, makes them exit at once."""

    def __init__(self, config: uvicorn.Config, sockets: list[socket.socket]) -> None:
        super().__init__(config, sockets)
        self._stopping = False
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self._on_stop_signal)

    def _on_stop_signal(self, sig: int, frame: FrameType | None) -> None:
        mark_shutting_down()
        if self._stopping:
            for process in self.processes:
                if process.pid is not None and process.exitcode is None:
                    # The worker's second signal: its ContractServer forces the exit.
                    os.kill(process.pid, signal.SIGTERM)
        self._stopping = True
        self.signal_queue.append(sig)


def run(factory: str, implementation: str) -> None:
    """Start `factory` ("package.module:create_app") as configured by the environment."""
    settings = settings_or_exit()
    prepare_instance()
    config = uvicorn.Config(
        factory,
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        http="h11",
        loop="asyncio",
        log_config=logging_config(settings, implementation),
        log_level=settings.log_level.lower(),
        access_log=False,
        server_header=False,
        headers=[("Server", "lockstep")],
        timeout_graceful_shutdown=settings.shutdown_timeout_seconds,
        proxy_headers=False,
    )
    server = ContractServer(config)
    if settings.workers > 1:
        # uvicorn builds its workers from this module-level name and offers no setting for it.
        multiprocess.Process = _Worker  # type: ignore[misc]
        listener = config.bind_socket()
        # uvicorn binds this socket with proto 0, so asyncio leaves Nagle on for connections
        # accepted from it and each keep-alive answer waits ~40 ms for a delayed ACK
        # (Kludex/uvicorn#3149); Linux passes the option on to accepted sockets.
        listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        _Supervisor(config, sockets=[listener]).run()
    else:
        server.run()
