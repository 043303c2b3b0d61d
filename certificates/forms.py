from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import IssueMode

if TYPE_CHECKING:
    from literasi.models import Province


class NumberForm(forms.Form):
    number = forms.CharField(label=_("Certificate number"), max_length=60)


class IssueModeForm(forms.Form):
    mode = forms.ChoiceField(label=_("Certificates are issued"), choices=IssueMode.choices, widget=forms.RadioSelect)


class RevokeForm(forms.Form):
    reason = forms.CharField(label=_("Reason for revoking"), max_length=300,
                             error_messages={"required": _("Give the reason for revoking the certificate.")})  # fmt: skip


class ReissueForm(forms.Form):
    full_name = forms.CharField(label=_("Corrected name"), max_length=150)


class CohortOfficialForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    nip = forms.CharField(label=_("NIP"), max_length=30, required=False)
    position = forms.CharField(label=_("Position"), max_length=200)


class OfficialForm(forms.Form):
    province = forms.ChoiceField(label=_("Province"))
    name = forms.CharField(label=_("Name"), max_length=200)
    nip = forms.CharField(label=_("NIP"), max_length=30, required=False)
    position = forms.CharField(label=_("Position"), max_length=200)

    def __init__(self, *args: Any, provinces: list[Province], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["province"]).choices = [(p.code, p.name) for p in provinces]
