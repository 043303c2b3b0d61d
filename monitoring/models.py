from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from literasi.models import Province


class RecordsExport(models.Model):
    """Training records for SIASN asked for by an admin or organiser, written by a batch worker
    into a file they download from the list of their exports.

    A national export can run to millions of rows, longer than any web request may take, so it
    is never built in a request. The row is its own outbox, like a participant upload:
    ``enqueued_at`` stays empty until its task was handed to the broker, ``started_at`` and
    ``task_id`` are set when a worker takes it, and the sweep (``services.records_exports_sweep``) enqueues what the
    broker never got, fails what ran past its time limit and deletes files past their keeping
    time, and those of failed builds. The row stays as the record of who exported whose data, when.
    """

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "XLSX"

    class State(models.TextChoices):
        QUEUED = "queued", _("Waiting for a worker")
        RUNNING = "running", _("Being written")
        READY = "ready", _("Ready to download")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Deleted after its keeping time")

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    requested_at = models.DateTimeField(default=timezone.now, verbose_name=_("requested at"))
    fmt = models.CharField(max_length=4, choices=Format.choices, verbose_name=_("format"))
    provinces = models.ManyToManyField(Province, related_name="+", verbose_name=_("provinces"))
    query = models.CharField(max_length=500, blank=True, verbose_name=_("filters (as a query)"))
    description = models.CharField(max_length=500, blank=True, verbose_name=_("filters"))
    language = models.CharField(max_length=8, verbose_name=_("language"))
    state = models.CharField(max_length=8, choices=State.choices, default=State.QUEUED, verbose_name=_("status"))
    rows = models.PositiveIntegerField(default=0, verbose_name=_("rows"))
    total = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("rows in all"))
    # A name of its own per build (``services.records_export_build``), random so it tells nothing.
    file = models.FileField(upload_to="exports/", blank=True, verbose_name=_("file"))
    size = models.PositiveBigIntegerField(default=0, verbose_name=_("size (bytes)"))
    error = models.TextField(blank=True, verbose_name=_("error"))
    # The Celery task writing it: only a redelivery of that task may take it over.
    task_id = models.CharField(max_length=64, blank=True, verbose_name=_("task"))
    enqueued_at = models.DateTimeField(null=True, blank=True, verbose_name=_("queued at"))
    started_at = models.DateTimeField(null=True, blank=True, verbose_name=_("started at"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished at"))

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = _("training records export")
        verbose_name_plural = _("training records exports")
        indexes = [
            models.Index(fields=["requested_by", "-requested_at"], name="export_of_requester"),
            models.Index(fields=["state"], condition=Q(state__in=["queued", "running", "ready"]), name="export_open"),
        ]

    def __str__(self) -> str:
        return f"{self.fmt} #{self.pk} ({self.state})"

    @property
    def in_progress(self) -> bool:
        return self.state in (self.State.QUEUED, self.State.RUNNING)

    @property
    def percent(self) -> int:
        """How much of the file is written, once the worker has counted the records."""
        return min(100, self.rows * 100 // self.total) if self.total else 0
