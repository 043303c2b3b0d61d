"""Certificates: templates (versioned), signing officials, per-cohort settings, issued certificates.

What a certificate says is frozen when it is issued (``snapshot``) and its PDF is rendered once and
kept with its SHA-256: editing a template, a profile, a course or an official never changes it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CertificateTemplate(models.Model):
    """One version of the certificate's texts. Never edited in place: an edit is a new version,
    and the newest version is the one new certificates use."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    title = models.CharField(_("title"), max_length=120, default="SERTIFIKAT")
    statement = models.CharField(
        _("statement"), max_length=300, default="Diberikan kepada peserta yang telah menyelesaikan pelatihan"
    )
    issuer_name = models.CharField(
        _("issuer name"), max_length=200, default="Kementerian Komunikasi dan Digital Republik Indonesia"
    )
    footer = models.CharField(_("footer"), max_length=300, blank=True)
    logo = models.FileField(_("logo (PNG or JPEG)"), upload_to="certificates/logos/", blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("created by")
    )

    class Meta:
        ordering = ["-version"]
        verbose_name = _("certificate template")
        verbose_name_plural = _("certificate templates")

    def __str__(self) -> str:
        return f"v{self.version}: {self.title}"


class SigningOfficial(models.Model):
    """Who signs a province's certificates; a cohort may have its own (``cohort`` set)."""

    province = models.ForeignKey(
        "literasi.Province", on_delete=models.PROTECT, related_name="+", verbose_name=_("province")
    )
    cohort = models.OneToOneField(
        "cohorts.Cohort", on_delete=models.CASCADE, null=True, blank=True, related_name="signing_official",
        verbose_name=_("cohort"),
    )  # fmt: skip
    name = models.CharField(_("name"), max_length=200)
    nip = models.CharField(_("NIP"), max_length=18, blank=True)
    position = models.CharField(_("position"), max_length=200)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("signing official")
        verbose_name_plural = _("signing officials")
        constraints = [
            models.UniqueConstraint(
                fields=["province"], condition=Q(cohort__isnull=True), name="one_official_per_province"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.position})"


class IssueMode(models.TextChoices):
    AUTOMATIC = "automatic", _("Automatically, as participants complete the course")
    ORGANISER = "organiser", _("Only when the organiser issues them")


class CohortCertificateSettings(models.Model):
    """How a cohort's certificates are issued (kept here so cohorts know nothing of certificates)."""

    cohort = models.OneToOneField(
        "cohorts.Cohort", on_delete=models.CASCADE, primary_key=True, related_name="+", verbose_name=_("cohort")
    )
    mode = models.CharField(_("issuing"), max_length=10, choices=IssueMode.choices, default=IssueMode.AUTOMATIC)

    class Meta:
        verbose_name = _("certificate settings of a cohort")
        verbose_name_plural = _("certificate settings of cohorts")

    def __str__(self) -> str:
        return f"{self.cohort_id}: {self.mode}"


class Certificate(models.Model):
    """A certificate of one learner for one course in one cohort (one version of it).

    Its primary key is also its index in the revocation status list (W3C Bitstring Status List).
    """

    class Status(models.TextChoices):
        VALID = "valid", _("Valid")
        REVOKED = "revoked", _("Revoked")
        REPLACED = "replaced", _("Replaced")

    number = models.CharField(_("number"), max_length=40, unique=True)
    cohort = models.ForeignKey("cohorts.Cohort", on_delete=models.PROTECT, related_name="+", verbose_name=_("cohort"))
    sequence = models.PositiveIntegerField(_("participant number"))
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="certificates", verbose_name=_("learner")
    )
    course = models.ForeignKey("courses.Course", on_delete=models.PROTECT, related_name="+", verbose_name=_("course"))
    enrolment = models.ForeignKey(
        "courses.Enrolment", on_delete=models.PROTECT, related_name="+", verbose_name=_("enrolment")
    )
    template = models.ForeignKey(
        CertificateTemplate, on_delete=models.PROTECT, related_name="+", verbose_name=_("template version")
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.VALID)
    replaces = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replaced_by", verbose_name=_("replaces")
    )
    revoked_reason = models.CharField(_("reason for revoking"), max_length=300, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    # Everything the certificate says, as it was when issued (see services._snapshot).
    snapshot = models.JSONField(_("what the certificate says"))
    pdf = models.FileField(_("PDF"), upload_to="certificates/", blank=True)
    pdf_sha256 = models.CharField(_("SHA-256 of the PDF"), max_length=64, blank=True)
    credential = models.TextField(_("signed credential (JWT)"), blank=True)
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    emailed_at = models.DateTimeField(_("emailed at"), null=True, blank=True)

    class Meta:
        ordering = ["cohort", "sequence", "version"]
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        constraints = [
            models.UniqueConstraint(fields=["cohort", "sequence", "version"], name="certificate_sequence_once"),
            models.UniqueConstraint(
                fields=["user", "course", "cohort"],
                condition=~Q(status="replaced"),
                name="one_current_certificate",
            ),
        ]
        indexes = [models.Index(fields=["user", "status"], name="certificate_of_learner")]

    def __str__(self) -> str:
        return self.number

    @property
    def is_rendered(self) -> bool:
        return bool(self.pdf_sha256)


class CertificateEvent(models.Model):
    """The audit trail: who issued, revoked or re-issued which certificate, who chose a cohort's
    issuing and who set a signing official (of a cohort, or with ``cohort`` empty, of the
    province), when."""

    class Action(models.TextChoices):
        ISSUED = "issued", _("Issued")
        REVOKED = "revoked", _("Revoked")
        REISSUED = "reissued", _("Re-issued")
        MODE = "mode", _("Issuing chosen")
        OFFICIAL = "official", _("Signing official set")

    certificate = models.ForeignKey(
        Certificate, on_delete=models.CASCADE, null=True, blank=True, related_name="events",
        verbose_name=_("certificate"),
    )  # fmt: skip
    cohort = models.ForeignKey(
        "cohorts.Cohort", on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("cohort")
    )
    province = models.ForeignKey(
        "literasi.Province", on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("province")
    )
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("by")
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("certificate event")
        verbose_name_plural = _("certificate events")
        indexes = [
            models.Index(fields=["cohort", "-at"], name="certificate_event_recent"),
            models.Index(fields=["province", "-at"], name="certificate_event_province"),
            # The sweep's "revoked or re-issued lately" (certificates.verification_page).
            models.Index(
                fields=["at"], name="certificate_event_status", condition=Q(action__in=["revoked", "reissued"])
            ),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.certificate_id}"
