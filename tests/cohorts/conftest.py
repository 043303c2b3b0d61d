from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cohorts import services
from cohorts.models import Cohort, Upload
from courses.models import Course

from ..factories import course_with_lessons


@pytest.fixture
def course(db) -> Course:
    return course_with_lessons(2, slug="netralitas", title="Netralitas ASN", enrolment="closed")


def make_cohort(organiser, province, course, **kwargs: Any) -> Cohort:
    values: dict[str, Any] = {"name": "Angkatan I", "year": 2026, "start_date": dt.date(2026, 12, 1),
              "end_date": dt.date(2026, 12, 31), "capacity": 100, "status": Cohort.Status.OPEN} | kwargs  # fmt: skip
    return services.cohort_create(organiser=organiser, province=province, course=course, **values)


@pytest.fixture
def cohort_jabar(organiser_jabar, jabar, course) -> Cohort:
    return make_cohort(organiser_jabar, jabar, course)


@pytest.fixture
def cohort_bali(organiser_bali, bali, course) -> Cohort:
    return make_cohort(organiser_bali, bali, course, name="Angkatan Bali")


def csv_file(lines: list[str], name: str = "peserta.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, ("\n".join(["NIP;Nama Lengkap;E-mail;Unit Kerja;Jabatan", *lines])).encode())


def upload_and_check(cohort: Cohort, organiser, lines: list[str]) -> Upload:
    """Upload a file and run the check as the batch worker would."""
    upload = services.upload_create(cohort=cohort, uploaded_by=organiser, file=csv_file(lines))
    services.upload_check(upload_id=upload.pk)
    upload.refresh_from_db()
    return upload


def confirm_and_apply(upload: Upload, organiser) -> Upload:
    services.upload_confirm(upload=upload, actor=organiser)
    services.upload_apply(upload_id=upload.pk, actor_id=organiser.pk)
    upload.refresh_from_db()
    return upload


@pytest.fixture(autouse=True)
def _batch_tasks_run_here(monkeypatch):
    """The batch worker's tasks run in this process; test_worker-style runs cover the broker."""
    from cohorts import tasks

    for task in (tasks.upload_check_task, tasks.upload_apply_task, tasks.invitations_send_task):
        monkeypatch.setattr(task, "delay", task)


GOOD_CSV = [
    "19860926 201505 1 001;Ni Luh Putu Ayu;ayu@baliprov.go.id;Diskominfos;Pranata Komputer",
    ";Bayu Prasetyo;bayu@contoh.go.id;BPSDM;Widyaiswara",
]
