from __future__ import annotations

import pytest

from certificates import services as certificate_services
from cohorts import services as cohort_services
from courses import services as course_services

from ..factories import UserFactory, course_with_lessons
from .helpers import complete, make_cohort


@pytest.fixture(autouse=True)
def _no_rendering(monkeypatch):
    monkeypatch.setattr("certificates.services._enqueue_render", lambda ids: None)


@pytest.fixture
def programme(national_admin, jabar, bali):
    """Jawa Barat: a cohort of 3 (2 completed, certified), one self-paced learner who started.
    Bali: a cohort of 2 (1 completed). A second course with one Bali learner."""
    course = course_with_lessons(2, slug="aman-digital", title="Aman Digital")
    other = course_with_lessons(1, slug="hoaks", title="Menangkal Hoaks")
    cohort_jabar = make_cohort(national_admin, jabar, course, "Angkatan Bandung")
    cohort_bali = make_cohort(national_admin, bali, course, "Angkatan Denpasar")
    for n in range(3):
        cohort_services.participant_add(cohort=cohort_jabar, actor=national_admin, email=f"jabar{n}@contoh.go.id",
                                        full_name=f"Peserta Jabar {n}", instansi="Dinas Kominfo Jawa Barat")  # fmt: skip
    for n in range(2):
        cohort_services.participant_add(cohort=cohort_bali, actor=national_admin, email=f"bali{n}@contoh.go.id",
                                        full_name=f"Peserta Bali {n}", instansi="Pemerintah Kota Denpasar")  # fmt: skip
    enrolments = {e.user.email: e for e in cohort_jabar.enrolments.select_related("user", "course")}
    enrolments |= {e.user.email: e for e in cohort_bali.enrolments.select_related("user", "course")}
    for email in ("jabar0@contoh.go.id", "jabar1@contoh.go.id", "bali0@contoh.go.id"):
        complete(enrolments[email])
    for email in ("jabar0@contoh.go.id", "jabar1@contoh.go.id"):
        certificate_services.certificate_issue_for_enrolment(enrolment=enrolments[email], actor=national_admin)
    self_paced = UserFactory.create(email="mandiri@contoh.go.id", province=jabar, employee_kind="pppk")
    enrolment = course_services.enrolment_create(user=self_paced, course=course)
    lesson = course.lessons.first()
    assert lesson is not None
    course_services.lesson_visit(enrolment=enrolment, lesson_id=lesson.pk)
    hoaks = UserFactory.create(email="hoaks@contoh.go.id", province=bali, instansi="Pemerintah Kabupaten Badung")
    course_services.enrolment_create(user=hoaks, course=other)
    return {"course": course, "other": other, "cohort_jabar": cohort_jabar, "cohort_bali": cohort_bali}
