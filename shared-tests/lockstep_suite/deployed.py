"""`lockstep-check URL [options]`: the contract's conformance check of a running instance,
as it is deployed.

It runs the shared suite against URL (`pytest shared-tests --base-url URL`): the instance's
configuration is learned from its answers (lockstep_suite.learn) and completed by the options
below; every test that applies runs without changing the instance (the admin drills only
with --drills); a per-operation report and one verdict line end the output, and the exit
status is non-zero on any failure.
"""

import argparse
import os
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

SUITE = Path(__file__).resolve().parents[1]  # shared-tests/, the suite's tests
TOKEN_VARIABLE = "LOCKSTEP_CHECK_ADMIN_TOKEN"


def parser() -> argparse.ArgumentParser:
    found = argparse.ArgumentParser(
        prog="lockstep-check",
        description="Check a running lockstep instance against the contract, as deployed.",
    )
    found.add_argument("url", help="the instance's base URL, e.g. http://127.0.0.1:8000")
    found.add_argument(
        "--admin-token",
        default=os.environ.get(TOKEN_VARIABLE),
        help=f"its ADMIN_TOKEN (default: ${TOKEN_VARIABLE}); without it, only the admin "
        "answers to calls without the token are checked",
    )
    found.add_argument(
        "--max-body-bytes", type=int, help="its MAX_BODY_BYTES (default: as its 413s state)"
    )
    found.add_argument(
        "--max-delay-seconds", help="its MAX_DELAY_SECONDS (default: as its /delay 400s state)"
    )
    found.add_argument("--cors-origin", help="an origin its CORS_ORIGINS allows")
    found.add_argument(
        "--drills",
        action="store_true",
        help="also flip its liveness and readiness flags (and back): needs --admin-token",
    )
    return found


def arguments(argv: list[str] | None = None) -> list[str]:
    """pytest's arguments for this command line (exit 2 with one line when it is wrong)."""
    chosen = parser()
    args = chosen.parse_args(argv)
    if urlsplit(args.url).scheme not in ("http", "https") or not urlsplit(args.url).hostname:
        chosen.error(f"URL={args.url!r}: expected http(s)://host[:port]")
    if args.drills and not args.admin_token:
        chosen.error("--drills needs --admin-token")
    if not (SUITE / "conftest.py").is_file():
        chosen.error(f"the suite's tests are not beside its package ({SUITE}): use a checkout")
    options = [str(SUITE), "--base-url", args.url.rstrip("/")]
    options += ["-p", "no:cacheprovider", "-qq", "--tb=short", "--no-header"]
    for name in ("admin_token", "max_body_bytes", "max_delay_seconds", "cors_origin"):
        if (value := getattr(args, name)) is not None:
            options += [f"--{name.replace('_', '-')}", str(value)]
    return [*options, "--drills"] if args.drills else options


def main(argv: list[str] | None = None) -> int:
    return int(pytest.main(arguments(argv)))


if __name__ == "__main__":
    sys.exit(main())
