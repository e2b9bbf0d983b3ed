"""wrk, the load generator: one bounded run (one thread) and its latency distribution parsed."""

import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
_DURATION = r"([\d.]+)(us|ms|s|m|h)"


@dataclass(frozen=True)
class Load:
    """What one wrk run measured."""

    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    non_2xx_3xx: int
    socket_errors: int


def require() -> str:
    """wrk's path, or exit 2 with one line saying how to get it."""
    path = shutil.which("wrk")
    if path is None:
        print(
            "bench: wrk is not installed (apt-get install wrk, brew install wrk): "
            "https://github.com/wg/wrk",
            file=sys.stderr,
        )
        raise SystemExit(2)
    return path


def run(
    url: str,
    *,
    connections: int,
    duration: int,
    script: Path | None = None,
    timeout: float = 2.0,
    env: dict[str, str] | None = None,
) -> Load:
    """Load `url` for `duration` whole seconds (wrk's unit) with `connections` connections."""
    command = [
        require(), "--threads", "1", "--connections", str(connections),
        "--duration", f"{duration}s", "--timeout", f"{timeout:g}s", "--latency",
        *(["--script", str(script)] if script else []), url,
    ]  # fmt: skip
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=duration + 30, check=False, env=env
    )
    if done.returncode != 0:
        output = (done.stderr + done.stdout).strip()[:500]
        raise RuntimeError(f"wrk failed ({done.returncode}): {output}")
    return parse(done.stdout)


def _ms(number: str, unit: str) -> float:
    return float(number) * _UNIT_MS[unit]


def parse(text: str) -> Load:
    """wrk 4's report, printed with --latency."""
    total = re.search(rf"(\d+) requests in {_DURATION}", text)
    rate = re.search(r"Requests/sec:\s+([\d.]+)", text)
    p50 = re.search(rf"^\s+50%\s+{_DURATION}", text, re.MULTILINE)
    p99 = re.search(rf"^\s+99%\s+{_DURATION}", text, re.MULTILINE)
    if not (total and rate and p50 and p99):
        raise RuntimeError(f"unexpected wrk output:\n{text}")
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text
    )
    return Load(
        requests=int(total.group(1)),
        seconds=round(_ms(total.group(2), total.group(3)) / 1000, 3),
        rps=float(rate.group(1)),
        p50_ms=round(_ms(p50.group(1), p50.group(2)), 3),
        p99_ms=round(_ms(p99.group(1), p99.group(2)), 3),
        non_2xx_3xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=sum(int(n) for n in errors.groups()) if errors else 0,
    )
