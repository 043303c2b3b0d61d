"""Every state change about courses: content sync, enrolment, progress and completion."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from literasi.errors import Refusal
from literasi.models import ProvinceMove, User

from . import progress_summary
from .content import CourseSource, read_content, render_lesson_body
from .extensions import course_extensions
from .markdown import render_markdown
from .models import ActivityKind, Course, Enrolment, Lesson, LessonProgress, LessonReflection
from .selectors import course_structure_forget

# Last activity is recorded at most this often per enrolment: a reader paging through lessons
# should not cost a database write per page.
ACTIVITY_RESOLUTION = dt.timedelta(minutes=5)

# Apps above this one (certificates) register here, in AppConfig.ready(), what must follow a
# completed course. Each hook gets the enrolment's id after the completing transaction commits.
CourseCompletedHook = Callable[[int], None]
_course_completed_hooks: list[CourseCompletedHook] = []


def on_course_completed(hook: CourseCompletedHook) -> None:
    """Register ``hook`` to run after each course completion commits (idempotent)."""
    if hook not in _course_completed_hooks:
        _course_completed_hooks.append(hook)


# --- Content -------------------------------------------------------------------------------------


@dataclass
class SyncReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unpublished: list[str] = field(default_factory=list)
    unchanged: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.unpublished)


def apply_changes(obj: object, values: dict[str, object]) -> list[str]:
    """Set ``values`` on ``obj`` (content being synced); the names of those that differed."""
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    for name in changed:
        setattr(obj, name, values[name])
    return changed


def _sync_course(source: CourseSource, report: SyncReport) -> Course:
    values = {
        "title": source.title,
        "summary": source.summary,
        "description_md": source.description_md,
        "description_html": render_markdown(source.description_md),
        "pillars": source.pillars,
        "status": source.status,
        "enrolment": source.enrolment,
        "order": source.order,
    }
    course = Course.objects.filter(slug=source.slug).first()
    if course is None:
        course = Course.objects.create(slug=source.slug, **values)
        report.created.append(f"course {course.slug}")
    elif apply_changes(course, values):
        course.save()
        report.updated.append(f"course {course.slug}")
    else:
        report.unchanged += 1

    existing = {lesson.slug: lesson for lesson in course.lessons.all()}
    for src in source.lessons:
        body_html, sources_html = render_lesson_body(src.body_md)
        values = {
            "title": src.title,
            "order": src.order,
            "minutes": src.minutes,
            "words": src.words,
            "body_md": src.body_md,
            "body_html": body_html,
            "sources_html": sources_html,
            "objectives": list(src.objectives),
            "activities": [activity.rendered() for activity in src.activities],
            "is_published": True,
        }
        lesson = existing.pop(src.slug, None)
        label = f"lesson {course.slug}/{src.slug}"
        if lesson is None:
            Lesson.objects.create(course=course, slug=src.slug, **values)
            report.created.append(label)
        elif apply_changes(lesson, values):
            lesson.save()
            report.updated.append(label)
        else:
            report.unchanged += 1
    for lesson in existing.values():  # gone from the files: unpublished, never deleted
        if lesson.is_published:
            lesson.is_published = False
            lesson.save(update_fields=["is_published", "updated_at"])
            report.unpublished.append(f"lesson {course.slug}/{lesson.slug}")
    return course


@transaction.atomic
def content_sync(*, root: Path) -> SyncReport:
    """Make the database match the course folders under ``root`` (see content/README.md).

    Reads and checks every file first, lessons and quizzes of every course, against every
    load-time rule (``ContentError`` names the bad file, question and rule, and nothing is
    written); then creates or updates courses, lessons and quizzes in one transaction. Lessons
    missing from the files are unpublished; courses missing from the files become drafts. No
    learner's progress is deleted. Safe to repeat: a second run reports nothing changed.
    """
    sources = read_content(root)
    extensions = course_extensions()
    # Every file of every course is checked before anything is written.
    checked = {source.slug: [extension.content_check(source=source) for extension in extensions] for source in sources}
    report = SyncReport()
    for source in sources:
        course = _sync_course(source, report)
        for extension, part in zip(extensions, checked[source.slug], strict=True):
            extension.content_sync(course=course, checked=part, report=report)
        course_refresh_minutes(course=course)
        course_structure_forget(slug=course.slug)
    gone = Course.objects.exclude(slug__in=[s.slug for s in sources]).filter(status=Course.Status.PUBLISHED)
    for course in gone:
        course.status = Course.Status.DRAFT
        course.save(update_fields=["status", "updated_at"])
        course_structure_forget(slug=course.slug)
        report.unpublished.append(f"course {course.slug}")
    return report


def course_refresh_minutes(*, course: Course) -> None:
    """Recompute the course's minutes (and so its JP) from its published lessons and what the
    apps built on courses add (quizzes)."""
    lessons = course.lessons.filter(is_published=True).aggregate(total=Sum("minutes"))["total"] or 0
    minutes = lessons + sum(extension.course_minutes(course=course) for extension in course_extensions())
    if course.minutes != minutes:
        Course.objects.filter(pk=course.pk).update(minutes=minutes)
        course.minutes = minutes


def lesson_save_from_admin(*, lesson: Lesson) -> None:
    """Render and store an admin-edited lesson, and refresh its course's minutes."""
    with transaction.atomic():
        previous = Lesson.objects.filter(pk=lesson.pk).values_list("course__slug", flat=True).first()
        lesson.body_html, lesson.sources_html = render_lesson_body(lesson.body_md)
        lesson.save()
        course_lessons_changed(course=lesson.course)
        if previous not in (None, lesson.course.slug):  # moved to another course
            course_structure_forget(slug=previous)


def course_lessons_changed(*, course: Course) -> None:
    """After lessons were edited in bulk (the admin's inline): refresh minutes and the cache."""
    course_refresh_minutes(course=course)
    course_structure_forget(slug=course.slug)


def course_save_from_admin(*, course: Course) -> None:
    """Render and store an admin-edited course."""
    with transaction.atomic():
        previous = Course.objects.filter(pk=course.pk).values_list("slug", flat=True).first()
        course.description_html = render_markdown(course.description_md)
        course.save()
        for slug in {previous, course.slug}:
            if slug is not None:
                course_structure_forget(slug=slug)


# --- Learners ------------------------------------------------------------------------------------


@transaction.atomic
def enrolment_create(*, user: User, course: Course) -> Enrolment:
    """Enrol ``user`` in an open, published course. Safe to repeat: returns the existing enrolment.

    Raises Refusal for a draft or a closed course (closed courses take their learners
    through cohorts).
    """
    existing = Enrolment.objects.filter(user=user, course=course).first()
    if existing is not None and existing.removed_at is None:
        return existing
    if existing is not None:  # removed from a cohort: the organiser decides, not the learner
        raise Refusal(_("This course is only open to participants of a cohort."))
    if not course.is_published:
        raise Refusal(_("This course is not available."))
    if not course.is_open:
        raise Refusal(_("This course is only open to participants of a cohort."))
    enrolment, _created = Enrolment.objects.get_or_create(
        user=user, course=course, defaults={"province_id": user.province_id, "last_activity_at": timezone.now()}
    )
    progress_summary.record_enrolments(enrolment_ids=[enrolment.pk])
    return enrolment


def enrolments_follow_province_move(move: ProvinceMove) -> None:
    """A moved learner's own enrolments count for their new province; cohort enrolments stay
    with the cohort's. Registered with ``literasi.services.on_learner_province_move``."""
    Enrolment.objects.filter(user_id=move.user_id, cohort__isnull=True).update(province_id=move.to_province_id)
    progress_summary.record_learner_enrolments(user_id=move.user_id)


def enrolments_follow_profile_change(user_id: int) -> None:
    """A learner's kind of employee or agency changed: their enrolments count under the new one.
    Registered with ``literasi.services.on_learner_profile_change``."""
    progress_summary.record_learner_enrolments(user_id=user_id)


def lesson_visit(*, enrolment: Enrolment, lesson_id: int) -> None:
    """Remember where the learner is, for "Lanjutkan belajar". Writes only when something changed."""
    now = timezone.now()
    if enrolment.last_lesson_id is None:
        progress_summary.record_started(enrolment=enrolment, lesson_id=lesson_id)
    changes: dict[str, object] = {}
    if enrolment.last_lesson_id != lesson_id:
        changes["last_lesson_id"] = lesson_id
    if enrolment.last_activity_at is None or now - enrolment.last_activity_at > ACTIVITY_RESOLUTION:
        changes["last_activity_at"] = now
    if changes:
        Enrolment.objects.filter(pk=enrolment.pk).update(**changes)
        for name, value in changes.items():
            setattr(enrolment, name, value)
        if "last_activity_at" in changes:
            progress_summary.record_activity(enrolment_id=enrolment.pk, at=now)


@transaction.atomic
def lesson_complete(*, enrolment: Enrolment, lesson_id: int) -> bool:
    """Mark the lesson done for the enrolment's learner and complete the course if that was all.

    ``lesson_id`` is a published lesson of the enrolment's course (callers take it from the
    course's structure). Safe to repeat (one progress row per learner and lesson). Returns True
    when this call completed the course.
    """
    LessonProgress.objects.get_or_create(user_id=enrolment.user_id, lesson_id=lesson_id)
    Enrolment.objects.filter(pk=enrolment.pk).update(last_lesson_id=lesson_id, last_activity_at=timezone.now())
    completed_at = enrolment_refresh_completion(user_id=enrolment.user_id, course_id=enrolment.course_id)
    if completed_at is not None:
        enrolment.completed_at = completed_at
    # After the completing UPDATE, whose foreign-key check waits for a cohort a batch issue holds:
    # the summary's rows are taken last, so the two never wait for each other.
    progress_summary.record_enrolments(enrolment_ids=[enrolment.pk], active=True)
    return completed_at is not None


def reflection_save(*, enrolment: Enrolment, lesson_id: int, text: str) -> LessonReflection:
    """Keep what the enrolment's learner wrote in a lesson's reflection box (one per learner and
    lesson; saving again replaces it).

    ``enrolment`` gives access (not removed). Raises Refusal when the lesson is not a
    published lesson of the enrolment's course asking for a reflection, or the text is empty or
    longer than ``LessonReflection.MAX_LENGTH``. Safe to repeat.
    """
    text = text.strip()
    lesson = Lesson.objects.filter(pk=lesson_id, course_id=enrolment.course_id, is_published=True).first()
    if lesson is None or not any(a["kind"] == ActivityKind.REFLECTION for a in lesson.activities):
        raise Refusal(_("This lesson has no reflection to write."))
    if not text:
        raise Refusal(_("Write your reflection before saving it."))
    if len(text) > LessonReflection.MAX_LENGTH:
        raise Refusal(
            _("Your reflection is too long: at most %(limit_value)s characters.")
            % {"limit_value": LessonReflection.MAX_LENGTH}
        )
    reflection, _created = LessonReflection.objects.update_or_create(
        user_id=enrolment.user_id, lesson=lesson, defaults={"text": text, "updated_at": timezone.now()}
    )
    return reflection


# The rule "course complete", in SQL because it runs inside every grading task (bench/grading.py):
# the enrolment is not removed, not yet complete, and has no unmet requirement: no published
# lesson of the course left undone, and none of what the apps built on courses require (quizzes:
# a required quiz not passed; CourseExtension.unmet_requirements_sql).
_COMPLETE_IF_NOTHING_UNMET = """
UPDATE courses_enrolment SET completed_at = %(now)s
WHERE id = %(enrolment)s AND completed_at IS NULL AND removed_at IS NULL
  AND NOT EXISTS ({unmet})
"""
_LESSONS_NOT_DONE = """
SELECT 1 FROM courses_lesson l
WHERE l.course_id = %(course)s AND l.is_published
  AND NOT EXISTS (SELECT 1 FROM courses_lessonprogress p WHERE p.lesson_id = l.id AND p.user_id = %(user)s)
"""
_LOCK_ENROLMENT = "SELECT id, completed_at FROM courses_enrolment WHERE user_id = %(user)s AND course_id = %(course)s"


def enrolment_refresh_completion(*, user_id: int, course_id: int) -> dt.datetime | None:
    """The one place a course becomes completed: every published lesson done, and every
    requirement of the apps built on courses met (quizzes: every required quiz passed). Sets
    ``completed_at`` once and never takes a completion back; a removed enrolment does not
    complete. Returns the completion time if this call completed the learner's enrolment in
    the course, else None.

    Call it inside the transaction that recorded the learner's progress (a lesson done, a quiz
    passed), then record the event in the monitoring summary (``progress_summary``), once. It
    locks the enrolment's row, so concurrent callers (the last lesson marked done while the last
    quiz is graded) take turns, and the second one's UPDATE sees the first one's committed work:
    a completion is never missed nor written twice. The hooks registered with
    ``on_course_completed`` run after the commit, once per completion.
    """
    params: dict[str, Any] = {"now": timezone.now(), "course": course_id, "user": user_id}
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""  # SQLite serialises writers anyway
    with connection.cursor() as cursor:
        cursor.execute(_LOCK_ENROLMENT + lock, params)
        row = cursor.fetchone()
        if row is None or row[1] is not None:  # not enrolled, or completed already
            return None
        params["enrolment"] = row[0]
        unmet = " UNION ALL ".join([_LESSONS_NOT_DONE, *(e.unmet_requirements_sql() for e in course_extensions())])
        cursor.execute(_COMPLETE_IF_NOTHING_UNMET.format(unmet=unmet), params)
        if cursor.rowcount != 1:
            return None
    for hook in _course_completed_hooks:
        transaction.on_commit(functools.partial(hook, params["enrolment"]))
    return params["now"]
