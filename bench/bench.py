"""Load each implementation's real server with wrk beside its framework's minimal app, its
add-on stack and a bare callable, then its server options, in one run on this machine; write
bench.json, bench.md, bench.svg and the README's block (report.py).

    uv run python bench/bench.py [--duration S] [--connections N] [--only NAME...] [--out DIR]
"""

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    # `python bench/bench.py`: import this folder as the package `bench`, not as a script dir.
    sys.path[0] = str(Path(__file__).resolve().parents[1])

import httpx

from bench import (
    BENCH,
    RESULTS,
    SERVE,
    Implementation,
    implementations,
    overhead,
    parts,
    report,
    wrk,
)
from lockstep_suite.servers import Launcher, Server, remove_workdirs

Row = dict[str, Any]
BASELINES = ("minimal", "addons", "bare")  # serve.py's --app, beside the implementation
PACKAGES = ("fastapi", "flask", "litestar", "uvicorn", "gunicorn", "h11", "prometheus-client",
            "prometheus-fastapi-instrumentator", "asgi-correlation-id", "prometheus-flask-exporter",
            "flask-cors", "python-json-logger")  # fmt: skip


@dataclass(frozen=True)
class Endpoint:
    key: str
    label: str
    method: str
    path: str
    status: int
    baseline: bool = False  # the baselines are loaded on it too
    script: Path | None = None
    crowded: bool = False  # at the plan's delay_connections


ENDPOINTS = (
    Endpoint("health", "GET /health", "GET", "/health", 200, baseline=True),
    Endpoint("not_found", "GET /nope (404)", "GET", "/nope", 404, baseline=True),
    Endpoint("echo", "POST /echo", "POST", "/echo", 200, script=BENCH / "lua" / "echo.lua"),
    Endpoint("delay", "GET /delay/0.05", "GET", "/delay/0.05", 200, crowded=True),
)
ECHO_BODY = b'{"message":"hello, lockstep","metadata":{"client":"wrk","run":"bench"}}'


@dataclass(frozen=True)
class Plan:
    duration: int  # seconds of load per server and endpoint, over all rounds
    connections: int
    delay_connections: int
    rounds: int  # when several servers are compared
    warmup: int


@dataclass(frozen=True)
class Option:
    """A server option, measured on GET /health; serve_as is serve.py's --server."""

    variant: str
    server: str
    protocol: str  # http parser + event loop, or worker class
    workers: int = 1
    serve_as: str = ""  # "": the project's own start command, `python -m lockstep_<name>`


OPTIONS = {  # per kind of server, the default first
    "uvicorn": (
        Option("h11 x1", "uvicorn", "h11 + asyncio"),
        Option("uvloop x1", "uvicorn", "h11 + uvloop", serve_as="uvicorn-uvloop"),
        Option("httptools x1", "uvicorn", "httptools + uvloop", serve_as="uvicorn-fast"),
        Option("uvicorn x2", "uvicorn --workers", "h11 + asyncio", 2),
        Option(
            "gunicorn-uv x2", "gunicorn + UvicornWorker", "h11 + asyncio", 2, "gunicorn-uvicorn"
        ),
    ),
    "gunicorn": (
        Option("gthread x1", "gunicorn", "gthread (8 threads)"),
        Option("sync x1", "gunicorn", "sync", serve_as="gunicorn-sync"),
        Option("gthread x2", "gunicorn", "gthread (8 threads)", 2),
    ),
}


def server(impl: Implementation, app: str = "", serve_as: str = "", workers: int = 1) -> Server:
    """The implementation as a user starts it (no `app`), or bench/serve.py serving `app` with
    the server setup `serve_as` (default: the implementation's); the contract's defaults."""
    argv = [sys.executable, str(SERVE), "--app", app, "--impl", impl.name,
            "--server", serve_as or impl.baseline_server]  # fmt: skip
    env = {"WORKERS": str(workers), "LOG_FILE": ""}  # stdout only, as by default
    return Server(impl.name, env, launcher=Launcher(argv=argv if app else None))


@contextmanager
def serving(servers: dict[str, Server]) -> Iterator[dict[str, Server]]:
    """Start every server (name: Server); yield them started; stop them all."""
    try:
        yield {name: each.start(timeout=60) for name, each in servers.items()}
    finally:
        for each in servers.values():
            with suppress(subprocess.TimeoutExpired):  # it was killed then
                each.stop()


def cpu_seconds(server: Server) -> float | None:
    """The CPU time (user and system) of a server's process and of its workers so far, from
    Linux's /proc; None where there is none."""
    assert server.process is not None
    ticks, todo = 0, [server.process.pid]
    try:
        while todo:
            proc = Path("/proc", str(todo.pop()))
            # After the command's closing parenthesis: fields 3... of proc_pid_stat(5).
            fields = (proc / "stat").read_text().rpartition(")")[2].split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
            for task in (proc / "task").iterdir():
                todo += map(int, (task / "children").read_text().split())
    except (OSError, ValueError):
        return None
    return ticks / os.sysconf("SC_CLK_TCK")


def compare(plan: Plan, servers: dict[str, Server], endpoint: Endpoint) -> dict[str, Row]:
    """Each server (name: Server) checked, warmed up, then loaded on `endpoint` in short
    rounds alternated between them, so that a busy moment of the machine costs all alike.
    Per server: req/s over all rounds, p50 and p99 of the median round, and its CPU time per
    request over all rounds: what a request costs the server, which the machine's busy
    moments move less than req/s."""
    connections = plan.delay_connections if endpoint.crowded else plan.connections
    bases = {name: each.base_url for name, each in servers.items()}
    rounds = plan.rounds if len(bases) > 1 else 1

    def run(base: str, seconds: int) -> wrk.Load:
        return wrk.run(base + endpoint.path, connections, seconds, script=endpoint.script,
                       timeout=10.0 if endpoint.crowded else 2.0)  # fmt: skip

    for base in bases.values():
        body = ECHO_BODY if endpoint.method == "POST" else None
        headers = {"Content-Type": "application/json"}
        answer = httpx.request(endpoint.method, base + endpoint.path, content=body,
                               headers=headers, timeout=5.0, trust_env=False)  # fmt: skip
        if answer.status_code != endpoint.status:
            raise RuntimeError(f"{base}{endpoint.path} answered {answer.status_code}")
        run(base, plan.warmup)
    loads: dict[str, list[wrk.Load]] = {name: [] for name in bases}
    cpu: dict[str, float | None] = dict.fromkeys(bases, 0.0)
    for _ in range(rounds):
        for name, base in bases.items():
            before = cpu_seconds(servers[name])
            loads[name].append(run(base, max(1, round(plan.duration / rounds))))
            after, so_far = cpu_seconds(servers[name]), cpu[name]
            if so_far is None or before is None or after is None:
                cpu[name] = None
            else:
                cpu[name] = so_far + after - before
    found = {}
    for name, runs in loads.items():
        requests, seconds = sum(x.requests for x in runs), sum(x.seconds for x in runs)
        spent = cpu[name]
        found[name] = {
            "endpoint": endpoint.key, "label": endpoint.label, "connections": connections,
            "rps": round(requests / seconds, 1) if seconds else 0.0,
            "cpu_us": round(spent / requests * 1e6, 1) if spent is not None and requests else None,
            "p50_ms": statistics.median(x.p50_ms for x in runs),
            "p99_ms": statistics.median(x.p99_ms for x in runs),
            "requests": requests, "seconds": round(seconds, 3),
            "rounds_rps": [x.rps for x in runs],
            "non_2xx_3xx": sum(x.non_2xx_3xx for x in runs),
            "socket_errors": sum(x.socket_errors for x in runs),
        }  # fmt: skip
    return found


def say(row: Row, who: str) -> None:
    rounds = "/".join(f"{rps:.0f}" for rps in row["rounds_rps"])
    line = f"{row['implementation']} {who} {row['label']}: {row['rps']:.0f} req/s ({rounds})"
    cpu = f", CPU {row['cpu_us']} µs/request" if row.get("cpu_us") is not None else ""
    print(f"bench: {line}, p50 {row['p50_ms']} ms, p99 {row['p99_ms']} ms{cpu}", file=sys.stderr)


def run_baselines(plan: Plan, impl: Implementation) -> list[Row]:
    """The implementation and its baselines, all started at once, on every endpoint."""
    rows = []
    subjects = {"implementation": server(impl)} | {app: server(impl, app) for app in BASELINES}
    with serving(subjects) as started:
        for endpoint in ENDPOINTS:
            chosen = started if endpoint.baseline else {"implementation": started["implementation"]}
            for subject, load in compare(plan, chosen, endpoint).items():
                rows.append({"implementation": impl.name, "subject": subject, **load})
                say(rows[-1], subject)
    return rows


def run_options(plan: Plan, impl: Implementation) -> list[Row]:
    """Every server option of the implementation on GET /health, all started at once."""
    options = OPTIONS[impl.server]
    subjects = {o.variant: server(impl, "contract" if o.serve_as else "", o.serve_as, o.workers)
                for o in options}  # fmt: skip
    with serving(subjects) as started:
        loads = compare(plan, started, ENDPOINTS[0])
    rows = []
    for option in options:
        row = {"implementation": impl.name, **asdict(option), "default": option is options[0],
               **loads[option.variant]}  # fmt: skip
        row["vs_default"] = round(row["rps"] / loads[options[0].variant]["rps"], 3)
        rows.append(row)
        say(row, option.variant)
    return rows


def diagnose(rows: list[Row]) -> list[str]:
    """A known cause for a measured slowdown."""
    slow = [
        r["implementation"] for r in rows if r["variant"] == "uvicorn x2" and r["vs_default"] < 0.9
    ]
    return [f"uvicorn --workers 2 is slower than one worker ({', '.join(slow)}): has its runner "
            "lost TCP_NODELAY on the listening socket? Without it each keep-alive answer waits "
            "~40 ms for a delayed ACK (Kludex/uvicorn#3149)."] if slow else []  # fmt: skip


def meta() -> Row:
    found = subprocess.run(
        [wrk.require(), "--version"], capture_output=True, text=True, check=False
    )
    return {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
        "wrk": [*(found.stdout or found.stderr).split(), "?", "?"][1],
        "load_before": " ".join(f"{n:.2f}" for n in os.getloadavg()),
        "versions": {name: version(name) for name in PACKAGES},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add = parser.add_argument
    add("--duration", type=int, default=10, help="seconds of load per server and endpoint (1-120)")
    add("--rounds", type=int, default=5, help="alternated rounds (1-10)")
    add("--connections", type=int, default=32, help="wrk connections (1-1024)")
    add("--delay-connections", type=int, default=256, help="on /delay (1-1024)")
    add("--out", type=Path, default=RESULTS, help="results folder (the README's block: default)")
    add("--only", nargs="*", help="these implementations only")
    add("--no-server-options", action="store_true", help="skip the server options")
    args = parser.parse_args()
    bounds = [(args.duration, 1, 120), (args.rounds, 1, 10), (args.connections, 1, 1024),
              (args.delay_connections, 1, 1024)]  # fmt: skip
    if not all(low <= value <= high for value, low, high in bounds):
        parser.error("bounds: --duration 1-120, --rounds 1-10, --*connections 1-1024")
    wrk.require()
    plan = Plan(args.duration, args.connections, args.delay_connections, args.rounds,
                warmup=max(1, min(2, args.duration // 5)))  # fmt: skip
    impls = implementations(args.only)
    data: Row = {"meta": meta(), "plan": asdict(plan), "results": [], "server_options": []}
    print("bench: in-process cost per request (bench/overhead.py)", file=sys.stderr, flush=True)
    data["overhead"], errors = overhead.run(impls), []
    print("bench: each part of the contract alone (bench/parts.py)", file=sys.stderr, flush=True)
    data["parts"] = parts.run()
    steps = [run_baselines] + ([] if args.no_server_options else [run_options])
    try:
        for impl, step in ((impl, step) for impl in impls for step in steps):
            try:
                data["results" if step is run_baselines else "server_options"] += step(plan, impl)
            except (RuntimeError, OSError, httpx.HTTPError) as error:
                errors.append(f"{impl.name}, {step.__name__}: {error}")
                print(f"bench: {errors[-1]}", file=sys.stderr, flush=True)
    finally:
        remove_workdirs()
    data["meta"]["load_after"] = " ".join(f"{n:.2f}" for n in os.getloadavg())
    data["ratios"] = report.ratios(data["results"])
    data.update(notes=diagnose(data["server_options"]), errors=errors)
    for written in report.write_bench(args.out, data, readme=args.out.resolve() == RESULTS):
        print(f"bench: wrote {written}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
