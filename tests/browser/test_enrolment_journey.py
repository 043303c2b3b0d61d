"""An organiser uploads a participant file, reads the preview, confirms, watches the progress and
sees the participants."""

from __future__ import annotations

import datetime as dt

import pytest

from cohorts import services
from literasi.celery import app

from ..factories import PASSWORD, course_with_lessons
from ..services import running_worker

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]

CSV = (
    "NIP;Nama Lengkap;E-mail;Unit Kerja;Jabatan\n"
    "19860926 201505 1 001;Ni Luh Putu Ayu;ayu@baliprov.go.id;Diskominfos;Pranata Komputer\n"
    ";Bayu Prasetyo;bayu@contoh.go.id;BPSDM;Widyaiswara\n"
    ";Salah Email;bukan-email;BPSDM;Staf\n"
)


def test_upload_preview_confirm_progress_and_participants(page, organiser_jabar, jabar, tmp_path) -> None:
    course = course_with_lessons(2, slug="netralitas", title="Netralitas ASN", enrolment="closed")
    services.cohort_create(
        organiser=organiser_jabar, province=jabar, course=course, name="Angkatan I Jawa Barat", year=2026,
        start_date=dt.date(2026, 12, 1), end_date=dt.date(2026, 12, 31), capacity=100,
    )  # fmt: skip
    app.control.purge()
    file = tmp_path / "peserta.csv"
    file.write_text(CSV, encoding="utf-8")

    page.goto("/akun/login/")
    page.get_by_label("Email").fill(organiser_jabar.email)
    page.get_by_label("Kata sandi:", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.get_by_role("link", name="Penyelenggara").click()
    page.get_by_role("link", name="Angkatan I Jawa Barat").click()
    page.get_by_label("Berkas peserta (CSV atau XLSX)").set_input_files(str(file))
    page.get_by_role("button", name="Unggah dan periksa").click()

    # No worker yet: the page shows the file being checked, with its progress bar.
    page.get_by_text("Memeriksa berkas").wait_for()
    assert page.locator("progress").is_visible()
    with running_worker(queues="batch"):
        page.get_by_role("button", name="Konfirmasi dan daftarkan").wait_for(timeout=30_000)
        preview = page.locator("table").inner_text()
        assert "Ni Luh Putu Ayu" in preview and "Akun baru" in preview
        assert "Format email tidak valid" in preview
        page.get_by_role("button", name="Konfirmasi dan daftarkan").click()
        page.get_by_text("Diterapkan pada").wait_for(timeout=30_000)
    page.get_by_role("link", name="Angkatan I Jawa Barat").click()
    participants = page.locator("table").first.inner_text()
    assert "Ni Luh Putu Ayu" in participants and "Bayu Prasetyo" in participants
    assert "Salah Email" not in participants
    assert page.get_by_text("peserta.csv").first.is_visible()
