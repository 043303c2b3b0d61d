from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest

from .models import User

PROFILE_FIELDS = ("full_name", "nip", "employee_kind", "instansi", "jabatan", "province")


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request: HttpRequest, user: User, form, commit: bool = True) -> User:
        """Store the profile fields of the signup form on the new user in the same save."""
        user = super().save_user(request, user, form, commit=False)
        for field in PROFILE_FIELDS:
            setattr(user, field, form.cleaned_data[field])
        if commit:
            user.save()
        return user
