"""wrk, the load generator: one bounded run (one thread) and its report (wrk 4, --latency)."""

import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
_TIME = r"([\d.]+)(us|ms|s|m|h)"
_REPORT = {  # what each figure is in wrk's report
    "total": rf"(\d+) requests in {_TIME}",
    "rps": r"Requests/sec:\s+([\d.]+)",
    "p50": rf"^\s+50%\s+{_TIME}",
    "p99": rf"^\s+99%\s+{_TIME}",
}


@dataclass(frozen=True)
class Load:
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
        print("bench: wrk is not installed: apt-get install wrk (https://github.com/wg/wrk)",
              file=sys.stderr)  # fmt: skip
        raise SystemExit(2)
    return path


def run(url: str, connections: int, duration: int, *, script: Path | None = None,
        timeout: float = 2.0, env: dict[str, str] | None = None) -> Load:  # fmt: skip
    """Load `url` for `duration` whole seconds (wrk's unit) with `connections` connections."""
    command = [
        require(), "--threads", "1", "--connections", str(connections),
        "--duration", f"{duration}s", "--timeout", f"{timeout:g}s", "--latency",
        *(["--script", str(script)] if script else []), url,
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=duration + 30,
                          check=False, env=env)  # fmt: skip
    found = {key: re.search(pattern, done.stdout, re.MULTILINE) for key, pattern in _REPORT.items()}
    total, rps, p50, p99 = found.values()
    if done.returncode != 0 or not (total and rps and p50 and p99):
        raise RuntimeError(f"wrk failed ({done.returncode}): {(done.stderr + done.stdout)[:500]}")
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", done.stdout)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
                       done.stdout)  # fmt: skip

    def ms(match: re.Match[str], at: int = 1) -> float:
        return round(float(match.group(at)) * _MS[match.group(at + 1)], 3)

    return Load(
        requests=int(total.group(1)), seconds=round(ms(total, 2) / 1000, 3),
        rps=float(rps.group(1)), p50_ms=ms(p50), p99_ms=ms(p99),
        non_2xx_3xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=sum(map(int, errors.groups())) if errors else 0,
    )  # fmt: skip
