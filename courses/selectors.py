"""Reads for learners' pages, each in a fixed number of queries whatever the course's size."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from cachetools import TTLCache
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.db.models import Count, Prefetch, Q, QuerySet

from literasi.models import User

from .models import ActivityKind, Course, Enrolment, Lesson, LessonProgress, LessonReflection


def catalogue(*, user: User | AnonymousUser) -> QuerySet[Course]:
    """Published courses with their published lesson count, and the user's enrolment (if any)."""
    courses = Course.objects.filter(status=Course.Status.PUBLISHED).annotate(
        lesson_count=Count("lessons", filter=Q(lessons__is_published=True))
    )
    if user.is_authenticated:
        courses = courses.prefetch_related(
            Prefetch("enrolments", queryset=Enrolment.objects.active().filter(user=user), to_attr="my_enrolments")
        )
    return courses


def course_published(*, slug: str) -> Course | None:
    """A published course by slug; drafts do not exist for learners (None)."""
    return Course.objects.filter(slug=slug, status=Course.Status.PUBLISHED).first()


def is_enrolled(*, user: User, course_id: int) -> bool:
    """Whether ``user`` has an enrolment in the course that gives access (not removed)."""
    return Enrolment.objects.active().filter(user=user, course_id=course_id).exists()


def has_completed(*, user: User, course_id: int) -> bool:
    """Whether ``user`` has completed the course (a completion stays, even after removal)."""
    return Enrolment.objects.filter(user=user, course_id=course_id, completed_at__isnull=False).exists()


def percent_done(done: int, total: int) -> int:
    return round(100 * done / total) if total else 0


@dataclass(frozen=True)
class OutlineEntry:
    id: int
    slug: str
    title: str
    minutes: int
    done: bool


@dataclass(frozen=True)
class Outline:
    lessons: list[OutlineEntry]

    @property
    def done_count(self) -> int:
        return sum(1 for entry in self.lessons if entry.done)

    @property
    def percent(self) -> int:
        return percent_done(self.done_count, len(self.lessons))

    def position(self, slug: str) -> int | None:
        """Where the lesson ``slug`` is in the course (from 0); None if it is not one of its lessons."""
        return next((index for index, entry in enumerate(self.lessons) if entry.slug == slug), None)

    def resume(self, last_lesson_id: int | None) -> OutlineEntry | None:
        """Where "Lanjutkan belajar" leads: the last lesson opened if unfinished, else the next
        unfinished lesson after it (wrapping to the first unfinished one); None when all are done."""
        if not self.lessons:
            return None
        start = next((i for i, e in enumerate(self.lessons) if e.id == last_lesson_id), 0)
        ordered = self.lessons[start:] + self.lessons[:start]
        return next((entry for entry in ordered if not entry.done), None)


@dataclass(frozen=True)
class MyCourse:
    enrolment: Enrolment
    lesson_count: int
    done_count: int
    resume_slug: str | None

    @property
    def percent(self) -> int:
        return percent_done(self.done_count, self.lesson_count)


def my_courses(*, user: User) -> list[MyCourse]:
    """The learner's enrolments with progress and where to resume. Three queries in all."""
    enrolments = list(
        Enrolment.objects.active()
        .filter(user=user, course__status=Course.Status.PUBLISHED)
        .select_related("course")
        .order_by("-last_activity_at", "-enrolled_at")
    )
    course_ids = [e.course_id for e in enrolments]
    lessons = list(
        Lesson.objects.filter(course_id__in=course_ids, is_published=True)
        .order_by("course_id", "order", "pk")
        .values("id", "slug", "course_id")
    )
    done = set(
        LessonProgress.objects.filter(user=user, lesson_id__in=[lesson["id"] for lesson in lessons]).values_list(
            "lesson_id", flat=True
        )
    )
    by_course: dict[int, list[OutlineEntry]] = {}
    for row in lessons:
        by_course.setdefault(row["course_id"], []).append(
            OutlineEntry(id=row["id"], slug=row["slug"], title="", minutes=0, done=row["id"] in done)
        )
    result = []
    for enrolment in enrolments:
        outline = Outline(by_course.get(enrolment.course_id, []))
        resume = outline.resume(enrolment.last_lesson_id)
        result.append(
            MyCourse(
                enrolment=enrolment,
                lesson_count=len(outline.lessons),
                done_count=outline.done_count,
                resume_slug=resume.slug if resume else None,
            )
        )
    return result


# --- The lesson page's read path --------------------------------------------------------------
# A course's published structure (its lessons and their rendered HTML) changes only when content
# is synced or edited in the admin. Each process keeps it for 30 seconds (cachetools' TTLCache);
# the services that change content drop it at once in their own process. The lesson page then
# reads only the learner's own rows from the database.

structures: TTLCache[str, CourseStructure] = TTLCache(maxsize=512, ttl=30)
_structures_lock = threading.Lock()


@dataclass(frozen=True)
class LessonEntry:
    id: int
    slug: str
    title: str
    minutes: int
    body_html: str
    sources_html: str = ""
    objectives: tuple[str, ...] = ()
    activities: tuple[dict, ...] = ()  # as stored on Lesson.activities

    @property
    def has_reflection(self) -> bool:
        return any(activity["kind"] == ActivityKind.REFLECTION for activity in self.activities)


@dataclass(frozen=True)
class CourseStructure:
    id: int
    slug: str
    title: str
    enrolment: str
    lessons: tuple[LessonEntry, ...]
    # Its lesson pages as rendered for each variant (literasi/page_shells.py): they are kept as
    # long as the structure they were rendered from, and go with it.
    pages: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    @property
    def is_open(self) -> bool:
        return self.enrolment == Course.Enrolment.OPEN


def course_structure(*, slug: str) -> CourseStructure | None:
    """A published course and its published lessons with their HTML; None for drafts."""
    with _structures_lock:
        structure = structures.get(slug)
    if structure is None:
        structure = _build_structure(slug)
        if structure is not None:
            with _structures_lock:
                structures[slug] = structure
    return structure


def _build_structure(slug: str) -> CourseStructure | None:
    course = course_published(slug=slug)
    if course is None:
        return None
    lessons = Lesson.objects.filter(course=course, is_published=True).order_by("order", "pk")
    return CourseStructure(
        id=course.pk,
        slug=course.slug,
        title=course.title,
        enrolment=course.enrolment,
        lessons=tuple(
            LessonEntry(
                id=lesson.pk,
                slug=lesson.slug,
                title=lesson.title,
                minutes=lesson.minutes,
                body_html=lesson.body_html,
                sources_html=lesson.sources_html,
                objectives=tuple(lesson.objectives),
                activities=tuple(lesson.activities),
            )
            for lesson in lessons.only(
                "id", "slug", "title", "minutes", "body_html", "sources_html", "objectives", "activities"
            )
        ),
    )


def reflection_text(*, user: User, lesson_id: int) -> str:
    """What the learner wrote in the lesson's reflection box, or an empty string."""
    text = LessonReflection.objects.filter(user=user, lesson_id=lesson_id).values_list("text", flat=True).first()
    return text or ""


def course_structure_forget(*, slug: str) -> None:
    """Drop a course's structure (and with it its kept lesson pages) from this process after commit."""

    def forget() -> None:
        with _structures_lock:
            structures.pop(slug, None)

    transaction.on_commit(forget)


def lesson_page_context(*, structure: CourseStructure, index: int, done: bool) -> dict[str, object]:
    """What lesson ``index``'s page shows besides the learner's progress: the same for everyone."""
    lessons, total = structure.lessons, len(structure.lessons)
    return {
        "course": structure,
        "lesson": lessons[index],
        "number": index + 1,
        "total": total,
        "previous": lessons[index - 1] if index > 0 else None,
        "next": lessons[index + 1] if index + 1 < total else None,
        "done": done,
        "reflection_max": LessonReflection.MAX_LENGTH,
    }


def learner_state(*, user: User | AnonymousUser, structure: CourseStructure) -> tuple[Enrolment | None, Outline]:
    """The learner's enrolment in the course (None if not enrolled, or removed) and the outline
    marked with what they have done. None and nothing done for a visitor who is not signed in.

    One query, the lesson page's only read of the learner's own rows: the enrolment joined to
    their progress on the course's lessons, one row per lesson done (or one row with no lesson).
    It is raw SQL (``Manager.raw``, which still returns whole enrolments) because the ORM took
    longer to build the two queries it needs than PostgreSQL took to run them.
    """
    if not user.is_authenticated:
        return None, _outline(structure, done=set())
    lesson_ids = [entry.id for entry in structure.lessons] or [0]
    sql = (
        f"SELECT e.*, p.lesson_id AS done_lesson_id FROM {Enrolment._meta.db_table} e "  # noqa: S608 - table names from models
        f"LEFT JOIN {LessonProgress._meta.db_table} p "
        f"ON p.user_id = e.user_id AND p.lesson_id IN ({', '.join(['%s'] * len(lesson_ids))}) "
        f"WHERE e.user_id = %s AND e.course_id = %s AND e.removed_at IS NULL"
    )
    # Each row is a whole Enrolment with the extra column done_lesson_id.
    rows: list[Any] = list(Enrolment.objects.raw(sql, [*lesson_ids, user.pk, structure.id]))
    done = {row.done_lesson_id for row in rows if row.done_lesson_id is not None}
    return (rows[0] if rows else None), _outline(structure, done=done)


def _outline(structure: CourseStructure, *, done: set[int]) -> Outline:
    return Outline(
        [
            OutlineEntry(id=e.id, slug=e.slug, title=e.title, minutes=e.minutes, done=e.id in done)
            for e in structure.lessons
        ]
    )
