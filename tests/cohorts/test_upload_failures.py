"""Uploads never stay "checking" for ever: every failure ends FAILED with a reason the organiser
reads (and they may upload again), the scheduler fails what ran past its time limit and enqueues
what the broker never got, and an applied upload shows what happened to each row."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from celery.exceptions import Ignore, SoftTimeLimitExceeded
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError
from django.utils import timezone, translation

from cohorts import services, tasks
from cohorts.models import Invitation, Upload
from courses.models import Enrolment
from literasi.models import User

from .conftest import GOOD_CSV, confirm_and_apply, csv_file, make_cohort, upload_and_check
from .hostile_files import nul_byte_csv

pytestmark = pytest.mark.django_db


def upload_file(cohort, organiser, data: bytes, name: str) -> Upload:
    upload = services.upload_create(cohort=cohort, uploaded_by=organiser, file=SimpleUploadedFile(name, data))
    services.upload_check(upload_id=upload.pk)
    upload.refresh_from_db()
    return upload


def test_an_unusable_file_fails_with_its_reason_the_page_stops_polling_and_another_can_be_uploaded(
    client, organiser_jabar, cohort_jabar, django_capture_on_commit_callbacks
) -> None:
    with translation.override("id"):
        upload = upload_file(cohort_jabar, organiser_jabar, *nul_byte_csv())
    assert upload.state == "failed" and "karakter NUL (baris 42)" in upload.error
    client.force_login(organiser_jabar)
    panel = client.get(f"/penyelenggara/unggahan/{upload.pk}/status/").content.decode()
    assert "karakter NUL" in panel and "hx-get" not in panel  # shown, and no more polling
    page = client.get(f"/penyelenggara/unggahan/{upload.pk}/").content.decode()
    assert "hx-get" not in page and "htmx.min.js" not in page and "Unggah berkas lagi" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/penyelenggara/angkatan/{cohort_jabar.pk}/unggah/", {"file": csv_file(GOOD_CSV)})
    assert response.status_code == 302
    assert Upload.objects.latest("pk").state == "ready"


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (SoftTimeLimitExceeded(), "melebihi batas waktu"),
        (MemoryError(), "memerlukan memori melebihi batas"),
        (KeyError("a fault of ours"), "kesalahan pada sistem kami"),
    ],
    ids=["time limit", "memory", "bug"],
)
def test_whatever_stops_the_check_ends_it_failed_with_a_reason(
    monkeypatch, organiser_jabar, cohort_jabar, error, message
) -> None:
    def reading_fails(*args: object) -> None:
        raise error

    monkeypatch.setattr(services, "read_rows", reading_fails)
    with translation.override("id"):
        upload = upload_and_check(cohort_jabar, organiser_jabar, GOOD_CSV)
    assert upload.state == "failed" and message in upload.error


def test_a_file_gone_from_storage_fails_the_check(organiser_jabar, cohort_jabar) -> None:
    upload = services.upload_create(cohort=cohort_jabar, uploaded_by=organiser_jabar, file=csv_file(GOOD_CSV))
    upload.file.delete(save=False)
    with translation.override("id"):
        services.upload_check(upload_id=upload.pk)
    upload.refresh_from_db()
    assert upload.state == "failed" and "kesalahan pada sistem kami" in upload.error


def test_the_time_limit_while_applying_rolls_everything_back_and_says_so(
    monkeypatch, organiser_jabar, cohort_jabar
) -> None:
    upload = upload_and_check(cohort_jabar, organiser_jabar, GOOD_CSV)
    services.upload_confirm(upload=upload, actor=organiser_jabar)
    real = services._record_outcomes

    def then_time_is_up(*args: Any) -> None:  # the very end of the transaction
        real(*args)
        raise SoftTimeLimitExceeded

    monkeypatch.setattr(services, "_record_outcomes", then_time_is_up)
    with translation.override("id"):
        services.upload_apply(upload_id=upload.pk, actor_id=organiser_jabar.pk)
    upload.refresh_from_db()
    assert upload.state == "failed" and "Pendaftaran peserta berlangsung melebihi batas waktu" in upload.error
    assert not Enrolment.objects.exists() and not Invitation.objects.exists()
    assert not User.objects.filter(email="ayu@baliprov.go.id").exists()
    assert set(upload.rows.values_list("outcome", flat=True)) == {"new"}  # the preview, as it was


def test_the_sweep_fails_an_upload_left_running_past_its_time_limit(settings, organiser_jabar, cohort_jabar) -> None:
    running = services.upload_create(cohort=cohort_jabar, uploaded_by=organiser_jabar, file=csv_file(GOOD_CSV))
    stuck = services.upload_create(cohort=cohort_jabar, uploaded_by=organiser_jabar, file=csv_file(GOOD_CSV))
    ready = upload_and_check(cohort_jabar, organiser_jabar, GOOD_CSV)
    now = timezone.now()
    limit = dt.timedelta(seconds=settings.CELERY_BATCH_TIME_LIMIT) + services.STUCK_MARGIN
    Upload.objects.filter(pk=running.pk).update(started_at=now - limit + dt.timedelta(minutes=1))
    Upload.objects.filter(pk__in=[stuck.pk, ready.pk]).update(started_at=now - limit - dt.timedelta(minutes=1))
    with translation.override("id"):
        assert services.uploads_sweep(now=now)["failed"] == 1
    states = dict(Upload.objects.values_list("pk", "state"))
    assert (states[running.pk], states[stuck.pk], states[ready.pk]) == ("validating", "failed", "ready")
    assert "berhenti sebelum selesai" in Upload.objects.get(pk=stuck.pk).error


def test_after_applying_each_row_shows_what_happened_not_what_was_predicted(
    client, organiser_jabar, jabar, course
) -> None:
    cohort = make_cohort(organiser_jabar, jabar, course, capacity=2)
    first = upload_and_check(cohort, organiser_jabar, GOOD_CSV)
    assert first.counts["new"] == 2  # both fit when checked
    confirm_and_apply(upload_and_check(cohort, organiser_jabar, [";Lebih Dulu;dulu@contoh.go.id;;"]), organiser_jabar)
    with translation.override("id"):
        first = confirm_and_apply(first, organiser_jabar)  # one place left by then
    rows = {r.row_number: r for r in first.rows.all()}
    assert rows[2].outcome == "new"
    assert rows[2].user is not None and rows[2].user.email == "ayu@baliprov.go.id"
    assert (rows[3].outcome, rows[3].user) == ("error", None) and "penuh" in rows[3].message  # the cohort is full
    assert first.counts == {"new": 1, "linked": 0, "already": 0, "error": 1}
    client.force_login(organiser_jabar)
    page = client.get(f"/penyelenggara/unggahan/{first.pk}/").content.decode()
    assert "Terdaftar, akun baru" in page and f"Tidak didaftarkan: {rows[3].message}" in page


def test_a_task_delivered_too_often_is_given_up_and_its_upload_failed(organiser_jabar, cohort_jabar) -> None:
    upload = services.upload_create(cohort=cohort_jabar, uploaded_by=organiser_jabar, file=csv_file(GOOD_CSV))
    task = tasks.upload_check_task
    task.before_start("same-message", (upload.pk,), {})  # first delivery: runs
    task.before_start("same-message", (upload.pk,), {})  # redelivered once: runs
    with translation.override("id"), pytest.raises(Ignore):
        task.before_start("same-message", (upload.pk,), {})
    upload.refresh_from_db()
    assert upload.state == "failed" and "menghentikan pemroses sebanyak 2 kali" in upload.error


# --- The broker away: requests succeed, the sweep catches up --------------------------------------


class Broker:
    """Takes the broker away and brings it back; while it is there, the batch tasks run in this
    process, as the worker would run them."""

    TASKS = (tasks.upload_check_task, tasks.upload_apply_task, tasks.invitations_send_task)

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.monkeypatch = monkeypatch

    def away(self) -> None:
        def unreachable(*args: object) -> None:
            raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

        for task in self.TASKS:
            self.monkeypatch.setattr(task, "delay", unreachable)

    def back(self) -> None:
        for task in self.TASKS:
            self.monkeypatch.setattr(task, "delay", task)


@pytest.fixture
def broker(monkeypatch) -> Broker:
    return Broker(monkeypatch)


def test_with_the_broker_away_uploads_confirmations_and_invitations_wait_for_the_sweep(
    client, organiser_jabar, cohort_jabar, broker, django_capture_on_commit_callbacks
) -> None:
    client.force_login(organiser_jabar)
    broker.away()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/penyelenggara/angkatan/{cohort_jabar.pk}/unggah/", {"file": csv_file(GOOD_CSV)})
    assert response.status_code == 302
    upload = Upload.objects.get()
    assert (upload.state, upload.enqueued_at) == ("validating", None)

    broker.back()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.uploads_sweep()["enqueued"] == 1
    upload.refresh_from_db()
    assert upload.state == "ready"

    broker.away()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/penyelenggara/unggahan/{upload.pk}/konfirmasi/")
    assert response.status_code == 302
    upload.refresh_from_db()
    assert (upload.state, upload.enqueued_at, upload.confirmed_by) == ("applying", None, organiser_jabar)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.uploads_sweep()["enqueued"] == 0  # still away: nothing lost, nothing marked
    assert Upload.objects.get().enqueued_at is None

    broker.back()
    with django_capture_on_commit_callbacks(execute=True):
        services.uploads_sweep()  # applies the upload, whose invitations the broker then takes
    upload.refresh_from_db()
    assert upload.state == "applied" and Enrolment.objects.filter(cohort=cohort_jabar).count() == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["ayu@baliprov.go.id", "bayu@contoh.go.id"]
    assert not Invitation.objects.filter(sent_at=None).exists()


def test_invitations_not_handed_to_the_broker_are_sent_by_the_sweep_once(
    organiser_jabar, cohort_jabar, broker, django_capture_on_commit_callbacks
) -> None:
    upload = upload_and_check(cohort_jabar, organiser_jabar, GOOD_CSV)
    services.upload_confirm(upload=upload, actor=organiser_jabar)
    broker.away()
    with django_capture_on_commit_callbacks(execute=True):
        services.upload_apply(upload_id=upload.pk, actor_id=organiser_jabar.pk)  # as the worker would
    assert Invitation.objects.filter(sent_at=None, enqueued_at=None).count() == 2 and not mail.outbox

    broker.back()
    assert services.invitations_sweep() == {"invitation_cohorts": 1}
    assert sorted(m.to[0] for m in mail.outbox) == ["ayu@baliprov.go.id", "bayu@contoh.go.id"]
    assert services.invitations_sweep() == {"invitation_cohorts": 0}
    later = timezone.now() + services.REENQUEUE_AFTER * 2
    assert services.invitations_sweep(now=later) == {"invitation_cohorts": 0}  # sent: never again
    assert len(mail.outbox) == 2


def test_unsent_invitations_are_enqueued_a_few_times_only(organiser_jabar, cohort_jabar, monkeypatch) -> None:
    confirm_and_apply(upload_and_check(cohort_jabar, organiser_jabar, GOOD_CSV), organiser_jabar)
    assert Invitation.objects.filter(sent_at=None).count() == 2  # the commit callbacks do not run here
    monkeypatch.setattr(tasks.invitations_send_task, "delay", lambda cohort_id: None)  # taken, never sent
    now = timezone.now()
    rounds = [services.invitations_sweep(now=now + services.REENQUEUE_AFTER * 2 * n) for n in range(8)]
    assert [r["invitation_cohorts"] for r in rounds] == [1] * services.INVITATION_ENQUEUES + [0] * 3
