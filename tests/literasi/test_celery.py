"""The Celery policy every batch task gets: a message whose worker keeps dying is run a bounded
number of times, then given up; workers and publishers have limits."""

from __future__ import annotations

import pytest
from celery import shared_task
from celery.exceptions import Ignore
from django.core.cache import cache

from literasi.celery import BoundedDeliveryTask, app, batch_task_options

given_up: list[tuple] = []


class RecordingTask(BoundedDeliveryTask):
    def give_up(self, *args: object, **kwargs: object) -> None:
        given_up.append((args, kwargs))


@shared_task(**batch_task_options(base=RecordingTask))
def sample_batch_task(thing_id: int, *, reason: str = "") -> None:
    """A batch task for these tests."""


@pytest.fixture(autouse=True)
def _nothing_given_up() -> None:
    given_up.clear()


def deliver(task_id: str, *args: object, **kwargs: object) -> bool:
    """What the worker does before running a delivered message: True if the task would run."""
    try:
        sample_batch_task.before_start(task_id, args, kwargs)
    except Ignore:
        return False
    return True


def test_a_message_runs_at_most_the_allowed_number_of_times_then_is_given_up(settings) -> None:
    assert settings.CELERY_TASK_MAX_DELIVERIES == 2
    assert [deliver("message-1", 7, reason="x") for _ in range(4)] == [True, True, False, False]
    assert given_up == [((7,), {"reason": "x"})] * 2  # each further delivery is given up at once
    assert deliver("message-2", 8)  # another message, counted apart


def test_the_limit_is_a_setting(settings) -> None:
    settings.CELERY_TASK_MAX_DELIVERIES = 1
    assert [deliver("message-3", 1) for _ in range(2)] == [True, False]


def test_without_the_cache_a_message_still_runs(monkeypatch) -> None:
    def away(*args: object, **kwargs: object) -> None:
        raise ConnectionError("cache away")

    monkeypatch.setattr(cache, "add", away)
    assert all(deliver("message-4", 1) for _ in range(5))  # never lose work for want of a count


def test_batch_tasks_get_the_policy_and_their_limits(settings) -> None:
    from cohorts.tasks import invitations_send_task, upload_apply_task, upload_check_task
    from quizzes.tasks import quiz_regrade

    for task in (upload_check_task, upload_apply_task, invitations_send_task, quiz_regrade):
        assert isinstance(task, BoundedDeliveryTask), task.name
        # celery-types does not declare the queue option a task keeps as an attribute.
        limits = (task.queue, task.soft_time_limit, task.time_limit)  # type: ignore[attr-defined]
        assert limits == ("batch", settings.CELERY_BATCH_SOFT_TIME_LIMIT, settings.CELERY_BATCH_TIME_LIMIT)


def test_workers_replace_a_bloated_process_and_publishing_gives_up_at_once(settings) -> None:
    assert app.conf.worker_max_memory_per_child == settings.CELERY_WORKER_MAX_MEMORY_PER_CHILD > 0
    assert app.conf.task_publish_retry_policy["max_retries"] == 0
    if not settings.CELERY_BROKER_URL.startswith("filesystem://"):
        options = app.conf.broker_transport_options
        assert options["max_retries"] == 0 and options["socket_connect_timeout"] <= 0.5


def test_the_scheduler_sweeps_uploads_on_the_batch_queue() -> None:
    entry = app.conf.beat_schedule["sweep-cohort-uploads"]
    assert entry["task"] == "cohorts.tasks.uploads_sweep" and entry["options"]["queue"] == "batch"
    assert entry["task"] in app.tasks
