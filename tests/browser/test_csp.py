"""Under the enforced Content-Security-Policy the pages still work in a real browser: signing in,
the quiz result turning from "Sedang dinilai" to the score by htmx polling, and the language
switch; and the browser reports no violation of the policy on the way."""

from __future__ import annotations

import pytest

from courses.services import enrolment_create
from quizzes import services
from quizzes.models import Attempt

from ..factories import PASSWORD, UserFactory, course_with_lessons, quiz_with_questions
from ..quizzes.conftest import right_answers

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Runs before any page script, outside the page's policy: collects what the policy blocked.
WATCH_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__violations.push(`${e.effectiveDirective} ${e.blockedURI}`);
});
"""


def test_pages_work_under_the_policy_without_violations(page) -> None:
    course = course_with_lessons(1, slug="aman-digital", title="Aman Digital")
    quiz = quiz_with_questions(course, count=4)
    learner = UserFactory.create(email="dewi@contoh.go.id")
    enrolment_create(user=learner, course=course)
    attempt = services.attempt_start(user=learner, quiz=quiz)
    Attempt.objects.filter(pk=attempt.pk).update(answers=right_answers(attempt))
    # Kept for the sweep: no worker runs here, the grade is written below while the page polls.
    Attempt.objects.filter(pk=attempt.pk).update(state=Attempt.State.SUBMITTED)

    console = []
    page.on("console", lambda message: console.append(message.text))
    page.add_init_script(WATCH_VIOLATIONS)

    response = page.goto("/akun/login/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.get_by_label("Email").fill("dewi@contoh.go.id")
    page.get_by_label("Kata sandi:", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_url("**/")

    response = page.goto(f"/kuis/percobaan/{attempt.pk}/hasil/")
    assert "style-src 'self'" in response.headers["content-security-policy"]
    page.get_by_text("Sedang dinilai").wait_for()
    page.evaluate("window.__samePage = true")
    services.attempt_grade(attempt_id=attempt.pk)
    page.get_by_text("Nilai: 100").wait_for(timeout=15_000)  # htmx polled and swapped the panel
    assert page.evaluate("window.__samePage") is True
    assert page.evaluate("window.__violations") == []

    page.get_by_label("Bahasa").select_option("en")
    page.get_by_role("button", name="Ganti").click()
    page.get_by_text("Score: 100").wait_for()
    assert page.evaluate("document.documentElement.lang") == "en"

    assert page.evaluate("window.__violations") == []
    assert [text for text in console if "Content Security Policy" in text] == []
