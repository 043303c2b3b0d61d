"""Exports of training records in the Django admin, for national admins: the record of who
exported whose data and when, read only (the file itself downloads only for whoever asked)."""

from __future__ import annotations

from django.contrib import admin

from literasi.admin import ReadOnlyAdmin

from .models import RecordsExport


@admin.register(RecordsExport)
class RecordsExportAdmin(ReadOnlyAdmin):
    list_display = ("requested_at", "requested_by", "fmt", "description", "rows", "state")
    list_filter = ("state", "fmt", "provinces")
    search_fields = ("requested_by__email", "requested_by__full_name")
    list_select_related = ("requested_by",)
    date_hierarchy = "requested_at"
    fields = ("requested_by", "requested_at", "provinces", "description", "fmt", "state", "rows", "size", "error",
              "enqueued_at", "started_at", "finished_at")  # fmt: skip
