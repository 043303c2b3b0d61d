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


# --- The monitoring summary ------------------------------------------------------------------------
# Kept by courses.progress_summary in the transaction of each event that changes a count, so the
# monitoring pages read a few hundred rows instead of the enrolments.

NO_COHORT = 0  # ``cohort_key`` of learners who study on their own (no cohort)


class ProgressSummary(models.Model):
    """How many enrolments of one province, course, year (of enrolment, Asia/Jakarta), kind of
    employee, cohort (``cohort_key``, 0: self-paced) and agency are in each stage.

    Only active enrolments (not removed from their cohort) count. ``started``: a lesson opened;
    ``passed``: a quiz of the course passed; ``certificates`` and ``jp``: valid certificates and
    the JP they carry. ``last_activity_at`` is the latest activity of the enrolments counted.
    """

    province_code = models.CharField(_("province"), max_length=2, blank=True)
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="+", verbose_name=_("course"))
    year = models.PositiveSmallIntegerField(_("year"))
    employee_kind = models.CharField(_("kind of employee"), max_length=20)
    cohort_key = models.PositiveIntegerField(_("cohort"), default=NO_COHORT)
    instansi = models.CharField(_("agency (instansi)"), max_length=200, blank=True)
    enrolled = models.IntegerField(_("enrolled"), default=0)
    started = models.IntegerField(_("started"), default=0)
    passed = models.IntegerField(_("passed the quiz"), default=0)
    completed = models.IntegerField(_("completed"), default=0)
    certificates = models.IntegerField(_("certificates"), default=0)
    jp = models.IntegerField(_("JP delivered"), default=0)
    last_activity_at = models.DateTimeField(_("last activity"), null=True, blank=True)

    class Meta:
        verbose_name = _("progress summary")
        verbose_name_plural = _("progress summaries")
        constraints = [
            models.UniqueConstraint(
                fields=["province_code", "course", "year", "employee_kind", "cohort_key", "instansi"],
                name="progress_summary_key",
            )
        ]
        indexes = [models.Index(fields=["year", "course"], name="progress_summary_year")]

    def __str__(self) -> str:
        return f"{self.province_code}/{self.course_id}/{self.year}/{self.employee_kind}/{self.cohort_key}"


class ProgressTally(models.Model):
    """What one enrolment currently adds to the summary: its row's key and its stages.

    The summary service compares this with the enrolment's facts under the enrolment's row lock
    and moves the difference, so any event can be applied twice, or concurrently, and counts
    stay exact.
    """

    enrolment = models.OneToOneField(
        Enrolment, on_delete=models.CASCADE, primary_key=True, related_name="tally", verbose_name=_("enrolment")
    )
    counted = models.BooleanField(_("counted"), default=False)
    province_code = models.CharField(_("province"), max_length=2, blank=True)
    year = models.PositiveSmallIntegerField(_("year"))
    employee_kind = models.CharField(_("kind of employee"), max_length=20)
    cohort_key = models.PositiveIntegerField(_("cohort"), default=NO_COHORT)
    instansi = models.CharField(_("agency (instansi)"), max_length=200, blank=True)
    started = models.BooleanField(_("started"), default=False)
    passed = models.BooleanField(_("passed the quiz"), default=False)
    completed = models.BooleanField(_("completed"), default=False)
    certificates = models.IntegerField(_("certificates"), default=0)
    jp = models.IntegerField(_("JP delivered"), default=0)

    class Meta:
        verbose_name = _("progress tally")
        indexes = [models.Index(fields=["province_code", "cohort_key", "year"], name="progress_tally_row")]
        verbose_name_plural = _("progress tallies")

    def __str__(self) -> str:
        return f"tally of {self.enrolment_id}"


class JpYear(models.Model):
    """The JP a learner earned on this platform in a year (of completion), from valid certificates:
    kept with the summary, for the JP ledger and the count of learners under 20 JP."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="jp_years", verbose_name=_("learner")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    jp = models.IntegerField(_("JP"), default=0)

    class Meta:
        verbose_name = _("JP per year")
        verbose_name_plural = _("JP per year")
        constraints = [models.UniqueConstraint(fields=["user", "year"], name="jp_year_once")]
        indexes = [models.Index(fields=["year", "jp"], name="jp_year_reached")]

    def __str__(self) -> str:
        return f"{self.user_id}/{self.year}: {self.jp} JP"


class CompletionWeek(models.Model):
    """Completions per week (of the completion date, Asia/Jakarta) per province, course and kind
    of employee, for the line of completions over the year; kept with the summary. (Not per
    cohort: the line is read on every national page, and per cohort it held three times the rows.)"""

    province_code = models.CharField(_("province"), max_length=2, blank=True)
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="+", verbose_name=_("course"))
    employee_kind = models.CharField(_("kind of employee"), max_length=20)
    year = models.PositiveSmallIntegerField(_("year"))
    week = models.PositiveSmallIntegerField(_("week"))
    completed = models.IntegerField(_("completed"), default=0)

    class Meta:
        verbose_name = _("completions per week")
        verbose_name_plural = _("completions per week")
        constraints = [
            models.UniqueConstraint(
                fields=["province_code", "course", "employee_kind", "year", "week"],
                name="completion_week_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.province_code}/{self.course_id}/{self.year}-W{self.week}: {self.completed}"
