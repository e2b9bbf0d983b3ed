"""bench.json and bench.md from one run's measurements: the ratios to the baselines, the
targets, and the server options (the picture is chart.py's)."""

import json
from pathlib import Path
from typing import Any

from bench import chart

Row = dict[str, Any]
RPS_TARGET, P99_TARGET = 0.85, 1.5  # of the minimal app, on /health and 404
TEXT = frozenset({"implementation", "endpoint", "image", "server", "protocol / worker", "layers"})


def find(rows: list[Row], **match: str) -> Row:
    """The first row whose fields equal `match`; {} if none."""
    return next((r for r in rows if all(r.get(k) == v for k, v in match.items())), {})


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 3) if a is not None and b else None


def ratios(rows: list[Row]) -> list[Row]:
    """The implementation against its minimal app and bare callable, per baseline endpoint."""
    out = []
    for own in (r for r in rows if r["subject"] == "implementation"):
        key = {"implementation": own["implementation"], "endpoint": own["endpoint"]}
        minimal, bare = find(rows, subject="minimal", **key), find(rows, subject="bare", **key)
        if not minimal and not bare:
            continue
        rps_min = _ratio(own["rps"], minimal.get("rps"))
        p99_min = _ratio(own["p99_ms"], minimal.get("p99_ms"))
        out.append(
            {
                **key,
                "rps_vs_minimal": rps_min,
                "rps_vs_bare": _ratio(own["rps"], bare.get("rps")),
                "p99_vs_minimal": p99_min,
                "p99_vs_bare": _ratio(own["p99_ms"], bare.get("p99_ms")),
                "rps_target_met": rps_min is not None and rps_min >= RPS_TARGET,
                "p99_target_met": p99_min is not None and p99_min <= P99_TARGET,
            }
        )
    return out


def num(value: Any, digits: int = 1) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    """A Markdown table; the numeric columns right-aligned (all but those named in TEXT)."""
    align = ["---" if name in TEXT or name.startswith("met") else "--:" for name in header]
    return [f"| {' | '.join(cells)} |" for cells in (header, align, *rows)]


def _baselines(data: Row) -> list[str]:
    rows = data["results"]
    body = []
    for own in (r for r in rows if r["subject"] == "implementation"):
        key = {"implementation": own["implementation"], "endpoint": own["endpoint"]}
        minimal, bare = find(rows, subject="minimal", **key), find(rows, subject="bare", **key)
        ratio = find(data["ratios"], **key)
        body.append(
            [
                own["implementation"],
                own["label"],
                num(own["rps"]),
                num(own["p50_ms"], 2),
                num(own["p99_ms"], 2),
                num(minimal.get("rps")),
                num(minimal.get("p99_ms"), 2),
                num(bare.get("rps")),
                num(bare.get("p99_ms"), 2),
                num(ratio.get("rps_vs_minimal"), 2),
                num(ratio.get("rps_vs_bare"), 2),
                num(ratio.get("p99_vs_minimal"), 2),
            ]
        )
    header = [
        "implementation",
        "endpoint",
        "req/s",
        "p50 ms",
        "p99 ms",
        "minimal req/s",
        "minimal p99 ms",
        "bare req/s",
        "bare p99 ms",
        "req/s ÷ minimal",
        "req/s ÷ bare",
        "p99 ÷ minimal",
    ]
    return table(header, body)


def _targets(data: Row) -> list[str]:
    def met(ok: bool) -> str:
        return "yes" if ok else "**no**"

    body = [
        [
            q["implementation"],
            q["endpoint"],
            num(q["rps_vs_minimal"], 2),
            met(q["rps_target_met"]),
            num(q["p99_vs_minimal"], 2),
            met(q["p99_target_met"]),
        ]
        for q in data["ratios"]
    ]
    header = ["implementation", "endpoint", "req/s ÷ minimal", "met", "p99 ÷ minimal", "met"]
    return table(header, body)


def _options(data: Row) -> list[str]:
    body = [
        [
            o["implementation"],
            o["server"] + (" (default)" if o["default"] else ""),
            o["protocol"],
            str(o["workers"]),
            num(o.get("rps")),
            num(o.get("p50_ms"), 2),
            num(o.get("p99_ms"), 2),
            num(o.get("vs_default"), 2),
        ]
        for o in data["server_options"]
    ]
    header = [
        "implementation",
        "server",
        "protocol / worker",
        "workers",
        "req/s",
        "p50 ms",
        "p99 ms",
        "req/s ÷ default",
    ]
    return table(header, body)


def _overhead(data: Row) -> list[str]:
    body = [
        [
            o["implementation"],
            f"GET {o['path']}",
            num(o["minimal_us"]),
            num(o["minimal_middleware_us"]),
            num(o["implementation_us"]),
            num(o["middleware_us"]),
            num(o.get("access_line_us")),
            num(o["application_us"]),
        ]
        for o in data.get("overhead", [])
    ]
    header = [
        "implementation",
        "endpoint",
        "minimal µs",
        "minimal in the middleware µs",
        "implementation µs",
        "middleware's share µs",
        "of which the access line µs",
        "application's share µs",
    ]
    return table(header, body)


def markdown(data: Row) -> str:
    plan, meta = data["plan"], data["meta"]
    lines = [
        "# lockstep benchmark",
        "",
        f"Measured {meta['date']} on {meta['machine']}; wrk {meta['wrk']}, 1 thread, "
        f"{plan['connections']} connections ({plan['delay_connections']} on /delay), "
        f"WORKERS=1 unless said, default settings (JSON access log on). Servers compared with "
        f"each other run side by side and are loaded in {plan['rounds']} alternated rounds "
        f"({plan['duration']:g} s each in all, after a {plan['warmup']:g} s warm-up): req/s over "
        f"all rounds, p50 and p99 of the median round (every round's req/s is in bench.json). "
        f"Load average before/after: {meta['load_before']} / {meta['load_after']} (2 cores "
        f"shared with other work): compare figures within this run only.",
        "",
        "## Implementations and baselines",
        "",
        "minimal: the framework's one-route app; bare: a raw ASGI/WSGI callable (the server's "
        "ceiling); both served by the same server, started the same way. The minimal apps use "
        "their framework's own fast path for a handler that does not block (FastAPI `async "
        "def`, Litestar `sync_to_thread=False`).",
        "",
        *_baselines(data),
        "",
        f"## Targets: req/s at least {RPS_TARGET} of minimal, p99 at most {P99_TARGET} of minimal",
        "",
        *_targets(data),
    ]
    if data.get("overhead"):
        lines += [
            "",
            "## Where the time goes (CPU per request, in process)",
            "",
            "Each app called directly, without a server or a network (`bench/overhead.py`, best "
            "of several batches): the framework's minimal app, the same app inside the "
            "contract's middleware (request id, headers, access line, metrics), and the "
            "implementation. The middleware's share is the contract's cross-cutting work; the "
            "application's share is the rest of the full app (its routes, dependencies and "
            "error handlers); it is negative where the implementation's answer costs less than "
            "the minimal app's (the framework's default 404 page).",
            "",
            *_overhead(data),
        ]
    if data["server_options"]:
        title = f"## Server options (GET /health, {plan['connections']} connections)"
        lines += ["", title, "", *_options(data)]
    notes = data["notes"] + [f"error: {e}" for e in data["errors"]]
    if notes:
        lines += ["", "## Notes", "", *(f"- {n}" for n in notes)]
    return "\n".join([*lines, ""])


def readme_lines(data: Row) -> list[str]:
    """The README's block: the targets, where the time goes, and the server options."""
    plan, meta = data["plan"], data["meta"]
    body = []
    for q in data["ratios"]:
        own = find(data["results"], subject="implementation", implementation=q["implementation"],
                   endpoint=q["endpoint"])  # fmt: skip
        body.append(
            [
                q["implementation"],
                own.get("label", q["endpoint"]),
                num(own.get("rps"), 0),
                num(q["rps_vs_minimal"], 2),
                "yes" if q["rps_target_met"] else "**no**",
                num(own.get("p99_ms"), 2),
                num(q["p99_vs_minimal"], 2),
                "yes" if q["p99_target_met"] else "**no**",
            ]
        )
    header = ["implementation", "endpoint", "req/s", "÷ minimal", "met", "p99 ms",
              "p99 ÷ minimal", "met"]  # fmt: skip
    lines = [
        f"Measured {meta['date']} on {meta['machine']} by `nox -s bench` (wrk, 1 thread, "
        f"{plan['connections']} connections, WORKERS=1, {plan['rounds']} alternated rounds; "
        f"load average {meta['load_before']} before, {meta['load_after']} after). Targets: "
        f"req/s at least {RPS_TARGET} of the framework's minimal app, p99 at most "
        f"{P99_TARGET} of its p99.",
        "",
        *table(header, body),
    ]
    if data.get("overhead"):
        lines += [
            "",
            "CPU per request in process (`bench/overhead.py`; a negative application's share: "
            "the implementation's 404 costs less than the framework's default 404 page):",
            "",
            *_overhead(data),
        ]
    if data["server_options"]:
        lines += ["", "Server options on `GET /health`:", "", *_options(data)]
    return lines


def write(out: Path, data: Row) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench.json").write_text(json.dumps(data, indent=2) + "\n")
    (out / "bench.md").write_text(markdown(data))
    (out / "bench.svg").write_text(chart.render(data))
