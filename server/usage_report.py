"""The usage dashboard's numbers for the last 30 days, and its chart as plain SVG."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from html import escape

from server.usage import METRICS

DAYS = 30
_RED, _GREY, _BLUE = "#B71C1C", "#8a8a8a", "#1f5fa8"


@dataclass(frozen=True)
class Day:
    day: date
    counts: Counter[tuple[str, str]] = field(default_factory=Counter)  # (metric, lang) -> n

    def total(self, metric: str) -> int:
        return sum(n for (m, _), n in self.counts.items() if m == metric)

    def views(self, lang: str) -> int:
        return self.counts[("page_view", lang)]


@dataclass(frozen=True)
class GuideRow:
    slug: str
    title: str
    id: int
    en: int
    # Opens in the languages an office added (server/languages.py): in the total and the CSV.
    other: int = 0

    @property
    def total(self) -> int:
        return self.id + self.en + self.other


@dataclass(frozen=True)
class UsageReport:
    days: list[Day]
    totals: dict[str, int]
    top_guides: list[GuideRow]


def build_report(
    rows: Iterable[tuple[str, str, str, str, int]],
    titles: dict[str, str],
    today: date,
    days: int = DAYS,
) -> UsageReport:
    first = today - timedelta(days=days - 1)
    by_day = {first + timedelta(days=i): Day(first + timedelta(days=i)) for i in range(days)}
    opens: defaultdict[str, Counter[str]] = defaultdict(Counter)
    for day_text, metric, guide, lang, count in rows:
        day = date.fromisoformat(day_text)
        if day not in by_day:
            continue
        by_day[day].counts[(metric, lang)] += count
        if metric == "guide_open":
            opens[guide][lang] += count
    series = [by_day[d] for d in sorted(by_day)]
    totals = {metric: sum(d.total(metric) for d in series) for metric in METRICS}
    top = [
        GuideRow(
            slug,
            titles.get(slug, slug),
            langs["id"],
            langs["en"],
            sum(n for lang, n in langs.items() if lang not in ("id", "en")),
        )
        for slug, langs in opens.items()
    ]
    top.sort(key=lambda row: (-row.total, row.slug))
    return UsageReport(series, totals, top)


def chart_svg(
    report: UsageReport, label: tuple[str, str], legend: dict[str, tuple[str, str]]
) -> str:
    """Daily page views (stacked by language) as bars, guide opens as a line.

    `label` and each `legend` entry are (Indonesian, English): staff read both, as on the
    rest of the admin, so the legend gives each in turn, English below in grey.
    """
    width, height, left, bottom, top = 720, 260, 44, 28, 12
    name = label[0] if label[0] == label[1] else f"{label[0]} / {label[1]}"
    plot_w, plot_h = width - left - 8, height - bottom - top
    days = report.days
    peak = max(
        [d.views("id") + d.views("en") for d in days] + [d.total("guide_open") for d in days]
    )
    scale = max(peak, 1)
    slot = plot_w / max(len(days), 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height + 40}"'
        f' role="img" aria-label="{escape(name)}" class="chart">',
        f"<title>{escape(name)}</title>",
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - 8}" y2="{top + plot_h}"'
        ' stroke="#333" stroke-width="1"/>',
        f'<text x="{left - 6}" y="{top + 10}" text-anchor="end" font-size="11">{peak}</text>',
        f'<text x="{left - 6}" y="{top + plot_h}" text-anchor="end" font-size="11">0</text>',
    ]
    line = []
    for i, day in enumerate(days):
        x = left + i * slot + slot * 0.15
        bar_w = slot * 0.7
        base: float = top + plot_h
        for lang, colour in (("id", _RED), ("en", _GREY)):
            h = plot_h * day.views(lang) / scale
            if h > 0:
                tip = f"{day.day.isoformat()}: {day.views(lang)} ({lang})"
                parts.append(
                    f'<rect x="{x:.1f}" y="{base - h:.1f}" width="{bar_w:.1f}" height="{h:.1f}"'
                    f' fill="{colour}"><title>{tip}</title></rect>'
                )
                base -= h
        opens_y = top + plot_h - plot_h * day.total("guide_open") / scale
        line.append(f"{x + bar_w / 2:.1f},{opens_y:.1f}")
        if i % 5 == 0 or i == len(days) - 1:
            parts.append(
                f'<text x="{x + bar_w / 2:.1f}" y="{top + plot_h + 16}" text-anchor="middle"'
                f' font-size="11">{day.day.strftime("%d/%m")}</text>'
            )
    parts.append(
        f'<polyline points="{" ".join(line)}" fill="none" stroke="{_BLUE}" stroke-width="2"/>'
    )
    x = left
    for colour, key in ((_RED, "id"), (_GREY, "en"), (_BLUE, "opens")):
        id_text, en_text = legend[key]
        parts.append(
            f'<g class="legend" data-key="{key}">'
            f'<rect x="{x}" y="{height + 8}" width="12" height="12" fill="{colour}"/>'
            f'<text x="{x + 16}" y="{height + 18}" font-size="12">{escape(id_text)}</text>'
            f'<text x="{x + 16}" y="{height + 34}" font-size="12" fill="#555" lang="en">'
            f"{escape(en_text)}</text></g>"
        )
        x += 28 + 7 * max(len(id_text), len(en_text))
    parts.append("</svg>")
    return "".join(parts)
