"""Allauth form overrides (ACCOUNT_FORMS). Kept apart from literasi.forms, which allauth's own
forms module imports for the signup form: importing allauth's forms there would be a cycle."""

from __future__ import annotations

from allauth.account.forms import ResetPasswordKeyForm

from .services import email_verified_by_password_set


class PasswordSetFromEmailForm(ResetPasswordKeyForm):
    """Setting a password from a link sent to the address also verifies the address: this is
    how invited participants start."""

    def save(self) -> None:
        super().save()
        email_verified_by_password_set(user=self.user)
