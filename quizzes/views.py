from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from courses import selectors as course_selectors
from courses.models import Enrolment

from . import selectors, services
from .forms import AnswersForm, field_name
from .models import Attempt, Quiz


def _quiz_for_learner(request: HttpRequest, quiz_id: int) -> Quiz:
    """A published quiz of a published course the learner is enrolled in; otherwise 404."""
    quiz = Quiz.objects.select_related("course").filter(pk=quiz_id, is_published=True).first()
    if quiz is None or not quiz.course.is_published:
        raise Http404
    if not course_selectors.is_enrolled(user=request.user, course_id=quiz.course_id):
        raise Http404
    return quiz


@login_required
def quiz_detail(request: HttpRequest, quiz_id: int) -> HttpResponse:
    quiz = _quiz_for_learner(request, quiz_id)
    status = next(
        s for s in selectors.quizzes_for_learner(course_id=quiz.course_id, user=request.user) if s.quiz == quiz
    )
    attempts = Attempt.objects.filter(user=request.user, quiz=quiz).order_by("number")
    return render(request, "quizzes/quiz_detail.html", {"quiz": quiz, "status": status, "attempts": attempts})


@login_required
@require_POST
def quiz_start(request: HttpRequest, quiz_id: int) -> HttpResponse:
    quiz = _quiz_for_learner(request, quiz_id)
    try:
        attempt = services.attempt_start(user=request.user, quiz=quiz)
    except services.AttemptRefused as refusal:
        messages.error(request, refusal.message)
        return redirect("quizzes:detail", quiz_id=quiz.pk)
    return redirect("quizzes:attempt", attempt_id=attempt.pk)


@login_required
def attempt_take(request: HttpRequest, attempt_id: int) -> HttpResponse:
    attempt = selectors.attempt_of(user=request.user, attempt_id=attempt_id)
    if not course_selectors.is_enrolled(user=request.user, course_id=attempt.quiz.course_id):
        raise Http404  # removed from the cohort meanwhile
    if attempt.state != Attempt.State.IN_PROGRESS:
        return redirect("quizzes:result", attempt_id=attempt.pk)
    questions = selectors.attempt_questions(attempt=attempt)
    if request.method == "POST":
        form = AnswersForm(request.POST, questions=questions)
        if form.is_valid():
            # Saving after the time ran out submits instead (what was saved in time is graded).
            if request.POST.get("action") == "save" and services.attempt_save_answers(
                attempt=attempt, answers=form.answers()
            ):
                messages.success(request, _("Your answers are saved. You can come back before the time runs out."))
                return redirect("quizzes:attempt", attempt_id=attempt.pk)
            attempt = services.attempt_submit(attempt=attempt, answers=form.answers())
            if attempt.late:
                messages.warning(
                    request,
                    _("The time limit had passed: answers sent after it were not counted. "
                      "The answers saved before the limit are being graded."),
                )  # fmt: skip
            return redirect("quizzes:result", attempt_id=attempt.pk)
        messages.error(request, _("Some answers could not be read. Please choose again."))
    if services.attempt_time_is_up(attempt):
        # The time ran out while the learner was away: what was saved is submitted and graded.
        services.attempt_submit(attempt=attempt)
        messages.warning(request, _("The time limit has passed. The answers you saved are being graded."))
        return redirect("quizzes:result", attempt_id=attempt.pk)
    remaining = int((attempt.deadline - timezone.now()).total_seconds()) if attempt.deadline else None
    return render(
        request,
        "quizzes/attempt_take.html",
        {
            "attempt": attempt,
            "quiz": attempt.quiz,
            "questions": [(shown, field_name(shown.question.pk)) for shown in questions],
            "remaining_minutes": max(remaining, 0) // 60 + 1 if remaining is not None else None,
        },
    )


def _result_context(request: HttpRequest, attempt: Attempt) -> dict:
    if attempt.state in (Attempt.State.IN_PROGRESS, Attempt.State.SUBMITTED):
        # Still open, or being graded (and polled every second): the panel shows only that.
        return {"attempt": attempt, "quiz": attempt.quiz}
    used = services.attempts_used(user=request.user, quiz=attempt.quiz)
    show = selectors.answers_may_be_shown(attempt=attempt, attempts_used=used)
    enrolment = Enrolment.objects.filter(user=request.user, course_id=attempt.quiz.course_id).first()
    return {
        "attempt": attempt,
        "quiz": attempt.quiz,
        "show_answers": show,
        "questions": selectors.attempt_questions(attempt=attempt, with_results=True) if show else [],
        "attempts_left": (attempt.quiz.max_attempts - used) if attempt.quiz.max_attempts else None,
        "course_completed": bool(enrolment and enrolment.completed_at),
    }


@login_required
def attempt_result(request: HttpRequest, attempt_id: int) -> HttpResponse:
    attempt = selectors.attempt_of(user=request.user, attempt_id=attempt_id)
    if attempt.state == Attempt.State.IN_PROGRESS:
        return redirect("quizzes:attempt", attempt_id=attempt.pk)
    return render(request, "quizzes/attempt_result.html", _result_context(request, attempt))


@login_required
def attempt_result_status(request: HttpRequest, attempt_id: int) -> HttpResponse:
    """The result panel alone, polled by htmx while the attempt is being graded."""
    attempt = selectors.attempt_of(user=request.user, attempt_id=attempt_id)
    return render(request, "quizzes/_result_panel.html", _result_context(request, attempt))
