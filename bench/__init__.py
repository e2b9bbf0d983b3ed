"""Benchmark tooling for lockstep, not part of the product (nothing in it imports bench/):
wrk load against baselines (bench.py), in-process cost (overhead.py), images (images.py).
Here: where things are, and the implementations (one folder each, as in noxfile.py)."""

import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
SERVE = BENCH / "serve.py"


@dataclass(frozen=True)
class Implementation:
    name: str
    server: str  # "gunicorn" (WSGI) or "uvicorn" (ASGI), read from its dependencies

    @property
    def module(self) -> str:
        return f"lockstep_{self.name}"

    @property
    def baseline_server(self) -> str:
        """serve.py's --server that serves a baseline the way this implementation is served."""
        return "gunicorn-gthread" if self.server == "gunicorn" else "uvicorn"


def implementations(names: list[str] | None = None) -> list[Implementation]:
    found = []
    for pyproject in sorted(ROOT.glob("implementations/*/pyproject.toml")):
        dependencies = tomllib.loads(pyproject.read_text())["project"]["dependencies"]
        # The runner is the contract's extra it asks for: lockstep-contract[gunicorn] or [uvicorn].
        wsgi = any("[gunicorn]" in str(dep) for dep in dependencies)
        found.append(Implementation(pyproject.parent.name, "gunicorn" if wsgi else "uvicorn"))
    return [impl for impl in found if not names or impl.name in names]
