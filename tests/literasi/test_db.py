"""Prepared statements for the hottest queries (literasi/db.py) and the per-process cache."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from literasi.db import prepared_cursor
from literasi.process_cache import ProcessCache

pytestmark = pytest.mark.django_db

postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")

QUERY = "SELECT code, name FROM literasi_province WHERE code = %s"


def prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


@postgres_only
def test_postgresql_plans_the_query_once_per_connection_and_it_is_still_counted(django_assert_num_queries) -> None:
    with django_assert_num_queries(2) as captured:
        for code in ("32", "51"):
            with prepared_cursor() as cursor:
                cursor.execute(QUERY, [code])
                assert cursor.fetchone()[1] in ("Jawa Barat", "Bali")
    assert [s for s in prepared_statements() if "literasi_province" in s] == [
        "SELECT code, name FROM literasi_province WHERE code = $1"
    ]
    # Logged with its parameters, like every other query.
    assert "code = '51'" in captured.captured_queries[1]["sql"]


@postgres_only
def test_a_failed_transaction_leaves_the_prepared_queries_working() -> None:
    with prepared_cursor() as cursor:
        cursor.execute(QUERY, ["32"])
    first_used_in_failure = "SELECT name FROM literasi_province WHERE code = %s"
    with pytest.raises(DatabaseError), transaction.atomic(), prepared_cursor() as cursor:
        cursor.execute(QUERY, ["32"])
        cursor.execute(first_used_in_failure, ["32"])
        cursor.execute("SELECT no_such_column FROM literasi_province")
    with prepared_cursor() as cursor:
        cursor.execute(QUERY, ["51"])
        assert cursor.fetchone()[1] == "Bali"
        cursor.execute(first_used_in_failure, ["51"])
        assert cursor.fetchone()[0] == "Bali"


def test_a_process_cache_drops_entries_nobody_asks_for_when_it_builds(monkeypatch) -> None:
    import literasi.process_cache as module

    now = [1000.0]
    monkeypatch.setattr(module.time, "monotonic", lambda: now[0])
    cache: ProcessCache[str] = ProcessCache(ttl=30)
    cache.get_or_build("build-1", lambda: "old page")
    now[0] += 31
    assert cache.get_or_build("build-2", lambda: "new page") == "new page"
    assert list(cache._items) == ["build-2"]
