"""Pemantauan: what each person sees, filters, sorting, links, exports, and fixed query counts."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cohorts import services as cohort_services
from literasi.models import Province

from .helpers import cells, make_cohort

pytestmark = pytest.mark.django_db


def test_national_admin_sees_every_province_and_the_total(client, national_admin, programme):
    client.force_login(national_admin)
    response = client.get("/pemantauan/")
    assert response.status_code == 200
    rows = cells(response.content.decode(), "tabel-provinsi")
    assert len([name for name in rows if name not in ("Provinsi", "Total")]) == 38
    # registered, enrolled, started, completed, rate, certificates, JP, active cohorts
    assert rows["Jawa Barat"][1:8] == ["4", "3", "2", "50,0%", "2", "0", "1"]
    assert rows["Bali"][1:8] == ["3", "1", "1", "33,3%", "0", "0", "1"]
    assert rows["Aceh"][1:8] == ["0", "0", "0", "0,0%", "0", "0", "0"]
    assert rows["Total"][1:8] == ["7", "4", "3", "42,9%", "2", "0", "2"]


def test_filters_narrow_every_number(client, national_admin, programme):
    client.force_login(national_admin)
    rows = cells(client.get("/pemantauan/?kursus=hoaks").content.decode(), "tabel-provinsi")
    assert rows["Bali"][1:4] == ["1", "0", "0"] and rows["Jawa Barat"][1:4] == ["0", "0", "0"]
    rows = cells(client.get("/pemantauan/?mode=mandiri").content.decode(), "tabel-provinsi")
    assert rows["Jawa Barat"][1:4] == ["1", "1", "0"] and rows["Jawa Barat"][7] == "0"
    rows = cells(client.get("/pemantauan/?mode=angkatan&jenis=other").content.decode(), "tabel-provinsi")
    assert rows["Jawa Barat"][1:4] == ["3", "2", "2"]
    rows = cells(client.get("/pemantauan/?tahun=2026&jenis=pppk").content.decode(), "tabel-provinsi")
    assert rows["Jawa Barat"][:4] == ["1", "1", "1", "0"]  # registered PPPK, enrolled, started, completed


def test_unknown_filter_values_are_ignored_with_a_note(client, national_admin, programme):
    client.force_login(national_admin)
    response = client.get("/pemantauan/?kursus=tidak-ada&tahun=1999&jenis=pejabat&mode=x&urut=gaji")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Tidak ada kursus “tidak-ada”" in html
    assert "“1999”" in html and "“pejabat”" in html and "“x”" in html and "“gaji”" in html
    assert cells(html, "tabel-provinsi")["Total"][1] == "7"  # nothing was narrowed
    assert client.get("/pemantauan/?tahun=99999999999999999999").status_code == 200


def test_sorting_by_a_column_either_way(client, national_admin, programme):
    client.force_login(national_admin)
    names = list(cells(client.get("/pemantauan/?urut=-completed").content.decode(), "tabel-provinsi"))
    assert names[1:3] == ["Jawa Barat", "Bali"]
    names = list(cells(client.get("/pemantauan/?urut=-name").content.decode(), "tabel-provinsi"))
    assert names[1] == "Sumatera Utara" and names[-2] == "Aceh"


def test_numbers_lead_to_the_province_then_its_cohorts_then_the_participants(client, national_admin, programme):
    client.force_login(national_admin)
    html = client.get("/pemantauan/?kursus=aman-digital").content.decode()
    assert 'href="/pemantauan/provinsi/32/?kursus=aman-digital">Jawa Barat</a>' in html
    html = client.get("/pemantauan/provinsi/32/?kursus=aman-digital").content.decode()
    cohort = programme["cohort_jabar"]
    assert f'href="/penyelenggara/angkatan/{cohort.pk}/?status=completed">2</a>' in html
    rows = cells(html, "tabel-angkatan")
    assert rows["Angkatan Bandung Aman Digital · 2026/1"][:3] == ["3", "2", "2"]
    assert rows["Peserta mandiri"][:3] == ["1", "1", "0"]
    agencies = cells(html, "tabel-instansi")
    assert agencies["Dinas Kominfo Jawa Barat"][:3] == ["3", "2", "2"]
    assert client.get(f"/penyelenggara/angkatan/{cohort.pk}/?status=completed").status_code == 200


def test_organiser_of_bali_sees_only_bali_with_its_cohorts_and_agencies(client, organiser_bali, programme):
    client.force_login(organiser_bali)
    response = client.get("/pemantauan/")
    assert response.status_code == 302 and response["Location"] == "/pemantauan/provinsi/51/"
    html = client.get("/pemantauan/provinsi/51/").content.decode()
    assert "Angkatan Denpasar" in html and "Pemerintah Kota Denpasar" in html
    assert "Angkatan Bandung" not in html and "Jawa Barat" not in html
    assert client.get("/pemantauan/provinsi/32/").status_code == 404
    assert client.get("/pemantauan/provinsi/99/").status_code == 404


@pytest.mark.parametrize(
    "url",
    ["/pemantauan/", "/pemantauan/provinsi/32/", "/pemantauan/ekspor/provinsi.csv", "/pemantauan/ekspor/"],
)  # fmt: skip
def test_scoping_matrix(client, url, learner, organiser_jabar, organiser_bali, national_admin, programme):
    expected = {"learner": 404, "organiser_jabar": 200, "organiser_bali": 404, "national_admin": 200}
    if url == "/pemantauan/":
        expected |= {"organiser_jabar": 302, "organiser_bali": 302}  # to their one province
    elif "provinsi.csv" in url or url.endswith("ekspor/"):
        expected |= {"organiser_bali": 200}  # their own province, or their own exports, only
    people = {"learner": learner, "organiser_jabar": organiser_jabar, "organiser_bali": organiser_bali,
              "national_admin": national_admin}  # fmt: skip
    for name, person in people.items():
        client.force_login(person)
        assert client.get(url).status_code == expected[name], name
    client.logout()
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/akun/login/")


def test_the_province_export_of_an_organiser_holds_their_province_only(client, organiser_bali, programme):
    client.force_login(organiser_bali)
    response = client.get("/pemantauan/ekspor/provinsi.csv")
    lines = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert [line[0] for line in lines] == ["Provinsi", "Bali", "Total"]
    assert lines[1][1:5] == ["4", "3", "1", "1"]  # the organiser lives in Bali too
    assert client.post("/pemantauan/ekspor/siasn/", {"format": "csv", "provinsi": "32"}).status_code == 404


def test_national_page_takes_the_same_queries_whatever_the_number_of_provinces_and_cohorts(
    client, national_admin, programme, django_assert_num_queries
):
    client.force_login(national_admin)
    client.get("/pemantauan/")  # sessions and caches warm

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/pemantauan/?kursus=aman-digital").status_code == 200
        return len(queries)

    small = count()
    for code in ("11", "12", "13", "14", "51", "61", "91"):
        province = Province.objects.get(code=code)
        for n in range(3):
            cohort = make_cohort(national_admin, province, programme["course"], f"Angkatan {code}-{n}")
            cohort_services.participant_add(
                cohort=cohort, actor=national_admin, email=f"p{code}{n}@contoh.go.id", full_name=f"Peserta {code} {n}"
            )
    assert count() == small
    with django_assert_num_queries(small):
        client.get("/pemantauan/?kursus=aman-digital")


def test_province_page_takes_the_same_queries_whatever_the_number_of_cohorts(client, national_admin, programme, jabar):
    client.force_login(national_admin)
    client.get("/pemantauan/provinsi/32/")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/pemantauan/provinsi/32/").status_code == 200
        return len(queries)

    small = count()
    for n in range(6):
        cohort = make_cohort(national_admin, jabar, programme["other"], f"Angkatan Cirebon {n}")
        cohort_services.participant_add(cohort=cohort, actor=national_admin, email=f"cirebon{n}@contoh.go.id",
                                        full_name=f"Peserta Cirebon {n}", instansi=f"Dinas {n}")  # fmt: skip
    assert count() == small


@pytest.mark.parametrize("query", ["", "?kursus=aman-digital", "?mode=mandiri&jenis=pppk", "?mode=angkatan&tahun=2026"])
def test_the_summary_gives_the_same_table_as_a_group_by_over_the_enrolments(rf, national_admin, programme, query):
    """The benchmark's baseline (monitoring.facts) and the page agree, row by row."""
    from literasi.models import Province
    from monitoring import facts, selectors
    from monitoring.filters import filters_from

    filters, _notes, _choices = filters_from(rf.get(f"/pemantauan/{query}").GET)
    kept = selectors.province_table(provinces=Province.objects.all(), filters=filters)
    counted = facts.province_table_from_facts(provinces=Province.objects.all(), filters=filters)
    assert [vars(r) for r in kept[0]] == [vars(r) for r in counted[0]]
    assert vars(kept[1]) == vars(counted[1])
    assert kept[1].enrolled > 0
