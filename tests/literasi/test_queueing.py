"""literasi.queueing: work is handed to the broker after the commit, and a broker that is away
never fails the request that asked for it."""

from __future__ import annotations

import logging

import pytest
from kombu.exceptions import OperationalError

from literasi.queueing import enqueue_on_commit, publish
from quizzes.tasks import attempt_grade

pytestmark = pytest.mark.django_db


def test_publishing_to_a_broker_that_is_away_is_logged_not_raised(monkeypatch, caplog) -> None:
    def broker_away(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(attempt_grade, "apply_async", broker_away)
    with caplog.at_level(logging.WARNING, logger="literasi.queueing"):
        assert publish(attempt_grade, 7) is False
    assert "quizzes.tasks.attempt_grade" in caplog.text and "left for the sweep" in caplog.text


def test_the_task_is_sent_only_after_the_commit_and_then_marked(
    monkeypatch, django_capture_on_commit_callbacks
) -> None:
    sent, marked = [], []
    monkeypatch.setattr(attempt_grade, "apply_async", lambda args, **kwargs: sent.append((args, kwargs)))
    with django_capture_on_commit_callbacks(execute=True):
        enqueue_on_commit(attempt_grade, 7, then=lambda: marked.append(True), queue="batch")
        assert sent == []  # nothing leaves before the commit
    assert sent == [((7,), {"retry": False, "queue": "batch"})] and marked == [True]


def test_a_failed_send_after_the_commit_skips_the_mark(monkeypatch, django_capture_on_commit_callbacks) -> None:
    def broker_away(*args, **kwargs):
        raise OperationalError("Connection refused.")

    monkeypatch.setattr(attempt_grade, "apply_async", broker_away)
    marked = []
    with django_capture_on_commit_callbacks(execute=True):
        enqueue_on_commit(attempt_grade, 7, then=lambda: marked.append(True))
    assert marked == []
