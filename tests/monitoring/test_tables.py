"""The national table's rows, written in Python, read as the template wrote them: numbers grouped,
rates and dates in the reader's language, every number a link to the province."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.humanize.templatetags.humanize import intcomma
from django.template.defaultfilters import date as date_filter
from django.utils import formats, timezone, translation

from monitoring import tables
from monitoring.selectors import Row

from .helpers import cells


@pytest.mark.parametrize("language", ["id", "en"])
def test_numbers_and_moments_are_written_as_djangos_filters_write_them(language):
    with translation.override(language):
        number, decimal = tables.number_formats()
        for n in (0, 7, 999, 1000, 12345, 981874, 1234567890):
            assert number(n) == intcomma(n)
        for rate in (0.0, 9.5, 33.3, 50.0, 100.0):
            assert decimal(rate) == formats.localize(rate)
        moment = tables.moment_format()
        assert moment(None) == "–"
        for month in range(1, 13):  # 17:30 UTC is the next day, 00:30, in Jakarta
            at = dt.datetime(2026, month, 9, 17, 30, tzinfo=dt.UTC)
            assert moment(at) == date_filter(timezone.localtime(at), "j M Y H:i")
    assert tables.moment_format()(dt.datetime(2026, 12, 3, 17, 40, tzinfo=dt.UTC)) == "4 Des 2026 00:40"


def test_each_row_names_its_province_and_leads_there_with_the_filters():
    row = Row(key="32", name="Jawa <Barat>", registered=12345, enrolled=3, started=2, completed=1, certificates=1,
              jp=4, active_cohorts=2, last_activity_at=dt.datetime(2026, 6, 1, 3, 0, tzinfo=dt.UTC))  # fmt: skip
    html = f'<table id="t">{tables.province_rows([row], "kursus=aman-digital&mode=angkatan")}</table>'
    assert cells(html, "t") == {
        "Jawa &lt;Barat&gt;": ["12.345", "3", "2", "1", "33,3%", "1", "4", "2", "1 Jun 2026 10:00"]
    }
    assert html.count('href="/pemantauan/provinsi/32/?kursus=aman-digital&amp;mode=angkatan"') == 6
