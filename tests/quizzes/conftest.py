from __future__ import annotations

import pytest

from courses.services import enrolment_create, lesson_complete
from devtools.pages import found
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


def form_data(attempt: Attempt, answers: dict[str, list[int]], action: str = "submit") -> dict:
    """The POST a browser sends: each chosen option by its position in this attempt's order."""
    order = {str(item["q"]): item["o"] for item in attempt.layout}
    data: dict[str, object] = {
        f"q_{q}": [order[q].index(option) for option in options] for q, options in answers.items()
    }
    data["action"] = action
    return data


def start(client, quiz) -> Attempt:
    response = client.post(f"/kuis/{quiz.pk}/mulai/")
    assert response.status_code == 302
    return Attempt.objects.get(pk=int(found(r"/percobaan/(\d+)/", response["Location"])))
