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

    province = models.ForeignKey(
        "literasi.Province", on_delete=models.PROTECT, related_name="cohorts", verbose_name=_("province")
    )
    course = models.ForeignKey(
        "courses.Course", on_delete=models.PROTECT, related_name="cohorts", verbose_name=_("course")
    )
    name = models.CharField(_("name"), max_length=200)
    year = models.PositiveSmallIntegerField(_("year"))
    sequence = models.PositiveIntegerField(_("cohort number"), help_text=_("Per province, course and year."))
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    capacity = models.PositiveIntegerField(_("capacity"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

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

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="uploads", verbose_name=_("cohort"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    uploaded_at = models.DateTimeField(default=timezone.now, verbose_name=_("uploaded at"))
    file = models.FileField(upload_to="uploads/%Y/%m/", verbose_name=_("file"))
    original_name = models.CharField(max_length=255, verbose_name=_("file name"))
    state = models.CharField(max_length=12, choices=State.choices, default=State.VALIDATING, verbose_name=_("status"))
    total_rows = models.PositiveIntegerField(default=0, verbose_name=_("rows"))
    processed_rows = models.PositiveIntegerField(default=0, verbose_name=_("rows processed"))
    counts = models.JSONField(default=dict, blank=True, verbose_name=_("counts per outcome"))
    error = models.TextField(blank=True, verbose_name=_("error"))
    applied_at = models.DateTimeField(null=True, blank=True, verbose_name=_("applied at"))
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed by"),
    )
    enqueued_at = models.DateTimeField(null=True, blank=True, verbose_name=_("queued at"))
    started_at = models.DateTimeField(null=True, blank=True, verbose_name=_("started at"))

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

    upload = models.ForeignKey(Upload, on_delete=models.CASCADE, related_name="rows", verbose_name=_("upload"))
    row_number = models.PositiveIntegerField(verbose_name=_("row"))
    nip = models.CharField(max_length=30, blank=True, verbose_name=_("NIP"))
    full_name = models.CharField(max_length=150, blank=True, verbose_name=_("full name"))
    email = models.CharField(max_length=320, blank=True, verbose_name=_("email address"))
    instansi = models.CharField(max_length=200, blank=True, verbose_name=_("agency (instansi)"))
    jabatan = models.CharField(max_length=200, blank=True, verbose_name=_("position (jabatan)"))
    outcome = models.CharField(max_length=10, choices=Outcome.choices, verbose_name=_("outcome"))
    message = models.CharField(max_length=300, blank=True, verbose_name=_("message"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("account")
    )

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

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="events", verbose_name=_("cohort"))
    action = models.CharField(max_length=10, choices=Action.choices, verbose_name=_("action"))
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("learner")
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("done by")
    )
    upload = models.ForeignKey(
        Upload, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("upload")
    )
    at = models.DateTimeField(default=timezone.now, verbose_name=_("time"))

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

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("cohort"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("learner")
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, verbose_name=_("kind"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    enqueued_at = models.DateTimeField(null=True, blank=True, verbose_name=_("queued at"))
    enqueue_count = models.PositiveSmallIntegerField(default=0, verbose_name=_("times queued"))
    sent_at = models.DateTimeField(null=True, blank=True, verbose_name=_("sent at"))

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["cohort"], condition=Q(sent_at__isnull=True), name="invitation_unsent")]

    def __str__(self) -> str:
        return f"{self.kind} {self.user_id} → {self.cohort_id}"
