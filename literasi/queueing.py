"""Handing work to the broker from a request without ever failing or stalling the request.

The row that describes the work (an attempt, an upload, an invitation) is the outbox: it is
committed first, and a sweep run by the scheduler enqueues whatever was never handed over.
Publishing is therefore a single, fast try (see the broker block in settings: no connection
retries, short socket timeouts); when the broker is away the error is logged and the request
carries on. Every app may use these; none of them needs to know the broker.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from celery import Task
from django.db import transaction

logger = logging.getLogger(__name__)


def publish(task: Task, *args: Any, **options: Any) -> bool:
    """Send ``task(*args)`` to the broker now, once. Returns False (logged, not raised) when the
    broker cannot take it: the caller's outbox row stays unmarked for its sweep. ``options`` go
    to ``apply_async`` (``queue``, ``countdown``...)."""
    try:
        task.apply_async(args=args, retry=False, **options)
    except Exception:  # any broker failure: the sweep enqueues it later
        logger.warning("broker unavailable: %s%r left for the sweep", task.name, args, exc_info=True)
        return False
    return True


def enqueue_on_commit(task: Task, *args: Any, then: Callable[[], None] | None = None, **options: Any) -> None:
    """Publish ``task(*args)`` once the current transaction commits (at once outside one).

    ``then`` runs only if the broker took the task (e.g. to set an ``enqueued_at`` mark). Never
    raises into the request: a broker that is away costs one fast, logged failed try.
    """

    def send() -> None:
        if publish(task, *args, **options) and then is not None:
            then()

    transaction.on_commit(send, robust=True)
