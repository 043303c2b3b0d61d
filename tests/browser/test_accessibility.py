"""The accessibility gate: every page a learner, an organiser, a national admin or a visitor uses
passes axe-core (run in Chromium) with no serious or critical violation."""

from __future__ import annotations

import datetime as dt

import pytest

from cohorts import services as cohort_services
from cohorts.models import Upload
from courses.services import enrolment_create
from quizzes import services as quiz_services

from ..factories import course_with_lessons, quiz_with_questions
from .helpers import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BLOCKING = {"serious", "critical"}
WIDTHS = (390, 1280)


def violations(page) -> list[str]:
    """Serious and critical violations, plus text whose contrast axe measured but left "to
    review": it does so for 1:1 (white on white), in case the text is meant to be hidden."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"resultTypes": ["violations", "incomplete"]}).response
    found = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results["violations"]
        if v["impact"] in BLOCKING
    ]
    for v in results["incomplete"]:
        if v["id"] == "color-contrast":
            measured = [n for n in v["nodes"] if any("contrast ratio" in c["message"] for c in n["any"])]
            found += [f"color-contrast: {n['any'][0]['message']} at {n['target']}" for n in measured]
    return found


@pytest.fixture
def platform(learner, organiser_jabar, jabar):
    """A course with a quiz, an enrolled learner with a graded attempt, a cohort with a participant
    and a checked upload."""
    course = course_with_lessons(2, slug="netralitas", title="Netralitas ASN")
    quiz = quiz_with_questions(course, count=3)
    enrolment_create(user=learner, course=course)
    attempt = quiz_services.attempt_start(user=learner, quiz=quiz)
    cohort = cohort_services.cohort_create(
        organiser=organiser_jabar, province=jabar, course=course, name="Angkatan I", year=2026,
        start_date=dt.date(2026, 12, 1), end_date=dt.date(2026, 12, 31), capacity=10, status="open",
    )  # fmt: skip
    cohort_services.participant_add(cohort=cohort, actor=organiser_jabar, email="baru@contoh.go.id", full_name="Baru")
    upload = Upload.objects.create(cohort=cohort, uploaded_by=organiser_jabar, original_name="peserta.csv",
                                            state=Upload.State.READY, file="uploads/peserta.csv")  # fmt: skip
    return {"course": course, "quiz": quiz, "attempt": attempt, "cohort": cohort, "upload": upload}


def check(page, urls: list[str]) -> None:
    found: dict[str, list[str]] = {}
    for width in WIDTHS:  # a phone (tables scroll sideways there) and a desktop
        page.set_viewport_size({"width": width, "height": 900})
        for url in urls:
            response = page.goto(url)
            assert response is not None and response.status < 400, (url, response and response.status)
            if problems := violations(page):
                found[f"{url} at {width}px"] = problems
    assert not found, "\n".join(f"{url}:\n  " + "\n  ".join(problems) for url, problems in found.items())


def test_visitor_pages(page, platform) -> None:
    check(page, ["/", "/akun/login/", "/akun/signup/", "/akun/password/reset/", "/kursus/",
                        "/kursus/netralitas/"])  # fmt: skip


def test_learner_pages(page, platform, learner) -> None:
    sign_in(page, learner.email)
    attempt = platform["attempt"]
    check(page, ["/", "/kursus/saya/", "/kursus/netralitas/", "/kursus/netralitas/materi/materi-1/",
                        f"/kuis/{platform['quiz'].pk}/", f"/kuis/percobaan/{attempt.pk}/"])  # fmt: skip


def test_organiser_pages(page, platform, organiser_jabar) -> None:
    sign_in(page, organiser_jabar.email)
    cohort, upload = platform["cohort"], platform["upload"]
    check(page, ["/penyelenggara/", "/penyelenggara/angkatan/baru/", f"/penyelenggara/angkatan/{cohort.pk}/",
                        f"/penyelenggara/angkatan/{cohort.pk}/ubah/",
                        f"/penyelenggara/unggahan/{upload.pk}/", "/pemantauan/provinsi/32/?kursus=x",
                        "/pemantauan/jp/?provinsi=32", f"/pemantauan/jp/peserta/{organiser_jabar.pk}/"])  # fmt: skip


def test_national_admin_pages(page, platform, national_admin, organiser_jabar) -> None:
    from quizzes.models import Question

    sign_in(page, national_admin.email)
    question = Question.objects.filter(quiz=platform["quiz"]).order_by("order")[0]
    check(page, ["/penyelenggara/", "/pemantauan/", "/pemantauan/?jenis=x", "/pemantauan/ekspor/", "/admin/", "/admin/literasi/user/", f"/admin/literasi/user/{organiser_jabar.pk}/change/",
                 f"/admin/quizzes/quiz/{platform['quiz'].pk}/change/", f"/admin/quizzes/question/{question.pk}/change/",
                 "/admin/courses/course/",
                        f"/admin/courses/course/{platform['course'].pk}/change/", "/admin/quizzes/attempt/",
                        "/admin/literasi/provincemove/add/"])  # fmt: skip
