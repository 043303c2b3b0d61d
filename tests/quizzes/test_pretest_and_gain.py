"""Attempts draw from every lesson; the pre-test never blocks completion; learners and monitoring see the gain."""

from __future__ import annotations

import datetime as dt
import secrets
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from courses.models import Course, Enrolment
from courses.services import content_sync, enrolment_create, lesson_complete
from quizzes import selectors, services
from quizzes.models import Attempt, Option, Question, Quiz

from ..factories import QuizFactory, UserFactory, course_with_lessons

pytestmark = pytest.mark.django_db


def quiz_per_lesson(course, *, per_lesson: int, **kwargs) -> Quiz:
    quiz = QuizFactory.create(course=course, **kwargs)
    for lesson in course.lessons.all():
        for n in range(per_lesson):
            question = Question.objects.create(
                quiz=quiz, lesson=lesson, key=f"{lesson.slug}-{n}", kind=Question.Kind.SINGLE, text_md="?"
            )
            Option.objects.create(question=question, position=1, text="Benar", is_correct=True)
            Option.objects.create(question=question, position=2, text="Salah")
    return quiz


def test_every_attempt_asks_about_every_lesson() -> None:
    course = course_with_lessons(3)
    quiz = quiz_per_lesson(course, per_lesson=4, questions_per_attempt=3)
    for _ in range(10):
        learner = UserFactory.create()
        enrolment_create(user=learner, course=course)
        attempt = services.attempt_start(user=learner, quiz=quiz)
        lessons = Question.objects.filter(pk__in=attempt.question_ids).values_list("lesson__slug", flat=True)
        assert sorted(lessons) == ["materi-1", "materi-2", "materi-3"]


def test_a_draw_spreads_over_the_lessons_as_evenly_as_it_can() -> None:
    course = course_with_lessons(3)
    quiz = quiz_per_lesson(course, per_lesson=4)
    questions = list(quiz.questions.all())
    for _ in range(20):
        drawn = services.draw_per_lesson(questions, 7, secrets.SystemRandom())
        assert len(set(drawn)) == 7
        assert sorted(Counter(q.lesson_id for q in drawn).values()) == [2, 2, 3]


def test_a_course_is_completed_without_its_pre_test(learner, tmp_path: Path) -> None:
    """The shipped pre-test files say nothing about passing: the loader makes them optional."""
    content_sync(root=Path(settings.BASE_DIR) / "content")
    course = Course.objects.get(slug="proteksi-perangkat-dan-data-digital")
    pretest = course.quizzes.get(kind=Quiz.Kind.PRETEST)
    assert (pretest.required, pretest.max_attempts, pretest.pass_mark) == (False, 1, 0)
    enrolment = enrolment_create(user=learner, course=course)
    for lesson in course.lessons.all():
        lesson_complete(enrolment=enrolment, lesson_id=lesson.pk)
    evaluation = course.quizzes.get(kind=Quiz.Kind.EVALUATION)
    Attempt.objects.create(user=learner, quiz=evaluation, number=1, state=Attempt.State.GRADED, score=80, passed=True)
    from courses.services import enrolment_refresh_completion

    assert enrolment_refresh_completion(user_id=learner.pk, course_id=course.pk) is not None
    assert Enrolment.objects.get(pk=enrolment.pk).completed_at is not None


@pytest.fixture
def course_with_pretest():
    course = course_with_lessons(2, slug="aman-digital", title="Aman Digital")
    pretest = quiz_per_lesson(
        course, per_lesson=2, slug="pra-tes", title="Pra-tes", kind=Quiz.Kind.PRETEST, required=False, max_attempts=1
    )
    evaluation = quiz_per_lesson(course, per_lesson=2, slug="evaluasi-akhir", title="Evaluasi Akhir")
    return course, pretest, evaluation


def graded(user, quiz, score: int, *, number: int = 1, minutes_ago: int = 0) -> Attempt:
    return Attempt.objects.create(
        user=user, quiz=quiz, number=number, state=Attempt.State.GRADED, score=score, passed=score >= quiz.pass_mark,
        started_at=timezone.now() - dt.timedelta(minutes=minutes_ago),
    )  # fmt: skip


def test_the_learner_sees_their_gain_on_the_course_page(client, learner, course_with_pretest) -> None:
    course, pretest, evaluation = course_with_pretest
    enrolment_create(user=learner, course=course)
    client.force_login(learner)
    html = client.get("/kursus/aman-digital/").content.decode()
    assert "Kerjakan sebelum materi pertama" in html and "Peningkatan Anda:" not in html
    graded(learner, pretest, 40, minutes_ago=60)
    graded(learner, evaluation, 70, minutes_ago=30)
    graded(learner, evaluation, 90, number=2)
    html = client.get("/kursus/aman-digital/").content.decode()
    assert "Nilai pra-tes Anda: 40" in html
    assert "Peningkatan Anda: +50 poin" in html and "(pra-tes 40, nilai evaluasi terbaik 90)" in html


def test_gain_per_course_averages_learners_who_took_the_pre_test_first(course_with_pretest) -> None:
    course, pretest, evaluation = course_with_pretest
    first, second, late, no_pretest = (
        UserFactory.create(),
        UserFactory.create(),
        UserFactory.create(),
        UserFactory.create(),
    )
    graded(first, pretest, 40, minutes_ago=60)
    graded(first, evaluation, 60, minutes_ago=30)
    graded(first, evaluation, 80, number=2)
    graded(second, pretest, 60, minutes_ago=60)
    graded(second, evaluation, 90)
    graded(late, evaluation, 50, minutes_ago=60)  # the pre-test after the evaluation measures nothing
    graded(late, pretest, 90)
    graded(no_pretest, evaluation, 100)
    other = course_with_lessons(1, slug="lain")
    assert selectors.gains_per_course(course_ids=[other.pk]) == {}
    gain = selectors.gains_per_course()[course.pk]
    assert (gain.learners, gain.pretest_average, gain.final_average, gain.points) == (2, 50, 85, 35)
    statuses = selectors.quizzes_for_learner(course_id=course.pk, user=late)
    assert selectors.learner_gain(statuses=statuses) is None
