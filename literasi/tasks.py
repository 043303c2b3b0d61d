from __future__ import annotations

from celery import shared_task
from django.core.management import call_command

from .celery import batch_task_options


@shared_task(**batch_task_options())
def sessions_clear_expired() -> None:
    """Delete expired sessions (daily, from the scheduler). Safe to repeat."""
    call_command("clearsessions")
