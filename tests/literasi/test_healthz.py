"""/healthz tells load balancers and operators the state of the database, broker and workers."""

from __future__ import annotations

import pytest

from bench.common import free_port
from literasi.celery import app

from ..services import RedisServer

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker_at(monkeypatch):
    """Point the app's broker at ``url`` for one test."""

    def point(url: str) -> None:
        monkeypatch.setattr(app.conf, "broker_url", url)
        monkeypatch.setattr(app.conf, "broker_transport_options", {})

    return point


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


def test_database_down_answers_503(client, monkeypatch) -> None:
    from literasi import health

    monkeypatch.setattr(health, "database_ok", lambda: False)
    response = client.get("/healthz")
    assert response.status_code == 503 and response.json()["database"] == "error"
