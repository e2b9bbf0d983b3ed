"""bench.svg: requests/s per endpoint per implementation beside its baselines, and the
server options, as grouped bars."""

from typing import Any

from bench import svg

COLORS = {"fastapi": "#059669", "flask": "#2563eb", "litestar": "#d97706"}
OPACITY = {"implementation": 1.0, "minimal": 0.45, "bare": 0.15}


def color(impl: str) -> str:
    return COLORS.get(impl, "#7c3aed")


def _bar(row: dict[str, Any], opacity: float, title: str) -> svg.Bar:
    tip = f"{title}: {row['rps']:.0f} req/s, p50 {row['p50_ms']} ms, p99 {row['p99_ms']} ms"
    return svg.Bar(row["rps"], color(row["implementation"]), opacity, tip)


def _endpoints(rows: list[dict[str, Any]]) -> list[svg.Group]:
    groups = []
    impls = list(dict.fromkeys(r["implementation"] for r in rows))
    for label in dict.fromkeys(r["label"] for r in rows):
        clusters = []
        for impl in impls:
            mine = [r for r in rows if r["implementation"] == impl and r["label"] == label]
            mine.sort(key=lambda r: list(OPACITY).index(r["subject"]))
            bars = [_bar(r, OPACITY[r["subject"]], f"{impl} {r['subject']} {label}") for r in mine]
            if bars:
                clusters.append(svg.Cluster(impl, bars))
        groups.append(svg.Group(label, clusters))
    return groups


def _options(options: list[dict[str, Any]]) -> list[svg.Group]:
    by_impl: dict[str, list[svg.Cluster]] = {}
    for o in (o for o in options if o.get("rps") is not None):
        title = f"{o['implementation']} {o['server']} {o['protocol']} x{o['workers']}"
        bar = _bar(o, 1.0 if o["default"] else 0.5, title)
        by_impl.setdefault(o["implementation"], []).append(svg.Cluster(o["short"], [bar]))
    return [svg.Group(impl, clusters) for impl, clusters in by_impl.items()]


def render(data: dict[str, Any]) -> str:
    plan, rows = data["plan"], data["results"]
    title = (
        f"Requests/s per endpoint, WORKERS=1, {plan['connections']} connections "
        f"({plan['delay_connections']} on /delay), {plan['duration']:g} s each in "
        f"{plan['rounds']} alternated rounds"
    )
    caption = (
        "solid: the lockstep implementation; mid: the framework's minimal app; faint: a bare "
        "ASGI/WSGI callable (the server's ceiling); same server, same settings"
    )
    panels = [svg.Panel(title, _endpoints(rows), lines=[caption])]
    if any(o.get("rps") for o in data["server_options"]):
        heading = "Server options on GET /health (solid: the project's default)"
        panels.append(svg.Panel(heading, _options(data["server_options"])))
    impls = dict.fromkeys(r["implementation"] for r in rows)
    legends = [
        [(impl, color(impl), 1.0) for impl in impls],
        [("implementation", "#444", 1.0), ("minimal app", "#444", 0.45), ("bare", "#444", 0.15)],
    ]
    return svg.document(f"lockstep benchmark, {data['meta']['date']}", legends, panels)
