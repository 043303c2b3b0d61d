"""Every main page sends a Content-Security-Policy that allows only the site's own scripts and
styles, and contains nothing that policy would block: no inline script, no event-handler
attributes, no inline style."""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser

import pytest

from cohorts import services as cohort_services
from cohorts.models import Cohort
from courses.services import enrolment_create
from quizzes import services as quiz_services
from quizzes.models import Quiz

from ..factories import PASSWORD, course_with_lessons, quiz_with_questions

pytestmark = pytest.mark.django_db

# <script> types a browser does not run: data blocks (allauth writes JSON for its scripts).
DATA_TYPES = {"application/json", "application/ld+json", "text/template"}


class InlineCode(HTMLParser):
    """Collects what a policy without 'unsafe-inline' would block."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): v or "" for k, v in attrs}
        for name, value in a.items():
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=...>")
            if name == "style":
                self.found.append(f"<{tag} style=...>")
            if name in {"href", "src", "action", "formaction"} and value.strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}=javascript:...>")
        if tag == "style":
            self.found.append("<style>")
        if tag == "script" and not a.get("src") and a.get("type", "").lower() not in DATA_TYPES:
            self._in_script = True

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False if tag == "script" else self._in_script

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.found.append(f"<script>{data.strip()[:40]}")


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    return parser.found


def assert_policy_kept(client, urls: list[str]) -> None:
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        policy = response["Content-Security-Policy"]
        directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
        assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'", (url, policy)
        assert "unsafe" not in policy, (url, policy)
        assert inline_code(response.content.decode()) == [], url


@pytest.fixture
def course(db):
    return course_with_lessons(2, slug="aman-digital", title="Aman Digital")


@pytest.fixture
def quiz(course) -> Quiz:
    return quiz_with_questions(course, count=2)


def test_anonymous_pages(client, course) -> None:
    assert_policy_kept(
        client,
        ["/", "/akun/login/", "/akun/signup/", "/akun/password/reset/", "/kursus/", "/kursus/aman-digital/"],
    )


def test_learner_pages(client, learner, course, quiz) -> None:
    enrolment_create(user=learner, course=course)
    client.force_login(learner)
    open_attempt = quiz_services.attempt_start(user=learner, quiz=quiz)
    urls = ["/", "/kursus/saya/", "/kursus/aman-digital/", "/kursus/aman-digital/materi/materi-1/"]
    urls += [f"/kuis/{quiz.pk}/", f"/kuis/percobaan/{open_attempt.pk}/"]
    urls += ["/akun/email/", "/akun/password/change/", "/akun/2fa/", "/akun/reauthenticate/"]
    assert_policy_kept(client, urls)
    client.post("/akun/reauthenticate/", {"password": PASSWORD})
    assert_policy_kept(client, ["/akun/2fa/totp/activate/"])  # the QR code is a data: image
    submitted = quiz_services.attempt_submit(attempt=open_attempt, answers={})
    assert_policy_kept(client, [f"/kuis/percobaan/{submitted.pk}/hasil/"])  # polling with htmx
    quiz_services.attempt_grade(attempt_id=submitted.pk)
    assert_policy_kept(client, [f"/kuis/percobaan/{submitted.pk}/hasil/"])


def test_organiser_pages(client, organiser_jabar, jabar, course) -> None:
    cohort = cohort_services.cohort_create(
        organiser=organiser_jabar, province=jabar, course=course, name="Angkatan I", year=2026,
        start_date=dt.date(2026, 12, 1), end_date=dt.date(2026, 12, 31), capacity=100, status=Cohort.Status.OPEN,
    )  # fmt: skip
    client.force_login(organiser_jabar)
    assert_policy_kept(
        client,
        ["/penyelenggara/", "/penyelenggara/angkatan/baru/", f"/penyelenggara/angkatan/{cohort.pk}/",
         f"/penyelenggara/angkatan/{cohort.pk}/ubah/"],
    )  # fmt: skip


def test_admin_pages(client, national_admin, quiz) -> None:
    client.force_login(national_admin)
    assert_policy_kept(
        client,
        ["/admin/", "/admin/quizzes/quiz/", f"/admin/quizzes/quiz/{quiz.pk}/change/", "/admin/literasi/user/",
         "/admin/literasi/user/add/", "/admin/courses/course/"],
    )  # fmt: skip
