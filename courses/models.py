"""Courses, their lessons, and each learner's enrolment and progress.

Content (courses, lessons) is synced from Markdown files by ``load_content`` or edited in the
admin; the stored HTML is rendered and sanitised once, when content is saved. Lessons are never
deleted by a sync, only unpublished, so a learner's progress is never lost.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MINUTES_PER_JP = 45  # one jam pelajaran is 45 minutes of learning


class Pillar(models.TextChoices):
    """The four pillars of the national digital-literacy movement (GNLD Siberkreasi)."""

    CAKAP = "cakap-digital", _("Digital skills (cakap digital)")
    AMAN = "aman-digital", _("Digital safety (aman digital)")
    BUDAYA = "budaya-digital", _("Digital culture (budaya digital)")
    ETIKA = "etika-digital", _("Digital ethics (etika digital)")


class Course(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    class Enrolment(models.TextChoices):
        OPEN = "open", _("Open: anyone may enrol")
        CLOSED = "closed", _("Closed: cohort participants only")

    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), blank=True)
    description_md = models.TextField(_("description (Markdown)"), blank=True)
    description_html = models.TextField(editable=False, blank=True, verbose_name=_("description (HTML)"))
    pillars = models.JSONField(_("pillars"), default=list, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    enrolment = models.CharField(_("enrolment"), max_length=10, choices=Enrolment.choices, default=Enrolment.OPEN)
    order = models.PositiveIntegerField(_("order"), default=0)
    # Sum of the published lessons' and quizzes' minutes, kept by courses.services.course_refresh_minutes.
    minutes = models.PositiveIntegerField(_("minutes of learning"), default=0, editable=False)
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        ordering = ["order", "title"]
        verbose_name = _("course")
        verbose_name_plural = _("courses")

    def __str__(self) -> str:
        return self.title

    @property
    def jp(self) -> int:
        """Training hours: whole JP of 45 minutes (partial JP are not credited)."""
        return self.minutes // MINUTES_PER_JP

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def is_open(self) -> bool:
        return self.enrolment == self.Enrolment.OPEN

    def pillar_labels(self) -> list[str]:
        labels = dict(Pillar.choices)
        return [str(labels[p]) for p in self.pillars if p in labels]


class ActivityKind(models.TextChoices):
    """What a lesson asks the learner to do besides reading (declared in its front matter)."""

    CASE = "case", _("Case analysis")
    CHECKLIST = "checklist", _("Checklist")
    REFLECTION = "reflection", _("Reflection")


class Lesson(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="lessons", verbose_name=_("course"))
    slug = models.SlugField(_("slug"), max_length=100)
    title = models.CharField(_("title"), max_length=200)
    order = models.PositiveIntegerField(_("order"), default=0)
    # From content files: reading time of ``words`` at the study pace plus the activities' minutes
    # (courses.content.lesson_minutes); set by hand only for lessons written in the admin.
    minutes = models.PositiveIntegerField(_("estimated minutes"), default=10)
    words = models.PositiveIntegerField(_("words read"), default=0, editable=False)
    body_md = models.TextField(_("body (Markdown)"))
    body_html = models.TextField(editable=False, blank=True, verbose_name=_("body (HTML)"))
    # The body's "## Sumber" section, shown after the activities.
    sources_html = models.TextField(editable=False, blank=True, verbose_name=_("sources (HTML)"))
    objectives = models.JSONField(_("learning objectives"), default=list, blank=True)
    # [{"kind": ActivityKind, "title", "minutes", "text_html", "items": [...], "discussion_html"}, ...]
    activities = models.JSONField(_("activities"), default=list, blank=True, editable=False)
    is_published = models.BooleanField(_("published"), default=True)
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        ordering = ["course", "order", "pk"]
        verbose_name = _("lesson")
        verbose_name_plural = _("lessons")
        constraints = [models.UniqueConstraint(fields=["course", "slug"], name="lesson_slug_unique_in_course")]
        indexes = [models.Index(fields=["course", "is_published", "order"], name="lesson_outline")]

    def __str__(self) -> str:
        return self.title


class EnrolmentQuerySet(models.QuerySet["Enrolment"]):
    def active(self) -> EnrolmentQuerySet:
        """Enrolments that give access: not removed from their cohort."""
        return self.filter(removed_at__isnull=True)


class Origin(models.TextChoices):
    SELF = "self", _("Enrolled on their own")
    COHORT = "cohort", _("Enrolled by an organiser")


class Enrolment(models.Model):
    """A learner taking a course: one per learner and course.

    ``province`` is where the enrolment counts on the national dashboard: the cohort's province
    for cohort participants, otherwise the learner's own at the time of enrolment. A participant
    removed from a cohort keeps the row (``removed_at``) and their progress, and loses access unless
    they had enrolled on their own before the cohort (``origin``): then they only leave the cohort.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrolments", verbose_name=_("learner")
    )
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("course"))
    province = models.ForeignKey(
        "literasi.Province",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="enrolments",
        verbose_name=_("province"),
    )
    enrolled_at = models.DateTimeField(_("enrolled at"), default=timezone.now)
    last_lesson = models.ForeignKey(
        Lesson, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("last lesson")
    )
    last_activity_at = models.DateTimeField(_("last activity"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    cohort = models.ForeignKey(
        "cohorts.Cohort",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="enrolments",
        verbose_name=_("cohort"),
    )
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True)
    # How the learner first got access. A learner who enrolled on their own and was later linked
    # to a cohort keeps the course when the organiser removes them from that cohort.
    origin = models.CharField(_("origin"), max_length=10, choices=Origin.choices, default=Origin.SELF)

    objects = EnrolmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [models.UniqueConstraint(fields=["user", "course"], name="one_enrolment_per_course")]
        indexes = [
            models.Index(fields=["course", "province", "completed_at"], name="enrolment_completion"),
            models.Index(fields=["cohort", "removed_at"], name="enrolment_cohort"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.course}"


class LessonProgress(models.Model):
    """A lesson a learner has finished. Kept per learner, so it outlives any enrolment change."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lesson_progress", verbose_name=_("learner")
    )
    lesson = models.ForeignKey(Lesson, on_delete=models.PROTECT, related_name="progress", verbose_name=_("lesson"))
    completed_at = models.DateTimeField(_("completed at"), default=timezone.now)

    class Meta:
        verbose_name = _("lesson progress")
        verbose_name_plural = _("lesson progress")
        constraints = [
            models.UniqueConstraint(fields=["user", "lesson"], name="lesson_done_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.lesson_id}"


class LessonReflection(models.Model):
    """What a learner wrote in a lesson's reflection box: one per learner and lesson, theirs alone."""

    MAX_LENGTH = 2000

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lesson_reflections", verbose_name=_("learner")
    )
    lesson = models.ForeignKey(Lesson, on_delete=models.PROTECT, related_name="reflections", verbose_name=_("lesson"))
    text = models.TextField(_("reflection"), max_length=MAX_LENGTH)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("lesson reflection")
        verbose_name_plural = _("lesson reflections")
        constraints = [models.UniqueConstraint(fields=["user", "lesson"], name="one_reflection_per_lesson")]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.lesson_id}"
