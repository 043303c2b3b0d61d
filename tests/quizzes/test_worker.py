"""Grading through a real Celery worker process on the configured broker: nothing lost, nothing
graded twice, when workers die or the broker goes away."""

from __future__ import annotations

import pytest
from django.db.models import Count

from courses.models import Enrolment
from courses.services import enrolment_create
from quizzes import services
from quizzes.models import Attempt
from quizzes.tasks import attempt_grade

from ..factories import UserFactory, course_with_lessons, quiz_with_questions
from ..services import RedisServer, WorkerProcess, broker, running_worker, wait_until
from .conftest import finish_lessons, right_answers

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def quiz(transactional_db):
    return quiz_with_questions(course_with_lessons(1, slug="kursus-uji"), count=4)


def submit_many(quiz, count: int, *, wrong: int = 0) -> list[int]:
    """``count`` learners who finished the lessons, each submitting an attempt (enqueued at commit)."""
    ids = []
    for _ in range(count):
        learner = UserFactory.create()
        finish_lessons(enrolment_create(user=learner, course=quiz.course))
        attempt = services.attempt_start(user=learner, quiz=quiz)
        ids.append(services.attempt_submit(attempt=attempt, answers=right_answers(attempt, wrong=wrong)).pk)
    return ids


def graded(ids: list[int]) -> int:
    return Attempt.objects.filter(pk__in=ids, state=Attempt.State.GRADED).count()


def assert_each_graded_once(ids: list[int], *, score: int) -> None:
    attempts = Attempt.objects.filter(pk__in=ids)
    assert {(a.state, a.score, a.grade_writes) for a in attempts} == {("graded", score, 1)}
    completions = Enrolment.objects.filter(user__quiz_attempts__pk__in=ids, completed_at__isnull=False)
    assert completions.count() == len(ids)  # one completion per learner, none twice


def test_a_batch_of_submissions_is_all_graded(quiz, celery_worker) -> None:
    ids = submit_many(quiz, 40)
    wait_until(lambda: graded(ids) == 40, timeout=90, message=f"graded {graded(ids)} of 40")
    assert_each_graded_once(ids, score=100)
    # Submitting again (a replayed request) and sweeping change nothing.
    for attempt in Attempt.objects.filter(pk__in=ids[:5]):
        services.attempt_submit(attempt=attempt, answers={})
    services.attempts_sweep(reenqueue_after=services.dt.timedelta(0))
    assert_each_graded_once(ids, score=100)


def test_a_worker_killed_mid_batch_loses_nothing_and_grades_nothing_twice(quiz) -> None:
    from literasi.celery import app

    app.control.purge()
    ids = submit_many(quiz, 400, wrong=1)  # queued before any worker runs
    first = WorkerProcess(concurrency=1)  # one process, so 400 attempts take it a while
    # Not wait_ready(): the worker grades while its ping is awaited. Watch the grades instead.
    wait_until(lambda: graded(ids) >= 10, timeout=90, message="the first worker graded nothing", every=0.01)
    first.kill()  # SIGKILL: no goodbye, messages it held are not acknowledged
    assert graded(ids) < len(ids), "the batch finished before the worker was killed; make it larger"
    with running_worker():
        # The scheduler's sweep finds what the dead worker held (here without waiting the
        # usual two minutes) and enqueues it again, duplicates included.
        services.attempts_sweep(reenqueue_after=services.dt.timedelta(0))
        wait_until(lambda: graded(ids) == len(ids), timeout=120, message=f"graded {graded(ids)} of {len(ids)}")
        assert_each_graded_once(ids, score=75)
        # Every message delivered once more (as the broker does after a visibility timeout):
        # each is picked up and writes nothing.
        for attempt_id in ids:
            attempt_grade.delay(attempt_id)
        wait_until(
            lambda: not Attempt.objects.filter(pk__in=ids, grading_runs__lt=2).exists(),
            timeout=120,
            message="redelivered tasks were not all picked up",
        )
    assert_each_graded_once(ids, score=75)


@pytest.mark.redis
def test_redis_stopped_during_submissions_and_started_again(quiz) -> None:
    redis = RedisServer()
    redis.start()
    try:
        with broker(redis.url), running_worker(env={"CELERY_BROKER_URL": redis.url}):
            before = submit_many(quiz, 10)
            wait_until(lambda: graded(before) == 10, timeout=60, message="graded before the outage")

            redis.stop()
            during = submit_many(quiz, 10)  # learners keep submitting: every one is accepted
            assert Attempt.objects.filter(pk__in=during, state="submitted", grading_enqueued_at=None).count() == 10
            assert services.attempts_sweep()["enqueued"] == 0  # the sweep tries, fails, loses nothing

            redis.start()  # a new, empty Redis: whatever it held is gone too
            wait_until(
                lambda: services.attempts_sweep()["enqueued"] > 0 or graded(during) == 10,
                timeout=60,
                message="the sweep could not reach the restarted broker",
            )
            wait_until(lambda: graded(during) == 10, timeout=90, message=f"graded {graded(during)} of 10 after")
        assert_each_graded_once(before + during, score=100)
    finally:
        redis.stop()


def test_grading_counts_stay_single_under_concurrent_sweeps(quiz, celery_worker) -> None:
    ids = submit_many(quiz, 30)
    for _ in range(3):  # three sweeps racing the original tasks
        services.attempts_sweep(reenqueue_after=services.dt.timedelta(0))
    wait_until(lambda: graded(ids) == 30, timeout=90, message=f"graded {graded(ids)} of 30")
    per_attempt = Attempt.objects.filter(pk__in=ids).aggregate(n=Count("pk"))
    assert per_attempt["n"] == 30
    assert_each_graded_once(ids, score=100)
