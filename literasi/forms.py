from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import EmployeeKind, Province, User
from .nip import validate_nip


class NipField(forms.CharField):
    """A NIP as people type it; the form's ``clean`` validates it against the employee kind."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 30)
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("NIP (optional)"))
        kwargs.setdefault(
            "help_text",
            _("18 digits, spaces and dots allowed, e.g. 19860926 201505 1 001. Leave empty if you have none."),
        )
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))
        super().__init__(**kwargs)


def clean_profile_nip(form: ProfileSignupForm) -> str | None:
    """Validate ``form``'s NIP (an error names the rule that failed). Returns the 18 digits, or
    None when empty.

    A NIP already registered to another account is *not* a form error: saying so would let
    anyone find out which NIPs are registered. It is returned as None (the account is created
    without it) and kept in ``form.taken_nip``; the account adapter then tells the NIP's owner
    and the new account's address by email (``literasi.adapters.AccountAdapter.save_user``).
    """
    form.taken_nip = None
    raw = form.cleaned_data.get("nip") or ""
    if not raw.strip():
        return None
    try:
        nip = validate_nip(raw)
    except ValidationError as error:
        form.add_error("nip", error)
        return None
    if User.objects.filter(nip=nip).exists():
        form.taken_nip = nip
        return None
    return nip


class ProfileSignupForm(forms.Form):
    taken_nip: str | None = None  # set by clean_profile_nip

    """The profile part of signup; allauth adds email and password fields to it."""

    full_name = forms.CharField(
        label=_("Full name"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    nip = NipField()
    employee_kind = forms.ChoiceField(label=_("Kind of employee"), choices=EmployeeKind.choices)
    instansi = forms.CharField(
        label=_("Agency (instansi)"),
        max_length=200,
        help_text=_("For example: Pemerintah Provinsi Bali"),
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    jabatan = forms.CharField(
        label=_("Position (jabatan)"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "organization-title"}),
    )
    province = forms.ModelChoiceField(
        label=_("Province"), queryset=Province.objects.order_by("name"), empty_label=_("Choose your province")
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        cleaned["nip"] = clean_profile_nip(self)
        return cleaned

    def signup(self, request, user: User) -> None:
        pass
