"""Exports of training records for SIASN (one row per certificate): asked for on the page,
written by a batch worker, downloaded by the person who asked; formula-safe, scoped, bounded."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from openpyxl import load_workbook

from certificates import services as certificate_services
from certificates.models import Certificate
from courses.models import Course
from literasi.models import Province
from literasi.services import organiser_assign, organiser_unassign
from monitoring import exports, services
from monitoring.filters import filters_from
from monitoring.models import RecordsExport

from ..factories import UserFactory
from ..literasi import test_translations as house
from ..literasi.test_translations import shown_untranslated, untranslated  # noqa: F401 (a fixture)
from .helpers import complete, make_cohort

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(tmp_path, settings, monkeypatch):
    """Files go to a folder of the test's own; a worker process started by the test too."""
    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setenv("MEDIA_ROOT", str(tmp_path / "media"))


@pytest.fixture
def certified(national_admin, jabar, bali):
    """Two certified participants in Jawa Barat (one with a name a spreadsheet would run), one in Bali."""
    from cohorts import services as cohort_services
    from courses.models import Lesson

    from ..factories import course_with_lessons

    course = course_with_lessons(2, slug="aman-digital", title="Aman Digital")
    Lesson.objects.filter(course=course).update(minutes=45)
    from courses.services import course_refresh_minutes

    course_refresh_minutes(course=course)  # 90 minutes: 2 JP
    out = {}
    for province, people in ((jabar, [("199001012015031001", "Rina Wulandari"), ("", "=HYPERLINK(\"x\")")]),
                             (bali, [("198807122014022003", "Made Sari")])):  # fmt: skip
        cohort = make_cohort(national_admin, province, course, f"Angkatan {province.name}")
        for nip, name in people:
            cohort_services.participant_add(cohort=cohort, actor=national_admin, email=f"{name[:4].strip('=')}{nip}@contoh.go.id",
                                            full_name=name, nip=nip, instansi="Dinas Kominfo")  # fmt: skip
        for enrolment in cohort.enrolments.select_related("course", "user"):
            complete(enrolment)
            certificate_services.certificate_issue_for_enrolment(enrolment=enrolment, actor=national_admin)
        out[province.code] = cohort
    return out


def read_csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def ask(client, **fields) -> RecordsExport:
    """Ask for an export as the page's form does; the newest export of that person."""
    response = client.post("/pemantauan/ekspor/siasn/", {"format": "csv", **fields})
    assert response.status_code == 302 and response["Location"] == "/pemantauan/ekspor/"
    return RecordsExport.objects.latest("pk")


def build(export: RecordsExport, task_id: str = "tugas-1") -> RecordsExport:
    """What the batch worker does with the export (the task's service, called here)."""
    services.records_export_build(export_id=export.pk, task_id=task_id)
    export.refresh_from_db()
    return export


def written(client, export: RecordsExport) -> bytes:
    """The export written, then downloaded."""
    build(export)
    response = client.get(f"/pemantauan/ekspor/{export.pk}/unduh/")
    assert response.status_code == 200, response.status_code
    return b"".join(response.streaming_content)


def stored(export_id: int) -> str:
    """The name of the export's file in storage ("" once deleted)."""
    return RecordsExport.objects.values_list("file", flat=True).get(pk=export_id)


def files() -> list[str]:
    """Every file under exports/ in storage."""
    return default_storage.listdir("exports")[1] if default_storage.exists("exports") else []


def national_export(user, fmt: str = "csv") -> RecordsExport:
    return services.records_export_request(user=user, fmt=fmt, provinces=Province.objects.all(),
                                           filters=filters_from({})[0])  # fmt: skip


def test_a_list_left_polling_after_the_session_ended_or_the_role_went_reloads_the_page(
    client, organiser_jabar, django_capture_on_commit_callbacks
):
    """The list polls every two seconds while an export is written. Once the person is signed
    out (or no longer an organiser), a poll makes the browser load the list page again, which
    asks them to sign in or answers 404, instead of the login page inside the list or a page
    that polls for ever (htmx swaps nothing from a 404 and keeps polling)."""
    client.force_login(organiser_jabar)
    export = ask(client, provinsi="32")
    poll = f"/pemantauan/ekspor/status/?menunggu={export.pk}"
    assert client.get(poll, headers={"HX-Request": "true"}).status_code == 200
    client.logout()
    response = client.get(poll, headers={"HX-Request": "true"})
    assert response.status_code == 204 and response["HX-Redirect"] == "/pemantauan/ekspor/"
    assert response.content == b""  # nothing to swap into the list
    response = client.get(poll)  # not from htmx: as the list page, to the login
    assert response.status_code == 302 and response["Location"].startswith("/akun/login/")

    client.force_login(organiser_jabar)
    with django_capture_on_commit_callbacks(execute=True):  # the role is forgotten once it commits
        organiser_unassign(user=organiser_jabar, province_code="32")  # no province left: no role
    response = client.get(poll, headers={"HX-Request": "true"})
    assert response.status_code == 204 and response["HX-Redirect"] == "/pemantauan/ekspor/"
    assert client.get("/pemantauan/ekspor/").status_code == 404  # what the page says now
    assert client.get(poll).status_code == 404


def test_an_export_is_asked_for_written_in_the_background_and_downloaded(client, national_admin, certified):
    client.force_login(national_admin)
    page = client.get("/pemantauan/provinsi/32/").content.decode()
    assert 'action="/pemantauan/ekspor/siasn/"' in page and 'name="provinsi" value="32"' in page
    export = ask(client, provinsi="32")
    listing = client.get("/pemantauan/ekspor/").content.decode()
    assert "Menunggu pekerja" in listing and f'hx-get="/pemantauan/ekspor/status/?menunggu={export.pk}"' in listing
    assert "js/htmx" in listing  # the page that polls loads htmx (no other monitoring page does)
    assert "Unduh" not in listing

    data = written(client, export)
    status = client.get(f"/pemantauan/ekspor/status/?menunggu={export.pk}").content.decode()
    assert f"/pemantauan/ekspor/{export.pk}/unduh/" in status and "hx-trigger" not in status  # polling stops
    assert re.search(r'hx-swap-oob="innerHTML">Ekspor CSV Anda dari \d+ Des 2026 \d\d:\d\d siap diunduh\.</p>', status)
    assert "hx-swap-oob" not in client.get("/pemantauan/ekspor/status/").content.decode()
    response = client.get(f"/pemantauan/ekspor/{export.pk}/unduh/")
    assert response["Content-Disposition"].startswith('attachment; filename="riwayat-pelatihan-siasn-32-')
    assert "no-store" in response["Cache-Control"]  # it holds NIPs
    lines = read_csv(data)
    assert lines[0] == ["NIP", "Nama", "Nama kursus", "Jumlah JP", "Nomor sertifikat", "Institusi penyelenggara",
                        "Jenis pelatihan", "Tahun", "Tanggal mulai", "Tanggal selesai", "Instansi"]  # fmt: skip
    rina = next(line for line in lines if line[1] == "Rina Wulandari")
    certificate = Certificate.objects.get(user__full_name="Rina Wulandari")
    today = dt.datetime.now(dt.UTC).astimezone(dt.timezone(dt.timedelta(hours=7))).strftime("%d-%m-%Y")
    assert rina == ["199001012015031001", "Rina Wulandari", "Aman Digital", "2", certificate.number,
                    "Kementerian Komunikasi dan Digital Republik Indonesia", "E-learning dalam angkatan", "2026",
                    today, today, "Dinas Kominfo"]  # fmt: skip
    assert len(lines) == 3  # the header and Jawa Barat's two; Bali's is not in it
    assert [line[1] for line in lines if "HYPERLINK" in line[1]] == ['\'=HYPERLINK("x")']
    export.refresh_from_db()
    assert export.rows == 2 and export.size == len(data) and export.requested_by == national_admin
    assert re.fullmatch(rf"exports/{export.pk}-[\w-]{{16}}\.csv", stored(export.pk))  # random: tells nothing


def test_the_export_follows_the_filters_and_the_language_it_was_asked_in(client, national_admin, certified):
    client.force_login(national_admin)
    client.cookies["literasi_lang"] = "en"
    lines = read_csv(written(client, ask(client, kursus="aman-digital", tahun="2026", mode="angkatan")))
    assert lines[0][:4] == ["NIP", "Name", "Course name", "Hours (JP)"]
    assert sorted(line[1] for line in lines[1:]) == ['\'=HYPERLINK("x")', "Made Sari", "Rina Wulandari"]
    assert read_csv(written(client, ask(client, mode="mandiri")))[1:] == []  # none studied on their own
    listing = client.get("/pemantauan/ekspor/").content.decode()
    assert "Aman Digital · 2026" in listing and "All provinces" in listing


def test_the_list_shows_the_rows_written_so_far_while_a_file_is_written(client, national_admin, certified, monkeypatch):
    counts = []
    monkeypatch.setattr(services, "CHUNK", 2)
    real_siasn_rows = exports.siasn_rows

    def watched(records):
        for row in real_siasn_rows(records):
            counts.append(RecordsExport.objects.get().rows)  # what the list would show at this moment
            yield row

    monkeypatch.setattr(exports, "siasn_rows", watched)
    client.force_login(national_admin)
    lines = read_csv(written(client, ask(client)))
    assert counts == [0, 2, 2]  # the count is written every CHUNK records
    assert len(lines) == 4


def test_the_list_shows_how_far_a_file_is_written(client, national_admin, certified):
    client.force_login(national_admin)
    export = ask(client)
    RecordsExport.objects.filter(pk=export.pk).update(state=RecordsExport.State.RUNNING, rows=4_000, total=10_000)
    listing = client.get("/pemantauan/ekspor/").content.decode()
    assert '<progress max="100" value="40"' in listing and "4.000 dari 10.000 baris" in listing


def test_an_xlsx_past_excels_rows_is_refused_with_the_reason_and_leaves_no_file(
    client, national_admin, certified, monkeypatch
):
    monkeypatch.setattr(services, "XLSX_MAX_RECORDS", 2)  # 1,048,575 in Excel; three records here
    client.force_login(national_admin)
    export = build(ask(client, format="xlsx"))
    assert export.state == RecordsExport.State.FAILED and files() == []
    assert export.error.startswith("Satu lembar XLSX memuat paling banyak 2 catatan, sedangkan ekspor ini berisi 3.")
    assert build(ask(client, format="csv")).state == RecordsExport.State.READY  # CSV has no such limit


def test_a_revoked_certificate_is_not_a_training_record(client, national_admin, certified):
    certificate = Certificate.objects.get(user__full_name="Rina Wulandari")
    certificate_services.certificate_revoke(certificate=certificate, actor=national_admin, reason="Salah data")
    client.force_login(national_admin)
    names = [line[1] for line in read_csv(written(client, ask(client)))]
    assert "Rina Wulandari" not in names and "Made Sari" in names


def test_an_organisers_xlsx_holds_their_province_only(client, organiser_bali, certified):
    client.force_login(organiser_bali)
    export = ask(client, format="xlsx")
    assert [p.code for p in export.provinces.all()] == ["51"]
    sheet = load_workbook(io.BytesIO(written(client, export))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert [r[1] for r in rows[1:]] == ["Made Sari"]
    assert rows[1][0] == "198807122014022003" and rows[1][3] == 2


def test_an_organiser_of_many_provinces_gets_their_file(client, certified):
    """The storage name does not grow with the provinces (a FileField holds 100 characters on PostgreSQL)."""
    organiser = UserFactory.create(email="penyelenggara.banyak@contoh.go.id", province_id="32")
    for province in Province.objects.order_by("code")[:20]:
        organiser_assign(user=organiser, province=province)
    client.force_login(organiser)
    export = build(ask(client))
    assert export.state == RecordsExport.State.READY, export.error
    assert len(read_csv(client.get(f"/pemantauan/ekspor/{export.pk}/unduh/").getvalue())) == 4
    assert "20 provinsi" in client.get("/pemantauan/ekspor/").content.decode()


def test_the_wrong_person_is_refused_everywhere(client, learner, stranger, organiser_jabar, organiser_bali,
                                                 national_admin, certified):  # fmt: skip
    client.force_login(organiser_jabar)
    assert client.post("/pemantauan/ekspor/siasn/", {"format": "csv", "provinsi": "51"}).status_code == 404
    assert client.get("/pemantauan/ekspor/siasn/").status_code == 405  # asking changes something: POST only
    export = build(ask(client, provinsi="32"))
    other_admin = UserFactory.create(email="admin2@kominfo.go.id", province_id="31", is_national_admin=True)
    for person in (learner, stranger, organiser_bali, other_admin):
        client.force_login(person)
        assert client.get(f"/pemantauan/ekspor/{export.pk}/unduh/").status_code == 404, person
        for url in ("/pemantauan/ekspor/", f"/pemantauan/ekspor/status/?menunggu={export.pk}"):
            assert f"/ekspor/{export.pk}/unduh/" not in client.get(url).content.decode()
    for person in (learner, stranger):
        client.force_login(person)
        assert client.post("/pemantauan/ekspor/siasn/", {"format": "csv"}).status_code == 404
        assert client.get("/pemantauan/ekspor/").status_code == 404
        assert client.get("/pemantauan/ekspor/status/").status_code == 404
    assert RecordsExport.objects.count() == 1
    client.logout()
    for url in (f"/pemantauan/ekspor/{export.pk}/unduh/", "/pemantauan/ekspor/", "/pemantauan/ekspor/status/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/akun/login/")

    client.force_login(organiser_jabar)
    assert client.get(f"/pemantauan/ekspor/{export.pk}/unduh/").status_code == 200
    organiser_assign(user=organiser_jabar, province=Province.objects.get(code="51"))  # still an organiser
    organiser_unassign(user=organiser_jabar, province_code="32")
    assert client.get(f"/pemantauan/ekspor/{export.pk}/unduh/").status_code == 404
    listing = client.get("/pemantauan/ekspor/").content.decode()
    assert "Anda tidak lagi mengelola semua provinsi" in listing and f"/ekspor/{export.pk}/unduh/" not in listing


def test_bad_requests_get_a_message_and_ask_for_nothing(client, national_admin, certified):
    client.force_login(national_admin)
    response = client.post("/pemantauan/ekspor/siasn/", {"format": "pdf"}, follow=True)
    assert "Pilih CSV atau XLSX untuk ekspor." in response.content.decode()
    assert not RecordsExport.objects.exists()
    response = client.post("/pemantauan/ekspor/siasn/", {"format": "csv", "kursus": "tidak-ada"}, follow=True)
    html = response.content.decode()
    assert "Tidak ada kursus “tidak-ada”" in html  # left out with a note, as on the pages
    assert "Semua kursus · Semua tahun" in html  # and the list says what the export holds
    assert RecordsExport.objects.get().query == ""


def test_the_old_download_address_leads_to_the_button(client, organiser_jabar, certified):
    client.force_login(organiser_jabar)
    response = client.get("/pemantauan/ekspor/siasn.csv?provinsi=32&tahun=2026", follow=True)
    assert response.redirect_chain[-1][0] == "/pemantauan/provinsi/32/?tahun=2026"
    assert "kini ditulis di latar belakang" in response.content.decode()
    response = client.get("/pemantauan/ekspor/siasn.csv?provinsi=a/b", follow=True)  # no province: the dashboard
    assert response.redirect_chain[-1][0] == "/pemantauan/provinsi/32/"  # (an organiser of one goes to theirs)
    assert not RecordsExport.objects.exists()


def test_asking_twice_makes_one_export_and_too_many_at_once_are_refused(client, national_admin, certified):
    client.force_login(national_admin)
    first = ask(client)
    assert ask(client) == first  # a second click while it waits
    ask(client, provinsi="32")
    ask(client, provinsi="51")
    response = client.post("/pemantauan/ekspor/siasn/", {"format": "xlsx"}, follow=True)
    assert "Anda sudah punya 3 ekspor yang sedang disiapkan" in response.content.decode()
    assert RecordsExport.objects.count() == 3
    build(first)  # one is ready: another may be asked for
    assert ask(client, format="xlsx").fmt == "xlsx"


def test_an_export_whose_course_was_unpublished_meanwhile_fails_instead_of_widening(client, national_admin, certified):
    client.force_login(national_admin)
    export = ask(client, kursus="aman-digital")
    Course.objects.filter(slug="aman-digital").update(status=Course.Status.DRAFT)
    export = build(export)
    assert export.state == RecordsExport.State.FAILED and "tidak ada yang diekspor" in export.error
    assert files() == []
    assert client.get(f"/pemantauan/ekspor/{export.pk}/unduh/").status_code == 404
    assert "Gagal" in client.get("/pemantauan/ekspor/").content.decode()


def test_a_fault_while_storing_leaves_no_file_and_says_so(client, national_admin, certified, monkeypatch):
    from django.core.files.storage import FileSystemStorage

    real_save = getattr(FileSystemStorage, "_save")  # noqa: B009 - private: what a full disk breaks

    def disk_full(self, name, content):
        real_save(self, name, io.BytesIO(b"half a file"))  # what a full disk leaves behind
        raise OSError("No space left on device")

    monkeypatch.setattr("django.core.files.storage.FileSystemStorage._save", disk_full)
    client.force_login(national_admin)
    export = build(ask(client))
    assert export.state == RecordsExport.State.FAILED and "kesalahan di pihak kami" in export.error
    assert files() == []


def test_a_file_missing_from_storage_is_a_404_not_an_error(client, national_admin, certified):
    client.force_login(national_admin)
    export = build(ask(client))
    default_storage.delete(stored(export.pk))  # web and workers not sharing MEDIA_ROOT, say
    assert client.get(f"/pemantauan/ekspor/{export.pk}/unduh/").status_code == 404
    assert client.get("/pemantauan/ekspor/").status_code == 200


def test_only_a_redelivery_of_the_task_writing_it_takes_an_export_over(national_admin, certified):
    export = national_export(national_admin)
    RecordsExport.objects.filter(pk=export.pk).update(state=RecordsExport.State.RUNNING, task_id="tugas-1",
                                                      file="exports/setengah.csv")  # fmt: skip
    default_storage.save("exports/setengah.csv", io.BytesIO(b"half a file"))  # its worker was killed here
    assert build(export, task_id="tugas-2").state == RecordsExport.State.RUNNING  # another message: left alone
    assert files() == ["setengah.csv"]
    export = build(export, task_id="tugas-1")  # the same message, handed out again
    assert export.state == RecordsExport.State.READY and export.rows == 3
    assert files() == [stored(export.pk).removeprefix("exports/")]  # the half file is gone
    assert build(export, task_id="tugas-1").file == export.file  # ready: nothing is written again


def test_a_build_the_sweep_failed_meanwhile_offers_nothing_and_keeps_no_file(national_admin, certified, monkeypatch):
    export = national_export(national_admin)
    real_write = services._write

    def failed_meanwhile(*args):
        result = real_write(*args)
        RecordsExport.objects.filter(pk=export.pk).update(state=RecordsExport.State.FAILED)
        return result

    monkeypatch.setattr(services, "_write", failed_meanwhile)
    assert build(export).state == RecordsExport.State.FAILED
    assert files() == []


def test_a_build_failed_by_the_sweep_while_it_reads_stops_and_keeps_no_file(national_admin, certified, monkeypatch):
    export = national_export(national_admin)
    monkeypatch.setattr(services, "CHUNK", 1)
    real_siasn_rows = exports.siasn_rows
    written_rows = []

    def failed_after_the_first(records):
        for n, row in enumerate(real_siasn_rows(records)):
            if n == 0:
                RecordsExport.objects.filter(pk=export.pk).update(state=RecordsExport.State.FAILED, error="Terhenti")
            written_rows.append(row)
            yield row

    monkeypatch.setattr(exports, "siasn_rows", failed_after_the_first)
    export = build(export)
    assert (export.state, export.error) == (RecordsExport.State.FAILED, "Terhenti") and files() == []
    assert len(written_rows) == 1  # it stopped at the next count, not after all three records


def test_odd_digits_in_the_address_are_ignored_not_an_error(client, national_admin, certified):
    client.force_login(national_admin)
    assert client.get("/pemantauan/ekspor/status/?menunggu=²,1").status_code == 200
    assert client.get("/pemantauan/?tahun=²").status_code == 200


def test_the_sweep_enqueues_what_the_broker_never_got_fails_the_stuck_and_deletes_old_files(
    client, national_admin, certified, monkeypatch
):
    client.force_login(national_admin)
    never_sent, stuck, old = ask(client), ask(client, provinsi="32"), ask(client, provinsi="51")
    build(old)
    recent = build(ask(client, format="xlsx"))
    now = dt.datetime.now(dt.UTC)
    RecordsExport.objects.filter(pk=stuck.pk).update(state=RecordsExport.State.RUNNING, task_id="mati",
                                                     started_at=now - dt.timedelta(hours=1), file="exports/mati.csv")  # fmt: skip
    default_storage.save("exports/mati.csv", io.BytesIO(b"half a file"))
    RecordsExport.objects.filter(pk=old.pk).update(finished_at=now - dt.timedelta(days=8))
    old_file = stored(old.pk)
    assert default_storage.exists(old_file)
    sent = []

    def publish(task, *args) -> bool:
        sent.append(args)
        return True

    monkeypatch.setattr(services, "publish", publish)
    assert services.records_exports_sweep() == {"failed": 1, "enqueued": 1, "expired": 1}
    assert sent == [(never_sent.pk,)]
    states = dict(RecordsExport.objects.values_list("pk", "state"))
    assert states == {never_sent.pk: "queued", stuck.pk: "failed", old.pk: "expired", recent.pk: "ready"}
    assert files() == [stored(recent.pk).removeprefix("exports/")]  # the old file and the half one are gone
    assert stored(old.pk) == "" and stored(stuck.pk) == ""
    assert services.records_exports_sweep() == {"failed": 0, "enqueued": 0, "expired": 0}  # marked: not sent again
    listing = client.get("/pemantauan/ekspor/").content.decode()
    assert "Dihapus setelah masa simpannya" in listing and "terhenti sebelum selesai" in listing


def test_an_export_that_keeps_killing_its_worker_is_given_up_with_the_reason(national_admin, certified, settings):
    from celery.exceptions import Ignore

    from monitoring.tasks import records_export_task

    export = national_export(national_admin, fmt="xlsx")
    for _delivery in range(settings.CELERY_TASK_MAX_DELIVERIES):  # each one killed its worker
        records_export_task.before_start("tugas-mati", (export.pk,), {})
    with pytest.raises(Ignore):
        records_export_task.before_start("tugas-mati", (export.pk,), {})
    export.refresh_from_db()
    assert export.state == RecordsExport.State.FAILED and "menghentikan pekerja 2 kali" in export.error


def test_national_admins_read_who_exported_what_in_the_admin_and_nobody_edits_it(client, organiser_jabar,
                                                                                national_admin, certified):  # fmt: skip
    client.force_login(organiser_jabar)
    export = build(ask(client, provinsi="32"))
    assert client.get("/admin/monitoring/recordsexport/").status_code == 302  # organisers have no admin
    client.force_login(national_admin)
    listing = client.get("/admin/monitoring/recordsexport/").content.decode()
    assert "penyelenggara.jabar@contoh.go.id" in listing or "Agus Setiawan" in listing
    page = client.get(f"/admin/monitoring/recordsexport/{export.pk}/change/")
    assert page.status_code == 200 and "Siap diunduh" in page.content.decode()
    assert client.post(f"/admin/monitoring/recordsexport/{export.pk}/delete/", {"post": "yes"}).status_code == 403
    assert RecordsExport.objects.filter(pk=export.pk).exists()


def test_the_list_takes_the_same_queries_however_many_exports_it_shows(client, national_admin, certified):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(national_admin)
    build(ask(client))
    client.get("/pemantauan/ekspor/")  # session warm
    with CaptureQueriesContext(connection) as one:
        client.get("/pemantauan/ekspor/")
    for code in ("32", "51", "11", "12", "13"):
        build(ask(client, provinsi=code))
    with CaptureQueriesContext(connection) as six:
        listing = client.get("/pemantauan/ekspor/").content.decode()
    assert listing.count("/unduh/") == 6
    assert len(six.captured_queries) == len(one.captured_queries)


def test_the_exports_pages_are_all_indonesian(client, national_admin, certified, untranslated):  # noqa: F811
    client.force_login(national_admin)
    waiting, failed = ask(client), ask(client, provinsi="51")
    build(ask(client, provinsi="32"))
    services.records_export_fail(export_id=failed.pk, reason="Gagal diuji")
    pages = ["/pemantauan/ekspor/", f"/pemantauan/ekspor/status/?menunggu={waiting.pk}", "/pemantauan/provinsi/32/",
             "/admin/monitoring/recordsexport/", f"/admin/monitoring/recordsexport/{waiting.pk}/change/"]  # fmt: skip
    assert shown_untranslated(client, pages, untranslated) == {}


def test_every_field_of_the_export_model_has_a_translated_name(monkeypatch) -> None:
    monkeypatch.setattr(house, "OUR_APPS", ("monitoring",))
    house.test_every_field_of_our_models_has_a_translated_name()


@pytest.mark.django_db(transaction=True)
def test_through_the_real_worker_on_the_exports_queue(celery_worker, client, national_admin, certified):
    from ..services import wait_until

    client.force_login(national_admin)
    export = ask(client)
    wait_until(lambda: RecordsExport.objects.get(pk=export.pk).state == "ready", timeout=60,
               message=f"the export was not written:\n{celery_worker.output()}")  # fmt: skip
    response = client.get(f"/pemantauan/ekspor/{export.pk}/unduh/")
    names = sorted(line[1] for line in read_csv(b"".join(response.streaming_content))[1:])
    assert names == ['\'=HYPERLINK("x")', "Made Sari", "Rina Wulandari"]


def _records(count: int):
    snapshot = {"learner": {"name": "=cmd|' /C calc'!A0", "nip": "", "instansi": "Pemerintah Provinsi Jawa Barat"},
                "course": {"title": "Menangkal Hoaks dan Disinformasi", "jp": 4},
                "dates": {"completed": "2026-06-30T09:00:00+07:00"},
                "template": {"issuer_name": "Kementerian Komunikasi dan Digital Republik Indonesia"}}  # fmt: skip
    enrolled = dt.datetime(2026, 6, 1, 2, tzinfo=dt.UTC)
    for n in range(count):
        yield (f"1990010120150310{n % 100:02d}", snapshot, f"LD/32/2026/0001/{n:05d}-K", enrolled, 2026, 1)


ROWS = 200_000
CSV_CEILING_MB = 8
XLSX_CEILING_MB = 16  # what 200,000 rows may add to the peak of 2,000


def _peak_mb(run) -> float:
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def test_a_200000_row_csv_streams_within_its_memory_ceiling():
    """The rows go out as they are read: memory stays flat however many there are."""
    sizes = []

    def run():
        total = 0
        for chunk in exports.csv_lines(exports.siasn_header(), exports.siasn_rows(_records(ROWS))):
            total += len(chunk)
        sizes.append(total)

    assert _peak_mb(run) < CSV_CEILING_MB
    assert sizes[0] > 20_000_000  # 200,000 full rows really went out


# A fresh process writes the workbook and reports its peak resident memory (ru_maxrss, so the C
# side of openpyxl's lxml writer counts too, which tracemalloc does not see).
_XLSX_PEAK = """
import io, resource, sys
import django
django.setup()
from django.utils import translation
translation.activate("id")
from monitoring import exports
from tests.monitoring.test_exports import _records
with exports.xlsx_file(exports.siasn_header(), exports.siasn_rows(_records(int(sys.argv[1]))), sheet="Riwayat") as f:
    f.seek(0, io.SEEK_END)
    size = f.tell()
print(size, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def _xlsx_peak(count: int) -> tuple[int, float]:
    """The size of a SIASN workbook of ``count`` rows and the peak memory (MB) of the process that wrote it."""
    root = Path(__file__).resolve().parents[2]
    env = os.environ | {"DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "literasi.settings")}
    done = subprocess.run([sys.executable, "-c", _XLSX_PEAK, str(count)], cwd=root, env=env, capture_output=True,
                          text=True, check=True)  # fmt: skip
    size, peak = done.stdout.split()[-2:]
    return int(size), float(peak)


@pytest.mark.skipif(sys.platform != "linux", reason="ru_maxrss is in kilobytes on Linux only")
def test_a_200000_row_xlsx_is_written_within_its_memory_ceiling():
    """openpyxl's write-only mode sends each row to a temporary file: 200,000 rows (8.5 MB of
    workbook) may raise the writing process's peak by at most 16 MB over 2,000 rows. Measured
    2026-12-03: 78.2 MB with 2,000 rows, 78.1 MB with 200,000 (Django loaded; the rows add
    nothing measurable). Without write-only mode 20,000 rows already added 66 MB. About 30-50 s."""
    small_size, small_peak = _xlsx_peak(2_000)
    size, peak = _xlsx_peak(ROWS)
    assert size > ROWS * 25 and size > 50 * small_size  # 200,000 full rows really went in
    assert peak - small_peak < XLSX_CEILING_MB, (small_peak, peak)
