from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from courses import selectors as course_selectors
from literasi.errors import Refusal
from literasi.http import AuthenticatedRequest, or_404, polled_login_required

from . import selectors, services
from .forms import AnswersForm, field_name
from .models import Attempt


@login_required
def quiz_detail(request: AuthenticatedRequest, quiz_id: int) -> HttpResponse:
    quiz = or_404(selectors.quiz_for_learner(user=request.user, quiz_id=quiz_id))
    status = next(
        s for s in selectors.quizzes_for_learner(course_id=quiz.course_id, user=request.user) if s.quiz == quiz
    )
    attempts = selectors.attempts_at(user=request.user, quiz=quiz)
    return render(request, "quizzes/quiz_detail.html", {"quiz": quiz, "status": status, "attempts": attempts})


@login_required
@require_POST
def quiz_start(request: AuthenticatedRequest, quiz_id: int) -> HttpResponse:
    quiz = or_404(selectors.quiz_for_learner(user=request.user, quiz_id=quiz_id))
    try:
        attempt = services.attempt_start(user=request.user, quiz=quiz)
    except Refusal as refusal:
        messages.error(request, refusal.message)
        return redirect("quizzes:detail", quiz_id=quiz.pk)
    return redirect("quizzes:attempt", attempt_id=attempt.pk)


@login_required
def attempt_take(request: AuthenticatedRequest, attempt_id: int) -> HttpResponse:
    attempt = or_404(selectors.attempt_of(user=request.user, attempt_id=attempt_id))
    if attempt.state != Attempt.State.IN_PROGRESS:
        return redirect("quizzes:result", attempt_id=attempt.pk)
    if request.method == "POST" and request.POST.get("action") == "submit_saved":
        # The time ran out while the learner was away: what was saved is submitted and graded.
        services.attempt_submit(attempt=attempt)
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
        # Only shown: the learner sends the saved answers with the page's button, or the
        # scheduler's sweep submits them within seconds.
        return render(request, "quizzes/attempt_expired.html", {"attempt": attempt, "quiz": attempt.quiz})
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


def _result_context(request: AuthenticatedRequest, attempt: Attempt) -> dict:
    if attempt.state in (Attempt.State.IN_PROGRESS, Attempt.State.SUBMITTED):
        # Still open, or being graded (and polled every second): the panel shows only that.
        return {"attempt": attempt, "quiz": attempt.quiz}
    used = services.attempts_used(user=request.user, quiz=attempt.quiz)
    show = selectors.answers_may_be_shown(attempt=attempt, attempts_used=used)
    return {
        "attempt": attempt,
        "quiz": attempt.quiz,
        "show_answers": show,
        "questions": selectors.attempt_questions(attempt=attempt, with_results=True) if show else [],
        "attempts_left": (attempt.quiz.max_attempts - used) if attempt.quiz.max_attempts else None,
        "course_completed": course_selectors.has_completed(user=request.user, course_id=attempt.quiz.course_id),
    }


@login_required
def attempt_result(request: AuthenticatedRequest, attempt_id: int) -> HttpResponse:
    attempt = or_404(selectors.attempt_of(user=request.user, attempt_id=attempt_id))
    if attempt.state == Attempt.State.IN_PROGRESS:
        return redirect("quizzes:attempt", attempt_id=attempt.pk)
    return render(request, "quizzes/attempt_result.html", _result_context(request, attempt))


@polled_login_required(page="quizzes:result")
def attempt_result_status(request: AuthenticatedRequest, attempt_id: int) -> HttpResponse:
    """The result panel alone, polled by htmx while the attempt is being graded."""
    attempt = or_404(selectors.attempt_of(user=request.user, attempt_id=attempt_id))
    return render(request, "quizzes/_result_panel.html", _result_context(request, attempt))
