"""Cohorts (angkatan) of a province, bulk enrolment from spreadsheets, and the audit trail."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Cohort(models.Model):
    """A group of participants taking one course together, organised by one province."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    province = models.ForeignKey("literasi.Province", on_delete=models.PROTECT, related_name="cohorts")
    course = models.ForeignKey("courses.Course", on_delete=models.PROTECT, related_name="cohorts")
    name = models.CharField(_("name"), max_length=200)
    year = models.PositiveSmallIntegerField(_("year"))
    sequence = models.PositiveIntegerField(_("cohort number"), help_text=_("Per province, course and year."))
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    capacity = models.PositiveIntegerField(_("capacity"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-year", "-sequence"]
        verbose_name = _("cohort")
        verbose_name_plural = _("cohorts")
        constraints = [
            models.UniqueConstraint(fields=["province", "course", "year", "sequence"], name="cohort_number_unique"),
            models.CheckConstraint(condition=Q(end_date__gte=F("start_date")), name="cohort_ends_after_start"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="cohort_capacity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.province_id}/{self.year}/{self.sequence:04d})"


class Upload(models.Model):
    """One uploaded participant file: kept with who uploaded it and when, for audit.

    While it is checked or applied it is also its own outbox: ``enqueued_at`` stays empty until
    its task was handed to the broker, ``started_at`` is set when a worker takes it, and the
    scheduler's sweep (``services.uploads_sweep``) enqueues what the broker never got and fails
    what ran past its time limit.
    """

    class State(models.TextChoices):
        VALIDATING = "validating", _("Checking the file")
        READY = "ready", _("Ready to confirm")
        APPLYING = "applying", _("Enrolling")
        APPLIED = "applied", _("Applied")
        FAILED = "failed", _("Could not be read")

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="uploads")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)
    file = models.FileField(upload_to="imports/%Y/%m/")
    original_name = models.CharField(max_length=255)
    state = models.CharField(max_length=12, choices=State.choices, default=State.VALIDATING)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    applied_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    enqueued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-uploaded_at"]
        verbose_name = _("participant upload")
        verbose_name_plural = _("participant uploads")
        indexes = [
            models.Index(fields=["state"], condition=Q(state__in=["validating", "applying"]), name="upload_in_progress")
        ]

    def __str__(self) -> str:
        return f"{self.original_name} → {self.cohort}"

    @property
    def in_progress(self) -> bool:
        return self.state in (self.State.VALIDATING, self.State.APPLYING)


class UploadRow(models.Model):
    """One row of an upload with the outcome it will have, and once applied, the one it had."""

    class Outcome(models.TextChoices):
        NEW = "new", _("New account")
        LINKED = "linked", _("Existing account linked")
        ALREADY = "already", _("Already in this cohort")
        ERROR = "error", _("Error")

    upload = models.ForeignKey(Upload, on_delete=models.CASCADE, related_name="rows")
    row_number = models.PositiveIntegerField()
    nip = models.CharField(max_length=30, blank=True)
    full_name = models.CharField(max_length=150, blank=True)
    email = models.CharField(max_length=320, blank=True)
    instansi = models.CharField(max_length=200, blank=True)
    jabatan = models.CharField(max_length=200, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    message = models.CharField(max_length=300, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        ordering = ["upload", "row_number"]
        constraints = [models.UniqueConstraint(fields=["upload", "row_number"], name="upload_row_once")]
        indexes = [models.Index(fields=["upload", "outcome"], name="upload_row_outcome")]

    def __str__(self) -> str:
        return f"{self.upload_id}#{self.row_number} {self.outcome}"


class CohortEvent(models.Model):
    """The audit trail: who enrolled or removed whom, when, and from which upload."""

    class Action(models.TextChoices):
        ENROLLED = "enrolled", _("Enrolled")
        REMOVED = "removed", _("Removed")

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=10, choices=Action.choices)
    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    upload = models.ForeignKey(Upload, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["cohort", "-at"], name="cohort_event_recent")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.learner_id}"


class Invitation(models.Model):
    """The email telling a participant they were enrolled; also the outbox that sends it.

    Written in the transaction that enrols the participant, sent by the batch worker after the
    commit, and marked ``sent_at`` once sent. The scheduler's sweep enqueues again what the broker
    never got (``enqueued_at`` empty) or what was not sent in time, a few times at most.
    """

    class Kind(models.TextChoices):
        INVITATION = "invitation", _("New account: a link to set a password")
        ENROLLED = "enrolled", _("Existing account: told they were enrolled")

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="invitations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    created_at = models.DateTimeField(default=timezone.now)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    enqueue_count = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["cohort"], condition=Q(sent_at__isnull=True), name="invitation_unsent")]

    def __str__(self) -> str:
        return f"{self.kind} {self.user_id} → {self.cohort_id}"
