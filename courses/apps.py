from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = _("Courses")

    def ready(self) -> None:
        from literasi.services import on_learner_profile_change, on_learner_province_move

        from .services import enrolments_follow_profile_change, enrolments_follow_province_move

        on_learner_province_move(enrolments_follow_province_move)
        on_learner_profile_change(enrolments_follow_profile_change)
