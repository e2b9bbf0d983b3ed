"""Measure each image lockstep-<impl>:test against a minimal-app image of its framework:
size (total, over the base), layers, start to the first answer (median of 5), RSS idle and
after a fixed load. Writes images.json, images.md and the README's block.

    uv run python bench/images.py [--starts N] [--requests N] [--rebuild] [--out DIR]

CONTAINER_ENGINE picks the engine (default podman), PYTHON_IMAGE the base an image is built
on when it is missing (and the base its size is compared with; default python:3.13-slim).
Containers are started by the suite's launcher, as the container tests start them.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path[0] = str(Path(__file__).resolve().parents[1])

import httpx

from bench import BENCH, RESULTS, ROOT, Implementation, implementations, report, wrk
from lockstep_suite.servers import Launcher, Server, remove_workdirs

ENGINE = os.environ.get("CONTAINER_ENGINE", "podman")
MINIMAL_IMAGE = "lockstep-bench-minimal-{implementation}:test"
Row = dict[str, Any]
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


def say(text: str) -> None:
    print(f"images: {text}", file=sys.stderr, flush=True)


def call(*args: str, timeout: float = 120) -> str:
    done = subprocess.run([ENGINE, *args], capture_output=True, text=True, timeout=timeout,
                          check=False)  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"{ENGINE} {' '.join(args[:3])}...: {done.stderr.strip()[-800:]}")
    return done.stdout


def inspect(image: str) -> dict[str, Any]:
    """The engine's description of `image`; {} if it has none."""
    try:
        found: dict[str, Any] = json.loads(call("image", "inspect", image))[0]
        return found
    except (RuntimeError, IndexError, json.JSONDecodeError):
        return {}


def build(tag: str, dockerfile: Path, context: Path, args: dict[str, str]) -> None:
    extra = os.environ.get("CONTAINER_BUILD_ARGS", "").split()
    if ENGINE == "podman":
        extra += ["--format=docker", "--network=host"]  # keep HEALTHCHECK; PyPI via the host
    build_args = [f"--build-arg={key}={value}" for key, value in args.items()]
    call("build", *extra, *build_args, "--file", str(dockerfile), "--tag", tag, str(context),
         timeout=900)  # fmt: skip


def prepare(impl: Implementation, base: str, rebuild: bool) -> None:
    """The implementation's image (built if missing) and its minimal image (always built)."""
    image = f"lockstep-{impl.name}:test"
    if rebuild or not inspect(image):
        say(f"building {image} on {base}")
        args = {"IMPLEMENTATION": impl.name, "PYTHON_IMAGE": base}
        build(image, ROOT / "docker" / "Dockerfile", ROOT, args)
    minimal = MINIMAL_IMAGE.format(implementation=impl.name)
    args = {"IMAGE": image, "IMPLEMENTATION": impl.name, "SERVER": impl.baseline_server}
    build(minimal, BENCH / "minimal" / "Dockerfile", BENCH, args)


def sizes(image: str, base: str) -> dict[str, Any]:
    own, under = inspect(image), inspect(base)
    layers = len(own.get("RootFS", {}).get("Layers", []))
    base_layers = len(under["RootFS"]["Layers"]) if under else None
    return {
        "size_bytes": own.get("Size"),
        "over_base_bytes": own["Size"] - under["Size"] if under and own else None,
        "layers": layers,
        "layers_over_base": layers - base_layers if base_layers is not None else None,
    }


def memory_under_load(name: str, base_url: str, requests: int) -> dict[str, Any]:
    """RSS and PSS idle, then after `requests` answers of lua/mix.lua."""

    def memory() -> list[int]:
        return [int(kib) for kib in call("exec", name, "python", "-c", _MEMORY).split()]

    (rss, pss), mix = memory(), BENCH / "lua" / "mix.lua"
    load = wrk.run(base_url, 8, max(5, requests // 500), script=mix,
                   env={**os.environ, "BENCH_REQUESTS": str(requests)})  # fmt: skip
    time.sleep(1)
    loaded_rss, loaded_pss = memory()
    return {"idle_rss_kib": rss, "idle_pss_kib": pss, "load_requests": load.requests,
            "loaded_rss_kib": loaded_rss, "loaded_pss_kib": loaded_pss}  # fmt: skip


def start_once(impl: Implementation, pattern: str, ready: str, memory_requests: int) -> Row:
    """One start of the image `pattern` (the suite's container launcher, production's flags):
    seconds from the engine's `run` to the first answer, `ready` checked to answer 200 then;
    its memory if `memory_requests`."""
    launcher = Launcher(ENGINE, image=pattern)
    server = Server(impl.name, {"WORKERS": "1", "LOG_FILE": ""}, launcher=launcher,
                    poll_seconds=0.01)  # fmt: skip
    began = time.monotonic()
    try:
        server.start(timeout=60)
        found: Row = {"seconds": round(time.monotonic() - began, 3)}
        status = httpx.get(server.base_url + ready, timeout=5, trust_env=False).status_code
        if status != 200:
            raise RuntimeError(f"{pattern}: {ready} answered {status} once started")
        if memory_requests:
            found.update(memory_under_load(launcher.started[-1], server.base_url, memory_requests))
        return found
    finally:
        server.stop()
        launcher.remove_all()


def measure(impl: Implementation, base: str, starts: int, requests: int, rebuild: bool) -> Row:
    prepare(impl, base, rebuild)
    image = f"lockstep-{impl.name}:test"
    row: Row = {"implementation": impl.name, "image": image, **sizes(image, base)}
    times: dict[str, list[float]] = {"": [], "minimal_": []}
    for attempt in range(starts):
        # Alternated, so that a busy moment of the machine costs both alike.
        for prefix, pattern, ready in (
            ("", image, "/readiness"),
            ("minimal_", MINIMAL_IMAGE, "/health"),
        ):
            last = requests if attempt == starts - 1 else 0
            found = start_once(impl, pattern, ready, last)
            times[prefix].append(found.pop("seconds"))
            row.update({f"{prefix}{key}": value for key, value in found.items()})
    row["start_s"], row["minimal_start_s"] = times[""], times["minimal_"]
    row["start_median_s"] = statistics.median(times[""])
    row["minimal_start_median_s"] = statistics.median(times["minimal_"])
    row["start_ratio"] = round(row["start_median_s"] / row["minimal_start_median_s"], 3)
    row["start_target_met"] = row["start_ratio"] <= report.START_TARGET
    say(f"{impl.name}: start {row['start_median_s']} s, minimal {row['minimal_start_median_s']} s;"
        f" idle RSS {row['idle_rss_kib'] // 1024} MiB")  # fmt: skip
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--starts", type=int, default=5, help="starts per image (1-20)")
    parser.add_argument("--requests", type=int, default=5000, help="the fixed load (100-100000)")
    parser.add_argument("--rebuild", action="store_true", help="build the images even if present")
    parser.add_argument("--only", nargs="*", help="these implementations only")
    parser.add_argument("--out", type=Path, default=RESULTS, help="results folder")
    args = parser.parse_args()
    if not (1 <= args.starts <= 20 and 100 <= args.requests <= 100_000):
        parser.error("--starts must be 1-20, --requests 100-100000")
    wrk.require()
    if shutil.which(ENGINE) is None:
        print(f"images: container engine {ENGINE!r} not found (CONTAINER_ENGINE)", file=sys.stderr)
        return 2
    base = os.environ.get("PYTHON_IMAGE", "python:3.13-slim")
    meta = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "engine": ENGINE,
            "base": base, "load_before": " ".join(f"{n:.2f}" for n in os.getloadavg()),
            "starts": args.starts, "requests": args.requests}  # fmt: skip
    data: Row = {"meta": meta, "images": [], "errors": []}
    try:
        for impl in implementations(args.only):
            try:
                data["images"].append(measure(impl, base, args.starts, args.requests, args.rebuild))
            except (RuntimeError, OSError, httpx.HTTPError) as error:
                data["errors"].append(f"{impl.name}: {error}")
                say(data["errors"][-1])
    finally:
        remove_workdirs()
    meta["load_after"] = " ".join(f"{n:.2f}" for n in os.getloadavg())
    for written in report.write_images(args.out, data, readme=args.out.resolve() == RESULTS):
        say(f"wrote {written}")
    return 1 if data["errors"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
