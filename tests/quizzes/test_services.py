"""Attempts: start, resume, save, submit once, grade once, the time limit, the sweep, regrading."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from courses.models import Enrolment
from devtools.net import free_port
from literasi.celery import app
from literasi.errors import Refusal
from quizzes import services
from quizzes.models import Attempt, Option

from ..factories import UserFactory
from .conftest import finish_lessons, right_answers

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_broker_calls(monkeypatch):
    """Record what would be enqueued; the real broker is exercised in test_worker.py."""
    sent: list[int] = []
    monkeypatch.setattr("quizzes.tasks.attempt_grade.apply_async", lambda args, **kw: sent.append(args[0]))
    return sent


def test_start_requires_enrolment(learner, quiz) -> None:
    with pytest.raises(Refusal, match="Daftar ke kursus"):
        services.attempt_start(user=learner, quiz=quiz)


def test_an_attempt_draws_and_shuffles_its_own_questions(learner, quiz, enrolled) -> None:
    quiz.questions_per_attempt = 3
    quiz.save()
    attempt = services.attempt_start(user=learner, quiz=quiz)
    assert len(attempt.layout) == 3
    assert set(attempt.question_ids) <= set(quiz.questions.values_list("pk", flat=True))
    for item in attempt.layout:
        assert sorted(item["o"]) == sorted(Option.objects.filter(question_id=item["q"]).values_list("pk", flat=True))
    layouts = set()
    for _ in range(8):  # other learners get other draws and orders
        other = UserFactory.create()
        Enrolment.objects.create(user=other, course=quiz.course)
        layouts.add(str(services.attempt_start(user=other, quiz=quiz).layout))
    assert len(layouts) > 1


def test_starting_twice_resumes_the_open_attempt(learner, quiz, enrolled) -> None:
    first = services.attempt_start(user=learner, quiz=quiz)
    services.attempt_save_answers(attempt=first, answers=right_answers(first, wrong=1))
    again = services.attempt_start(user=learner, quiz=quiz)
    assert again.pk == first.pk and again.answers == right_answers(first, wrong=1)
    assert Attempt.objects.count() == 1


def test_answers_for_options_the_attempt_did_not_show_are_dropped(learner, quiz, enrolled) -> None:
    attempt = services.attempt_start(user=learner, quiz=quiz)
    foreign = Option.objects.exclude(question_id__in=attempt.question_ids).first()
    q = str(attempt.question_ids[0])
    services.attempt_save_answers(attempt=attempt, answers={q: [foreign.pk] if foreign else [], "999999": [1]})
    attempt.refresh_from_db()
    assert attempt.answers.get(q, []) == [] and "999999" not in attempt.answers


def test_submit_stores_answers_and_enqueues_after_commit(learner, quiz, enrolled, _no_broker_calls,
                                                         django_capture_on_commit_callbacks) -> None:  # fmt: skip
    attempt = services.attempt_start(user=learner, quiz=quiz)
    with django_capture_on_commit_callbacks(execute=True):
        submitted = services.attempt_submit(attempt=attempt, answers=right_answers(attempt))
    assert submitted.state == Attempt.State.SUBMITTED and submitted.submitted_at is not None
    assert _no_broker_calls == [attempt.pk]
    assert Attempt.objects.get(pk=attempt.pk).grading_enqueued_at is not None


def test_a_second_submit_changes_nothing(learner, quiz, enrolled, _no_broker_calls,
                                         django_capture_on_commit_callbacks) -> None:  # fmt: skip
    attempt = services.attempt_start(user=learner, quiz=quiz)
    with django_capture_on_commit_callbacks(execute=True):
        services.attempt_submit(attempt=attempt, answers=right_answers(attempt))
        services.attempt_submit(attempt=attempt, answers=right_answers(attempt, wrong=4))
    attempt.refresh_from_db()
    assert attempt.answers == right_answers(attempt)
    assert _no_broker_calls == [attempt.pk]


def test_grading_scores_single_and_multiple_answers(learner, quiz, enrolled) -> None:
    attempt = services.attempt_start(user=learner, quiz=quiz)
    answers = right_answers(attempt, wrong=1)
    services.attempt_submit(attempt=attempt, answers=answers)
    assert services.attempt_grade(attempt_id=attempt.pk)
    attempt.refresh_from_db()
    assert (attempt.state, attempt.score, attempt.correct_count, attempt.passed) == ("graded", 75, 3, True)
    first = str(attempt.layout[0]["q"])
    assert [r["correct"] for q, r in attempt.results.items() if q != first] == [True, True, True]
    assert attempt.results[first]["correct"] is False


def test_a_multiple_answer_question_needs_every_right_option(learner, quiz, enrolled) -> None:
    attempt = services.attempt_start(user=learner, quiz=quiz)
    multiple = quiz.questions.get(kind="multiple")
    answers = right_answers(attempt)
    answers[str(multiple.pk)] = [multiple.options.get(text="Pilihan A").pk]  # one of the two right ones
    services.attempt_submit(attempt=attempt, answers=answers)
    services.attempt_grade(attempt_id=attempt.pk)
    attempt.refresh_from_db()
    assert attempt.results[str(multiple.pk)]["correct"] is False and attempt.score == 75


def test_grading_twice_writes_one_grade_and_one_completion(learner, quiz, enrolled) -> None:
    finish_lessons(enrolled)
    enrolled.refresh_from_db()
    assert enrolled.completed_at is None  # the required quiz is not passed yet
    attempt = services.attempt_start(user=learner, quiz=quiz)
    services.attempt_submit(attempt=attempt, answers=right_answers(attempt))
    assert services.attempt_grade(attempt_id=attempt.pk) is True
    completed_at = Enrolment.objects.get(pk=enrolled.pk).completed_at
    assert completed_at is not None
    assert services.attempt_grade(attempt_id=attempt.pk) is False
    attempt.refresh_from_db()
    assert (attempt.grade_writes, attempt.grading_runs) == (1, 2)
    assert Enrolment.objects.get(pk=enrolled.pk).completed_at == completed_at


def test_failing_does_not_complete_and_attempts_run_out(learner, quiz, enrolled) -> None:
    finish_lessons(enrolled)
    for _ in range(quiz.max_attempts):
        attempt = services.attempt_start(user=learner, quiz=quiz)
        services.attempt_submit(attempt=attempt, answers=right_answers(attempt, wrong=2))
        services.attempt_grade(attempt_id=attempt.pk)
    assert Enrolment.objects.get(pk=enrolled.pk).completed_at is None
    with pytest.raises(Refusal, match="semua kesempatan"):
        services.attempt_start(user=learner, quiz=quiz)


def test_answers_after_the_time_limit_are_not_counted(learner, quiz, enrolled) -> None:
    quiz.time_limit_minutes = 10
    quiz.save()
    attempt = services.attempt_start(user=learner, quiz=quiz)
    assert attempt.deadline == attempt.started_at + dt.timedelta(minutes=10)
    saved = right_answers(attempt, wrong=4)  # all wrong, saved in time
    services.attempt_save_answers(attempt=attempt, answers=saved)
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - services.GRACE - dt.timedelta(seconds=1))
    attempt.refresh_from_db()
    assert services.attempt_save_answers(attempt=attempt, answers=right_answers(attempt)) is False
    submitted = services.attempt_submit(attempt=attempt, answers=right_answers(attempt))
    assert submitted.late and submitted.answers == saved
    services.attempt_grade(attempt_id=attempt.pk)
    attempt.refresh_from_db()
    assert attempt.score == 0


def test_answers_within_the_grace_period_count(learner, quiz, enrolled) -> None:
    quiz.time_limit_minutes = 10
    quiz.save()
    attempt = services.attempt_start(user=learner, quiz=quiz)
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - dt.timedelta(seconds=5))
    attempt.refresh_from_db()
    submitted = services.attempt_submit(attempt=attempt, answers=right_answers(attempt))
    assert not submitted.late and submitted.answers == right_answers(attempt)


def test_the_sweep_submits_expired_attempts_and_enqueues_waiting_ones(learner, quiz, enrolled, _no_broker_calls,
                                                                      django_capture_on_commit_callbacks) -> None:  # fmt: skip
    quiz.time_limit_minutes = 5
    quiz.save()
    expired = services.attempt_start(user=learner, quiz=quiz)
    Attempt.objects.filter(pk=expired.pk).update(deadline=timezone.now() - dt.timedelta(minutes=5))
    other = UserFactory.create()
    Enrolment.objects.create(user=other, course=quiz.course)
    never_enqueued = services.attempt_start(user=other, quiz=quiz)
    Attempt.objects.filter(pk=never_enqueued.pk).update(state="submitted", submitted_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        result = services.attempts_sweep()
    assert result == {"expired": 1, "enqueued": 1}
    assert Attempt.objects.get(pk=expired.pk).state == "submitted"
    assert sorted(_no_broker_calls) == sorted([expired.pk, never_enqueued.pk])
    # Freshly enqueued attempts are left alone by the next sweep...
    _no_broker_calls.clear()
    assert services.attempts_sweep()["enqueued"] == 0
    # ...until they have waited too long (their worker died): then they are enqueued again.
    later = timezone.now() + services.REENQUEUE_AFTER + dt.timedelta(seconds=1)
    assert services.attempts_sweep(now=later)["enqueued"] == 2


def test_a_submission_is_kept_when_the_broker_is_down(learner, quiz, enrolled, monkeypatch,
                                                      django_capture_on_commit_callbacks) -> None:  # fmt: skip
    monkeypatch.undo()  # the real apply_async, against a broker that is not there
    monkeypatch.setattr(app.conf, "broker_url", f"redis://127.0.0.1:{free_port()}/0")
    monkeypatch.setattr(app, "_pool", None)
    monkeypatch.setattr(app.amqp, "_producer_pool", None)
    attempt = services.attempt_start(user=learner, quiz=quiz)
    with django_capture_on_commit_callbacks(execute=True):
        submitted = services.attempt_submit(attempt=attempt, answers=right_answers(attempt))
    attempt.refresh_from_db()
    assert submitted.state == "submitted" and attempt.answers == right_answers(attempt)
    assert attempt.grading_enqueued_at is None  # the sweep will enqueue it
    assert services.attempts_sweep() == {"expired": 0, "enqueued": 0}  # still down: nothing lost


def test_regrade_after_a_corrected_answer_key(learner, quiz, enrolled) -> None:
    finish_lessons(enrolled)
    attempt = services.attempt_start(user=learner, quiz=quiz)
    services.attempt_submit(attempt=attempt, answers=right_answers(attempt, wrong=2))
    services.attempt_grade(attempt_id=attempt.pk)
    attempt.refresh_from_db()
    assert attempt.score == 50 and not attempt.passed
    # The editor finds the key of two questions was wrong: the learner's answers were right.
    for item in attempt.layout[:2]:
        chosen = set(attempt.answers[str(item["q"])])
        for option in Option.objects.filter(question_id=item["q"]):
            option.is_correct = option.pk in chosen
            option.save()
    services.quiz_key_changed(quiz=quiz)  # as the admin and load_content do
    assert services.quiz_regrade(quiz_id=quiz.pk) == 1
    attempt.refresh_from_db()
    assert (attempt.score, attempt.passed, attempt.grade_writes) == (100, True, 2)
    assert Enrolment.objects.get(pk=enrolled.pk).completed_at is not None
    assert services.quiz_regrade(quiz_id=quiz.pk) == 0  # safe to repeat


def test_the_course_completes_whichever_comes_last(learner, quiz, enrolled) -> None:
    attempt = services.attempt_start(user=learner, quiz=quiz)
    services.attempt_submit(attempt=attempt, answers=right_answers(attempt))
    services.attempt_grade(attempt_id=attempt.pk)
    assert Enrolment.objects.get(pk=enrolled.pk).completed_at is None  # lessons still to do
    finish_lessons(enrolled)
    assert Enrolment.objects.get(pk=enrolled.pk).completed_at is not None
