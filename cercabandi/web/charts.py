"""Small charts as inline SVG, drawn on the server: no JavaScript chart library."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

from cercabandi.db.models import CrawlRun

STATUS_COLOURS = {
    "ok": "#2e7d4f",
    "degraded": "#a08a00",
    "failing": "#c77700",
    "failed": "#b3261e",
    "running": "#8a8f98",
}


def bar_chart(bars: Sequence[tuple[str, int]], *, width: int = 560, height: int = 160, title: str = "") -> Markup:
    """Vertical bars with their value on top and a label below each."""
    if not bars:
        return Markup("")
    top, bottom, gap = 18, 22, 8
    plot_height = height - top - bottom
    slot = width / len(bars)
    peak = max((n for _, n in bars), default=0) or 1
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>'
    ]
    for i, (label, value) in enumerate(bars):
        bar_height = round(plot_height * value / peak) if value else 0
        x = i * slot + gap / 2
        y = top + plot_height - bar_height
        parts.append(
            f'<rect x="{x:.1f}" y="{y}" width="{slot - gap:.1f}" height="{max(bar_height, 1)}" '
            f'fill="{"#1f5fa8" if value else "#d5dbe3"}" rx="2"><title>{escape(label)}: {value}</title></rect>'
            f'<text x="{x + (slot - gap) / 2:.1f}" y="{y - 4}" text-anchor="middle" class="v">{value}</text>'
            f'<text x="{x + (slot - gap) / 2:.1f}" y="{height - 6}" text-anchor="middle" class="l">'
            f"{escape(label)}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # every interpolated text is escaped


def runs_sparkline(runs: Sequence[CrawlRun], *, width: int = 150, height: int = 28, slots: int = 14) -> Markup:
    """Items per crawl run, oldest left; the colour is the run's status."""
    if not runs:
        return Markup('<span class="muted">nessuna esecuzione</span>')
    peak = max(r.items for r in runs) or 1
    slot = width / slots
    offset = slots - len(runs)
    parts = [
        f'<svg class="spark" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-label="Elementi raccolti nelle ultime {len(runs)} esecuzioni">'
    ]
    for i, run in enumerate(runs):
        bar = max(2, round((height - 2) * run.items / peak))
        colour = STATUS_COLOURS.get(run.status, "#8a8f98")
        x = (offset + i) * slot + 1
        day = run.started_at.strftime("%d/%m")
        parts.append(
            f'<rect x="{x:.1f}" y="{height - bar}" width="{slot - 2:.1f}" height="{bar}" fill="{colour}">'
            f"<title>{day}: {run.items} elementi ({escape(run.status)})</title></rect>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def progress_bar(share: float, *, width: int = 260, height: int = 12) -> Markup:
    filled = max(0.0, min(1.0, share)) * width
    return Markup(
        f'<svg class="progress" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-label="{share:.0%}"><rect width="{width}" height="{height}" rx="6" fill="#e3e7ee"/>'
        f'<rect width="{filled:.1f}" height="{height}" rx="6" fill="#2e7d4f"/></svg>'
    )
