from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from certificates.management.commands.certificates_dev_keys import create_dev_keys
from cohorts import services as cohort_services
from cohorts.models import Cohort
from courses.models import Course, Enrolment, Origin
from courses.services import lesson_complete
from literasi.models import User

from ..factories import UserFactory, course_with_lessons


@pytest.fixture(scope="session", autouse=True)
def _signing_keys() -> None:
    """Development keys where settings point (var/keys/), as `manage.py certificates_dev_keys`."""
    create_dev_keys()


@pytest.fixture(autouse=True)
def _batch_tasks_run_here(request, monkeypatch):
    """Batch tasks run in this process, except in tests with a real worker."""
    if "celery_worker" in request.fixturenames:
        return
    from certificates import tasks

    for task in (tasks.certificates_issue_task, tasks.certificates_render_task, tasks.certificates_email_task):
        monkeypatch.setattr(task, "delay", task)
        monkeypatch.setattr(task, "apply_async", lambda args=(), kwargs=None, task=task, **options: task(*args))
    # The test's transaction never commits: work enqueued "after the commit" runs at once instead.
    # (The tests with a real worker run on committed transactions.)
    monkeypatch.setattr("django.db.transaction.on_commit", lambda func, using=None, robust=False: func())


@pytest.fixture
def course(db) -> Course:
    return course_with_lessons(6, slug="netralitas", title="Netralitas ASN", enrolment="closed")  # 90 min: 2 JP


def make_cohort(organiser, province, course, **kwargs: Any) -> Cohort:
    values: dict[str, Any] = {"name": "Angkatan I", "year": 2026, "start_date": dt.date(2026, 3, 1),
              "end_date": dt.date(2026, 12, 31), "capacity": 5000, "status": Cohort.Status.OPEN} | kwargs  # fmt: skip
    return cohort_services.cohort_create(organiser=organiser, province=province, course=course, **values)


@pytest.fixture
def cohort_jabar(organiser_jabar, jabar, course) -> Cohort:
    return make_cohort(organiser_jabar, jabar, course)


def enrol(cohort: Cohort, user: User) -> Enrolment:
    return Enrolment.objects.create(user=user, course=cohort.course, cohort=cohort, province_id=cohort.province_id,
                                    origin=Origin.COHORT)  # fmt: skip


def complete(enrolment: Enrolment) -> None:
    for lesson_id in enrolment.course.lessons.filter(is_published=True).values_list("pk", flat=True):
        lesson_complete(enrolment=enrolment, lesson_id=lesson_id)


def participants(cohort: Cohort, count: int, *, completed: bool = True) -> list[Enrolment]:
    users = [UserFactory.create(province_id=cohort.province_id) for _ in range(count)]
    enrolments = [enrol(cohort, u) for u in users]
    if completed:
        Enrolment.objects.filter(pk__in=[e.pk for e in enrolments]).update(completed_at=dt.datetime.now(dt.UTC))
    return enrolments
