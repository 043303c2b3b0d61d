"""The rows of the national table, written in Python.

38 rows of ten cells, most of them links: as template code that was about a thousand node
evaluations a page, and each of its 300 ``intcomma`` and 38 ``date`` filters looked up the
language's formats again; with the 38 ``{% url %}`` it was half of the page's server time. Here
the formats and the link are looked up once per page and each row is one ``str.format``. The
output is what the template gave (tests/monitoring/test_tables.py holds it to Django's
filters in both languages).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from django.urls import reverse
from django.utils import formats, timezone
from django.utils.dates import MONTHS_3
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .selectors import Row

PROVINCE_ROW = (
    '<tr><th scope="row"><a href="{0}">{1}</a></th><td class="num">{2}</td>'
    '<td class="num"><a href="{0}">{3}</a></td><td class="num"><a href="{0}">{4}</a></td>'
    '<td class="num"><a href="{0}">{5}</a></td><td class="num">{6}%</td>'
    '<td class="num"><a href="{0}">{7}</a></td><td class="num">{8}</td>'
    '<td class="num"><a href="{0}">{9}</a></td><td class="num">{10}</td></tr>'
)


def number_formats() -> tuple[Callable[[int], str], Callable[[float], str]]:
    """Whole numbers as ``intcomma`` writes them and decimals as ``{{ value }}`` does, in the
    active language (both languages group by three)."""
    thousands, decimal = formats.get_format("THOUSAND_SEPARATOR"), formats.get_format("DECIMAL_SEPARATOR")
    return (lambda n: f"{n:,}".replace(",", thousands)), (lambda x: str(x).replace(".", decimal))


def moment_format() -> Callable[[dt.datetime | None], str]:
    """Moments as ``{{ value|date:"j M Y H:i"|default:"–" }}`` writes them, in the active language."""
    months = {number: escape(name.title()) for number, name in MONTHS_3.items()}

    def written(moment: dt.datetime | None) -> str:
        if moment is None:
            return "–"
        local = timezone.localtime(moment)
        return f"{local.day} {months[local.month]} {local.year:04d} {local.hour:02d}:{local.minute:02d}"

    return written


def province_rows(rows: Sequence[Row], query: str) -> SafeString:
    """The body of the national table: each province, its numbers leading to its page."""
    number, decimal = number_formats()
    moment = moment_format()
    # One reverse for the 38 links (~40 µs each): only the province code changes between them.
    link = escape(f"{reverse('monitoring:province', args=['__'])}?{query}")
    lines = [
        PROVINCE_ROW.format(link.replace("__", r.key, 1), escape(r.name), number(r.registered or 0),
                            number(r.enrolled), number(r.started), number(r.completed), decimal(r.rate),
                            number(r.certificates), number(r.jp), number(r.active_cohorts or 0),
                            moment(r.last_activity_at))
        for r in rows
    ]  # fmt: skip
    return mark_safe("\n".join(lines))  # noqa: S308 - names and links escaped, the rest digits and separators
