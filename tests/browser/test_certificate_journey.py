"""A learner completes a course (lessons, then the quiz graded by the real worker), downloads the
certificate from "Sertifikat saya", and a visitor without an account checks it by following the
QR code printed on it."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from literasi.celery import app
from quizzes.models import Attempt, Question

from ..certificates.pdfs import qr_codes
from ..factories import PASSWORD, UserFactory, course_with_lessons, quiz_with_questions
from ..services import running_worker

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]

NAME = "Raden Ajeng Siti Nur'aini, S.E., M.Si."


@pytest.fixture(autouse=True)
def _signing_keys() -> None:
    from certificates.management.commands.certificates_dev_keys import create_dev_keys

    create_dev_keys()


def test_complete_a_course_download_the_certificate_and_verify_it_from_its_qr_code(page, browser, live_server) -> None:
    course = course_with_lessons(2, slug="aman-digital", title="Aman Digital")
    quiz = quiz_with_questions(course, count=3)
    learner = UserFactory.create(email="aini@jabarprov.go.id", full_name=NAME)
    app.control.purge()

    # The worker grades the quiz, issues the certificate on completion and renders and signs its
    # PDF; it prints this test server's address in the QR code.
    with running_worker(env={"SITE_URL": live_server.url}):
        page.goto("/akun/login/")
        page.get_by_label("Email").fill(learner.email)
        page.get_by_label("Kata sandi:", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Masuk").click()
        page.goto("/kursus/aman-digital/")
        page.get_by_role("button", name="Daftar ke kursus ini").click()
        page.get_by_role("button", name="Tandai selesai dan lanjutkan").click()
        page.get_by_role("button", name="Tandai selesai", exact=True).click()  # the last lesson

        page.goto("/kursus/aman-digital/")
        page.get_by_role("link", name="Evaluasi Akhir").click()
        page.get_by_role("button", name="Mulai kuis").click()
        attempt = Attempt.objects.get(user=learner, quiz=quiz)
        for number, item in enumerate(attempt.layout, start=1):
            for option in Question.objects.get(pk=item["q"]).options.filter(is_correct=True):
                page.locator(f"#q{number}-{item['o'].index(option.pk)}").check()
        page.get_by_role("button", name="Kirim jawaban").click()
        page.get_by_text("Nilai: 100").wait_for(timeout=30_000)

        page.get_by_role("link", name="Sertifikat saya").click()
        assert page.get_by_role("heading", name="Aman Digital").is_visible()
        download = page.get_by_role("link", name="Unduh PDF")
        deadline = time.monotonic() + 60
        while not download.is_visible() and time.monotonic() < deadline:  # "PDF sedang disiapkan."
            page.wait_for_timeout(500)
            page.reload()
        with page.expect_download() as downloaded:
            download.click()
        pdf = Path(downloaded.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF")

    [url] = qr_codes(pdf)
    assert url.startswith(f"{live_server.url}/sertifikat/LD/32/")
    visitor = browser.new_context(viewport={"width": 390, "height": 844})  # no account, no session
    try:
        check = visitor.new_page()
        check.goto(url)
        assert check.get_by_text("Sertifikat ini sah.").is_visible()
        assert check.get_by_text(NAME).is_visible()
        assert check.get_by_text("Aman Digital").first.is_visible()
        assert check.get_by_text("Jawa Barat").first.is_visible()
        assert visitor.cookies() == []  # scanning a certificate hands the visitor no cookie
        check.get_by_label("Bahasa").select_option("en")  # the footer's switch, without a token
        check.get_by_role("button", name="Ganti").click()
        assert check.get_by_text("This certificate is valid.").is_visible()
        assert check.url == url
    finally:
        visitor.close()
