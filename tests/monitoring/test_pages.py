"""The monitoring pages as a person (and a screen reader) meets them: pictures drawn on the
server without scripts, within the page budget, with the numbers also in tables."""

from __future__ import annotations

import re

import pytest

from devtools.pages import BUDGET, page_weight, parse, unlabelled_fields
from literasi.models import Province

from .helpers import cells, make_cohort

pytestmark = pytest.mark.django_db


@pytest.fixture
def busy(programme, national_admin):
    """The programme, plus a cohort in each of the 38 provinces (the heaviest page)."""
    from cohorts import services as cohort_services

    for province in Province.objects.all():
        cohort = make_cohort(national_admin, province, programme["other"], f"Angkatan {province.name}")
        cohort_services.participant_add(cohort=cohort, actor=national_admin, email=f"p{province.code}@contoh.go.id",
                                        full_name=f"Peserta {province.code}")  # fmt: skip
    return programme


def test_national_page_draws_the_map_bars_line_and_funnels_without_scripts(client, national_admin, busy):
    client.force_login(national_admin)
    html = client.get("/pemantauan/").content.decode()
    svg = html[html.index('<section class="charts"') : html.index("</section>")]
    tiles = re.findall(r"<g><title>([^<]+)</title>", svg)
    assert len(tiles) == 38
    assert "Aceh: 0%" in tiles and "Bali: 25%" in tiles
    assert "0–20%" in svg and "80–100%" in svg and "belum ada peserta" in svg  # the legend, in words
    assert 'aria-labelledby="peta-t peta-d"' in svg and '<title id="batang-t">' in svg
    assert "Penyelesaian per minggu tahun" in svg
    assert svg.count('<svg class="chart"') == 2 + 1 + 2  # map, bars, weekly line, a funnel per course
    assert "<script" not in html and " style=" not in svg
    assert parse(html).external == [] and unlabelled_fields(html) == []
    assert page_weight(html) < BUDGET, page_weight(html)
    # The table carries the same numbers as the map.
    assert cells(html, "tabel-provinsi")["Jawa Barat"][4] == "40,0%"  # 2 of 5 now that Jawa Barat has a cohort more
    assert "Jawa Barat: 40%" in tiles


def test_province_page_fits_the_budget_with_its_pictures(client, organiser_jabar, busy):
    client.force_login(organiser_jabar)
    html = client.get("/pemantauan/provinsi/32/").content.decode()
    assert '<svg class="chart"' in html and "<script" not in html
    assert page_weight(html) < BUDGET and unlabelled_fields(html) == []
