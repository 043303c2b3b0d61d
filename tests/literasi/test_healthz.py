"""/healthz tells load balancers and operators the state of the database, broker and workers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack

import pytest

from devtools.net import free_port

from ..services import RedisServer, broker

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker_at() -> Iterator[Callable[[str], None]]:
    """Point the app's broker at ``url`` for one test (publishing as the settings say)."""

    with ExitStack() as stack:
        yield lambda url: stack.enter_context(broker(url))


@pytest.mark.worker
def test_all_up_with_a_worker_answering(client, celery_worker) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["database"] == "ok" and body["broker"] == "ok"
    assert body["workers"] >= 1 and body["status"] == "ok"


def test_no_worker_is_reported_as_degraded(client) -> None:
    body = client.get("/healthz").json()
    assert body["broker"] == "ok" and body["workers"] == 0 and body["status"] == "degraded"


def test_broker_unreachable_is_reported_but_the_site_stays_in_rotation(client, broker_at) -> None:
    broker_at(f"redis://127.0.0.1:{free_port()}/0")
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "degraded", "database": "ok", "broker": "error", "workers": 0}


@pytest.mark.redis
def test_broker_that_stops_is_noticed_and_its_return_too(client, broker_at) -> None:
    redis = RedisServer()
    redis.start()
    broker_at(redis.url)
    try:
        assert client.get("/healthz").json()["broker"] == "ok"
        redis.stop()
        assert client.get("/healthz").json()["broker"] == "error"
        redis.start()
        assert client.get("/healthz").json()["broker"] == "ok"
    finally:
        redis.stop()


@pytest.mark.django_db(transaction=True)
def test_database_down_answers_503_and_its_return_is_noticed(client) -> None:
    """The database really is unreachable (its connection points at a closed port or a missing
    directory), not a patched check."""
    from django.db import connection

    saved = dict(connection.settings_dict)
    connection.close()
    if connection.vendor == "sqlite":
        connection.settings_dict["NAME"] = "/nonexistent-directory/literasi.sqlite3"
    else:
        connection.settings_dict.update(HOST="127.0.0.1", PORT=str(free_port()))
    try:
        response = client.get("/healthz")
    finally:
        connection.close()
        connection.settings_dict.update(saved)
    assert response.status_code == 503 and response.json()["database"] == "error"
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json()["database"] == "ok"
