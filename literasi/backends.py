"""National admins manage the platform's own data in the Django admin without per-model grants."""

from __future__ import annotations

from django.contrib.auth.backends import BaseBackend

# Apps whose models national admins manage. Django's own auth tables, allauth's email addresses
# and two-factor secrets stay with the technical superuser: no admin reads another's credentials.
NATIONAL_ADMIN_APPS = frozenset({"literasi", "courses", "quizzes", "cohorts", "certificates", "monitoring"})


class NationalAdminPermissionBackend(BaseBackend):
    def has_perm(self, user_obj, perm: str, obj=None) -> bool:
        if not (user_obj.is_active and getattr(user_obj, "is_national_admin", False)):
            return False
        return perm.split(".", 1)[0] in NATIONAL_ADMIN_APPS

    def has_module_perms(self, user_obj, app_label: str) -> bool:
        return bool(user_obj.is_active and getattr(user_obj, "is_national_admin", False)) and (
            app_label in NATIONAL_ADMIN_APPS
        )
