"""Thin batch-queue tasks for cohorts: ids in, services called, safe to run twice."""

from __future__ import annotations

from celery import shared_task

from literasi.celery import batch_task_options

from . import services


@shared_task(**batch_task_options())
def import_validate_task(upload_id: int) -> None:
    """Check an uploaded participant file row by row (nothing is enrolled)."""
    services.import_validate(upload_id=upload_id)


@shared_task(**batch_task_options())
def import_apply_task(upload_id: int, actor_id: int) -> None:
    """Enrol the valid rows of a confirmed upload in one transaction."""
    services.import_apply(upload_id=upload_id, actor_id=actor_id)


@shared_task(**batch_task_options())
def invitations_send_task(cohort_id: int, new_user_ids: list[int], linked_user_ids: list[int]) -> None:
    """Email the participants an upload or an organiser enrolled."""
    services.invitations_send(cohort_id=cohort_id, new_user_ids=new_user_ids, linked_user_ids=linked_user_ids)
