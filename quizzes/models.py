"""Quizzes, their question banks, and learners' attempts.

An attempt is answered, then submitted (answers and state stored in one transaction), then
graded by a Celery task. The answer key (``Option.is_correct``) never leaves the server before
an attempt is graded.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from courses.models import Course


class Quiz(models.Model):
    class Kind(models.TextChoices):
        # A pre-test is taken before the lessons, once, and never counts for passing: with the
        # evaluation's best score it gives the learner's gain (quizzes.selectors).
        PRETEST = "pretest", _("Pre-test")
        EVALUATION = "evaluation", _("Evaluation")

    class ShowAnswers(models.TextChoices):
        AFTER_ATTEMPT = "after_attempt", _("After each attempt")
        AFTER_PASS = "after_pass", _("After passing")
        AFTER_LAST_ATTEMPT = "after_last_attempt", _("After the last attempt")

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="quizzes", verbose_name=_("course"))
    slug = models.SlugField(_("slug"), max_length=100)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.EVALUATION)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)
    minutes = models.PositiveIntegerField(_("estimated minutes"), default=10)
    pass_mark = models.PositiveSmallIntegerField(_("pass mark (%)"), default=70)
    max_attempts = models.PositiveSmallIntegerField(_("attempts allowed"), default=3, help_text=_("0 = unlimited"))
    time_limit_minutes = models.PositiveSmallIntegerField(_("time limit (minutes)"), null=True, blank=True)
    questions_per_attempt = models.PositiveSmallIntegerField(
        _("questions per attempt"), null=True, blank=True, help_text=_("Drawn at random from the bank; empty = all.")
    )
    # By default the answer key is kept until the learner has passed or has no attempt left:
    # shown after every failed attempt, it would hand out the answers for the next one.
    show_answers = models.CharField(
        _("show answers"), max_length=20, choices=ShowAnswers.choices, default=ShowAnswers.AFTER_LAST_ATTEMPT
    )
    required = models.BooleanField(_("required to complete the course"), default=True)
    is_published = models.BooleanField(_("published"), default=True)
    # Raised whenever an option's text or correctness changes (quizzes.services.quiz_key_changed):
    # graders cache the answer key per (quiz, key_version), so a changed key is never read stale.
    key_version = models.PositiveIntegerField(default=1, editable=False, verbose_name=_("answer key version"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        ordering = ["course", "order", "pk"]
        verbose_name = _("quiz")
        verbose_name_plural = _("quizzes")
        constraints = [
            models.UniqueConstraint(fields=["course", "slug"], name="quiz_slug_unique_in_course"),
            models.CheckConstraint(condition=Q(pass_mark__lte=100), name="quiz_pass_mark_percent"),
        ]

    def __str__(self) -> str:
        return f"{self.course} · {self.title}"

    @property
    def is_pretest(self) -> bool:
        return self.kind == self.Kind.PRETEST


class Question(models.Model):
    class Kind(models.TextChoices):
        SINGLE = "single", _("Single choice")
        MULTIPLE = "multiple", _("Multiple answers")
        TRUE_FALSE = "true_false", _("True or false")

        def right_options_ok(self, right: int) -> bool:
            """The one rule on right options: exactly one, or at least one for multiple answers."""
            return right >= 1 if self == Question.Kind.MULTIPLE else right == 1

    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="questions", verbose_name=_("quiz"))
    # The lesson the question assesses: an attempt draws from every lesson (quizzes.services).
    lesson = models.ForeignKey(
        "courses.Lesson",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="questions",
        verbose_name=_("lesson"),
    )
    key = models.SlugField(_("key"), max_length=100)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    order = models.PositiveIntegerField(_("order"), default=0)
    text_md = models.TextField(_("question (Markdown)"))
    text_html = models.TextField(editable=False, blank=True, verbose_name=_("text (HTML)"))
    explanation_md = models.TextField(_("explanation (Markdown)"), blank=True)
    explanation_html = models.TextField(editable=False, blank=True, verbose_name=_("explanation (HTML)"))
    is_published = models.BooleanField(_("published"), default=True)

    class Meta:
        ordering = ["quiz", "order", "pk"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        constraints = [models.UniqueConstraint(fields=["quiz", "key"], name="question_key_unique_in_quiz")]

    def __str__(self) -> str:
        return self.key


class Option(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="options", verbose_name=_("question"))
    position = models.PositiveSmallIntegerField(_("position"))
    text = models.TextField(_("text"))
    is_correct = models.BooleanField(_("correct"), default=False)

    class Meta:
        ordering = ["question", "position"]
        verbose_name = _("option")
        verbose_name_plural = _("options")
        constraints = [models.UniqueConstraint(fields=["question", "position"], name="option_position_unique")]

    def __str__(self) -> str:
        return self.text[:60]


class Attempt(models.Model):
    """One try at a quiz by one learner.

    ``layout`` fixes what this attempt shows: the drawn questions and each one's shuffled option
    order, as ``[{"q": question_id, "o": [option_id, ...]}, ...]``. ``answers`` maps a question id
    (as a string) to the chosen option ids. Grading fills ``score``, ``passed`` and ``results``.
    """

    class State(models.TextChoices):
        IN_PROGRESS = "in_progress", _("In progress")
        SUBMITTED = "submitted", _("Being graded")
        GRADED = "graded", _("Graded")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quiz_attempts", verbose_name=_("learner")
    )
    quiz = models.ForeignKey(Quiz, on_delete=models.PROTECT, related_name="attempts", verbose_name=_("quiz"))
    number = models.PositiveSmallIntegerField(_("attempt number"))
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.IN_PROGRESS)
    layout = models.JSONField(default=list, verbose_name=_("question layout"))
    answers = models.JSONField(default=dict, blank=True, verbose_name=_("answers"))
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    late = models.BooleanField(_("submitted after the time limit"), default=False)
    graded_at = models.DateTimeField(_("graded at"), null=True, blank=True)
    score = models.PositiveSmallIntegerField(_("score (%)"), null=True, blank=True)
    correct_count = models.PositiveSmallIntegerField(null=True, blank=True, verbose_name=_("correct answers"))
    passed = models.BooleanField(_("passed"), null=True, blank=True)
    results = models.JSONField(default=dict, blank=True, verbose_name=_("results per question"))
    # The outbox: set when the grading task was handed to the broker. Attempts submitted while
    # the broker was away keep it empty until the sweep enqueues them.
    grading_enqueued_at = models.DateTimeField(null=True, blank=True, verbose_name=_("sent for grading at"))
    grading_runs = models.PositiveIntegerField(
        default=0,
        help_text=_("How many times a grading task picked this attempt up (diagnostics)."),
        verbose_name=_("grading runs"),
    )
    grade_writes = models.PositiveSmallIntegerField(
        default=0,
        help_text=_("How many times a grade was written: once, plus once per regrade."),
        verbose_name=_("grade writes"),
    )

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("attempt")
        verbose_name_plural = _("attempts")
        constraints = [
            models.UniqueConstraint(fields=["user", "quiz", "number"], name="attempt_number_unique"),
            # At most one open attempt per learner and quiz: two tabs share it instead of racing.
            models.UniqueConstraint(
                fields=["user", "quiz"], condition=Q(state="in_progress"), name="one_open_attempt_per_quiz"
            ),
        ]
        indexes = [
            models.Index(fields=["state", "grading_enqueued_at"], name="attempt_grading_sweep"),
            models.Index(fields=["state", "deadline"], name="attempt_expiry_sweep"),
            models.Index(fields=["user", "quiz", "passed"], name="attempt_passed_lookup"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.quiz} #{self.number}"

    @property
    def question_ids(self) -> list[int]:
        return [item["q"] for item in self.layout]
