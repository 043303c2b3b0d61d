from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .models import OrganiserAssignment, Province, ProvinceMove, User
from .services import learner_profile_saved, learner_province_move, organiser_assign, organiser_unassign


class ReadOnlyAdmin(admin.ModelAdmin):
    """An admin that shows its rows and never adds, changes or deletes one: for what changes only
    through the platform's services (audited) or ships in a migration."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Province)
class ProvinceAdmin(ReadOnlyAdmin):
    # Provinces ship in a migration; their codes are stable keys and never edited by hand.
    list_display = ("code", "name")
    search_fields = ("code", "name")


class LabelledTabularInline(admin.TabularInline):
    """A tabular inline whose inputs carry their column's name: Django's table shows it only as a
    column header, which screen readers do not tie to the inputs (the accessibility gate)."""

    def get_formset(self, request: HttpRequest, obj: object = None, **kwargs: Any):
        formset = super().get_formset(request, obj, **kwargs)

        # A subclass of the formset class Django has just built (the inline may name its own base,
        # as quizzes' OptionInline does): mypy cannot check a class whose base is a value.
        class Labelled(formset):  # type: ignore[misc,valid-type]
            def add_fields(self, form, index) -> None:
                super().add_fields(form, index)
                for field in form.fields.values():
                    field.widget.attrs.setdefault("aria-label", str(field.label or ""))

        return Labelled


class OrganiserAssignmentInline(LabelledTabularInline):
    model = OrganiserAssignment
    fk_name = "user"
    extra = 0
    fields = ("province", "assigned_at", "assigned_by")
    readonly_fields = ("assigned_at", "assigned_by")
    verbose_name = _("organiser of province")
    verbose_name_plural = _("organiser of provinces")

    def has_change_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        return False  # an assignment is added or removed (through the services), never edited


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ("email",)
    list_display = ("email", "full_name", "nip", "employee_kind", "province", "is_national_admin", "is_active")
    list_filter = ("is_national_admin", "is_active", "employee_kind", "province")
    list_select_related = ("province",)
    search_fields = ("email", "full_name", "nip", "instansi")
    readonly_fields = ("last_login", "date_joined")
    inlines = (OrganiserAssignmentInline,)

    def get_readonly_fields(self, request: HttpRequest, obj: User | None = None) -> tuple[str, ...]:
        # A learner changes province only through a province move: audited, and their enrolments follow.
        return (*self.readonly_fields, "province") if obj is not None else self.readonly_fields

    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Profile"), {"fields": ("full_name", "nip", "employee_kind", "instansi", "jabatan", "province")}),
        (_("Roles"), {"fields": ("is_active", "is_national_admin")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "full_name", "password1", "password2")}),)
    filter_horizontal = ()

    def has_change_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        """National admins manage learners and organisers, not other admins or the superuser."""
        other_admin = obj is not None and obj != request.user and (obj.is_superuser or obj.is_national_admin)
        if other_admin and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        return request.user.is_superuser and super().has_delete_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: User, form, change: bool) -> None:
        previous = User.objects.filter(pk=obj.pk).first() if change else None
        super().save_model(request, obj, form, change)
        learner_profile_saved(user=obj, previous=previous)

    def save_formset(self, request: HttpRequest, form, formset, change: bool) -> None:
        # Organiser assignments go through the services, like every other path that grants a role.
        for instance in formset.save(commit=False):
            organiser_assign(user=form.instance, province=instance.province, assigned_by=cast(User, request.user))
        for obj in formset.deleted_objects:
            organiser_unassign(user=form.instance, province_code=obj.province_id)


class ProvinceMoveForm(forms.ModelForm):
    class Meta:
        model = ProvinceMove
        fields = ("user", "to_province", "reason")

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        learner, province = cleaned.get("user"), cleaned.get("to_province")
        if learner is not None and province is not None and learner.province_id == province.pk:
            raise ValidationError(_("The learner is already in this province."))
        return cleaned

    def save(self, commit: bool = True) -> ProvinceMove:
        move = learner_province_move(
            actor=self.actor,
            learner=self.cleaned_data["user"],
            province=self.cleaned_data["to_province"],
            reason=self.cleaned_data["reason"],
        )
        assert move is not None  # clean() refused a move to the same province
        return move

    def save_m2m(self) -> None:
        pass


@admin.register(ProvinceMove)
class ProvinceMoveAdmin(admin.ModelAdmin):
    """Moving a learner to another province: the only way a national admin changes it, audited."""

    form = ProvinceMoveForm
    list_display = ("moved_at", "user", "from_province", "to_province", "moved_by", "reason")
    list_filter = ("to_province", "from_province")
    list_select_related = ("user", "from_province", "to_province", "moved_by")
    search_fields = ("user__email", "user__full_name", "user__nip")
    raw_id_fields = ("user",)  # a labelled field; the autocomplete widget has no accessible name

    def get_form(self, request: HttpRequest, obj: ProvinceMove | None = None, change: bool = False, **kwargs: Any):
        actor = cast(User, request.user)  # the admin is signed in

        class WithActor(ProvinceMoveForm):
            def __init__(self, *args: Any, **inner: Any) -> None:
                super().__init__(*args, actor=actor, **inner)

        # Django's documented way to choose the form per request: the admin builds its form from this one.
        kwargs["form"] = WithActor
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request: HttpRequest, obj: ProvinceMove | None = None) -> tuple[str, ...]:
        if obj is None:
            return ("user", "to_province", "reason")
        return ("user", "from_province", "to_province", "reason", "moved_by", "moved_at")

    def get_readonly_fields(self, request: HttpRequest, obj: ProvinceMove | None = None) -> tuple[str, ...]:
        return () if obj is None else self.get_fields(request, obj)

    def save_model(self, request: HttpRequest, obj: ProvinceMove, form, change: bool) -> None:
        pass  # the form's save() called the service, which wrote the move

    def has_change_permission(self, request: HttpRequest, obj: ProvinceMove | None = None) -> bool:
        return False  # the trail is never edited

    def has_delete_permission(self, request: HttpRequest, obj: ProvinceMove | None = None) -> bool:
        return False
