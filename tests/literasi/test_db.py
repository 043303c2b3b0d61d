"""Prepared statements for the hottest queries (literasi/db.py) and the per-process cache."""

from __future__ import annotations

import psycopg
import pytest
from django.db import DatabaseError, connection, transaction

from literasi.db import fetchall_prepared
from literasi.models import Province
from literasi.process_cache import ProcessCache

postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")

QUERY = "SELECT code, name FROM literasi_province WHERE code = %s AND %s > 0"


def prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements ORDER BY prepare_time")
        return [row[0] for row in cursor.fetchall()]


def ours() -> list[str]:
    return [s for s in prepared_statements() if "literasi_province" in s]


@postgres_only
@pytest.mark.django_db
def test_postgresql_plans_the_query_once_and_it_is_still_counted(django_assert_num_queries) -> None:
    with django_assert_num_queries(2) as captured:
        # Small and large numbers alike: one statement, not one per integer size.
        assert fetchall_prepared(QUERY, ["32", 1]) == [("32", "Jawa Barat")]
        assert fetchall_prepared(QUERY, ["51", 2**40]) == [("51", "Bali")]
    assert ours() == ["SELECT code, name FROM literasi_province WHERE code = $1 AND $2 > 0"]
    # Logged with its parameters, like every other query.
    assert "code = '51'" in captured.captured_queries[1]["sql"]


@postgres_only
@pytest.mark.django_db
def test_django_s_own_queries_are_never_prepared() -> None:
    fetchall_prepared(QUERY, ["32", 1])
    for _ in range(10):
        list(Province.objects.filter(code="51"))
    assert [s for s in prepared_statements() if "literasi_province" in s] == ours()
    assert len(prepared_statements()) == 1


@postgres_only
@pytest.mark.django_db
def test_turned_off_nothing_is_prepared(settings) -> None:
    settings.DATABASE_PREPARED_STATEMENTS = False
    assert fetchall_prepared(QUERY, ["51", 1]) == [("51", "Bali")]
    assert ours() == []


@postgres_only
@pytest.mark.django_db
def test_a_failed_savepoint_leaves_the_prepared_queries_working() -> None:
    fetchall_prepared(QUERY, ["32", 1])
    first_used_in_failure = "SELECT name FROM literasi_province WHERE code = %s"
    with pytest.raises(DatabaseError), transaction.atomic():
        fetchall_prepared(first_used_in_failure, ["32"])
        fetchall_prepared("SELECT no_such_column FROM literasi_province", [])
    assert fetchall_prepared(QUERY, ["51", 1]) == [("51", "Bali")]
    assert fetchall_prepared(first_used_in_failure, ["51"]) == [("Bali",)]
    assert len(ours()) == 2


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_failed_transaction_leaves_the_prepared_queries_working() -> None:
    fetchall_prepared(QUERY, ["32", 1])
    with pytest.raises(DatabaseError), transaction.atomic():
        fetchall_prepared(QUERY, ["32", 1])
        fetchall_prepared("SELECT no_such_column FROM literasi_province", [])
    assert fetchall_prepared(QUERY, ["51", 1]) == [("51", "Bali")]
    assert len(ours()) == 1


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_connection_lost_between_requests_is_replaced() -> None:
    fetchall_prepared(QUERY, ["32", 1])
    connection.connection.close()  # the server went away, as a restart or an idle timeout does
    connection.health_check_done = False  # a new request starts
    assert fetchall_prepared(QUERY, ["51", 1]) == [("51", "Bali")]


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_column_changed_by_a_deploy_does_not_break_the_query() -> None:
    dsn = {**connection.get_connection_params(), "autocommit": True}
    dsn.pop("cursor_factory", None), dsn.pop("context", None)
    with psycopg.connect(**dsn) as other:  # another process, running a migration
        other.execute("CREATE TABLE literasi_test_deploy (amount integer)")
        other.execute("INSERT INTO literasi_test_deploy VALUES (7)")
        try:
            assert fetchall_prepared("SELECT amount FROM literasi_test_deploy WHERE %s > 0", [1]) == [(7,)]
            other.execute("ALTER TABLE literasi_test_deploy ALTER COLUMN amount TYPE text")
            assert fetchall_prepared("SELECT amount FROM literasi_test_deploy WHERE %s > 0", [1]) == [("7",)]
        finally:
            connection.close()
            other.execute("DROP TABLE literasi_test_deploy")


def test_a_process_cache_drops_entries_nobody_asks_for_when_it_builds(monkeypatch) -> None:
    import literasi.process_cache as module

    now = [1000.0]
    monkeypatch.setattr(module.time, "monotonic", lambda: now[0])
    cache: ProcessCache[str] = ProcessCache(ttl=30)
    cache.get_or_build("build-1", lambda: "old page")
    now[0] += 31
    assert cache.get_or_build("build-2", lambda: "new page") == "new page"
    assert list(cache._items) == ["build-2"]
