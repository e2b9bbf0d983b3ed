"""Fuzz the real servers with schemathesis against contract/openapi.yaml.

    uv run --with schemathesis python fuzz/run.py [--impl NAME]... [--max-examples N] [--seed S]

Each implementation (every one by default) starts as `python -m lockstep_<name>` with the
suite's configuration (SUITE_ENV: the admin drills on, their bearer token sent as a header),
is fuzzed with every check schemathesis offers, a fixed seed and bounded examples, and is
stopped again, also on failure. Exit status 1 when any run failed.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from lockstep_suite.profile import ADMIN_TOKEN
from lockstep_suite.servers import Server, remove_workdirs
from lockstep_suite.targets import IMPLEMENTATIONS, ROOT

HERE = Path(__file__).resolve().parent
CONTRACT = ROOT / "contract" / "openapi.yaml"
CONFIG = HERE / "schemathesis.toml"  # the contract's deliberate 5xx answers
HOOKS = HERE / "hooks.py"  # /delay kept short
RUN_TIMEOUT = 900  # seconds for one implementation
MAX_RESPONSE_TIME = 5  # seconds: a longer answer is a failure (nothing here should be slow)


@dataclass(frozen=True)
class Outcome:
    implementation: str
    status: int  # schemathesis' exit status (124: timed out, 2: the server did not start)
    cases: int
    requests: int
    seconds: float

    def line(self) -> str:
        verdict = "ok" if self.status == 0 else f"FAILED (exit status {self.status})"
        return (
            f"{self.implementation}: {self.cases} test cases, {self.requests} requests "
            f"in {self.seconds:.1f}s: {verdict}"
        )


def command(base_url: str, report: Path, max_examples: int, seed: int) -> list[str]:
    return [
        sys.executable, "-m", "schemathesis.cli", "--config-file", str(CONFIG),
        "run", str(CONTRACT), "--url", base_url,
        "--checks", "all", "--max-response-time", str(MAX_RESPONSE_TIME),
        "--seed", str(seed), "--max-examples", str(max_examples), "--workers", "1",
        "--header", f"Authorization: Bearer {ADMIN_TOKEN}",
        "--no-color", "--report", "ndjson", "--report-ndjson-path", str(report),
    ]  # fmt: skip


def counted(report: Path) -> tuple[int, int]:
    """Test cases generated and requests sent, from schemathesis' NDJSON events."""
    cases = requests = 0
    if not report.exists():
        return cases, requests
    with report.open(encoding="utf-8") as events:
        for line in events:
            event = json.loads(line)
            recorder = event.get("ScenarioFinished", {}).get("recorder", {})
            cases += len(recorder.get("cases", {}))
            requests += len(recorder.get("interactions", {}))
    return cases, requests


def fuzz(implementation: str, max_examples: int, seed: int, reports: Path) -> Outcome:
    started = time.monotonic()
    report = reports / f"{implementation}.ndjson"
    try:
        server = Server(implementation, {"WORKERS": "1"}).start()
    except RuntimeError as error:
        print(f"{implementation}: the server did not start: {error}", file=sys.stderr)
        return Outcome(implementation, 2, 0, 0, time.monotonic() - started)
    print(f"== {implementation} at {server.base_url} (server log: {server.stdout_path})")
    env = {**os.environ, "SCHEMATHESIS_HOOKS": str(HOOKS)}
    try:
        status = subprocess.run(
            command(server.base_url, report, max_examples, seed),
            env=env,
            cwd=reports,  # whatever schemathesis writes beside it goes away with the run
            check=False,
            timeout=RUN_TIMEOUT,
        ).returncode
    except subprocess.TimeoutExpired:
        status = 124
    finally:
        server.stop()
    return Outcome(implementation, status, *counted(report), time.monotonic() - started)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--impl", action="append", choices=IMPLEMENTATIONS)
    parser.add_argument("--max-examples", type=int, default=25, help="per operation (25)")
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="lockstep-fuzz-") as directory:
        outcomes = [
            fuzz(implementation, options.max_examples, options.seed, Path(directory))
            for implementation in options.impl or IMPLEMENTATIONS
        ]
    print("\n".join(["", "fuzzing, seed " + str(options.seed), *(o.line() for o in outcomes)]))
    if all(outcome.status == 0 for outcome in outcomes):
        remove_workdirs()
        return 0
    return 1  # the server logs named above stay for the failure's reader


if __name__ == "__main__":
    sys.exit(main())
