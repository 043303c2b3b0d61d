from __future__ import annotations

import pytest

from courses.services import enrolment_create, lesson_complete
from quizzes.models import Attempt, Option

from ..factories import course_with_lessons, quiz_with_questions


@pytest.fixture
def course(db):
    return course_with_lessons(2, slug="aman-digital", title="Aman Digital")


@pytest.fixture
def quiz(course):
    return quiz_with_questions(course, count=4)


@pytest.fixture
def enrolled(learner, course):
    return enrolment_create(user=learner, course=course)


def finish_lessons(enrolment) -> None:
    for lesson in enrolment.course.lessons.all():
        lesson_complete(enrolment=enrolment, lesson_id=lesson.pk)


def right_answers(attempt: Attempt, *, wrong: int = 0) -> dict[str, list[int]]:
    """The answer key for the attempt's questions, with the first ``wrong`` answered wrongly."""
    answers = {}
    for index, item in enumerate(attempt.layout):
        options = Option.objects.filter(question_id=item["q"])
        chosen = options.filter(is_correct=index >= wrong)
        answers[str(item["q"])] = sorted(chosen.values_list("pk", flat=True))
    return answers
