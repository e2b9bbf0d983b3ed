"""Measure each image lockstep-<impl>:test against a minimal-app image of its framework:
size (total, over the base), layers, start to the first 200 (median of 5), RSS idle and after
a fixed load. Writes images.json and images.md.

    uv run python bench/images.py [--starts N] [--requests N] [--rebuild] [--out DIR]

CONTAINER_ENGINE picks the engine (default podman), PYTHON_IMAGE the base an image is built
on when it is missing (and the base its size is compared with; default python:3.13-slim).
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    # `python bench/images.py`: import this folder as the package `bench`, not as a script dir.
    sys.path[0] = str(Path(__file__).resolve().parents[1])

from bench import containers, images_report, readme, wrk
from bench.project import BENCH, LUA, MINIMAL, RESULTS, ROOT, Implementation, implementations

START_TARGET = 1.2  # implementation's start at most this times the minimal image's


def say(text: str) -> None:
    print(f"images: {text}", file=sys.stderr, flush=True)


def prepare(impl: Implementation, base: str, rebuild: bool) -> tuple[str, str]:
    """The implementation's image (built if missing) and its minimal image (always built)."""
    image, minimal = f"lockstep-{impl.name}:test", f"lockstep-bench-minimal-{impl.name}:test"
    if rebuild or containers.inspect(image) is None:
        say(f"building {image} on {base}")
        args = {"IMPLEMENTATION": impl.name, "PYTHON_IMAGE": base}
        containers.build(image, ROOT / "docker" / "Dockerfile", ROOT, args)
    args = {"IMAGE": image, "IMPLEMENTATION": impl.name, "SERVER": impl.baseline_server}
    containers.build(minimal, MINIMAL / "Dockerfile", BENCH, args)
    return image, minimal


def sizes(image: str, base: str) -> dict[str, Any]:
    own, under = containers.inspect(image) or {}, containers.inspect(base) or {}
    layers = len(own.get("RootFS", {}).get("Layers", []))
    base_layers = len(under.get("RootFS", {}).get("Layers", [])) if under else None
    return {
        "size_bytes": own.get("Size"),
        "over_base_bytes": own["Size"] - under["Size"] if under and own else None,
        "layers": layers,
        "layers_over_base": layers - base_layers if base_layers is not None else None,
    }


def memory_under_load(running: containers.Started, requests: int) -> dict[str, Any]:
    rss, pss = running.memory_kib()
    load = wrk.run(
        running.base_url,
        connections=8,
        duration=max(5, requests // 500),
        script=LUA / "mix.lua",
        env={**os.environ, "BENCH_REQUESTS": str(requests)},
    )
    time.sleep(1)
    loaded_rss, loaded_pss = running.memory_kib()
    return {
        "idle_rss_kib": rss,
        "idle_pss_kib": pss,
        "load_requests": load.requests,
        "loaded_rss_kib": loaded_rss,
        "loaded_pss_kib": loaded_pss,
    }


def measure(
    impl: Implementation, base: str, starts: int, requests: int, rebuild: bool
) -> dict[str, Any]:
    image, minimal = prepare(impl, base, rebuild)
    row: dict[str, Any] = {"implementation": impl.name, "image": image, **sizes(image, base)}
    times: dict[str, list[float]] = {image: [], minimal: []}
    for attempt in range(starts):
        # Alternated, so that a busy moment of the machine costs both alike.
        for tag, ready in ((image, "/readiness"), (minimal, "/health")):
            name = f"lockstep-bench-{impl.name}-{os.getpid()}-{attempt}-{len(times[tag])}"
            with containers.started(tag, name, ready) as running:
                times[tag].append(round(running.seconds, 3))
                if attempt == starts - 1:
                    memory = memory_under_load(running, requests)
                    prefix = "" if tag == image else "minimal_"
                    row.update({f"{prefix}{key}": value for key, value in memory.items()})
    row["start_s"], row["minimal_start_s"] = times[image], times[minimal]
    row["start_median_s"] = statistics.median(times[image])
    row["minimal_start_median_s"] = statistics.median(times[minimal])
    row["start_ratio"] = round(row["start_median_s"] / row["minimal_start_median_s"], 3)
    row["start_target_met"] = row["start_ratio"] <= START_TARGET
    say(
        f"{impl.name}: start {row['start_median_s']} s, minimal "
        f"{row['minimal_start_median_s']} s; idle RSS {row['idle_rss_kib'] // 1024} MiB"
    )
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
    engine = containers.engine()
    base = os.environ.get("PYTHON_IMAGE", "python:3.13-slim")
    data: dict[str, Any] = {
        "meta": {
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "engine": engine,
            "base": base,
            "load_before": " ".join(f"{n:.2f}" for n in os.getloadavg()),
            "starts": args.starts,
            "requests": args.requests,
            "start_target": START_TARGET,
        },
        "images": [],
        "errors": [],
    }
    for impl in implementations(args.only):
        try:
            data["images"].append(measure(impl, base, args.starts, args.requests, args.rebuild))
        except (RuntimeError, OSError) as error:
            data["errors"].append(f"{impl.name}: {error}")
            say(data["errors"][-1])
    data["meta"]["load_after"] = " ".join(f"{n:.2f}" for n in os.getloadavg())
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "images.json").write_text(json.dumps(data, indent=2) + "\n")
    (args.out / "images.md").write_text(images_report.markdown(data))
    say(f"wrote {args.out}/images.json, images.md")
    if args.out.resolve() == RESULTS.resolve() and readme.replace_block(
        "images", images_report.readme_lines(data)
    ):
        say("updated README.md's figures")
    return 1 if data["errors"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
