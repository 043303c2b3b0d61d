"""Reads for learners' pages, each in a fixed number of queries whatever the course's size."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from literasi.db import fetchall_prepared
from literasi.models import User
from literasi.process_cache import ProcessCache

from .models import ActivityKind, Course, Enrolment, Lesson, LessonProgress, LessonReflection


def catalogue(*, user: User) -> QuerySet[Course]:
    """Published courses with their published lesson count, and the user's enrolment (if any)."""
    courses = Course.objects.filter(status=Course.Status.PUBLISHED).annotate(
        lesson_count=Count("lessons", filter=Q(lessons__is_published=True))
    )
    if user.is_authenticated:
        courses = courses.prefetch_related(
            Prefetch("enrolments", queryset=Enrolment.objects.active().filter(user=user), to_attr="my_enrolments")
        )
    return courses


def course_published(*, slug: str) -> Course:
    """A published course by slug; drafts do not exist for learners."""
    course = Course.objects.filter(slug=slug, status=Course.Status.PUBLISHED).first()
    if course is None:
        raise Http404
    return course


def is_enrolled(*, user: User, course_id: int) -> bool:
    """Whether ``user`` has an enrolment in the course that gives access (not removed)."""
    return Enrolment.objects.active().filter(user=user, course_id=course_id).exists()


def percent_done(done: int, total: int) -> int:
    return round(100 * done / total) if total else 0


@dataclass(frozen=True)
class OutlineEntry:
    id: int
    slug: str
    title: str
    minutes: int
    done: bool
    url: str = ""


@dataclass(frozen=True)
class Outline:
    lessons: list[OutlineEntry]

    @property
    def done_count(self) -> int:
        return sum(1 for entry in self.lessons if entry.done)

    @property
    def percent(self) -> int:
        return percent_done(self.done_count, len(self.lessons))

    def position(self, slug: str) -> int:
        for index, entry in enumerate(self.lessons):
            if entry.slug == slug:
                return index
        raise Http404

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
# is synced or edited in the admin. It is kept in each process's memory for 30 seconds; the
# services that change content drop it at once in their own process. The lesson page then reads
# only the learner's own rows from the database.

structures: ProcessCache[CourseStructure] = ProcessCache(ttl=30)


@dataclass(frozen=True)
class LessonEntry:
    id: int
    slug: str
    title: str
    minutes: int
    body_html: str
    url: str
    complete_url: str
    sources_html: str = ""
    objectives: tuple[str, ...] = ()
    activities: tuple[dict, ...] = ()  # as stored on Lesson.activities
    reflection_url: str = ""

    @property
    def has_reflection(self) -> bool:
        return any(activity["kind"] == ActivityKind.REFLECTION for activity in self.activities)


@dataclass(frozen=True)
class CourseStructure:
    id: int
    slug: str
    title: str
    enrolment: str
    url: str
    lessons: tuple[LessonEntry, ...]
    # Its lesson pages as rendered for each variant (literasi/page_shells.py): they are kept as
    # long as the structure they were rendered from, and go with it.
    pages: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    @property
    def is_open(self) -> bool:
        return self.enrolment == Course.Enrolment.OPEN


def course_structure(*, slug: str) -> CourseStructure:
    """A published course and its published lessons with their HTML; Http404 for drafts."""
    return structures.get_or_build(slug, lambda: _build_structure(slug))


def _build_structure(slug: str) -> CourseStructure:
    course = course_published(slug=slug)
    lessons = Lesson.objects.filter(course=course, is_published=True).order_by("order", "pk")
    # URLs are reversed here, once, rather than on every page view.
    return CourseStructure(
        id=course.pk,
        slug=course.slug,
        title=course.title,
        enrolment=course.enrolment,
        url=reverse("courses:detail", args=[course.slug]),
        lessons=tuple(
            LessonEntry(
                **{**row, "objectives": tuple(row["objectives"]), "activities": tuple(row["activities"])},
                url=reverse("courses:lesson", args=[course.slug, row["slug"]]),
                complete_url=reverse("courses:lesson_complete", args=[course.slug, row["slug"]]),
                reflection_url=reverse("courses:reflection", args=[course.slug, row["slug"]]),
            )
            for row in lessons.values(
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
    transaction.on_commit(lambda: structures.forget(slug))


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


def learner_state(*, user: User, structure: CourseStructure) -> tuple[Enrolment | None, Outline]:
    """The learner's enrolment in the course and the outline marked with what they have done.

    For a visitor who is not signed in: no enrolment and nothing done, without a query.
    Otherwise one query (the enrolment joined to the learner's progress on this course's lessons), in
    plain SQL and prepared on PostgreSQL: this is the lesson page's only per-learner read, and
    both the ORM's compilation and PostgreSQL's planning cost more than running it.
    """
    if not user.is_authenticated:
        return None, _outline(structure, done=set())
    lesson_ids = [entry.id for entry in structure.lessons] or [0]
    enrolments, progress = Enrolment._meta.db_table, LessonProgress._meta.db_table
    placeholders = ", ".join(["%s"] * len(lesson_ids))
    sql = (
        f"SELECT e.id, e.last_lesson_id, e.last_activity_at, e.completed_at, p.lesson_id "  # noqa: S608 - table names from models
        f"FROM {enrolments} e LEFT JOIN {progress} p "
        f"ON p.user_id = e.user_id AND p.lesson_id IN ({placeholders}) "
        f"WHERE e.user_id = %s AND e.course_id = %s AND e.removed_at IS NULL"
    )
    rows = fetchall_prepared(sql, [*lesson_ids, user.pk, structure.id])
    enrolment = None
    if rows:
        pk, last_lesson_id, last_activity_at, completed_at, _ = rows[0]
        enrolment = Enrolment(
            pk=pk,
            user_id=user.pk,
            course_id=structure.id,
            last_lesson_id=last_lesson_id,
            last_activity_at=_aware(last_activity_at),
            completed_at=_aware(completed_at),
        )
    return enrolment, _outline(structure, done={row[4] for row in rows if row[4] is not None})


def _outline(structure: CourseStructure, *, done: set[int]) -> Outline:
    return Outline(
        [
            OutlineEntry(id=e.id, slug=e.slug, title=e.title, minutes=e.minutes, done=e.id in done, url=e.url)
            for e in structure.lessons
        ]
    )


def _aware(value: object) -> object:
    """Datetimes from a raw cursor, as the ORM would return them (SQLite gives strings)."""
    if isinstance(value, str):
        value = datetime.datetime.fromisoformat(value)
    if isinstance(value, datetime.datetime) and timezone.is_naive(value):
        value = timezone.make_aware(value, datetime.UTC)
    return value
