"""Checks behind /healthz: each returns quickly, even when the thing it checks is away."""

from __future__ import annotations

from django.core.cache import cache
from django.db import connection

from .celery import app


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:  # noqa: BLE001 - any failure means "not ok" to a load balancer
        return False


def broker_ok(timeout: int = 2) -> bool:
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=timeout)
            return True
    except Exception:  # noqa: BLE001
        return False


WORKERS_CACHE_SECONDS = 10


def workers_answering(timeout: float = 1.0) -> int:
    """Whether a worker answers a ping (1) or not (0).

    The ping returns at the first answer; the result is cached for a few seconds, so load
    balancers polling /healthz never tie up the web processes waiting on workers.
    """
    cached = cache.get("healthz:workers")
    if cached is not None:
        return cached
    try:
        answered = 1 if app.control.ping(timeout=timeout, limit=1) else 0
    except Exception:  # noqa: BLE001
        answered = 0
    cache.set("healthz:workers", answered, WORKERS_CACHE_SECONDS)
    return answered
