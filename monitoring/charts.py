"""Pictures for the monitoring pages, drawn on the server as inline SVG: no script, no external
file, presentation attributes only (the Content-Security-Policy allows no inline style). Each
picture has a title and a description, and the tables beside it carry the same numbers."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from .selectors import Row

# Where each province's tile lies on a 14 × 7 grid: roughly as the provinces lie, west to east.
TILES = {
    "11": (0, 0), "12": (1, 1), "14": (2, 1), "21": (3, 1), "13": (1, 2), "15": (2, 2), "19": (3, 2),
    "17": (1, 3), "16": (2, 3), "18": (2, 4), "36": (3, 5), "31": (4, 4), "32": (4, 5), "33": (5, 5),
    "34": (5, 6), "35": (6, 5), "51": (7, 5), "52": (8, 5), "53": (9, 5), "61": (4, 2), "62": (5, 2),
    "63": (6, 3), "64": (6, 2), "65": (6, 1), "75": (8, 1), "71": (9, 1), "72": (8, 2), "76": (7, 3),
    "73": (8, 3), "74": (9, 3), "82": (10, 1), "81": (10, 3), "96": (11, 1), "92": (11, 2), "91": (12, 2),
    "94": (12, 3), "95": (13, 3), "93": (13, 4),
}  # fmt: skip
# Five bands of completion rate, light to dark (readable in grey too); the tile also prints its rate.
BANDS = [(20, "#e8f1fa", "#10243a"), (40, "#b9d4ee", "#10243a"), (60, "#7aaedc", "#10243a"),
         (80, "#3a7bbf", "#ffffff"), (101, "#14477d", "#ffffff")]  # fmt: skip
EMPTY = ("#f2f2f2", "#555555")
TILE = 44


def _band(rate: float) -> tuple[str, str]:
    return next((fill, ink) for limit, fill, ink in BANDS if rate < limit)


def _svg(width: int, height: int, ident: str, title: str, desc: str, body: str) -> SafeString:
    return format_html(
        '<svg class="chart" viewBox="0 0 {} {}" width="100%" role="img" aria-labelledby="{}-t {}-d" '
        'xmlns="http://www.w3.org/2000/svg" font-family="sans-serif" font-size="11">'
        '<title id="{}-t">{}</title><desc id="{}-d">{}</desc>{}</svg>',
        width, height, ident, ident, ident, title, ident, desc, mark_safe(body),  # noqa: S308 - built from escaped parts
    )  # fmt: skip


def tile_map(rows: Sequence[Row]) -> SafeString:
    """One tile per province coloured by completion rate, with its code and rate written on it."""
    by_code = {r.key: r for r in rows}
    parts = []
    for code, (col, line) in TILES.items():
        row = by_code.get(code)
        x, y = col * TILE, line * TILE
        if row is None or not row.enrolled:
            fill, ink = EMPTY
            label, value = (row.name if row else code), "–"
        else:
            fill, ink = _band(row.rate)
            label, value = row.name, f"{row.rate:.0f}%"
        parts.append(
            f'<g><title>{escape(label)}: {escape(value)}</title><rect x="{x + 1}" y="{y + 1}" width="{TILE - 2}" '
            f'height="{TILE - 2}" rx="3" fill="{fill}" stroke="#6b7c8f" stroke-width="0.5"/>'
            f'<text x="{x + TILE / 2}" y="{y + 17}" text-anchor="middle" fill="{ink}" font-size="10">{code}</text>'
            f'<text x="{x + TILE / 2}" y="{y + 32}" text-anchor="middle" fill="{ink}" font-weight="bold">'
            f"{escape(value)}</text></g>"
        )
    legend_y = 7 * TILE + 10
    lower = 0
    for index, (limit, fill, _ink) in enumerate(BANDS):
        x = index * 112
        upper = min(limit, 100)
        parts.append(
            f'<rect x="{x}" y="{legend_y}" width="16" height="16" fill="{fill}" stroke="#6b7c8f" stroke-width="0.5"/>'
            f'<text x="{x + 20}" y="{legend_y + 12}" fill="#10243a">{lower}–{upper}%</text>'
        )
        lower = limit
    parts.append(
        f'<rect x="{5 * 112}" y="{legend_y}" width="16" height="16" fill="{EMPTY[0]}" stroke="#6b7c8f" '
        f'stroke-width="0.5"/><text x="{5 * 112 + 20}" y="{legend_y + 12}" fill="#10243a">'
        f"– {escape(_('nobody enrolled'))}</text>"
    )
    return _svg(14 * TILE, legend_y + 22, "peta", _("Map of completion rate per province"),
                _("Each tile is a province, placed roughly where it lies, with its code and completion rate; "
                  "darker tiles have a higher rate. The table below has the same numbers."), "".join(parts))  # fmt: skip


def bars(rows: Sequence[Row]) -> SafeString:
    """Completion rate per province as horizontal bars, highest first."""
    ordered = sorted(rows, key=lambda r: (-r.rate, r.name))
    height, label_width, bar_width = 16, 170, 330
    parts = []
    for index, row in enumerate(ordered):
        y = index * height
        width = bar_width * row.rate / 100
        parts.append(
            f'<text x="{label_width - 6}" y="{y + 12}" text-anchor="end" fill="#10243a">{escape(row.name)}</text>'
            f'<rect x="{label_width}" y="{y + 3}" width="{width:.1f}" height="{height - 5}" fill="#3a7bbf"/>'
            f'<text x="{label_width + width + 4:.1f}" y="{y + 12}" fill="#10243a">{row.rate:.1f}%</text>'
        )
    return _svg(label_width + bar_width + 50, max(len(ordered), 1) * height, "batang",
                _("Completion rate per province"),
                _("One bar per province, the longest first; the table below has the same numbers."),
                "".join(parts))  # fmt: skip


def weekly_line(weeks: dict[int, int], year: int) -> SafeString:
    """Completions per week of ``year`` as a line, weeks 1 to 53."""
    width, height, left, bottom = 560, 160, 34, 20
    top = max(weeks.values(), default=0) or 1
    points = " ".join(
        f"{left + (week - 1) * (width - left - 6) / 52:.1f},{height - bottom - weeks.get(week, 0) * (height - bottom - 10) / top:.1f}"
        for week in range(1, 54)
    )
    parts = [
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - 6}" y2="{height - bottom}" stroke="#6b7c8f"/>',
        f'<line x1="{left}" y1="10" x2="{left}" y2="{height - bottom}" stroke="#6b7c8f"/>',
        f'<text x="{left - 4}" y="14" text-anchor="end" fill="#10243a">{top}</text>',
        f'<text x="{left - 4}" y="{height - bottom}" text-anchor="end" fill="#10243a">0</text>',
        f'<polyline points="{points}" fill="none" stroke="#14477d" stroke-width="2"/>',
    ]
    for week in (1, 14, 27, 40, 53):
        x = left + (week - 1) * (width - left - 6) / 52
        parts.append(f'<text x="{x:.1f}" y="{height - 5}" text-anchor="middle" fill="#10243a">{week}</text>')
    total = sum(weeks.values())
    return _svg(width, height, "mingguan", _("Completions per week in %(year)s") % {"year": year},
                _("Weeks 1 to 53 along the bottom, completions up the side: %(total)s in all, at most %(top)s "
                  "in one week.") % {"total": total, "top": top if weeks else 0}, "".join(parts))  # fmt: skip


def funnel(stages: Sequence[int], title: str, ident: str) -> SafeString:
    """One course's funnel: enrolled → started → passed the quiz → completed → certified."""
    names = [_("Enrolled in the course"), _("Started"), _("Passed the quiz"), _("Completed"), _("Certified")]
    width, label_width, height = 420, 130, 16
    top = max(stages[0], 1)
    parts = []
    for index, (name, value) in enumerate(zip(names, stages, strict=True)):
        y = index * height
        bar = (width - label_width - 50) * value / top
        parts.append(
            f'<text x="{label_width - 6}" y="{y + 12}" text-anchor="end" fill="#10243a">{escape(name)}</text>'
            f'<rect x="{label_width}" y="{y + 3}" width="{bar:.1f}" height="{height - 5}" fill="#7aaedc"/>'
            f'<text x="{label_width + bar + 4:.1f}" y="{y + 12}" fill="#10243a">{value}</text>'
        )
    return _svg(width, 5 * height, ident, title,
                _("From enrolled to certified; the table of courses has the same numbers."), "".join(parts))  # fmt: skip
