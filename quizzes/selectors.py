"""Reads about quizzes and attempts."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404

from literasi.models import User
from literasi.process_cache import ProcessCache

from .models import Attempt, Option, Question, Quiz

_answer_keys: ProcessCache[dict[int, frozenset[int]]] = ProcessCache(ttl=3600)


def answer_key(*, quiz: Quiz) -> dict[int, frozenset[int]]:
    """The right option ids per question, cached per process for the quiz's current key version."""

    def load() -> dict[int, frozenset[int]]:
        key: dict[int, set[int]] = {}
        for question_id, option_id in Option.objects.filter(question__quiz=quiz, is_correct=True).values_list(
            "question_id", "pk"
        ):
            key.setdefault(question_id, set()).add(option_id)
        return {question_id: frozenset(ids) for question_id, ids in key.items()}

    return _answer_keys.get_or_build(f"{quiz.pk}:{quiz.key_version}", load)


@dataclass(frozen=True)
class QuizStatus:
    quiz: Quiz
    attempts_used: int
    best_score: int | None
    passed: bool
    open_attempt_id: int | None
    waiting_attempt_id: int | None

    @property
    def attempts_left(self) -> int | None:
        return None if not self.quiz.max_attempts else max(self.quiz.max_attempts - self.attempts_used, 0)

    @property
    def can_start(self) -> bool:
        return not self.passed and self.open_attempt_id is None and self.attempts_left != 0


def quizzes_for_learner(*, course_id: int, user: User) -> list[QuizStatus]:
    """The course's published quizzes with the learner's attempts summarised. Two queries."""
    quizzes = list(Quiz.objects.filter(course_id=course_id, is_published=True).order_by("order", "pk"))
    attempts: dict[int, list[Attempt]] = {}
    if user.is_authenticated and quizzes:
        for attempt in Attempt.objects.filter(user=user, quiz__in=quizzes).only(
            "id", "quiz_id", "state", "score", "passed"
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
            )
        )
    return result


def attempt_of(*, user: User, attempt_id: int) -> Attempt:
    """The learner's own attempt; anyone else's does not exist for them."""
    attempt = Attempt.objects.select_related("quiz", "quiz__course").filter(pk=attempt_id, user=user).first()
    if attempt is None:
        raise Http404
    return attempt


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
