from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

from literasi.admin import LabelledTabularInline

from .models import Attempt, Option, Question, Quiz
from .services import REENQUEUE_AFTER, attempt_enqueue_grading, question_save_from_admin, quiz_key_changed
from .tasks import quiz_regrade


class OptionFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        kind = getattr(self.instance, "kind", None)
        right = sum(
            1 for form in self.forms if form.cleaned_data.get("is_correct") and not form.cleaned_data.get("DELETE")
        )
        if kind in Question.Kind.values and not Question.Kind(kind).right_options_ok(right):
            raise ValidationError(
                _("This question needs at least one right option.")
                if kind == Question.Kind.MULTIPLE
                else _("This question needs exactly one right option.")
            )


class OptionInline(LabelledTabularInline):
    model = Option
    formset = OptionFormSet
    extra = 0
    fields = ("position", "text", "is_correct")
    can_delete = False  # answers point at options


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ("key", "quiz", "kind", "order", "is_published")
    list_filter = ("quiz__course", "kind", "is_published")
    list_select_related = ("quiz", "quiz__course")
    search_fields = ("key", "text_md")
    inlines = (OptionInline,)
    readonly_fields = ("text_html", "explanation_html")

    def has_delete_permission(self, request: HttpRequest, obj: Question | None = None) -> bool:
        return False  # unpublish instead: attempts keep their questions

    def save_model(self, request: HttpRequest, obj: Question, form, change: bool) -> None:
        question_save_from_admin(question=obj)

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        if any(formset.has_changed() for formset in formsets):
            quiz_key_changed(quiz=form.instance.quiz)
            self.message_user(
                request,
                _("The answer key changed. Past attempts keep their scores until you regrade the quiz."),
                messages.WARNING,
            )


class QuestionInline(LabelledTabularInline):
    model = Question
    extra = 0
    can_delete = False
    fields = ("order", "key", "kind", "is_published")
    show_change_link = True


@admin.register(Quiz)
class QuizAdmin(admin.ModelAdmin):
    list_display = ("title", "course", "pass_mark", "max_attempts", "time_limit_minutes", "required", "is_published")
    list_filter = ("course", "required", "is_published")
    list_select_related = ("course",)
    inlines = (QuestionInline,)
    actions = ("regrade",)

    @admin.action(description=_("Regrade all graded attempts (after correcting the answer key)"))
    def regrade(self, request: HttpRequest, queryset: QuerySet[Quiz]) -> None:
        for quiz in queryset:
            quiz_regrade.delay(quiz.pk)
        self.message_user(
            request,
            ngettext(
                "Regrading of %(count)d quiz was queued; scores update in the background.",
                "Regrading of %(count)d quizzes was queued; scores update in the background.",
                queryset.count(),
            )
            % {"count": queryset.count()},
            messages.SUCCESS,
        )


class StuckFilter(admin.SimpleListFilter):
    title = _("grading")
    parameter_name = "grading"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, StrOrPromise]]:
        return [("stuck", _("Stuck: submitted over two minutes ago, not graded"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Attempt]) -> QuerySet[Attempt]:
        if self.value() == "stuck":
            return queryset.filter(state=Attempt.State.SUBMITTED, submitted_at__lt=timezone.now() - REENQUEUE_AFTER)
        return queryset


@admin.register(Attempt)
class AttemptAdmin(admin.ModelAdmin):
    list_display = ("user", "quiz", "number", "state", "score", "passed", "late", "submitted_at", "graded_at",
                    "waiting")  # fmt: skip
    list_filter = (StuckFilter, "state", "passed", "quiz__course")
    list_select_related = ("user", "quiz", "quiz__course")
    search_fields = ("user__email", "user__full_name")
    date_hierarchy = "started_at"
    actions = ("grade_now",)
    readonly_fields = [f.name for f in Attempt._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Attempt | None = None) -> bool:
        return False  # attempts change only through grading

    @admin.display(description=_("waiting"))
    def waiting(self, attempt: Attempt) -> str:
        if attempt.state != Attempt.State.SUBMITTED or attempt.submitted_at is None:
            return ""
        seconds = int((timezone.now() - attempt.submitted_at) / dt.timedelta(seconds=1))
        return f"{seconds // 60} min {seconds % 60} s"

    @admin.action(description=_("Grade the selected submitted attempts now"))
    def grade_now(self, request: HttpRequest, queryset: QuerySet[Attempt]) -> None:
        ids = list(queryset.filter(state=Attempt.State.SUBMITTED).values_list("pk", flat=True))
        sent = sum(attempt_enqueue_grading(attempt_id=attempt_id) for attempt_id in ids)
        self.message_user(
            request, _("%(sent)d of %(total)d attempts were sent for grading.") % {"sent": sent, "total": len(ids)}
        )
