from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import LessonReflection


class ReflectionForm(forms.Form):
    text = forms.CharField(
        label=_("Your reflection"),
        max_length=LessonReflection.MAX_LENGTH,
        error_messages={
            "required": _("Write your reflection before saving it."),
            "max_length": _("Your reflection is too long: at most %(limit_value)s characters."),
        },
    )
