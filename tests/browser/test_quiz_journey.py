"""A learner takes a quiz and watches the result page turn from "Sedang dinilai" to the score."""

from __future__ import annotations

import pytest

from courses.services import enrolment_create
from literasi.celery import app
from quizzes.models import Attempt, Question

from ..factories import PASSWORD, UserFactory, course_with_lessons, quiz_with_questions
from ..services import running_worker

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_take_a_quiz_and_see_the_grade_arrive_without_reloading(page) -> None:
    course = course_with_lessons(1, slug="aman-digital", title="Aman Digital")
    quiz = quiz_with_questions(course, count=4)
    learner = UserFactory.create(email="dewi@contoh.go.id")
    enrolment_create(user=learner, course=course)
    app.control.purge()  # no worker runs yet: the grade can only arrive once one starts

    page.goto("/akun/login/")
    page.get_by_label("Email").fill("dewi@contoh.go.id")
    page.get_by_label("Kata sandi:", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.goto("/kursus/aman-digital/")
    page.get_by_role("link", name="Evaluasi Akhir").click()
    page.get_by_role("button", name="Mulai kuis").click()

    attempt = Attempt.objects.get(user=learner, quiz=quiz)
    for number, item in enumerate(attempt.layout, start=1):
        for option in Question.objects.get(pk=item["q"]).options.filter(is_correct=True):
            page.locator(f"#q{number}-{item['o'].index(option.pk)}").check()
    page.get_by_role("button", name="Kirim jawaban").click()

    page.get_by_text("Sedang dinilai").wait_for()
    page.evaluate("window.__samePage = true")
    with running_worker():
        page.get_by_text("Nilai: 100").wait_for(timeout=30_000)
    assert page.evaluate("window.__samePage") is True  # updated in place, not reloaded
    assert page.get_by_text("Lulus").first.is_visible()
    assert page.get_by_text("Pembahasan soal 1.").is_visible()
