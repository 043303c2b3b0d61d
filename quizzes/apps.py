from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QuizzesConfig(AppConfig):
    name = "quizzes"
    verbose_name = _("Quizzes")

    def ready(self) -> None:
        from courses.extensions import course_extension_register

        from .extension import quizzes_in_courses

        course_extension_register(quizzes_in_courses)
