"""What quizzes add to every course, registered with courses in QuizzesConfig.ready()
(courses.extensions.CourseExtension): courses never imports quizzes."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Sum

from courses.content import CourseSource
from courses.models import Course
from courses.services import SyncReport
from literasi.models import User

from . import selectors, services
from .models import Quiz

REQUIRED_QUIZZES_NOT_PASSED = """
SELECT 1 FROM quizzes_quiz q
WHERE q.course_id = %(course)s AND q.is_published AND q.required
  AND NOT EXISTS (SELECT 1 FROM quizzes_attempt a WHERE a.quiz_id = q.id AND a.user_id = %(user)s AND a.passed)
"""


class QuizzesInCourses:
    def content_check(self, *, source: CourseSource) -> list[services.CheckedQuiz]:
        return services.quizzes_check_for_course(source=source)

    def content_sync(self, *, course: Course, checked: list[services.CheckedQuiz], report: SyncReport) -> None:
        services.quizzes_sync_for_course(course=course, quizzes=checked, report=report)

    def course_minutes(self, *, course: Course) -> int:
        published = Quiz.objects.filter(course=course, is_published=True)
        return published.aggregate(total=Sum("minutes"))["total"] or 0

    def unmet_requirements_sql(self) -> str:
        """The course's required quizzes the learner has not passed."""
        return REQUIRED_QUIZZES_NOT_PASSED

    def course_page(self, *, course: Course, user: User | AnonymousUser) -> dict[str, Any]:
        statuses = selectors.quizzes_for_learner(course_id=course.pk, user=user)
        return {
            "pretest": next((s for s in statuses if s.quiz.is_pretest), None),
            "quiz_statuses": [s for s in statuses if not s.quiz.is_pretest],
            "gain": selectors.learner_gain(statuses=statuses),
        }


quizzes_in_courses = QuizzesInCourses()
