"""The report index's charts: small static SVG, made here and written inline into the page (no
network, no script, no plotting library).

Hand-written: four bar charts are a few rectangles and labels each; a plotting library
(matplotlib: tens of MB, a font cache) would cost more than the charts, and an SVG made here
is text the tests can read. Every label is escaped (site names and crawl ids come from the
data); each chart has a <title> and an aria-label saying its numbers for screen readers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

WIDTH, HEIGHT = 250, 140
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 30, 6, 12, 22


@dataclass(frozen=True)
class Chart:
    """One chart: what it shows (title, a one-line reading of it) and its SVG."""

    key: str
    title: str
    summary: str
    svg: str


def _svg(key: str, title: str, summary: str, body: list[str]) -> str:
    return (
        f'<svg class="chart" id="chart-{key}" xmlns="http://www.w3.org/2000/svg" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" role="img" '
        f'aria-label="{escape(title)}: {escape(summary)}">'
        f"<title>{escape(title)}: {escape(summary)}</title>" + "".join(body) + "</svg>"
    )


_NICE = (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10)


def _axis_top(value: int) -> int:
    """The axis top: the smallest round number (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8 x 10^k) at or
    above `value`."""
    scale = 1
    while True:
        for step in _NICE:
            if step * scale >= value and float(step * scale).is_integer():
                return max(int(step * scale), 1)
        scale *= 10


def columns(
    key: str,
    title: str,
    labels: Sequence[str],
    values: Sequence[int],
    *,
    unit: str,
    css: Sequence[str] | None = None,
    summary: str | None = None,
    behind: Sequence[int] | None = None,
) -> Chart:
    """Vertical bars, one a label, a value on each; `css` gives each bar's class; `behind`, a
    lighter bar behind each (a whole the value is part of)."""
    top = _axis_top(max([*values, *(behind or ())], default=0))
    plot_w = WIDTH - PAD_LEFT - PAD_RIGHT
    plot_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    slot = plot_w / max(len(values), 1)
    body = [
        f'<line class="axis" x1="{PAD_LEFT}" y1="{PAD_TOP + plot_h}" x2="{WIDTH - PAD_RIGHT}" '
        f'y2="{PAD_TOP + plot_h}"/>',
        f'<text class="tick" x="{PAD_LEFT - 4}" y="{PAD_TOP + 4}" text-anchor="end">{top}</text>',
        f'<text class="tick" x="{PAD_LEFT - 4}" y="{PAD_TOP + plot_h}" text-anchor="end">0</text>',
    ]
    small = len(values) > 8  # no room for a number on each bar: the tooltip has it
    for k, (label, value) in enumerate(zip(labels, values, strict=True)):
        h = plot_h * value / top
        x = PAD_LEFT + k * slot + slot * 0.12
        y = PAD_TOP + plot_h - h
        cls = css[k] if css else "bar"
        if behind:
            hb = plot_h * behind[k] / top
            body.append(
                f'<rect class="bar behind" x="{x:.1f}" y="{PAD_TOP + plot_h - hb:.1f}" '
                f'width="{slot * 0.76:.1f}" height="{hb:.1f}"/>'
            )
        body.append(
            f'<rect class="{escape(cls)}" x="{x:.1f}" y="{y:.1f}" width="{slot * 0.76:.1f}" '
            f'height="{h:.1f}"><title>{escape(label)}: {value} {escape(unit)}</title></rect>'
        )
        if value and not small:
            body.append(
                f'<text class="value" x="{x + slot * 0.38:.1f}" y="{y - 2:.1f}" '
                f'text-anchor="middle">{value}</text>'
            )
        body.append(
            f'<text class="label{" small" if small else ""}" x="{x + slot * 0.38:.1f}" '
            f'y="{PAD_TOP + plot_h + 12}" text-anchor="middle">{escape(label)}</text>'
        )
    said = summary or ", ".join(
        f"{label}: {value}" for label, value in zip(labels, values, strict=True)
    )
    return Chart(key, title, said, _svg(key, title, said, body))


def shares(key: str, title: str, parts: Sequence[tuple[str, int, str]], *, unit: str) -> Chart:
    """One horizontal bar cut into parts (label, count, CSS class), with a legend."""
    total = sum(n for _, n, _ in parts)
    plot_w = WIDTH - 2 * PAD_RIGHT
    body: list[str] = []
    x = float(PAD_RIGHT)
    for label, n, cls in parts:
        w = plot_w * n / total if total else 0
        body.append(
            f'<rect class="{escape(cls)}" x="{x:.1f}" y="14" width="{w:.1f}" height="30">'
            f"<title>{escape(label)}: {n} {escape(unit)}</title></rect>"
        )
        x += w
    if not total:
        body.append(f'<rect class="empty" x="{PAD_RIGHT}" y="14" width="{plot_w}" height="30"/>')
    for k, (label, n, cls) in enumerate(parts):
        y = 68 + 20 * k
        share = 100 * n / total if total else 0.0
        exact = 0 < share < 1 or 99 < share < 100  # never "0%" or "100%" for a part
        percent = f" ({share:.1f}%)" if exact else f" ({share:.0f}%)" if total else ""
        body.append(
            f'<rect class="{escape(cls)}" x="{PAD_RIGHT}" y="{y - 10}" width="12" height="12"/>'
        )
        said_part = f"{escape(label)}: {n}{percent}"
        body.append(f'<text class="legend" x="{PAD_RIGHT + 18}" y="{y}">{said_part}</text>')
    said = ", ".join(f"{label} {n}" for label, n, _ in parts) + f" of {total} {unit}"
    return Chart(key, title, said, _svg(key, title, said, body))


def report_charts(tally: Any, crawls: Sequence[dict[str, Any]] = ()) -> list[Chart]:
    """The index's charts from the report's tally (pipeline.stats.AlignmentTally) and the
    crawl runs (pipeline.stats.crawl_summary each): scores, flags per article, review
    progress, crawl timeline (where the store has crawl runs)."""
    charts = []
    spans = [f"{k / 10:.1f}" for k in range(len(tally.scores))]
    charts.append(
        columns(
            "scores",
            "Aligner's scores",
            spans,
            list(tally.scores),
            unit="beads",
            css=["bar low" if k < 3 else "bar" for k in range(len(spans))],
            summary=f"{tally.beads} beads; " + ", ".join(
                f"{s}-{float(s) + 0.1:.1f}: {n}" for s, n in zip(spans, tally.scores, strict=True)
            ),
        )
    )
    groups = tally.as_dict()["flagged_per_article"]
    charts.append(
        columns(
            "flags",
            "Flagged beads per article",
            list(groups),
            list(groups.values()),
            unit="articles",
            css=["bar clean" if g == "0" else "bar flagged" for g in groups],
        )
    )
    review = tally.review
    charts.append(
        shares(
            "review",
            "Review progress",
            [
                ("approved", review.get("approved", 0), "approved"),
                ("rejected", review.get("rejected", 0), "rejected"),
                ("not reviewed yet", review.get("pending", 0), "pending"),
            ],
            unit="beads",
        )
    )
    runs = list(crawls)[-12:]  # the latest crawls
    if runs:
        charts.append(
            columns(
                "crawls",
                "Crawls: new versions (dark) of pages fetched",
                [f"#{r['crawl'].rsplit('-', 1)[-1]}" for r in runs],
                [r["new_versions"] for r in runs],
                unit="new versions",
                behind=[r["pages_fetched"] for r in runs],
                summary="; ".join(
                    f"{r['crawl']} ({(r['started'] or '')[:10]}): {r['new_versions']} new "
                    f"versions, {r['pages_fetched']} pages"
                    for r in runs
                ),
            )
        )
    return charts
