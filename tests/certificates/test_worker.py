"""Through the real batch worker on the real broker (PostgreSQL and Redis in CI)."""

from __future__ import annotations

import time

import pytest
from django.db import connection
from django.db.models import Count

from certificates import tasks
from certificates.models import Certificate
from courses.models import Enrolment

from .conftest import complete, make_cohort, participants

pytestmark = pytest.mark.django_db(transaction=True)


def _wait_for(condition, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError("the worker did not finish in time")


def test_batch_and_automatic_issue_racing_give_unique_gapless_numbers(celery_worker, organiser_jabar, jabar, course):
    if connection.vendor != "postgresql":
        from ..conftest import service_missing

        service_missing("concurrent issuing is tested on PostgreSQL (set DATABASE_URL)")
    cohort = make_cohort(organiser_jabar, jabar, course)
    participants(cohort, 150)
    racing = participants(cohort, 20, completed=False)

    tasks.certificates_issue_task.delay(cohort.pk, organiser_jabar.pk)
    for enrolment in racing:  # automatic issue on completion, in this process, while the batch runs
        complete(Enrolment.objects.select_related("course").get(pk=enrolment.pk))

    _wait_for(lambda: Certificate.objects.filter(cohort=cohort).exclude(pdf_sha256="").count() == 170)
    sequences = sorted(Certificate.objects.filter(cohort=cohort).values_list("sequence", flat=True))
    assert sequences == list(range(1, 171))
    assert not Certificate.objects.values("user").annotate(n=Count("pk")).filter(n__gt=1).exists()
    before = dict(Certificate.objects.values_list("number", "pdf_sha256"))

    tasks.certificates_issue_task.delay(cohort.pk, organiser_jabar.pk)  # repeated: changes nothing
    tasks.certificates_render_task.delay(list(Certificate.objects.values_list("pk", flat=True)))
    time.sleep(3)
    assert dict(Certificate.objects.values_list("number", "pdf_sha256")) == before
