"""Organisers' pages: their own province only, by any URL; exports that no spreadsheet runs."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from cohorts import services
from cohorts.models import Cohort, Upload
from courses.models import Enrolment
from literasi.errors import Refusal

from .conftest import GOOD_CSV, csv_file, upload_and_check

pytestmark = pytest.mark.django_db


def urls_of(cohort: Cohort, upload: Upload, learner_id: int) -> list[tuple[str, str]]:
    return [
        ("get", f"/penyelenggara/angkatan/{cohort.pk}/"),
        ("get", f"/penyelenggara/angkatan/{cohort.pk}/ekspor.csv"),
        ("get", f"/penyelenggara/angkatan/{cohort.pk}/ekspor.xlsx"),
        ("post", f"/penyelenggara/angkatan/{cohort.pk}/unggah/"),
        ("post", f"/penyelenggara/angkatan/{cohort.pk}/peserta/tambah/"),
        ("post", f"/penyelenggara/angkatan/{cohort.pk}/peserta/{learner_id}/hapus/"),
        ("get", f"/penyelenggara/unggahan/{upload.pk}/"),
        ("get", f"/penyelenggara/unggahan/{upload.pk}/status/"),
        ("post", f"/penyelenggara/unggahan/{upload.pk}/konfirmasi/"),
    ]


def test_an_organiser_of_jawa_barat_cannot_reach_a_cohort_of_bali_by_any_url(
    client, organiser_jabar, organiser_bali, cohort_bali, learner, stranger
) -> None:
    services.participant_add(cohort=cohort_bali, actor=organiser_bali, email="peserta.bali@contoh.go.id", full_name="P")
    bali_learner = Enrolment.objects.get(cohort=cohort_bali).user_id
    upload = upload_and_check(cohort_bali, organiser_bali, GOOD_CSV)
    for person in (organiser_jabar, learner, stranger):
        client.force_login(person)
        for method, url in urls_of(cohort_bali, upload, bali_learner):
            data = {"email": "penyusup@contoh.go.id", "file": csv_file(GOOD_CSV)} if method == "post" else None
            response = getattr(client, method)(url, data) if data else getattr(client, method)(url)
            assert response.status_code == 404, (person.email, method, url)
        html = client.get("/penyelenggara/").content.decode() if person == organiser_jabar else ""
        assert "Angkatan Bali" not in html
    assert Enrolment.objects.filter(cohort=cohort_bali).count() == 1  # nobody added or removed
    upload.refresh_from_db()
    assert upload.state == "ready"  # not confirmed by the intruders
    assert not Upload.objects.filter(uploaded_by=organiser_jabar).exists()


def test_the_national_admin_reaches_every_province(client, national_admin, cohort_bali) -> None:
    client.force_login(national_admin)
    assert client.get(f"/penyelenggara/angkatan/{cohort_bali.pk}/").status_code == 200
    assert "Angkatan Bali" in client.get("/penyelenggara/").content.decode()


def _home_rows(html: str) -> dict[str, str]:
    """The organiser home's cohort table: each cohort's name with its "participants / capacity"."""
    import re

    rows = re.findall(r'<tr><td><a href="/penyelenggara/angkatan/\d+/">([^<]+)</a>.*?<td class="num">([^<]+)</td></tr>',
                      html.split("</table>")[0], re.S)  # fmt: skip
    return dict(rows)


def test_the_organiser_home_counts_each_cohorts_participants_without_reading_the_enrolments(
    client, organiser_jabar, organiser_bali, learner, jabar, course, cohort_jabar, cohort_bali, django_assert_num_queries
) -> None:  # fmt: skip
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from .conftest import make_cohort

    for n in range(3):
        services.participant_add(cohort=cohort_jabar, actor=organiser_jabar, email=f"p{n}@contoh.go.id", full_name="P")
    gone = Enrolment.objects.get(cohort=cohort_jabar, user__email="p0@contoh.go.id")
    services.participant_remove(cohort=cohort_jabar, actor=organiser_jabar, learner_id=gone.user_id)
    services.participant_add(cohort=cohort_bali, actor=organiser_bali, email="bali@contoh.go.id", full_name="B")
    make_cohort(organiser_jabar, jabar, course, name="Angkatan Kosong")
    client.force_login(organiser_jabar)
    client.get("/penyelenggara/")  # the session's first read
    with CaptureQueriesContext(connection) as queries:
        html = client.get("/penyelenggara/").content.decode()
    assert _home_rows(html) == {"Angkatan I": "2 / 100", "Angkatan Kosong": "0 / 100"}  # the removed one is not counted
    assert not [q["sql"] for q in queries if "courses_enrolment" in q["sql"]]
    for n in range(4):  # more cohorts, more participants: the same queries
        cohort = make_cohort(organiser_jabar, jabar, course, name=f"Angkatan {n + 2}")
        services.participant_add(cohort=cohort, actor=organiser_jabar, email=f"q{n}@contoh.go.id", full_name="Q")
    with django_assert_num_queries(len(queries)):
        html = client.get("/penyelenggara/").content.decode()
    assert _home_rows(html)["Angkatan 5"] == "1 / 100" and len(_home_rows(html)) == 6
    client.force_login(organiser_bali)
    assert _home_rows(client.get("/penyelenggara/").content.decode()) == {"Angkatan Bali": "1 / 100"}
    client.force_login(learner)
    assert client.get("/penyelenggara/").status_code == 404


def test_an_organiser_creates_a_cohort_only_in_their_province(client, organiser_jabar, course, bali) -> None:
    client.force_login(organiser_jabar)
    form = {"course": course.pk, "name": "Angkatan I", "year": 2026, "start_date": "2026-12-01",
            "end_date": "2026-12-20", "capacity": 50, "status": "open"}  # fmt: skip
    response = client.post("/penyelenggara/angkatan/baru/", form | {"province": "51"})
    assert response.status_code == 200 and not Cohort.objects.exists()  # Bali is not a choice
    response = client.post("/penyelenggara/angkatan/baru/", form | {"province": "32", "end_date": "2026-11-01"})
    assert "Tanggal selesai tidak boleh sebelum tanggal mulai" in response.content.decode()
    response = client.post("/penyelenggara/angkatan/baru/", form | {"province": "32"})
    cohort = Cohort.objects.get()
    assert response["Location"] == f"/penyelenggara/angkatan/{cohort.pk}/" and cohort.province_id == "32"


def test_upload_preview_confirm_and_see_the_participants(client, organiser_jabar, cohort_jabar,
                                                        django_capture_on_commit_callbacks) -> None:  # fmt: skip
    client.force_login(organiser_jabar)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/penyelenggara/angkatan/{cohort_jabar.pk}/unggah/", {"file": csv_file(GOOD_CSV)})
    upload = Upload.objects.get()
    assert response["Location"] == f"/penyelenggara/unggahan/{upload.pk}/"
    html = client.get(response["Location"]).content.decode()
    assert "Akun baru" in html and "Konfirmasi dan daftarkan" in html and "Ni Luh Putu Ayu" in html
    assert upload.original_name == "peserta.csv" and upload.uploaded_by == organiser_jabar and upload.file
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/penyelenggara/unggahan/{upload.pk}/konfirmasi/")
    html = client.get(f"/penyelenggara/angkatan/{cohort_jabar.pk}/").content.decode()
    assert "Ni Luh Putu Ayu" in html and "Bayu Prasetyo" in html and "0 / 2" in html
    assert "peserta.csv" in html  # the audit trail names the upload


def test_a_file_that_is_not_a_spreadsheet_gets_a_clear_message(client, organiser_jabar, cohort_jabar,
                                                               django_capture_on_commit_callbacks) -> None:  # fmt: skip
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(organiser_jabar)
    fake = SimpleUploadedFile("foto.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00binary")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/penyelenggara/angkatan/{cohort_jabar.pk}/unggah/", {"file": fake})
    assert "bukan berkas yang dapat dibaca" in client.get(response["Location"]).content.decode()
    assert not Enrolment.objects.exists()


def test_search_and_filter_participants(client, organiser_jabar, cohort_jabar) -> None:
    for email, name in [("ani@contoh.go.id", "Ani"), ("budi@contoh.go.id", "Budi")]:
        services.participant_add(cohort=cohort_jabar, actor=organiser_jabar, email=email, full_name=name)
    client.force_login(organiser_jabar)
    html = client.get(f"/penyelenggara/angkatan/{cohort_jabar.pk}/?q=budi").content.decode()
    assert "budi@contoh.go.id" in html and "ani@contoh.go.id" not in html
    html = client.get(f"/penyelenggara/angkatan/{cohort_jabar.pk}/?status=completed").content.decode()
    assert "Tidak ada peserta yang cocok" in html


def test_exports_neutralise_formulas_in_both_formats(client, organiser_jabar, cohort_jabar) -> None:
    services.participant_add(cohort=cohort_jabar, actor=organiser_jabar, email="rumus@contoh.go.id",
                             full_name='=HYPERLINK("http://jahat.example","klik")', instansi="+628123", jabatan="@SUM(A1)")  # fmt: skip
    client.force_login(organiser_jabar)
    text = client.get(f"/penyelenggara/angkatan/{cohort_jabar.pk}/ekspor.csv").content.decode("utf-8-sig")
    row = list(csv.reader(io.StringIO(text)))[1]
    assert row[1].startswith("'=") and row[3] == "'+628123" and row[4] == "'@SUM(A1)"
    data = client.get(f"/penyelenggara/angkatan/{cohort_jabar.pk}/ekspor.xlsx").content
    cells = next(load_workbook(io.BytesIO(data)).active.iter_rows(min_row=2, max_row=2))
    assert all(cell.data_type != "f" for cell in cells)
    assert cells[1].value.startswith("'=") and cells[3].value == "'+628123"


@pytest.mark.parametrize("size", [2, 25])
def test_participant_list_makes_a_fixed_number_of_queries(client, organiser_jabar, cohort_jabar, size,
                                                          django_assert_num_queries) -> None:  # fmt: skip
    for n in range(size):
        services.participant_add(
            cohort=cohort_jabar, actor=organiser_jabar, email=f"p{n}@contoh.go.id", full_name=f"P{n}"
        )
    client.force_login(organiser_jabar)
    client.get(f"/penyelenggara/angkatan/{cohort_jabar.pk}/")
    # user, cohort, participant count, participants, lessons total, events, uploads
    with django_assert_num_queries(7):
        client.get(f"/penyelenggara/angkatan/{cohort_jabar.pk}/")


def test_an_organiser_edits_and_closes_a_cohort_and_a_closed_one_takes_nobody(client, organiser_jabar,
                                                                              cohort_jabar, organiser_bali) -> None:  # fmt: skip
    client.force_login(organiser_bali)
    assert client.get(f"/penyelenggara/angkatan/{cohort_jabar.pk}/ubah/").status_code == 404
    client.force_login(organiser_jabar)
    response = client.post(f"/penyelenggara/angkatan/{cohort_jabar.pk}/ubah/", {
        "name": "Angkatan I (diubah)", "start_date": "2026-12-01", "end_date": "2026-12-31", "capacity": 10,
        "status": "closed", "province": "51"})  # fmt: skip
    assert response.status_code == 302
    cohort_jabar.refresh_from_db()
    assert (cohort_jabar.name, cohort_jabar.status, cohort_jabar.province_id) == ("Angkatan I (diubah)", "closed", "32")
    with pytest.raises(Refusal, match="ditutup"):
        services.participant_add(cohort=cohort_jabar, actor=organiser_jabar, email="telat@contoh.go.id", full_name="T")
