"""The certificate template in the Django admin, for national admins: each save is a new version
(made by services.template_new_version), so issued certificates keep the version they were made
with. Issued certificates are shown, never edited here (the organiser's pages revoke and re-issue)."""

from __future__ import annotations

from typing import cast

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from literasi.admin import ReadOnlyAdmin
from literasi.errors import Refusal
from literasi.models import User

from . import services
from .models import Certificate, CertificateTemplate

TEXT_FIELDS = ("title", "statement", "issuer_name", "footer")


class CertificateTemplateForm(forms.ModelForm):
    remove_logo = forms.BooleanField(label=_("Remove the logo"), required=False)

    class Meta:
        model = CertificateTemplate
        fields = (*TEXT_FIELDS, "logo", "remove_logo")
        widgets = {"logo": forms.FileInput(attrs={"accept": "image/png,image/jpeg"})}
        help_texts = {"logo": _("PNG or JPEG, at most 256 KB and 1500 pixels a side. Left empty, the "
                                "current version's logo is kept.")}  # fmt: skip

    def clean_logo(self) -> UploadedFile | None:
        logo = self.cleaned_data.get("logo")
        if isinstance(logo, UploadedFile):
            try:
                services.template_logo_check(logo=logo)
            except Refusal as refusal:
                raise ValidationError(refusal.message) from refusal
            return logo
        return None


@admin.register(CertificateTemplate)
class CertificateTemplateAdmin(admin.ModelAdmin):
    form = CertificateTemplateForm
    list_display = ("version", "title", "issuer_name", "has_logo", "created_at", "created_by")
    list_select_related = ("created_by",)
    fields = (*TEXT_FIELDS, "logo", "remove_logo")

    @admin.display(description=_("logo"), boolean=True)
    def has_logo(self, template: CertificateTemplate) -> bool:
        return bool(template.logo)

    def get_fields(self, request: HttpRequest, obj: CertificateTemplate | None = None):
        # A saved version is shown as it is (read-only); only the add form takes an edit.
        return ("version", *TEXT_FIELDS, "logo", "created_at", "created_by") if obj else self.fields

    def get_changeform_initial_data(self, request: HttpRequest) -> dict:
        """The add form starts from the newest version: an edit changes what it changes."""
        current = services.template_current()
        return {field: getattr(current, field) for field in TEXT_FIELDS}

    # A version is never edited or deleted: certificates point at the version they were made with.
    def has_change_permission(self, request: HttpRequest, obj: CertificateTemplate | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: CertificateTemplate | None = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: CertificateTemplate, form, change: bool) -> None:
        texts: dict[str, object] = {field: form.cleaned_data[field] for field in TEXT_FIELDS}
        if form.cleaned_data.get("logo"):
            texts["logo"] = form.cleaned_data["logo"]
        elif form.cleaned_data.get("remove_logo"):
            texts["logo"] = ""
        new = services.template_new_version(actor=cast(User, request.user), **texts)  # the admin is signed in
        obj.pk, obj.version, obj.logo, obj.created_at = new.pk, new.version, new.logo, new.created_at


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyAdmin):
    list_display = ("number", "learner_name", "status", "issued_at")
    list_filter = ("status", "cohort__province")
    search_fields = ("number", "user__email", "user__full_name")
    list_select_related = ("user",)
    fields = ("number", "status", "version", "cohort", "user", "course", "template", "replaces", "revoked_reason",
              "revoked_at", "issued_at", "emailed_at", "pdf_sha256")  # fmt: skip

    @admin.display(description=_("name on the certificate"))
    def learner_name(self, certificate: Certificate) -> str:
        return certificate.snapshot["learner"]["name"]
