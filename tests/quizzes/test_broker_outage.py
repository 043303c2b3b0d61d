"""A learner submitting while the broker is away: the request is answered at once, the attempt is
kept, and it is graded by a real worker once the broker is back (a private Redis, never the
shared one)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from courses.services import enrolment_create
from devtools.net import free_port
from quizzes import services
from quizzes.models import Attempt

from ..factories import UserFactory, course_with_lessons, quiz_with_questions
from ..services import RedisServer, broker, running_worker, wait_until
from .conftest import finish_lessons, form_data, right_answers, start

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def quiz(transactional_db):
    return quiz_with_questions(course_with_lessons(1, slug="kursus-uji"), count=4)


def signed_in_learner(client, quiz):
    learner = UserFactory.create()
    finish_lessons(enrolment_create(user=learner, course=quiz.course))
    client.force_login(learner)
    return learner


def submit_through_the_site(client, quiz) -> tuple[Attempt, Any, float]:
    """Start and submit an attempt as the browser does; returns the attempt, the submit's
    response and how long it took (printed for the record, never asserted)."""
    attempt = start(client, quiz)
    began = time.monotonic()
    response = client.post(f"/kuis/percobaan/{attempt.pk}/", form_data(attempt, right_answers(attempt)))
    return attempt, response, time.monotonic() - began


@pytest.mark.redis
def test_a_submission_while_redis_is_stopped_is_answered_and_graded_when_it_returns(client, quiz) -> None:
    redis = RedisServer()
    redis.start()
    try:
        with broker(redis.url), running_worker(env={"CELERY_BROKER_URL": redis.url}) as worker:
            signed_in_learner(client, quiz)
            before, response, _ = submit_through_the_site(client, quiz)
            wait_until(lambda: Attempt.objects.get(pk=before.pk).state == "graded", timeout=60, message="graded")
            # Completing the course issued a certificate: the worker finishes with it first. (A
            # worker holding an unacknowledged task when Redis goes away can exit in kombu's
            # restore path; in production its supervisor restarts it, see the README.)
            worker.wait_idle()

            redis.stop()
            timings, waiting = [], []
            for _ in range(3):  # the first try after the outage fails at once anyway; the others did not
                signed_in_learner(client, quiz)
                during, response, took = submit_through_the_site(client, quiz)
                timings.append(f"{took * 1000:.0f} ms")
                assert response.status_code == 302
                assert response["Location"] == f"/kuis/percobaan/{during.pk}/hasil/"
                during.refresh_from_db()
                assert (during.state, during.grading_enqueued_at) == ("submitted", None)  # kept for the sweep
                assert "Sedang dinilai" in client.get(response["Location"]).content.decode()
                waiting.append(during.pk)
            print("submits with the broker stopped:", ", ".join(timings))

            redis.start()
            wait_until(
                lambda: services.attempts_sweep()["enqueued"] == 3,
                timeout=30,
                message="the sweep could not reach the restarted broker",
            )

            def graded() -> int:
                return Attempt.objects.filter(pk__in=waiting, state="graded").count()

            wait_until(lambda: graded() == 3, timeout=60, message="graded after the broker returned")
            assert "Nilai: 100" in client.get(f"/kuis/percobaan/{during.pk}/status/").content.decode()
    finally:
        redis.stop()


class DroppingBroker:
    """A TCP port that accepts connections and closes them at once, counting them: a broker that
    is there but will not talk (a Redis at maxclients, a balancer with no backend)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.connections = 0
        self.server = socket.create_server(("127.0.0.1", self.port))
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self.server.close()


@pytest.fixture
def dropping_broker() -> Iterator[DroppingBroker]:
    listener = DroppingBroker()
    try:
        with broker(listener.url):
            yield listener
    finally:
        listener.close()


def test_a_submission_tries_an_unreachable_broker_once_and_does_not_wait_to_retry(
    client, quiz, dropping_broker
) -> None:
    signed_in_learner(client, quiz)
    attempt, response, _ = submit_through_the_site(client, quiz)
    assert response.status_code == 302
    # One connection, no retry loop inside the learner's request (kombu used to sleep 2 s,
    # then 4 s, between three tries): retrying is the sweep's job.
    assert dropping_broker.connections == 1
    attempt.refresh_from_db()
    assert (attempt.state, attempt.grading_enqueued_at) == ("submitted", None)
    # The sweep also tries once per run and keeps the attempt for the next.
    assert services.attempts_sweep() == {"expired": 0, "enqueued": 0}
    assert dropping_broker.connections == 2
