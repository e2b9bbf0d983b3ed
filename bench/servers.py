"""Server options per implementation, each a separate variant measured on GET /health:
uvicorn h11+asyncio vs h11+uvloop vs httptools+uvloop, uvicorn --workers 2 vs gunicorn with
uvicorn's worker, gunicorn sync vs gthread. The default is the project's own start command."""

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.project import ROOT, SERVE, Implementation

# uvicorn[standard] brings httptools and uvloop; the workspace does not have them.
STANDARD_VENV = Path("/tmp/lockstep-bench-uvicorn-standard")  # noqa: S108 (a scratch venv)
UV = os.environ.get("UV") or "uv"  # nox names its own uv in UV


@dataclass(frozen=True)
class Variant:
    key: str
    server: str
    protocol: str  # http parser + event loop, or worker class
    workers: int
    command: list[str]
    default: bool = False


def _serve(python: str, impl: str, server: str) -> list[str]:
    return [python, str(SERVE), "--app", "contract", "--impl", impl, "--server", server]


def variants(impl: Implementation, fast_python: str | None) -> Iterator[Variant]:
    """Every option measured for `impl`; the project's own start command for its default."""
    own = [sys.executable, "-m", impl.module]
    if impl.server == "gunicorn":
        yield Variant("gthread x1", "gunicorn", "gthread (8 threads)", 1, own, default=True)
        yield Variant(
            "sync x1", "gunicorn", "sync", 1, _serve(sys.executable, impl.name, "gunicorn-sync")
        )
        yield Variant("gthread x2", "gunicorn", "gthread (8 threads)", 2, own)
        return
    yield Variant("h11 x1", "uvicorn", "h11 + asyncio", 1, own, default=True)
    if fast_python is not None:
        uvloop = _serve(fast_python, impl.name, "uvicorn-uvloop")
        yield Variant("uvloop x1", "uvicorn", "h11 + uvloop", 1, uvloop)
        fast = _serve(fast_python, impl.name, "uvicorn-fast")
        yield Variant("httptools x1", "uvicorn", "httptools + uvloop", 1, fast)
    yield Variant("uvicorn x2", "uvicorn --workers", "h11 + asyncio", 2, own)
    worker = _serve(sys.executable, impl.name, "gunicorn-uvicorn")
    yield Variant("gunicorn-uv x2", "gunicorn + UvicornWorker", "h11 + asyncio", 2, worker)


def _uv(*args: str, timeout: float = 240) -> str:
    done = subprocess.run(
        [UV, *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        raise subprocess.SubprocessError(f"uv {args[0]}: {done.stderr.strip()[-400:]}")
    return done.stdout


def _make_standard_venv(locked: Path, notes: list[str]) -> str | None:
    try:
        exported = _uv("export", "--frozen", "--all-packages", "--no-dev", "--no-hashes",
                       "--no-header", "--no-annotate")  # fmt: skip
        uvicorn = next(line for line in exported.splitlines() if line.startswith("uvicorn=="))
        requirement = uvicorn.split(";")[0].strip().replace("uvicorn==", "uvicorn[standard]==")
        # Workspace members as absolute editable paths (uv resolves -e ./x from the file).
        locked.write_text(exported.replace("-e ./", f"-e {ROOT}/"))
        python = STANDARD_VENV / "bin" / "python"
        _uv("venv", "--quiet", "--python", sys.executable, str(STANDARD_VENV))
        _uv("pip", "install", "--quiet", "--python", str(python), "-r", str(locked), requirement)
    except (subprocess.SubprocessError, OSError, StopIteration) as error:
        notes.append(
            f"httptools + uvloop: skipped, no scratch venv with uvicorn[standard]: {error}"
        )
        return None
    notes.append(
        f"h11 + uvloop and httptools + uvloop: measured from a scratch venv (the locked "
        f"workspace plus `{requirement}`). Neither is the default. httptools (llhttp) answers "
        f"400 itself to a method outside its own list (`BREW`, `FOO`, lower-case `get`) where "
        f"the contract says 405 or 404, and answers other well-formed requests differently from "
        f"h11 (`nox -s compare` fails on them with it). uvloop under h11 keeps parity; beside "
        f"h11's parsing its gain is small and uneven (see its rows), so asyncio stays."
    )
    return str(python)


@contextmanager
def standard_venv(notes: list[str]) -> Iterator[str | None]:
    """A scratch venv under /tmp: the locked workspace plus uvicorn[standard] (its python),
    or None (with a note) if it cannot be made within a few minutes. Removed afterwards."""
    shutil.rmtree(STANDARD_VENV, ignore_errors=True)
    locked = STANDARD_VENV.with_suffix(".txt")
    try:
        yield _make_standard_venv(locked, notes)
    finally:
        shutil.rmtree(STANDARD_VENV, ignore_errors=True)
        locked.unlink(missing_ok=True)


def diagnose(rows: list[dict[str, Any]]) -> list[str]:
    """Notes on measured options that have a known cause."""
    slow = [r["implementation"] for r in rows
            if r["variant"] == "uvicorn x2" and (r.get("vs_default") or 1) < 0.9]  # fmt: skip
    if not slow:
        return []
    return [
        f"uvicorn --workers 2 is slower than one worker ({', '.join(slow)}): the listening socket "
        "that uvicorn's supervisor binds (Config.bind_socket) has proto 0, so asyncio leaves "
        "TCP_NODELAY off on accepted connections and each keep-alive answer waits for the "
        "client's delayed ACK (~40 ms; Kludex/uvicorn#3149). uvicorn_server.run sets "
        "TCP_NODELAY on that socket (Linux passes it on): if this shows, that fix is lost."
    ]
