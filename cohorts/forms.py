from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from courses.models import Course
from literasi.forms import NipField

from .models import Cohort


class CohortForm(forms.ModelForm):
    class Meta:
        model = Cohort
        fields = ("province", "course", "name", "year", "start_date", "end_date", "capacity", "status")
        widgets = {
            "start_date": forms.DateInput(attrs={"type": "date"}),
            "end_date": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args: Any, provinces, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["province"]).queryset = provinces
        cast(forms.ModelChoiceField, self.fields["course"]).queryset = Course.objects.filter(
            status=Course.Status.PUBLISHED
        )

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The end date must not be before the start date."))
        return cleaned


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("Participant file (CSV or XLSX)"),
        help_text=_("Columns: NIP, Nama, Email, Instansi, Jabatan. The first row holds the column names."),
    )


class ParticipantForm(forms.Form):
    email = forms.CharField(label=_("Email"), max_length=320)
    full_name = forms.CharField(label=_("Full name"), max_length=150, required=False)
    nip = NipField()
    instansi = forms.CharField(label=_("Agency (instansi)"), max_length=200, required=False)
    jabatan = forms.CharField(label=_("Position (jabatan)"), max_length=200, required=False)


class ParticipantFilterForm(forms.Form):
    q = forms.CharField(label=_("Search name, email or NIP"), required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All")), ("completed", _("Completed")), ("in_progress", _("In progress")),
                 ("not_started", _("Not started"))],
    )  # fmt: skip
