"""Run an application factory under uvicorn as the contract asks (FastAPI and Litestar).

One access log (the application's), one log format, `Server: lockstep`, graceful shutdown
bounded by SHUTDOWN_TIMEOUT_SECONDS, a second signal exits at once, and WORKERS processes
sharing the instance state prepared by `serving.prepare_instance`.
"""

from types import FrameType

import uvicorn
from uvicorn.supervisors import multiprocess

from lockstep_contract.logs import logging_config
from lockstep_contract.serving import mark_shutting_down, prepare_instance, settings_or_exit


class ContractServer(uvicorn.Server):
    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        mark_shutting_down()
        # uvicorn forces the exit only on a second SIGINT; the contract says any signal.
        if self.should_exit:
            self.force_exit = True
        super().handle_exit(sig, frame)


class _Worker(multiprocess.Process):
    """A uvicorn worker process whose server is a ContractServer."""

    @property
    def server(self) -> uvicorn.Server:
        if self._server is None:
            self._server = ContractServer(config=self.config)
        return self._server


class _Supervisor(multiprocess.Multiprocess):
    """uvicorn's worker supervisor; readiness fails as soon as the instance gets SIGTERM."""

    def handle_term(self) -> None:
        mark_shutting_down()
        super().handle_term()

    def handle_int(self) -> None:
        mark_shutting_down()
        super().handle_int()


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
        _Supervisor(config, sockets=[config.bind_socket()]).run()
    else:
        server.run()
