"""Prepared statements for the few queries that run on every page view.

Django binds parameters on the client and never prepares statements, so PostgreSQL parses and
plans each query every time. For a short query such as the lesson page's read of a learner's
progress, planning costs more than running it (0.26 ms against 0.13 ms on the bench machine).
``fetchall_prepared`` runs a query on a cursor that binds on the server, and psycopg prepares it
once per connection, so PostgreSQL reuses the plan.

Only queries run through here are prepared: psycopg's preparing is switched on for the duration
of the call and off again, so Django's own queries are untouched. Queries still go through
Django's cursor wrapper: they are logged and counted, and errors are Django's.

``DATABASE_PREPARED_STATEMENTS=false`` turns it off (needed in transaction mode behind PgBouncer
older than 1.22, or with its ``max_prepared_statements`` at 0). On SQLite this is an ordinary
query.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, NotSupportedError, connections
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper


class _PreparedDebugWrapper(CursorDebugWrapper):
    """Logs (for DEBUG and tests that count queries) the statement with its parameters: psycopg
    keeps no text for a run of a prepared statement."""

    def execute(self, sql: str, params: object = None) -> object:
        with self.debug_sql(self.db.ops.compose_sql(sql, params), params):
            return CursorWrapper.execute(self, sql, params)


def fetchall_prepared(sql: str, params: Sequence[object]) -> list[tuple]:
    """Run ``sql`` (``%s`` placeholders) and return all its rows, from a prepared statement on
    PostgreSQL."""
    db = connections[DEFAULT_DB_ALIAS]
    if db.vendor != "postgresql" or not settings.DATABASE_PREPARED_STATEMENTS:
        with db.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    try:
        return _run(db, sql, params)
    except NotSupportedError as error:
        # "cached plan must not change result type": another process changed the type of a
        # column the statement returns (a deploy's migration). Outside a transaction, start
        # again on a new connection; inside one, its rollback drops the connection's statements.
        if db.in_atomic_block or getattr(error.__cause__, "sqlstate", None) != "0A000":
            raise
        db.close()
        return _run(db, sql, params)


def _run(db, sql: str, params: Sequence[object]) -> list[tuple]:
    from django.db.backends.postgresql.base import ServerBindingCursor
    from psycopg.types.numeric import Int8

    # psycopg types an int by its size (int2, int4, int8), and each combination would be a
    # statement of its own; as int8 they all share one.
    params = [Int8(value) if type(value) is int else value for value in params]
    # The steps of db.cursor(), with a cursor class that binds on the server.
    db.close_if_health_check_failed()
    db.ensure_connection()
    db.validate_thread_sharing()
    with db.wrap_database_errors:
        raw = ServerBindingCursor(db.connection)
    wrapper = _PreparedDebugWrapper if db.queries_logged else CursorWrapper
    conn = db.connection
    conn.prepare_threshold = 0  # prepare this statement (or reuse it) ...
    try:
        with wrapper(raw, db) as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    finally:
        if db.connection is conn:
            conn.prepare_threshold = None  # ... and leave Django's own queries unprepared
