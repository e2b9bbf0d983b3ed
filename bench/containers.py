"""The container engine (CONTAINER_ENGINE, default podman): build, inspect, start on the host
network with a free port, read the processes' memory, and always remove what was started."""

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import procs

# Run inside the container: VmRSS and Pss (KiB) summed over its processes, this one excepted.
_MEMORY = """
import os
def field(path, name):
    return sum(int(l.split()[1]) for l in open(path) if l.startswith(name))
me, rss, pss = os.getpid(), 0, 0
for pid in (p for p in os.listdir('/proc') if p.isdigit() and int(p) != me):
    try:
        rss += field(f'/proc/{pid}/status', 'VmRSS:')
        pss += field(f'/proc/{pid}/smaps_rollup', 'Pss:')
    except OSError:
        pass
print(rss, pss)
"""


# As production runs it (README), on the host network, reachable on 127.0.0.1 only.
RUN_FLAGS = (
    "--network=host", "--read-only", "--tmpfs=/tmp", "--cap-drop=ALL",
    "--security-opt=no-new-privileges", "--no-healthcheck", "--env=HOST=127.0.0.1",
)  # fmt: skip


def engine() -> str:
    chosen = os.environ.get("CONTAINER_ENGINE", "podman")
    if shutil.which(chosen) is None:
        print(f"images: container engine {chosen!r} not found (CONTAINER_ENGINE)", file=sys.stderr)
        raise SystemExit(2)
    return chosen


def call(*args: str, timeout: float = 120) -> str:
    done = subprocess.run(
        [engine(), *args], capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{engine()} {' '.join(args[:3])}...: {done.stderr.strip()[-800:]}")
    return done.stdout


def inspect(image: str) -> dict[str, Any] | None:
    try:
        found: dict[str, Any] = json.loads(call("image", "inspect", image))[0]
        return found
    except (RuntimeError, IndexError, json.JSONDecodeError):
        return None


def build(tag: str, dockerfile: Path, context: Path, args: dict[str, str]) -> None:
    extra = os.environ.get("CONTAINER_BUILD_ARGS", "").split()
    if engine() == "podman":
        extra += ["--format=docker", "--network=host"]  # keep HEALTHCHECK; PyPI via the host
    build_args = [f"--build-arg={key}={value}" for key, value in args.items()]
    call(
        "build",
        *extra,
        *build_args,
        "--file",
        str(dockerfile),
        "--tag",
        tag,
        str(context),
        timeout=900,
    )


@dataclass
class Started:
    name: str
    base_url: str
    seconds: float  # from `run` to the first 200 on the ready path

    def memory_kib(self) -> tuple[int, int]:
        rss, pss = call("exec", self.name, "python", "-c", _MEMORY, timeout=30).split()
        return int(rss), int(pss)


@contextmanager
def started(image: str, name: str, ready_path: str) -> Iterator[Started]:
    """`run` the image as production would (read-only, no capabilities), host network on a
    free 127.0.0.1 port; yield once `ready_path` answers 200; remove it, also on failure."""
    port = procs.free_port()
    begin = time.monotonic()
    try:
        call("run", "--detach", "--name", name, *RUN_FLAGS, f"--env=PORT={port}", image)
        base = f"http://127.0.0.1:{port}"
        procs.wait_for_200(base + ready_path, 60.0)
        yield Started(name, base, time.monotonic() - begin)
    finally:
        at_once = ["--time", "0"] if engine() == "podman" else []  # docker's -f kills anyway
        subprocess.run(
            [engine(), "rm", "--force", *at_once, name],
            capture_output=True,
            check=False,
            timeout=60,
        )
