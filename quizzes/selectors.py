"""Reads about quizzes and attempts."""

from __future__ import annotations

from .models import Attempt, Quiz


def required_quizzes_passed(*, user_id: int, course_id: int) -> bool:
    """Whether the learner has a passing graded attempt at every published required quiz."""
    required = Quiz.objects.filter(course_id=course_id, is_published=True, required=True)
    passed = (
        Attempt.objects.filter(user_id=user_id, quiz__in=required, passed=True).values("quiz_id").distinct().count()
    )
    return passed >= required.count()
