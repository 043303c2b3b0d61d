from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CohortsConfig(AppConfig):
    name = "cohorts"
    verbose_name = _("Cohorts")

    def ready(self) -> None:
        from allauth.account.signals import password_reset

        from . import services

        def verified(sender: object, request: object, user: object, **kwargs: object) -> None:
            services.email_verified_by_password_set(user=user)

        password_reset.connect(verified, weak=False, dispatch_uid="literasi-password-set-verifies-email")
