"""Load every implementation, its framework's minimal app and a bare callable with wrk, then
the server options, in one run on this machine; write bench.json, bench.md and bench.svg.

    uv run python bench/bench.py [--duration S] [--connections N] [--out DIR]
"""

import argparse
import os
import platform
import subprocess
import sys
import time
from contextlib import ExitStack, nullcontext
from dataclasses import asdict
from importlib.metadata import version
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    # `python bench/bench.py`: import this folder as the package `bench`, not as a script dir.
    sys.path[0] = str(Path(__file__).resolve().parents[1])

from bench import overhead, procs, readme, report, servers, wrk
from bench.load import ENDPOINTS, HEALTH, Plan, compare
from bench.project import RESULTS, SERVE, Implementation, implementations

Row = dict[str, Any]


def subjects(impl: Implementation) -> list[tuple[str, list[str]]]:
    baseline = [sys.executable, str(SERVE), "--impl", impl.name, "--server", impl.baseline_server]
    found = [("implementation", [sys.executable, "-m", impl.module])]
    if impl.has_minimal:
        found.append(("minimal", [*baseline, "--app", "minimal"]))
    return [*found, ("bare", [*baseline, "--app", "bare"])]


def summary(row: Row, who: str) -> str:
    rounds = "/".join(f"{rps:.0f}" for rps in row["rounds_rps"])
    return (
        f"{row['implementation']} {who} {row['label']}: {row['rps']:.0f} req/s ({rounds}), "
        f"p50 {row['p50_ms']} ms, p99 {row['p99_ms']} ms"
    )


def say(text: str) -> None:
    print(f"bench: {text}", file=sys.stderr, flush=True)


def run_baselines(plan: Plan, impls: list[Implementation], errors: list[str]) -> list[Row]:
    """Per implementation: it, its minimal app and the bare callable, all started at once."""
    rows = []
    for impl in impls:
        try:
            with ExitStack() as stack:
                bases = {name: stack.enter_context(procs.serving(command))
                         for name, command in subjects(impl)}  # fmt: skip
                for endpoint in ENDPOINTS:
                    chosen = (
                        bases if endpoint.baseline else {"implementation": bases["implementation"]}
                    )
                    for subject, load in compare(plan, chosen, endpoint).items():
                        rows.append({"implementation": impl.name, "subject": subject, **load})
                        say(summary(rows[-1], subject))
        except RuntimeError as error:
            errors.append(f"{impl.name}: {error}")
            say(errors[-1])
    return rows


def run_options(
    plan: Plan, impls: list[Implementation], notes: list[str], errors: list[str]
) -> list[Row]:
    """Per implementation: every server option on /health, all started at once."""
    rows: list[Row] = []
    needs_venv = any(impl.server == "uvicorn" for impl in impls)
    with servers.standard_venv(notes) if needs_venv else nullcontext(None) as fast_python:
        for impl in impls:
            found = list(servers.variants(impl, fast_python))
            try:
                with ExitStack() as stack:
                    bases = {v.key: stack.enter_context(procs.serving(v.command, v.workers))
                             for v in found}  # fmt: skip
                    loads = compare(plan, bases, HEALTH)
            except RuntimeError as error:
                errors.append(f"{impl.name} server options: {error}")
                say(errors[-1])
                continue
            own = [{"implementation": impl.name, "variant": v.key, "short": v.key,
                    "server": v.server, "protocol": v.protocol, "workers": v.workers,
                    "default": v.default, **loads[v.key]} for v in found]  # fmt: skip
            default = next(r for r in own if r["default"])
            for row in own:
                row["vs_default"] = (
                    round(row["rps"] / default["rps"], 3) if default["rps"] else None
                )
                say(summary(row, row["variant"]))
            rows += own
    notes += servers.diagnose(rows)
    return rows


def meta() -> dict[str, Any]:
    wrk_line = subprocess.run(
        [wrk.require(), "--version"], capture_output=True, text=True, check=False
    )
    packages = ("fastapi", "flask", "litestar", "uvicorn", "gunicorn", "h11", "pydantic", "msgspec")
    return {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
        "wrk": (wrk_line.stdout or wrk_line.stderr).split()[1]
        if wrk_line.stdout or wrk_line.stderr
        else "?",
        "load_before": " ".join(f"{n:.2f}" for n in os.getloadavg()),
        "versions": {name: version(name) for name in packages},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--duration",
        type=int,
        default=10,
        help="seconds of load per server and endpoint, split into the rounds (1-120)",
    )
    parser.add_argument("--rounds", type=int, default=5, help="alternated rounds (1-10)")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections (1-1024)")
    parser.add_argument("--delay-connections", type=int, default=256, help="on /delay (1-1024)")
    parser.add_argument("--out", type=Path, default=RESULTS, help="results folder")
    parser.add_argument("--only", nargs="*", help="these implementations only")
    parser.add_argument("--no-server-options", action="store_true", help="skip the server options")
    args = parser.parse_args()
    bounds = [(args.duration, 1, 120), (args.rounds, 1, 10), (args.connections, 1, 1024),
              (args.delay_connections, 1, 1024)]  # fmt: skip
    if not all(low <= value <= high for value, low, high in bounds):
        parser.error("bounds: --duration 1-120, --rounds 1-10, --*connections 1-1024")
    wrk.require()
    warmup = max(1, min(2, args.duration // 5))
    plan = Plan(args.duration, args.connections, args.delay_connections, args.rounds, warmup)
    impls = implementations(args.only)
    notes: list[str] = []
    errors: list[str] = []
    data: dict[str, Any] = {"meta": meta(), "plan": asdict(plan)}
    say("in-process cost per request (bench/overhead.py)")
    data["overhead"] = overhead.run(impls)
    data["results"] = run_baselines(plan, impls, errors)
    data["server_options"] = (
        [] if args.no_server_options else run_options(plan, impls, notes, errors)
    )
    data["meta"]["load_after"] = " ".join(f"{n:.2f}" for n in os.getloadavg())
    data["ratios"] = report.ratios(data["results"])
    data.update(notes=notes, errors=errors)
    report.write(args.out, data)
    say(f"wrote {args.out}/bench.json, bench.md, bench.svg")
    if args.out.resolve() == RESULTS.resolve() and readme.replace_block(
        "bench", report.readme_lines(data)
    ):
        say("updated README.md's figures")
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
