"""images.md: one table of image sizes, start times and memory, from images.json's data."""

from typing import Any

from bench.report import num, table

MB, MIB = 1_000_000, 1024


def _mb(value: int | None) -> str:
    return num(value / MB if value is not None else None)


def _mib(kib: int | None) -> str:
    return num(kib / MIB if kib is not None else None)


def markdown(data: dict[str, Any]) -> str:
    meta = data["meta"]
    rows = []
    for i in data["images"]:
        layers = f"{i['layers']}" + (
            f" ({i['layers_over_base']} over base)" if i["layers_over_base"] is not None else ""
        )
        rows.append(
            [
                i["image"],
                _mb(i["size_bytes"]),
                _mb(i["over_base_bytes"]),
                layers,
                num(i["start_median_s"], 2),
                num(i["minimal_start_median_s"], 2),
                num(i["start_ratio"], 2),
                "yes" if i["start_target_met"] else "**no**",
                _mib(i["idle_rss_kib"]),
                _mib(i["idle_pss_kib"]),
                _mib(i["loaded_rss_kib"]),
                _mib(i.get("minimal_idle_rss_kib")),
            ]
        )
    header = [
        "image",
        "size MB",
        "over base MB",
        "layers",
        "start s (median)",
        "minimal start s",
        "start ÷ minimal",
        f"met (≤ {meta['start_target']})",
        "idle RSS MiB",
        "idle PSS MiB",
        "RSS after load MiB",
        "minimal idle RSS MiB",
    ]
    lines = [
        "# lockstep images",
        "",
        f"Measured {meta['date']} with {meta['engine']}, base `{meta['base']}`. Start: from "
        f"`{meta['engine']} run --detach` (host network, read-only, no capabilities, WORKERS=1) "
        f"to the first 200 on /readiness (the minimal app: /health), median of {meta['starts']} "
        f"starts alternated with the minimal image's. The minimal image is the implementation's "
        f"image with bench/serve.py running the framework's one-route app under the same server "
        f"settings. RSS and PSS: summed over the container's processes; after load: "
        f"{meta['requests']} requests (wrk, 8 connections, a mix of /health, /echo, 404, "
        f"/readiness, /info, /metrics). Load average before/after: {meta['load_before']} / "
        f"{meta['load_after']}.",
        "",
        *table(header, rows),
        "",
        "Starts (s): "
        + "; ".join(
            f"{i['implementation']} {i['start_s']} vs {i['minimal_start_s']}"
            for i in data["images"]
        ),
        "",
    ]
    lines += [f"- error: {e}" for e in data["errors"]]
    return "\n".join(lines)


def readme_lines(data: dict[str, Any]) -> list[str]:
    """The README's block: one row per image."""
    meta = data["meta"]
    rows = [
        [
            i["image"],
            _mb(i["size_bytes"]),
            _mb(i["over_base_bytes"]),
            str(i["layers"]),
            num(i["start_median_s"], 2),
            num(i["start_ratio"], 2),
            "yes" if i["start_target_met"] else "**no**",
            _mib(i["idle_rss_kib"]),
            _mib(i["loaded_rss_kib"]),
        ]
        for i in data["images"]
    ]
    header = ["image", "size MB", "over base MB", "layers", "start s (median)",
              "start ÷ minimal", f"met (≤ {meta['start_target']})", "idle RSS MiB",
              "RSS after load MiB"]  # fmt: skip
    return [
        f"Measured {meta['date']} by `nox -s images` ({meta['engine']}, base "
        f"`{meta['base']}`, median of {meta['starts']} starts; full table in "
        f"[bench/results/images.md](bench/results/images.md)):",
        "",
        *table(header, rows),
    ]
