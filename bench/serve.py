"""Serve a benchmark subject with the project's own server setup, one option changed at most.

    python bench/serve.py --app {contract,minimal,addons,bare} --impl NAME --server SERVER

`contract` is the implementation's create_app, `minimal` bench/minimal/<impl>_app.py, `bare`
a raw ASGI or WSGI callable. SERVER: `uvicorn` (lockstep_contract.uvicorn_server as is),
`uvicorn-uvloop` (the same on uvloop), `uvicorn-fast` (httptools and uvloop),
`gunicorn-gthread` and `gunicorn-sync` (lockstep_flask's gunicorn options, that worker class),
`gunicorn-uvicorn` (the same options with uvicorn's worker, h11 and asyncio). Configured by
the contract's variables (PORT, ...).
`addons` is bench/addons/<impl>_app.py (the framework with the usual add-ons).
Standalone: the minimal images run it too (bench/minimal/Dockerfile).
"""

import argparse
import importlib
import os
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

SERVERS = (
    "uvicorn", "uvicorn-uvloop", "uvicorn-fast", "gunicorn-gthread", "gunicorn-sync",
    "gunicorn-uvicorn",
)  # fmt: skip
ASGI_SERVERS = frozenset({"uvicorn", "uvicorn-uvloop", "uvicorn-fast", "gunicorn-uvicorn"})
# What each uvicorn variant changes in the project's uvicorn Config.
UVICORN_CHANGES: dict[str, dict[str, str]] = {
    "uvicorn": {},
    "uvicorn-uvloop": {"loop": "uvloop"},
    "uvicorn-fast": {"http": "httptools", "loop": "uvloop"},
}


def factory_path(app: str, impl: str, server: str) -> str:
    if app == "contract":
        return f"lockstep_{impl}.app:create_app"
    if app == "minimal":
        return f"{impl}_app:create_app"
    if app == "addons":
        return f"addons.{impl}_app:create_app"  # bench/addons/, beside this script
    return "bare_app:create_asgi" if server in ASGI_SERVERS else "bare_app:create_wsgi"


def run_uvicorn(factory: str, impl: str, server: str) -> None:
    import uvicorn  # noqa: PLC0415 (only the servers that need it import it)

    from lockstep_contract import uvicorn_server  # noqa: PLC0415

    changes = UVICORN_CHANGES[server]
    if changes:

        class ChangedConfig(uvicorn.Config):
            # The project's runner builds its Config itself; this variant keeps every other
            # setting.
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                super().__init__(*args, **{**kwargs, **changes})

        uvicorn.Config = ChangedConfig  # type: ignore[misc]
    uvicorn_server.run(factory, implementation=impl)


def uvicorn_worker() -> type:
    """uvicorn's gunicorn worker with the project's uvicorn protocol settings."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # moved to the uvicorn-worker package
        from uvicorn.workers import UvicornWorker  # noqa: PLC0415

    class ContractUvicornWorker(UvicornWorker):
        CONFIG_KWARGS: dict[str, Any] = {  # noqa: RUF012 (uvicorn's own class attribute)
            "http": "h11",
            "loop": "asyncio",
            "server_header": False,
            "headers": [("Server", "lockstep")],
            "access_log": False,
        }

    return ContractUvicornWorker


def run_gunicorn(factory: str, impl: str, server: str) -> None:
    import gunicorn.http.wsgi  # noqa: PLC0415

    from lockstep_contract.logs import logging_config  # noqa: PLC0415
    from lockstep_contract.serving import prepare_instance, settings_or_exit  # noqa: PLC0415
    from lockstep_flask.__main__ import ContractServer, options  # noqa: PLC0415

    class Server(ContractServer):
        def load(self) -> Callable[..., Any]:
            module, name = factory.split(":")
            made: Callable[..., Any] = getattr(importlib.import_module(module), name)()
            return made

    settings = settings_or_exit()
    prepare_instance()
    gunicorn.http.wsgi.SERVER = "lockstep"
    worker = {"gunicorn-gthread": "gthread", "gunicorn-sync": "sync"}.get(server)
    chosen = {
        **options(settings),
        "worker_class": worker or uvicorn_worker(),
        "logconfig_dict": logging_config(settings, impl),
    }
    Server(chosen).run()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--app", choices=("contract", "minimal", "addons", "bare"), required=True)
    parser.add_argument("--impl", default=os.environ.get("BENCH_IMPL"), required=False)
    parser.add_argument("--server", choices=SERVERS, default=os.environ.get("BENCH_SERVER"))
    args = parser.parse_args()
    if not args.impl or not args.server:
        parser.error("--impl and --server are required (or BENCH_IMPL, BENCH_SERVER)")
    sys.path.insert(0, str(Path(__file__).resolve().parent / "minimal"))
    factory = factory_path(args.app, args.impl, args.server)
    if args.server.startswith("uvicorn"):
        run_uvicorn(factory, args.impl, args.server)
    else:
        run_gunicorn(factory, args.impl, args.server)


if __name__ == "__main__":
    main()
