"""The accessibility gate (tests/browser/test_accessibility.py) on the certificate pages of a
visitor, a learner, an organiser and a national admin."""

from __future__ import annotations

import datetime as dt

import pytest

from certificates import services
from certificates.models import Certificate
from cohorts.services import cohort_create
from courses.models import Enrolment, Origin

from ..factories import course_with_lessons
from .helpers import sign_in
from .test_accessibility import check

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def certificate(learner, organiser_jabar, jabar, monkeypatch) -> Certificate:
    monkeypatch.setattr(services, "_enqueue_render", lambda ids: None)  # the pages need no PDF
    course = course_with_lessons(2, slug="netralitas", title="Netralitas ASN", enrolment="closed")
    cohort = cohort_create(organiser=organiser_jabar, province=jabar, course=course, name="Angkatan I", year=2026,
                           start_date=dt.date(2026, 3, 1), end_date=dt.date(2026, 12, 31), capacity=10)  # fmt: skip
    Enrolment.objects.create(user=learner, course=course, cohort=cohort, province=jabar, origin=Origin.COHORT,
                             completed_at=dt.datetime(2026, 3, 10, 3, tzinfo=dt.UTC))  # fmt: skip
    services.signing_official_set(actor=organiser_jabar, province_code="32", name="Dr. Bambang Sutrisno",
                                  nip="", position="Kepala BPSDM Provinsi Jawa Barat")  # fmt: skip
    services.certificates_issue_for_cohort(cohort_id=cohort.pk, actor_id=organiser_jabar.pk)
    return Certificate.objects.get()


def test_certificate_pages(page, certificate, learner, organiser_jabar, national_admin) -> None:
    check(page, ["/sertifikat/", f"/sertifikat/{certificate.number}/"])
    sign_in(page, learner.email)
    check(page, ["/sertifikat/saya/"])
    page.context.clear_cookies()
    sign_in(page, organiser_jabar.email)
    check(page, [f"/penyelenggara/angkatan/{certificate.cohort_id}/sertifikat/", "/penyelenggara/sertifikat/pejabat/"])
    page.context.clear_cookies()
    sign_in(page, national_admin.email)
    check(page, ["/admin/certificates/certificatetemplate/", "/admin/certificates/certificatetemplate/add/"])
