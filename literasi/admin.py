from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .models import OrganiserAssignment, Province, User
from .roles import roles_forget


@admin.register(Province)
class ProvinceAdmin(admin.ModelAdmin):
    list_display = ("code", "name")
    search_fields = ("code", "name")

    # Provinces ship in a migration; their codes are stable keys and never edited by hand.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Province | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Province | None = None) -> bool:
        return False


class OrganiserAssignmentInline(admin.TabularInline):
    model = OrganiserAssignment
    fk_name = "user"
    extra = 0
    fields = ("province", "assigned_at", "assigned_by")
    readonly_fields = ("assigned_at", "assigned_by")
    autocomplete_fields = ("province",)
    verbose_name = _("organiser of province")
    verbose_name_plural = _("organiser of provinces")


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ("email",)
    list_display = ("email", "full_name", "nip", "employee_kind", "province", "is_national_admin", "is_active")
    list_filter = ("is_national_admin", "is_active", "employee_kind", "province")
    list_select_related = ("province",)
    search_fields = ("email", "full_name", "nip", "instansi")
    readonly_fields = ("last_login", "date_joined")
    inlines = (OrganiserAssignmentInline,)
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

    def save_formset(self, request: HttpRequest, form, formset, change: bool) -> None:
        for instance in formset.save(commit=False):
            if isinstance(instance, OrganiserAssignment) and instance.assigned_by_id is None:
                instance.assigned_by = request.user
            instance.save()
        for obj in formset.deleted_objects:
            obj.delete()
        roles_forget(form.instance.pk)

    def save_model(self, request: HttpRequest, obj: User, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        roles_forget(obj.pk)
