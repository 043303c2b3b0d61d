from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from quizzes import services
from quizzes.models import Attempt, Option
from quizzes.selectors import answer_key

from .conftest import right_answers

pytestmark = pytest.mark.django_db


@pytest.fixture
def graded_attempt(learner, quiz, enrolled):
    attempt = services.attempt_start(user=learner, quiz=quiz)
    services.attempt_submit(attempt=attempt, answers=right_answers(attempt, wrong=2))
    services.attempt_grade(attempt_id=attempt.pk)
    return Attempt.objects.get(pk=attempt.pk)


def test_admins_see_attempts_and_the_stuck_ones(client, national_admin, learner, quiz, enrolled, monkeypatch) -> None:
    monkeypatch.setattr("quizzes.tasks.attempt_grade.apply_async", lambda *a, **k: None)
    attempt = services.attempt_start(user=learner, quiz=quiz)
    services.attempt_submit(attempt=attempt, answers={})
    Attempt.objects.filter(pk=attempt.pk).update(submitted_at=timezone.now() - dt.timedelta(minutes=10))
    client.force_login(national_admin)
    html = client.get("/admin/quizzes/attempt/?grading=stuck").content.decode()
    assert learner.email in html and "10 min" in html
    assert learner.email not in client.get("/admin/quizzes/attempt/?grading=stuck&state=graded").content.decode()


def test_regrade_action_queues_a_batch_job_that_fixes_scores(client, national_admin, quiz, graded_attempt,
                                                             monkeypatch) -> None:  # fmt: skip
    queued = []
    monkeypatch.setattr("quizzes.tasks.quiz_regrade.delay", lambda quiz_id: queued.append(quiz_id))
    for item in graded_attempt.layout[:2]:  # the key was wrong where the learner "erred"
        chosen = set(graded_attempt.answers[str(item["q"])])
        Option.objects.filter(question_id=item["q"]).update(is_correct=False)
        Option.objects.filter(pk__in=chosen).update(is_correct=True)
    services.quiz_key_changed(quiz=quiz)
    client.force_login(national_admin)
    response = client.post("/admin/quizzes/quiz/", {"action": "regrade", "_selected_action": [quiz.pk]}, follow=True)
    assert "Penilaian ulang 1 kuis sudah masuk antrean" in response.content.decode()
    assert queued == [quiz.pk]
    from quizzes.tasks import quiz_regrade

    quiz_regrade(quiz.pk)  # what the batch worker runs
    graded_attempt.refresh_from_db()
    assert graded_attempt.score == 100 and graded_attempt.passed


def test_the_regrade_task_runs_on_the_batch_queue() -> None:
    from quizzes.tasks import attempt_grade, quiz_regrade

    # celery-types does not declare the queue option a task keeps as an attribute.
    assert quiz_regrade.queue == "batch" and attempt_grade.queue == "grading"  # type: ignore[attr-defined]


def test_learners_and_organisers_cannot_see_attempts_in_the_admin(client, learner, organiser_jabar) -> None:
    for person in (learner, organiser_jabar):
        client.force_login(person)
        response = client.get("/admin/quizzes/attempt/")
        assert (response.status_code, response["Location"]) == (302, "/admin/login/?next=/admin/quizzes/attempt/")


def test_editing_the_key_in_the_admin_reaches_graders_at_once(client, national_admin, learner, quiz, enrolled) -> None:
    question = quiz.questions.get(key="soal-1")
    right, wrong = question.options.get(text="Pilihan A"), question.options.get(text="Pilihan B")
    attempt = services.attempt_start(user=learner, quiz=quiz)
    answer_key(quiz=quiz)  # the grader has the old key cached
    client.force_login(national_admin)
    data = {"quiz": quiz.pk, "key": "soal-1", "kind": "single", "order": 1, "text_md": "Soal nomor 1?",
            "explanation_md": "", "is_published": "on", "options-TOTAL_FORMS": "3", "options-INITIAL_FORMS": "3",
            "options-MIN_NUM_FORMS": "0", "options-MAX_NUM_FORMS": "1000"}  # fmt: skip
    for n, option in enumerate(question.options.order_by("position")):
        data |= {f"options-{n}-id": option.pk, f"options-{n}-question": question.pk,
                 f"options-{n}-position": option.position, f"options-{n}-text": option.text}  # fmt: skip
        if option == wrong:
            data[f"options-{n}-is_correct"] = "on"
    response = client.post(f"/admin/quizzes/question/{question.pk}/change/", data, follow=True)
    assert "kunci jawaban berubah" in response.content.decode().lower()
    answers = {str(q): [] for q in attempt.question_ids} | {str(question.pk): [wrong.pk]}
    services.attempt_submit(attempt=attempt, answers=answers)
    services.attempt_grade(attempt_id=attempt.pk)
    attempt.refresh_from_db()
    assert (
        attempt.results[str(question.pk)]["correct"] is True
        and right.pk not in attempt.results[str(question.pk)]["key"]
    )
