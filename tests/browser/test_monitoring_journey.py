"""A national admin follows completion from the national map down to a cohort's participants, and
exports a province's training records for SIASN; an organiser of Bali sees Bali only."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cohorts import services as cohort_services

from ..factories import PASSWORD, course_with_lessons
from ..monitoring.helpers import complete, make_cohort
from ..services import running_worker
from .helpers import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def programme(national_admin, jabar, bali):
    course = course_with_lessons(2, slug="aman-digital", title="Aman Digital")
    course_with_lessons(1, slug="hoaks", title="Menangkal Hoaks")
    for province, name, people in ((jabar, "Angkatan Bandung", 4), (bali, "Angkatan Denpasar", 2)):
        cohort = make_cohort(national_admin, province, course, name)
        for n in range(people):
            cohort_services.participant_add(cohort=cohort, actor=national_admin, full_name=f"Peserta {name} {n}",
                                            email=f"{province.code}-{n}@contoh.go.id")  # fmt: skip
        for enrolment in list(cohort.enrolments.select_related("course"))[: people // 2]:
            complete(enrolment)
    return course


def test_national_admin_filters_reads_the_map_and_table_and_drills_down_to_a_cohort(page, national_admin, programme):
    sign_in(page, national_admin.email)
    page.get_by_role("link", name="Pemantauan").click()
    page.get_by_label("Kursus", exact=True).select_option(label="Aman Digital")
    page.get_by_role("button", name="Saring").click()
    page.wait_for_url("**kursus=aman-digital**")
    # The map: a tile per province, Jawa Barat at 50%; the table says the same.
    assert page.locator("#peta-t").text_content() == "Peta tingkat penyelesaian per provinsi"
    assert page.locator("svg g title").count() == 38
    assert page.locator("svg g title", has_text="Jawa Barat").text_content() == "Jawa Barat: 50%"
    row = page.locator("#tabel-provinsi tbody tr", has=page.get_by_role("rowheader", name="Jawa Barat"))
    assert row.locator("td").nth(1).inner_text() == "4" and row.locator("td").nth(4).inner_text() == "50,0%"
    row.get_by_role("link", name="Jawa Barat").click()
    page.get_by_role("heading", name="Pemantauan: Jawa Barat").wait_for()
    page.get_by_role("link", name="Angkatan Bandung").click()
    page.get_by_role("heading", name="Angkatan Bandung").wait_for()
    participants = page.locator("table").first.inner_text()
    assert "Peserta Angkatan Bandung 0" in participants and "Peserta Angkatan Bandung 3" in participants


def test_organiser_of_bali_sees_only_bali(page, organiser_bali, programme):
    sign_in(page, organiser_bali.email)
    page.get_by_role("link", name="Pemantauan").click()
    page.get_by_role("heading", name="Pemantauan: Bali").wait_for()
    body = page.locator("main").inner_text()
    assert "Angkatan Denpasar" in body
    assert "Jawa Barat" not in body and "Angkatan Bandung" not in body
    response = page.goto("/pemantauan/provinsi/32/")
    assert response.status == 404


def test_national_admin_asks_for_a_provinces_siasn_records_and_downloads_them_once_written(
    page, national_admin, programme, monkeypatch, settings, tmp_path
):
    from certificates import services as certificate_services
    from courses.models import Enrolment

    settings.MEDIA_ROOT = tmp_path  # this process serves the download; the worker writes the file there
    monkeypatch.setenv("MEDIA_ROOT", str(tmp_path))
    monkeypatch.setattr("certificates.services._enqueue_render", lambda ids: None)  # no PDF needed here
    for enrolment in Enrolment.objects.filter(completed_at__isnull=False).select_related("course", "user"):
        certificate_services.certificate_issue_for_enrolment(enrolment=enrolment, actor=national_admin)
    sign_in(page, national_admin.email)
    page.goto("/pemantauan/provinsi/32/")
    page.get_by_role("button", name="Minta riwayat pelatihan untuk SIASN sebagai CSV").click()
    page.get_by_role("heading", name="Ekspor Anda").wait_for()
    assert "Menunggu pekerja" in page.locator("#exports").inner_text()
    with running_worker(queues="exports"):
        link = page.get_by_role("link", name=re.compile("^Unduh CSV"))
        link.wait_for(timeout=60_000)  # the list updates itself: no reload
    assert re.fullmatch(r"Ekspor CSV Anda dari .+ siap diunduh\.", page.locator("#exports-news").inner_text())
    with page.expect_download() as download:
        link.click()
    lines = Path(download.value.path()).read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith("NIP,Nama,Nama kursus") and len(lines) == 3  # Jawa Barat's two certificates
    assert all("Peserta Angkatan Bandung" in line for line in lines[1:])


def test_an_export_list_left_open_after_the_session_ended_leads_to_the_login_and_back(page, national_admin, programme):
    from literasi.celery import app

    sign_in(page, national_admin.email)
    page.goto("/pemantauan/provinsi/32/")
    page.get_by_role("button", name="Minta riwayat pelatihan untuk SIASN sebagai CSV").click()
    page.get_by_role("heading", name="Ekspor Anda").wait_for()
    try:
        assert "Menunggu pekerja" in page.locator("#exports").inner_text()  # no worker: it keeps polling
        page.context.clear_cookies()  # the session ends (it expired, or they signed out in another tab)
        # The next poll loads the whole page again: the login, not the login inside the list.
        page.wait_for_url(re.compile(r"/akun/login/\?next=/pemantauan/ekspor/$"), timeout=10_000)
        assert page.locator("#exports").count() == 0
        page.get_by_label("Email").fill(national_admin.email)
        page.get_by_label("Kata sandi:", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Masuk").click()
        page.get_by_role("heading", name="Ekspor Anda").wait_for()
        assert "Menunggu pekerja" in page.locator("#exports").inner_text()
    finally:
        app.control.purge()  # the export nobody wrote: not for the next test's worker
