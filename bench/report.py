"""What a run writes: bench.{json,md,svg} and images.{json,md} in bench/results/, and the
README's blocks between `<!-- <name>:start -->` and `<!-- <name>:end -->`. The targets
(issue 13) are checked here: each table shows them met or not."""

import json
import re
from pathlib import Path
from typing import Any

import matplotlib
from matplotlib.figure import Figure

from bench import ROOT
from bench.overhead import OWN_WORK_TARGET

Row = dict[str, Any]
RPS_TARGET, P99_TARGET = 0.85, 1.5  # of the minimal app's, on /health and 404
ADDONS_TARGET = 1.3  # req/s at least this times the add-on stack's, on /health
START_TARGET = 1.2  # an image's start at most this times its minimal image's
SUBJECTS = {"implementation": "lockstep", "minimal": "minimal app", "addons": "add-on stack",
            "bare": "bare callable"}  # fmt: skip
TEXT = {"implementation", "endpoint", "served", "image", "server", "protocol / worker", "layers",
        "part", "the usual way"}  # fmt: skip


def num(value: Any, digits: int = 1) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def met(ok: bool | None) -> str:
    return "-" if ok is None else "yes" if ok else "**no**"


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    """A Markdown table; the numeric columns right-aligned (all but TEXT and `met`)."""
    align = ["---" if name in TEXT or name.startswith("met") else "--:" for name in header]
    return [f"| {' | '.join(cells)} |" for cells in (header, align, *rows)]


def find(rows: list[Row], **match: str) -> Row:
    """The first row whose fields equal `match`; {} if none."""
    return next((r for r in rows if all(r.get(k) == v for k, v in match.items())), {})


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 3) if a is not None and b else None


def ratios(rows: list[Row]) -> list[Row]:
    """Per implementation and baseline endpoint: its req/s and p99 against each baseline's,
    and the targets."""
    out = []
    for own in (r for r in rows if r["subject"] == "implementation"):
        key = {"implementation": own["implementation"], "endpoint": own["endpoint"]}
        found: Row = dict(key)
        for subject in ("minimal", "addons", "bare"):
            base = find(rows, subject=subject, **key)
            found[f"rps_vs_{subject}"] = _ratio(own["rps"], base.get("rps"))
            found[f"p99_vs_{subject}"] = _ratio(own["p99_ms"], base.get("p99_ms"))
            found[f"cpu_vs_{subject}"] = _ratio(own.get("cpu_us"), base.get("cpu_us"))
        if found["rps_vs_minimal"] is None and found["rps_vs_bare"] is None:
            continue  # an endpoint without baselines
        rps, p99, addons = found["rps_vs_minimal"], found["p99_vs_minimal"], found["rps_vs_addons"]
        found["rps_target_met"] = rps is not None and rps >= RPS_TARGET
        found["p99_target_met"] = p99 is not None and p99 <= P99_TARGET
        health = own["endpoint"] == "health"
        found["addons_target_met"] = (
            (addons is not None and addons >= ADDONS_TARGET) if health else None
        )
        out.append(found)
    return out


def _targets(data: Row) -> list[str]:
    body = []
    for q in data["ratios"]:
        key = {"implementation": q["implementation"], "endpoint": q["endpoint"]}
        own, cost = (
            find(data["results"], subject="implementation", **key),
            find(data["overhead"], **key),
        )
        body.append([q["implementation"], own["label"], num(own["rps"], 0),
                     num(q["rps_vs_minimal"], 2), met(q["rps_target_met"]),
                     num(q.get("cpu_vs_minimal"), 2),
                     num(q["p99_vs_minimal"], 2), met(q["p99_target_met"]),
                     num(q["rps_vs_addons"], 2), met(q["addons_target_met"]),
                     num(cost.get("own_work_us")),
                     met(cost.get("own_work_target_met"))])  # fmt: skip
    header = ["implementation", "endpoint", "req/s", "÷ minimal", f"met (≥ {RPS_TARGET})",
              "server CPU per request ÷ minimal", "p99 ÷ minimal", f"met (≤ {P99_TARGET})",
              "÷ add-on stack",
              f"met (≥ {ADDONS_TARGET}, /health)", "contract's own work µs",
              f"met (≤ {OWN_WORK_TARGET:g}, /health)"]  # fmt: skip
    return table(header, body)


def _loads(data: Row, baselines_only: bool = False) -> list[str]:
    body = []
    for r in data["results"]:
        key = {"implementation": r["implementation"], "endpoint": r["endpoint"]}
        if baselines_only and not find(data["ratios"], **key):
            continue
        own = find(data["results"], subject="implementation", **key)
        theirs = r["subject"] != "implementation"
        cpu = _ratio(own.get("cpu_us"), r.get("cpu_us")) if theirs else None
        body.append([r["implementation"], r["label"], SUBJECTS[r["subject"]], num(r["rps"]),
                     num(r["p50_ms"], 2), num(r["p99_ms"], 2), num(r.get("cpu_us")),
                     num(_ratio(own["rps"], r["rps"]) if theirs else None, 2),
                     num(_ratio(own["p99_ms"], r["p99_ms"]) if theirs else None, 2),
                     num(cpu, 2)])  # fmt: skip
    header = ["implementation", "endpoint", "served", "req/s", "p50 ms", "p99 ms",
              "server CPU µs/request", "lockstep's req/s ÷ this", "lockstep's p99 ÷ this",
              "lockstep's CPU ÷ this"]  # fmt: skip
    return table(header, body)


def _overhead(data: Row) -> list[str]:
    body = [[o["implementation"], f"GET {o['path']}", num(o["minimal_us"]),
             num(o["minimal_middleware_us"]), num(o["implementation_us"]), num(o["middleware_us"]),
             num(o.get("access_line_us")), num(o["application_us"]), num(o["own_work_us"])]
            for o in data["overhead"]]  # fmt: skip
    header = ["implementation", "endpoint", "minimal µs", "minimal in the middleware µs",
              "implementation µs", "middleware's share µs", "of which the access line µs",
              "application's share µs", "contract's own work µs"]  # fmt: skip
    return table(header, body)


def _parts(data: Row) -> list[str]:
    body = [[p["part"], num(p["us"], 2), p["usual"] or "-", num(p["usual_us"], 2)]
            for p in data.get("parts", [])]  # fmt: skip
    return table(["part", "µs", "the usual way", "the usual way µs"], body)


def _options(data: Row) -> list[str]:
    body = [[o["implementation"], o["server"] + (" (default)" if o["default"] else ""),
             o["protocol"], str(o["workers"]), num(o["rps"]), num(o["p50_ms"], 2),
             num(o["p99_ms"], 2), num(o["vs_default"], 2)]
            for o in data["server_options"]]  # fmt: skip
    header = ["implementation", "server", "protocol / worker", "workers", "req/s", "p50 ms",
              "p99 ms", "req/s ÷ default"]  # fmt: skip
    return table(header, body)


def _measured(data: Row) -> str:
    plan, meta = data["plan"], data["meta"]
    return (f"Measured {meta['date']} on {meta['machine']} by `nox -s bench`: wrk {meta['wrk']}, "
            f"1 thread, {plan['connections']} connections ({plan['delay_connections']} on "
            f"/delay), WORKERS=1, default settings (JSON access lines on stdout); servers "
            f"compared run side by side, loaded in {plan['rounds']} alternated rounds "
            f"({plan['duration']} s each in all, after a {plan['warmup']} s warm-up): req/s over "
            f"all rounds, p50 and p99 of the median round, and the server's CPU time (user and "
            f"system, its workers included) over all rounds ÷ requests. Load average "
            f"{meta['load_before']} "
            f"before, {meta['load_after']} after (2 cores shared with wrk): compare within a "
            "run.")  # fmt: skip


BASELINES_TEXT = (
    "Baselines, served by the same server with the same settings (`bench/serve.py`): the "
    "framework's minimal one-route app (`bench/minimal/`), the same framework with the add-ons "
    "people use for request ids, JSON access lines, Prometheus metrics and CORS "
    "(`bench/addons/`), and a bare ASGI/WSGI callable (the server's ceiling). Litestar runs "
    "middleware for routed requests only: its add-on stack's 404 has no request id, access "
    "line or metric, where lockstep's has all three."
)
OVERHEAD_TEXT = (
    "CPU per request in process (`bench/overhead.py`, best of several batches): the minimal "
    "app, the same inside the contract's middleware, and the implementation. The contract's "
    "own work is the implementation's cost over the minimal app's: the middleware's share "
    "(request id, headers, access line, metrics) plus the application's (routes, dependencies, "
    "error handlers; negative where its 404 costs less than the framework's default page)."
)


PARTS_TEXT = (
    "Each part of the contract's work alone, µs per request in process (`bench/parts.py`: the "
    "access line with its share of a write to descriptor 1, one write per 16 lines as under "
    "load; the metrics in memory, as one uvicorn process keeps "
    "them, and in per-worker files, as under gunicorn or with WORKERS>1), beside the usual "
    "library call for the same result."
)


def bench_markdown(data: Row) -> str:
    lines = ["# lockstep benchmark", "", _measured(data), "", BASELINES_TEXT, "",
             "## Targets (issue 13)", "", *_targets(data), "",
             "## Every load", "", *_loads(data), "",
             "## Where the time goes (CPU per request, in process)", "", OVERHEAD_TEXT, "",
             *_overhead(data), "", PARTS_TEXT, "", *_parts(data)]  # fmt: skip
    if data["server_options"]:
        lines += ["", "## Server options (GET /health)", "", *_options(data)]
    notes = data["notes"] + [f"error: {e}" for e in data["errors"]]
    if notes:
        lines += ["", "## Notes", "", *(f"- {n}" for n in notes)]
    return "\n".join([*lines, ""])


def bench_readme(data: Row) -> list[str]:
    loads = _loads(data, baselines_only=True)
    lines = [_measured(data), "", BASELINES_TEXT, "", *_targets(data), "", *loads, "",
             OVERHEAD_TEXT, "", *_overhead(data), "", PARTS_TEXT, "", *_parts(data)]  # fmt: skip
    if data["server_options"]:
        lines += ["", "Server options on `GET /health`:", "", *_options(data)]
    return lines


def chart(data: Row, path: Path) -> None:
    """Grouped bars: req/s of each implementation and its baselines on /health and the 404,
    and of each server option; an SVG with its text as text, the same bytes for the same data."""
    loads = [r for r in data["results"] if find(data["ratios"], implementation=r["implementation"],
                                                     endpoint=r["endpoint"])]  # fmt: skip
    groups = list(dict.fromkeys((r["implementation"], r["label"]) for r in loads))
    options = data["server_options"]
    fig = Figure(figsize=(11, 8 if options else 4.2), layout="tight")
    axes = fig.subplots(2 if options else 1, 1, squeeze=False)
    ax = axes[0][0]
    for i, (subject, name) in enumerate(SUBJECTS.items()):
        values = [find(loads, implementation=impl, label=label, subject=subject).get("rps", 0)
                  for impl, label in groups]  # fmt: skip
        bars = ax.bar([g + (i - 1.5) * 0.2 for g in range(len(groups))], values, 0.2, label=name)
        ax.bar_label(bars, fmt="%.0f", fontsize=6)
    ax.set_xticks(range(len(groups)), [f"{impl}\n{label}" for impl, label in groups])
    ax.set(ylabel="requests/s", title=f"lockstep and its baselines, {data['meta']['date']}")
    ax.legend(ncols=4, loc="upper center", bbox_to_anchor=(0.5, -0.14), frameon=False)
    if options:
        ax = axes[1][0]
        colors = ["tab:blue" if o["default"] else "tab:gray" for o in options]
        bars = ax.bar(range(len(options)), [o["rps"] for o in options], 0.6, color=colors)
        ax.bar_label(bars, fmt="%.0f", fontsize=6)
        ax.set_xticks(
            range(len(options)), [f"{o['implementation']}\n{o['variant']}" for o in options]
        )
        ax.set(ylabel="requests/s", title="Server options on GET /health (blue: the default)")
        ax.tick_params(axis="x", labelsize=8)
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "lockstep"}):
        fig.savefig(path, format="svg", metadata={"Date": None})


def _mb(value: int | None) -> str:
    return num(value / 1_000_000 if value is not None else None)


def _mib(kib: int | None) -> str:
    return num(kib / 1024 if kib is not None else None)


def images_markdown(data: Row, readme: bool = False) -> list[str]:
    """images.md's table and text, or (readme) the README's shorter block."""
    meta = data["meta"]
    header = ["image", "size MB", "over base MB", "layers", "start s (median)",
              "minimal start s", "start ÷ minimal", f"met (≤ {START_TARGET})", "idle RSS MiB",
              "idle PSS MiB", "RSS after load MiB", "minimal idle RSS MiB"]  # fmt: skip
    rows = [[i["image"], _mb(i["size_bytes"]), _mb(i["over_base_bytes"]), str(i["layers"]),
             num(i["start_median_s"], 2), num(i["minimal_start_median_s"], 2),
             num(i["start_ratio"], 2), met(i["start_target_met"]), _mib(i["idle_rss_kib"]),
             _mib(i["idle_pss_kib"]), _mib(i["loaded_rss_kib"]),
             _mib(i.get("minimal_idle_rss_kib"))] for i in data["images"]]  # fmt: skip
    measured = (f"Measured {meta['date']} by `nox -s images` ({meta['engine']}, base "
                f"`{meta['base']}`, median of {meta['starts']} starts alternated with the "
                f"minimal image's; load average {meta['load_before']} before, "
                f"{meta['load_after']} after).")  # fmt: skip
    if readme:
        kept = [0, 1, 2, 3, 4, 6, 7, 8, 10]
        return [
            measured,
            "Full table: [bench/results/images.md](bench/results/images.md).",
            "",
            *table([header[k] for k in kept], [[r[k] for k in kept] for r in rows]),
        ]
    return [
        "# lockstep images", "", measured,
        "Start: from the engine's `run` (host network, read-only, no capabilities, WORKERS=1) to "
        "the first answer on /health (then /readiness answers 200). The minimal image is the "
        "implementation's image serving the framework's one-route app with bench/serve.py under "
        "the same server settings. RSS and PSS: summed over the container's processes; after "
        f"load: {meta['requests']} requests (wrk, a mix of /health, /echo, 404, /readiness, "
        "/info, /metrics).", "", *table(header, rows), "",
        *(f"- starts (s): {i['implementation']} {i['start_s']}, minimal {i['minimal_start_s']}"
          for i in data["images"]),
        *(f"- error: {e}" for e in data["errors"]), "",
    ]  # fmt: skip


def replace_block(name: str, lines: list[str]) -> bool:
    """Put `lines` in README.md's block `name`; False if the README has no such block."""
    readme = ROOT / "README.md"
    text = readme.read_text()
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.DOTALL)
    if not pattern.search(text):
        return False
    block = "\n".join([start, *lines, end])
    readme.write_text(pattern.sub(lambda _: block, text, count=1))
    return True


def write_bench(out: Path, data: Row, readme: bool) -> list[str]:
    """bench.json, bench.md, bench.svg in `out`, and the README's block if `readme`."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench.json").write_text(json.dumps(data, indent=2) + "\n")
    (out / "bench.md").write_text(bench_markdown(data))
    chart(data, out / "bench.svg")
    written = [str(out / name) for name in ("bench.json", "bench.md", "bench.svg")]
    return written + (
        ["README.md"] if readme and replace_block("bench", bench_readme(data)) else []
    )


def write_images(out: Path, data: Row, readme: bool) -> list[str]:
    """images.json and images.md in `out`, and the README's block if `readme`."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "images.json").write_text(json.dumps(data, indent=2) + "\n")
    (out / "images.md").write_text("\n".join(images_markdown(data)))
    block = images_markdown(data, readme=True)
    return [str(out / "images.json"), str(out / "images.md")] + (
        ["README.md"] if readme and replace_block("images", block) else []
    )
