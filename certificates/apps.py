from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificatesConfig(AppConfig):
    name = "certificates"
    verbose_name = _("Certificates")

    def ready(self) -> None:
        from courses.services import on_course_completed

        from .services import certificate_issue_on_completion_hook

        on_course_completed(certificate_issue_on_completion_hook)
