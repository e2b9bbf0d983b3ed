"""A dependency-free SVG writer for grouped bar charts, readable at a glance: panels stacked,
each a row of groups (a heading) of clusters (a caption) of bars with their values on top."""

import math
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

BAR, GAP, CLUSTER_GAP, GROUP_GAP, LEFT, PLOT_H = 18, 2, 14, 34, 64, 220
FONT = "font-family='Helvetica,Arial,sans-serif'"


@dataclass(frozen=True)
class Bar:
    value: float
    color: str
    opacity: float
    title: str  # the tooltip


@dataclass(frozen=True)
class Cluster:
    caption: str
    bars: list[Bar]

    @property
    def width(self) -> int:
        return max(len(self.bars) * (BAR + GAP), len(self.caption) * 6 + 4)


@dataclass(frozen=True)
class Group:
    heading: str
    clusters: list[Cluster]

    @property
    def width(self) -> int:
        inner = sum(c.width for c in self.clusters) + CLUSTER_GAP * (len(self.clusters) - 1)
        return max(inner, len(self.heading) * 7)


@dataclass
class Panel:
    title: str
    groups: list[Group]
    unit: str = "requests/s"
    lines: list[str] = field(default_factory=list)

    @property
    def width(self) -> int:
        return LEFT + sum(g.width + GROUP_GAP for g in self.groups) + 10


def nice_top(value: float) -> float:
    """A round axis top at least `value`: 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 times 10^n."""
    if value <= 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(value))
    steps = (1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)
    return next(step * power for step in steps if step * power >= value)


def short(value: float) -> str:
    return f"{value / 1000:.1f}k" if value >= 1000 else f"{value:.0f}"


def _text(
    x: float, y: float, text: str, size: int = 11, anchor: str = "middle", **extra: str
) -> str:
    attributes = " ".join(f"{k.replace('_', '-')}='{v}'" for k, v in extra.items())
    return (
        f"<text x='{x:.1f}' y='{y:.1f}' font-size='{size}' text-anchor='{anchor}' {FONT} "
        f"{attributes}>{escape(text)}</text>"
    )


def draw(panel: Panel, top: int) -> tuple[list[str], int]:
    """The panel's elements, placed from `top`; and the height it takes."""
    peak = max((b.value for g in panel.groups for c in g.clusters for b in c.bars), default=0)
    scale_top = nice_top(peak * 1.08)
    base = top + 34 + PLOT_H
    out = [_text(LEFT, top + 16, panel.title, 14, "start", font_weight="bold")]
    for tick in range(6):
        value = scale_top * tick / 5
        y = base - PLOT_H * tick / 5
        out.append(
            f"<line x1='{LEFT}' x2='{panel.width - 10}' y1='{y:.1f}' y2='{y:.1f}' stroke='#ddd'/>"
        )
        out.append(_text(LEFT - 6, y + 4, short(value), 10, "end"))
    out.append(
        _text(
            14,
            base - PLOT_H / 2,
            panel.unit,
            11,
            transform=f"rotate(-90 14 {base - PLOT_H / 2:.0f})",
        )
    )
    x = LEFT + GROUP_GAP / 2
    for group in panel.groups:
        out.append(_text(x + group.width / 2, base + 36, group.heading, 12, font_weight="bold"))
        cx = (
            x
            + (
                group.width
                - (sum(c.width for c in group.clusters) + CLUSTER_GAP * (len(group.clusters) - 1))
            )
            / 2
        )
        for cluster in group.clusters:
            bx = cx + (cluster.width - len(cluster.bars) * (BAR + GAP)) / 2
            for bar in cluster.bars:
                height = PLOT_H * bar.value / scale_top
                out.append(
                    f"<rect x='{bx:.1f}' y='{base - height:.1f}' width='{BAR}' "
                    f"height='{height:.1f}' fill='{bar.color}' fill-opacity='{bar.opacity}' "
                    f"stroke='{bar.color}'><title>{escape(bar.title)}</title></rect>"
                )
                lx, ly = bx + BAR / 2 + 3, base - height - 4
                turn = f"rotate(-90 {lx:.1f} {ly:.1f})"
                out.append(_text(lx, ly, short(bar.value), 9, "start", transform=turn))
                bx += BAR + GAP
            out.append(_text(cx + cluster.width / 2, base + 16, cluster.caption, 10))
            cx += cluster.width + CLUSTER_GAP
        x += group.width + GROUP_GAP
    out.append(f"<line x1='{LEFT}' x2='{panel.width - 10}' y1='{base}' y2='{base}' stroke='#333'/>")
    for n, line in enumerate(panel.lines):
        out.append(_text(LEFT, base + 58 + 14 * n, line, 10, "start", fill="#555"))
    return out, base + 64 + 14 * len(panel.lines) - top


def legend(entries: list[tuple[str, str, float]], top: int) -> list[str]:
    """One row of swatches: (label, color, opacity)."""
    out, x = [], LEFT
    for label, color, opacity in entries:
        out.append(
            f"<rect x='{x}' y='{top}' width='12' height='12' fill='{color}' "
            f"fill-opacity='{opacity}' stroke='{color}'/>"
        )
        out.append(_text(x + 16, top + 10, label, 11, "start"))
        x += 16 + len(label) * 6 + 18
    return out


def document(title: str, legends: list[list[tuple[str, str, float]]], panels: list[Panel]) -> str:
    width = max([p.width for p in panels] + [600])
    body = [_text(LEFT, 24, title, 16, "start", font_weight="bold")]
    top = 38
    for entries in legends:
        body += legend(entries, top)
        top += 20
    for panel in panels:
        elements, height = draw(panel, top + 6)
        body += elements
        top += height + 16
    return (
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{top}' "
        f"viewBox='0 0 {width} {top}'>\n<rect width='100%' height='100%' fill='white'/>\n"
        + "\n".join(body)
        + "\n</svg>\n"
    )
