"""Reads about quizzes and attempts."""

from __future__ import annotations

import datetime
import functools
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.db.models import Max, Min, Q, QuerySet

from courses.selectors import is_enrolled
from literasi.models import User

from .models import Attempt, Option, Question, Quiz


def answer_key(*, quiz: Quiz) -> dict[int, frozenset[int]]:
    """The right option ids per question, kept per process for the quiz's current key version
    (an edited key has a new version, so a grader never uses an old one)."""
    return answer_key_for_version(quiz.pk, quiz.key_version)


@functools.lru_cache(maxsize=1024)
def answer_key_for_version(quiz_id: int, key_version: int) -> dict[int, frozenset[int]]:
    key: dict[int, set[int]] = {}
    for question_id, option_id in Option.objects.filter(question__quiz_id=quiz_id, is_correct=True).values_list(
        "question_id", "pk"
    ):
        key.setdefault(question_id, set()).add(option_id)
    return {question_id: frozenset(ids) for question_id, ids in key.items()}


@dataclass(frozen=True)
class QuizStatus:
    quiz: Quiz
    attempts_used: int
    best_score: int | None
    passed: bool
    open_attempt_id: int | None
    waiting_attempt_id: int | None
    first_started_at: datetime.datetime | None = None

    @property
    def attempts_left(self) -> int | None:
        return None if not self.quiz.max_attempts else max(self.quiz.max_attempts - self.attempts_used, 0)

    @property
    def can_start(self) -> bool:
        return not self.passed and self.open_attempt_id is None and self.attempts_left != 0


def quizzes_for_learner(*, course_id: int, user: User | AnonymousUser) -> list[QuizStatus]:
    """The course's published quizzes with the learner's attempts summarised. Two queries."""
    quizzes = list(Quiz.objects.filter(course_id=course_id, is_published=True).order_by("order", "pk"))
    attempts: dict[int, list[Attempt]] = {}
    if user.is_authenticated and quizzes:
        for attempt in Attempt.objects.filter(user=user, quiz__in=quizzes).only(
            "id", "quiz_id", "state", "score", "passed", "started_at"
        ):
            attempts.setdefault(attempt.quiz_id, []).append(attempt)
    result = []
    for quiz in quizzes:
        mine = attempts.get(quiz.pk, [])
        scores = [a.score for a in mine if a.score is not None]
        result.append(
            QuizStatus(
                quiz=quiz,
                attempts_used=len(mine),
                best_score=max(scores) if scores else None,
                passed=any(a.passed for a in mine),
                open_attempt_id=next((a.pk for a in mine if a.state == Attempt.State.IN_PROGRESS), None),
                waiting_attempt_id=next((a.pk for a in mine if a.state == Attempt.State.SUBMITTED), None),
                first_started_at=min((a.started_at for a in mine), default=None),
            )
        )
    return result


# --- Gain: what a course taught, as the evaluation's best score minus the pre-test's ---------------
# A pre-test counts only if it was started before the learner's first attempt at the evaluation
# (after it, it no longer measures where they started). Both scores are percentages, so a gain is
# in percentage points, from -100 to 100.


@dataclass(frozen=True)
class LearnerGain:
    pretest_score: int
    final_score: int

    @property
    def points(self) -> int:
        return self.final_score - self.pretest_score


def learner_gain(*, statuses: list[QuizStatus]) -> LearnerGain | None:
    """The learner's gain in one course from their quiz statuses (``quizzes_for_learner``), or None
    until they have a graded pre-test taken first and a graded evaluation."""
    pretest = next((s for s in statuses if s.quiz.kind == Quiz.Kind.PRETEST), None)
    finals = [s for s in statuses if s.quiz.kind == Quiz.Kind.EVALUATION and s.quiz.required]
    scores = [s.best_score for s in finals if s.best_score is not None]
    starts = [s.first_started_at for s in finals if s.first_started_at is not None]
    if pretest is None or pretest.best_score is None or not scores:
        return None
    if starts and pretest.first_started_at is not None and pretest.first_started_at >= min(starts):
        return None
    return LearnerGain(pretest_score=pretest.best_score, final_score=max(scores))


@dataclass(frozen=True)
class CourseGain:
    course_id: int
    learners: int  # who took the pre-test first and have a graded evaluation
    pretest_average: float
    final_average: float

    @property
    def points(self) -> float:
        """The average gain in percentage points."""
        return self.final_average - self.pretest_average


def gains_per_course(*, course_ids: Iterable[int] | None = None) -> dict[int, CourseGain]:
    """Per course (all, or ``course_ids``): how many learners have a gain, and the averages of
    their pre-test and best evaluation scores. For the monitoring pages; two queries."""
    attempts = Attempt.objects.filter(quiz__is_published=True)
    if course_ids is not None:
        attempts = attempts.filter(quiz__course_id__in=list(course_ids))
    per_learner = ("user_id", "quiz__course_id")
    pretests = {
        (row["user_id"], row["quiz__course_id"]): row
        for row in attempts.filter(quiz__kind=Quiz.Kind.PRETEST)
        .values(*per_learner)
        .annotate(score=Min("score", filter=Q(state=Attempt.State.GRADED)), started=Min("started_at"))
    }
    totals: dict[int, list[int]] = {}
    for row in (
        attempts.filter(quiz__kind=Quiz.Kind.EVALUATION, quiz__required=True)
        .values(*per_learner)
        .annotate(best=Max("score", filter=Q(state=Attempt.State.GRADED)), started=Min("started_at"))
    ):
        pretest = pretests.get((row["user_id"], row["quiz__course_id"]))
        if pretest is None or pretest["score"] is None or row["best"] is None or pretest["started"] >= row["started"]:
            continue
        total = totals.setdefault(row["quiz__course_id"], [0, 0, 0])
        total[0] += 1
        total[1] += pretest["score"]
        total[2] += row["best"]
    return {
        course_id: CourseGain(course_id=course_id, learners=n, pretest_average=pre / n, final_average=final / n)
        for course_id, (n, pre, final) in totals.items()
    }


def attempt_of(*, user: User, attempt_id: int) -> Attempt | None:
    """The learner's own attempt, if they are still enrolled in its course; anyone else's does
    not exist for them (None)."""
    attempt = Attempt.objects.select_related("quiz", "quiz__course").filter(pk=attempt_id, user=user).first()
    if attempt is None or not is_enrolled(user=user, course_id=attempt.quiz.course_id):
        return None
    return attempt


def quiz_for_learner(*, user: User, quiz_id: int) -> Quiz | None:
    """A published quiz of a published course the learner is enrolled in; otherwise None."""
    quiz = Quiz.objects.select_related("course").filter(pk=quiz_id, is_published=True).first()
    if quiz is None or not quiz.course.is_published or not is_enrolled(user=user, course_id=quiz.course_id):
        return None
    return quiz


def attempts_at(*, user: User, quiz: Quiz) -> QuerySet[Attempt]:
    """The learner's attempts at ``quiz``, first to last."""
    return Attempt.objects.filter(user=user, quiz=quiz).order_by("number")


@dataclass(frozen=True)
class ShownQuestion:
    number: int
    question: Question
    options: list[Option]
    chosen: list[int]
    result: dict | None  # {"correct": bool, "key": [...]}, only when answers may be shown


def attempt_questions(*, attempt: Attempt, with_results: bool = False) -> list[ShownQuestion]:
    """The attempt's questions and options in its own order. Two queries.

    ``with_results`` adds what was right, only for a graded attempt whose quiz lets it be shown.
    """
    questions = {q.pk: q for q in Question.objects.filter(pk__in=attempt.question_ids)}
    options = {o.pk: o for o in Option.objects.filter(question_id__in=attempt.question_ids)}
    shown = []
    for number, item in enumerate(attempt.layout, start=1):
        question = questions.get(item["q"])
        if question is None:
            continue
        shown.append(
            ShownQuestion(
                number=number,
                question=question,
                options=[options[o] for o in item["o"] if o in options],
                chosen=attempt.answers.get(str(question.pk), []),
                result=attempt.results.get(str(question.pk)) if with_results else None,
            )
        )
    return shown


def answers_may_be_shown(*, attempt: Attempt, attempts_used: int) -> bool:
    """Whether the graded attempt's per-question results and explanations may be shown, by the
    quiz's rule: after each attempt, after passing, or after the last attempt (or a pass)."""
    if attempt.state != Attempt.State.GRADED:
        return False
    rule = attempt.quiz.show_answers
    if rule == Quiz.ShowAnswers.AFTER_ATTEMPT:
        return True
    if rule == Quiz.ShowAnswers.AFTER_PASS:
        return bool(attempt.passed)
    out_of_attempts = bool(attempt.quiz.max_attempts) and attempts_used >= attempt.quiz.max_attempts
    return bool(attempt.passed) or out_of_attempts
