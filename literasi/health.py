"""Checks behind /healthz: each returns quickly, even when the thing it checks is away."""

from __future__ import annotations

from django.db import connection

from .celery import app


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:  # noqa: BLE001 - any failure means "not ok" to a load balancer
        return False


def broker_ok(timeout: float = 2.0) -> bool:
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=timeout)
            return True
    except Exception:  # noqa: BLE001
        return False


def workers_answering(timeout: float = 1.0) -> int:
    """How many workers answered a ping within ``timeout`` seconds (0 when none or no broker)."""
    try:
        return len(app.control.ping(timeout=timeout) or [])
    except Exception:  # noqa: BLE001
        return 0
