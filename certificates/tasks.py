"""Thin batch-queue tasks for certificates: ids in, services called, safe to run twice."""

from __future__ import annotations

from celery import shared_task

from literasi.celery import batch_task_options

from . import services


@shared_task(**batch_task_options())
def certificates_issue_task(cohort_id: int, actor_id: int | None) -> None:
    """Issue the cohort's certificates in chunks (rendering is enqueued per chunk)."""
    services.certificates_issue_for_cohort(cohort_id=cohort_id, actor_id=actor_id)


@shared_task(**batch_task_options())
def certificates_render_task(certificate_ids: list[int]) -> None:
    """Render, sign and store the PDFs of these certificates (those not rendered yet)."""
    services.certificates_render(certificate_ids=certificate_ids)


@shared_task(**batch_task_options())
def certificates_email_task(certificate_ids: list[int]) -> None:
    """Tell the learners their certificates are ready (once each)."""
    services.certificates_email(certificate_ids=certificate_ids)


@shared_task(**batch_task_options())
def certificates_sweep_task() -> None:
    """From the scheduler: enqueue the rendering and emails the broker never got or lost, and
    bring lately revoked certificates' verification records up to date."""
    services.certificates_sweep()
