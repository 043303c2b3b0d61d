from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from certificates import services
from certificates.models import Certificate, CertificateEvent, IssueMode
from certificates.numbers import certificate_number, check_character, number_is_well_formed
from courses.models import Enrolment
from courses.services import enrolment_create
from literasi.errors import Refusal

from ..factories import course_with_lessons
from .conftest import complete, enrol, make_cohort, participants

pytestmark = pytest.mark.django_db


def test_a_mistyped_number_is_caught_by_its_check_character():
    number = certificate_number(province_code="32", year=2026, course_id=3, cohort_sequence=7, sequence=42)
    assert number.startswith("LD/32/2026/K003/0007/00042-") and number_is_well_formed(number)
    body = number[:-2]
    for i, char in enumerate(body):
        if char.isdigit():
            typo = body[:i] + str((int(char) + 1) % 10) + body[i + 1 :]
            assert check_character(typo) != number[-1], typo
    swapped = body.replace("00042", "00024")
    assert not number_is_well_formed(swapped + number[-2:])


def test_a_cohort_is_issued_gapless_unique_numbers_and_a_second_run_changes_nothing(cohort_jabar, organiser_jabar):
    participants(cohort_jabar, 5)
    participants(cohort_jabar, 2, completed=False)
    assert services.certificates_issue_for_cohort(cohort_id=cohort_jabar.pk, actor_id=organiser_jabar.pk) == 5
    certificates = list(Certificate.objects.filter(cohort=cohort_jabar).order_by("sequence"))
    assert [c.sequence for c in certificates] == [1, 2, 3, 4, 5]
    course_part = f"K{cohort_jabar.course_id:03d}"
    assert certificates[0].number.startswith(f"LD/32/2026/{course_part}/{cohort_jabar.sequence:04d}/00001-")
    assert all(c.is_rendered and c.pdf_sha256 == hashlib.sha256(c.pdf.read()).hexdigest() for c in certificates)
    before = {c.pk: (c.number, c.pdf_sha256) for c in certificates}

    assert services.certificates_issue_for_cohort(cohort_id=cohort_jabar.pk, actor_id=organiser_jabar.pk) == 0
    services.certificates_render(certificate_ids=list(before))
    assert {c.pk: (c.number, c.pdf_sha256) for c in Certificate.objects.filter(cohort=cohort_jabar)} == before
    assert CertificateEvent.objects.filter(action="issued").count() == 5


def test_each_learner_gets_one_email_when_the_certificate_is_ready(cohort_jabar, organiser_jabar, mailoutbox):
    participants(cohort_jabar, 2)
    services.certificates_issue_for_cohort(cohort_id=cohort_jabar.pk, actor_id=organiser_jabar.pk)
    services.certificates_email(certificate_ids=list(Certificate.objects.values_list("pk", flat=True)))
    assert len(mailoutbox) == 2
    assert "Sertifikat" in mailoutbox[0].subject and "Netralitas ASN" in mailoutbox[0].subject


def test_issuing_for_someone_who_has_not_completed_is_refused_with_the_reason(cohort_jabar, organiser_jabar, learner):
    enrolment = enrol(cohort_jabar, learner)
    with pytest.raises(Refusal) as refusal:
        services.certificate_issue_for_enrolment(enrolment=enrolment, actor=organiser_jabar)
    assert "Siti Rahmawati" in refusal.value.message and "0" in refusal.value.message and "6" in refusal.value.message
    assert not Certificate.objects.exists()


def test_completing_the_course_issues_the_certificate_in_an_automatic_cohort(
    cohort_jabar, learner, django_capture_on_commit_callbacks
):
    enrolment = enrol(cohort_jabar, learner)
    with django_capture_on_commit_callbacks(execute=True):
        complete(enrolment)
    certificate = Certificate.objects.get(user=learner)
    assert certificate.cohort == cohort_jabar and certificate.is_rendered
    assert certificate.snapshot["course"]["jp"] == 2 and certificate.snapshot["learner"]["name"] == "Siti Rahmawati"


def test_an_organiser_issued_cohort_waits_for_the_organiser(
    cohort_jabar, organiser_jabar, learner, django_capture_on_commit_callbacks
):
    services.cohort_issue_mode_set(cohort=cohort_jabar, actor=organiser_jabar, mode=IssueMode.ORGANISER)
    enrolment = enrol(cohort_jabar, learner)
    with django_capture_on_commit_callbacks(execute=True):
        complete(enrolment)
    assert not Certificate.objects.exists()
    services.certificate_issue_for_enrolment(enrolment=enrolment, actor=organiser_jabar)
    assert Certificate.objects.get(user=learner).sequence == 1


def test_a_self_paced_learner_is_numbered_in_the_provinces_self_paced_cohort(
    course, learner, django_capture_on_commit_callbacks
):
    course.enrolment = "open"
    course.save()
    enrolment = enrolment_create(user=learner, course=course)
    with django_capture_on_commit_callbacks(execute=True):
        complete(enrolment)
    certificate = Certificate.objects.get(user=learner)
    assert certificate.cohort.sequence == 0 and certificate.cohort.province_id == "32"
    assert "/0000/00001-" in certificate.number
    assert Enrolment.objects.get(pk=enrolment.pk).cohort is None  # the learner's enrolment is untouched


def test_two_courses_in_one_province_and_year_never_share_a_number(
    course, cohort_jabar, organiser_jabar, jabar, learner, django_capture_on_commit_callbacks
):
    """Cohorts are numbered per course: the first cohort (and the self-paced cohort) of two
    courses in Jawa Barat in 2026 both have the same cohort number."""
    other = course_with_lessons(2, slug="jejak-digital", title="Jejak Digital", enrolment="open")
    other_cohort = make_cohort(organiser_jabar, jabar, other)
    assert other_cohort.sequence == cohort_jabar.sequence
    participants(cohort_jabar, 1)
    participants(other_cohort, 1)
    services.certificates_issue_for_cohort(cohort_id=cohort_jabar.pk, actor_id=organiser_jabar.pk)
    services.certificates_issue_for_cohort(cohort_id=other_cohort.pk, actor_id=organiser_jabar.pk)
    # The same learner studies both courses on their own: two self-paced cohorts numbered 0000.
    course.enrolment = "open"
    course.save()
    for each in (course, other):
        with django_capture_on_commit_callbacks(execute=True):
            complete(enrolment_create(user=learner, course=each))
    numbers = list(Certificate.objects.values_list("number", flat=True))
    assert len(numbers) == 4 and len(set(numbers)) == 4
    assert all(number_is_well_formed(n) for n in numbers)


def test_a_template_edit_leaves_issued_pdfs_byte_identical(cohort_jabar, organiser_jabar):
    participants(cohort_jabar, 1)
    services.certificates_issue_for_cohort(cohort_id=cohort_jabar.pk, actor_id=organiser_jabar.pk)
    certificate = Certificate.objects.get()
    before = certificate.pdf.read()
    services.template_new_version(actor=None, title="PIAGAM", issuer_name="Kementerian Baru")
    certificate.user.full_name = "Nama Lain"
    certificate.user.save()
    services.certificates_issue_for_cohort(cohort_id=cohort_jabar.pk, actor_id=organiser_jabar.pk)
    services.certificates_render(certificate_ids=[certificate.pk])
    certificate.refresh_from_db()
    assert certificate.pdf.read() == before and certificate.snapshot["template"]["version"] == 1
    participants(cohort_jabar, 1)
    services.certificates_issue_for_cohort(cohort_id=cohort_jabar.pk, actor_id=organiser_jabar.pk)
    assert Certificate.objects.get(sequence=2).snapshot["template"]["title"] == "PIAGAM"


def test_revoking_needs_a_reason_and_reissuing_replaces_with_a_new_version(cohort_jabar, organiser_jabar):
    participants(cohort_jabar, 1)
    services.certificates_issue_for_cohort(cohort_id=cohort_jabar.pk, actor_id=organiser_jabar.pk)
    old = Certificate.objects.get()
    with pytest.raises(Refusal):
        services.certificate_revoke(certificate=old, actor=organiser_jabar, reason="  ")
    new = services.certificate_reissue(
        certificate=old, actor=organiser_jabar, full_name="Dra. Ni Luh Putu Ayu Sri Wahyuni, M.Si."
    )
    old.refresh_from_db()
    assert old.status == Certificate.Status.REPLACED and old.replaced_by == new
    assert new.sequence == old.sequence and new.version == 2 and new.number.startswith(old.number[:-2] + "R2-")
    assert new.snapshot["learner"]["name"] == "Dra. Ni Luh Putu Ayu Sri Wahyuni, M.Si."
    services.certificate_revoke(certificate=new, actor=organiser_jabar, reason="Data tidak benar")
    new.refresh_from_db()
    assert new.status == Certificate.Status.REVOKED and new.revoked_at is not None
    assert list(CertificateEvent.objects.values_list("action", flat=True).order_by("pk")) == [
        "issued",
        "reissued",
        "revoked",
    ]


def test_another_province_cannot_revoke(cohort_jabar, organiser_jabar, organiser_bali):
    from django.core.exceptions import PermissionDenied

    participants(cohort_jabar, 1)
    services.certificates_issue_for_cohort(cohort_id=cohort_jabar.pk, actor_id=organiser_jabar.pk)
    with pytest.raises(PermissionDenied):
        services.certificate_revoke(certificate=Certificate.objects.get(), actor=organiser_bali, reason="x")


def _issue_queries(cohort, size: int) -> int:
    participants(cohort, size)
    with CaptureQueriesContext(connection) as queries:
        services.certificates_issue_for_cohort(cohort_id=cohort.pk, actor_id=None, chunk=size)
    return len(queries)


def test_issuing_a_chunk_of_100_and_of_1000_costs_the_same_statements(
    cohort_jabar, monkeypatch, organiser_jabar, jabar, course
):
    from .conftest import make_cohort

    monkeypatch.setattr(services, "_enqueue_render", lambda ids: None)  # rendering is measured below
    other = make_cohort(organiser_jabar, jabar, course, name="Angkatan II")
    services.template_current()  # the first template is made once, on first use
    assert _issue_queries(cohort_jabar, 100) == _issue_queries(other, 1000)
    assert Certificate.objects.count() == 1100


def test_rendering_costs_the_same_statements_for_few_and_many(cohort_jabar, monkeypatch):
    monkeypatch.setattr(services, "_enqueue_render", lambda ids: None)
    monkeypatch.setattr(services, "_enqueue_email", lambda ids: None)
    participants(cohort_jabar, 12)
    services.certificates_issue_for_cohort(cohort_id=cohort_jabar.pk, actor_id=None)
    ids = list(Certificate.objects.order_by("pk").values_list("pk", flat=True))
    counts = []
    for chunk in (ids[:2], ids[2:]):
        with CaptureQueriesContext(connection) as queries:
            assert services.certificates_render(certificate_ids=chunk) == len(chunk)
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_the_progress_bar_counts_pdfs_ready_not_numbers_assigned(cohort_jabar, organiser_jabar, monkeypatch):
    rendering: list[int] = []
    monkeypatch.setattr(services, "_enqueue_render", rendering.extend)  # the PDFs wait in the queue
    participants(cohort_jabar, 3)
    assert services.certificates_issue_request(cohort=cohort_jabar, actor=organiser_jabar)
    assert Certificate.objects.filter(cohort=cohort_jabar).count() == 3
    assert services.issue_progress(cohort=cohort_jabar) == {"done": 0, "total": 3, "finished": False}
    services.certificates_render(certificate_ids=rendering[:2])
    assert services.issue_progress(cohort=cohort_jabar) == {"done": 2, "total": 3, "finished": False}
    services.certificates_render(certificate_ids=rendering[2:])
    assert services.issue_progress(cohort=cohort_jabar) == {"done": 3, "total": 3, "finished": True}


def test_with_the_broker_away_completing_still_works_and_the_sweep_renders_and_emails_later(
    cohort_jabar, learner, monkeypatch, mailoutbox
):
    from kombu.exceptions import OperationalError

    from certificates import tasks

    def broker_away(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    with monkeypatch.context() as away:
        for task in (tasks.certificates_render_task, tasks.certificates_email_task):
            away.setattr(task, "apply_async", broker_away)
            away.setattr(task, "delay", broker_away)
        complete(enrol(cohort_jabar, learner))  # the learner's request: no error
    certificate = Certificate.objects.get(user=learner)
    assert not certificate.is_rendered and mailoutbox == []

    assert services.certificates_sweep() == {
        "render": 0,
        "email": 0,
        "verification": 0,
    }  # too fresh: may still be queued
    later = timezone.now() + services.SWEEP_AFTER + dt.timedelta(minutes=1)
    assert services.certificates_sweep(now=later) == {"render": 1, "email": 0, "verification": 0}
    certificate.refresh_from_db()
    assert certificate.is_rendered and len(mailoutbox) == 1 and mailoutbox[0].to == [learner.email]
    assert services.certificates_sweep(now=later) == {"render": 0, "email": 0, "verification": 0}
    assert len(mailoutbox) == 1


def test_emailing_costs_the_same_statements_for_few_and_many(cohort_jabar, monkeypatch, mailoutbox):
    monkeypatch.setattr(services, "_enqueue_email", lambda ids: None)
    participants(cohort_jabar, 12)
    services.certificates_issue_for_cohort(cohort_id=cohort_jabar.pk, actor_id=None)
    ids = list(Certificate.objects.order_by("pk").values_list("pk", flat=True))
    counts = []
    for chunk in (ids[:2], ids[2:]):
        with CaptureQueriesContext(connection) as queries:
            assert services.certificates_email(certificate_ids=chunk) == len(chunk)
        counts.append(len(queries))
    assert counts[0] == counts[1] and len(mailoutbox) == 12
