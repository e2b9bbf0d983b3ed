"""Serve a benchmark subject with the project's own runners, one server option changed at most.

    python bench/serve.py --app {contract,minimal,addons,bare} --impl NAME --server SERVER

`contract` is the implementation's create_app, `minimal` bench/minimal/<impl>_app.py, `bare`
a raw ASGI or WSGI callable. SERVER: `uvicorn` (lockstep_contract.runners.uvicorn as is),
`uvicorn-uvloop` (the same on uvloop), `uvicorn-fast` (httptools and uvloop),
`gunicorn-gthread` and `gunicorn-sync` (lockstep_contract.runners.gunicorn, that worker
class), `gunicorn-uvicorn` (the same with uvicorn's worker, h11 and asyncio). Configured by
the contract's variables (PORT, WORKERS, ...).
`addons` is bench/addons/<impl>_app.py (the framework with the usual add-ons).
Standalone: the minimal images run it too (bench/minimal/Dockerfile).
"""

import argparse
import os
import sys
from pathlib import Path

# What each server option changes in its runner's settings: uvicorn's (http, loop), gunicorn's
# worker class; None keeps the contract's.
UVICORN: dict[str, tuple[str | None, str | None]] = {
    "uvicorn": (None, None),
    "uvicorn-uvloop": (None, "uvloop"),
    "uvicorn-fast": ("httptools", "uvloop"),
}
GUNICORN = {"gunicorn-gthread": "gthread", "gunicorn-sync": "sync", "gunicorn-uvicorn": "uvicorn"}
SERVERS = (*UVICORN, *GUNICORN)


def factory_path(app: str, impl: str, server: str) -> str:
    if app == "contract":
        return f"lockstep_{impl}.app:create_app"
    if app == "minimal":
        return f"{impl}_app:create_app"
    if app == "addons":
        return f"addons.{impl}_app:create_app"  # bench/addons/, beside this script
    asgi = server in UVICORN or GUNICORN.get(server) == "uvicorn"
    return "bare_app:create_asgi" if asgi else "bare_app:create_wsgi"


def serve(factory: str, impl: str, server: str) -> None:
    # Each runner imports only its own server: an image carries only one of them.
    if server in UVICORN:
        from lockstep_contract.runners import uvicorn  # noqa: PLC0415

        http, loop = UVICORN[server]
        uvicorn.run(factory, impl, uvicorn.UvicornOverrides(http=http, loop=loop))
    else:
        from lockstep_contract.runners import gunicorn  # noqa: PLC0415

        gunicorn.run(factory, impl, gunicorn.GunicornOverrides(worker_class=GUNICORN[server]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--app", choices=("contract", "minimal", "addons", "bare"), required=True)
    parser.add_argument("--impl", default=os.environ.get("BENCH_IMPL"), required=False)
    parser.add_argument("--server", choices=SERVERS, default=os.environ.get("BENCH_SERVER"))
    args = parser.parse_args()
    if not args.impl or not args.server:
        parser.error("--impl and --server are required (or BENCH_IMPL, BENCH_SERVER)")
    sys.path.insert(0, str(Path(__file__).resolve().parent / "minimal"))
    serve(factory_path(args.app, args.impl, args.server), args.impl, args.server)


if __name__ == "__main__":
    main()
