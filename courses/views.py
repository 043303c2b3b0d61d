from __future__ import annotations

import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from literasi.errors import Refusal
from literasi.http import AuthenticatedRequest, or_404
from literasi.models import User
from literasi.page_shells import render_shell

from . import selectors, services
from .extensions import course_extensions
from .forms import ReflectionForm
from .models import Enrolment


def home(request: HttpRequest) -> HttpResponse:
    """The front page: a signed-in learner's courses first."""
    user = request.user
    mine = selectors.my_courses(user=user) if isinstance(user, User) else []
    return render(request, "home.html", {"my_courses": mine})


def catalogue(request: HttpRequest) -> HttpResponse:
    return render(request, "courses/catalogue.html", {"courses": selectors.catalogue(user=request.user)})


def course_detail(request: HttpRequest, slug: str) -> HttpResponse:
    course = or_404(selectors.course_published(slug=slug))
    structure = or_404(selectors.course_structure(slug=slug))
    enrolment, outline = selectors.learner_state(user=request.user, structure=structure)
    resume = outline.resume(enrolment.last_lesson_id) if enrolment else None
    context = {"course": course, "enrolment": enrolment, "outline": outline, "resume": resume}
    for extension in course_extensions():  # quizzes: the pre-test, the quizzes and the gain
        context |= extension.course_page(course=course, user=request.user)
    return render(request, "courses/course_detail.html", context)


@login_required
@require_POST
def course_enrol(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    course = or_404(selectors.course_published(slug=slug))
    try:
        services.enrolment_create(user=request.user, course=course)
    except Refusal as refusal:
        messages.error(request, refusal.message)
        return redirect("courses:detail", slug=course.slug)
    messages.success(request, _("You are enrolled. Happy learning!"))
    return redirect("courses:resume", slug=course.slug)


def _learner_place(
    request: AuthenticatedRequest, slug: str
) -> tuple[selectors.CourseStructure, Enrolment, selectors.Outline] | HttpResponse:
    """The course, the learner's enrolment and outline; a closed course's lessons do not exist
    for anyone else, and an open course's send them to enrol."""
    course = or_404(selectors.course_structure(slug=slug))
    enrolment, outline = selectors.learner_state(user=request.user, structure=course)
    if enrolment is not None:
        return course, enrolment, outline
    if not course.is_open:
        raise Http404
    messages.info(request, _("Enrol in this course to read its lessons."))
    return redirect("courses:detail", slug=course.slug)


def _lesson_url(course: selectors.CourseStructure, lesson_slug: str) -> str:
    return reverse("courses:lesson", args=[course.slug, lesson_slug])


@login_required
def course_resume(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    place = _learner_place(request, slug)
    if isinstance(place, HttpResponse):
        return place
    course, enrolment, outline = place
    resume = outline.resume(enrolment.last_lesson_id)
    if resume is None:
        return redirect("courses:detail", slug=course.slug)
    return redirect(_lesson_url(course, resume.slug))


@login_required
def lesson_detail(request: AuthenticatedRequest, slug: str, lesson: str) -> HttpResponse:
    place = _learner_place(request, slug)
    if isinstance(place, HttpResponse):
        return place
    course, enrolment, outline = place
    index = or_404(outline.position(lesson))
    services.lesson_visit(enrolment=enrolment, lesson_id=course.lessons[index].id)
    done = outline.lessons[index].done
    holes = {"progress": _progress_bar(outline)}
    if course.lessons[index].has_reflection:  # the learner's own words: a hole, read only here
        holes["reflection"] = escape(selectors.reflection_text(user=request.user, lesson_id=course.lessons[index].id))
    # The busiest page: kept per variant with the course's structure, the progress bar a hole.
    return render_shell(
        request,
        "courses/lesson_detail.html",
        selectors.lesson_page_context(structure=course, index=index, done=done),
        kept=course.pages,
        variant=f"{index}:{done}",
        holes=holes,
    )


def _progress_bar(outline: selectors.Outline) -> SafeString:
    return _progress_bar_html(get_language(), outline.done_count, len(outline.lessons))


@functools.lru_cache(maxsize=1024)
def _progress_bar_html(language: str, done: int, total: int) -> SafeString:
    """Rendered once per process for each language and count: it is a hole in every lesson page."""
    context = {"percent": selectors.percent_done(done, total), "done": done, "total": total}
    return mark_safe(render_to_string("courses/_progress.html", context))  # noqa: S308 - our own template


@login_required
@require_POST
def lesson_complete(request: AuthenticatedRequest, slug: str, lesson: str) -> HttpResponse:
    place = _learner_place(request, slug)
    if isinstance(place, HttpResponse):
        return place
    course, enrolment, outline = place
    index = or_404(outline.position(lesson))
    if services.lesson_complete(enrolment=enrolment, lesson_id=course.lessons[index].id):
        messages.success(request, _("Congratulations, you have completed this course!"))
        return redirect("courses:detail", slug=course.slug)
    if index + 1 < len(course.lessons):
        return redirect(_lesson_url(course, course.lessons[index + 1].slug))
    return redirect("courses:detail", slug=course.slug)


@login_required
@require_POST
def reflection_save(request: AuthenticatedRequest, slug: str, lesson: str) -> HttpResponse:
    """Keep the enrolled learner's reflection on a lesson; they find it in the box when they return."""
    place = _learner_place(request, slug)
    if isinstance(place, HttpResponse):
        return place
    course, enrolment, outline = place
    entry = course.lessons[or_404(outline.position(lesson))]
    back = f"{_lesson_url(course, entry.slug)}#refleksi"
    form = ReflectionForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(error) for error in form.errors["text"]))
        return redirect(back)
    try:
        services.reflection_save(enrolment=enrolment, lesson_id=entry.id, text=form.cleaned_data["text"])
    except Refusal as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, _("Your reflection is saved. Only you can read it."))
    return redirect(back)


@login_required
def my_courses(request: AuthenticatedRequest) -> HttpResponse:
    return render(request, "courses/my_courses.html", {"items": selectors.my_courses(user=request.user)})
