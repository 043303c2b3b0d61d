"""Reads for learners' pages, each in a fixed number of queries whatever the course's size."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404

from literasi.models import User

from .models import Course, Enrolment, Lesson, LessonProgress


def catalogue(*, user: User) -> QuerySet[Course]:
    """Published courses with their published lesson count, and the user's enrolment (if any)."""
    courses = Course.objects.filter(status=Course.Status.PUBLISHED).annotate(
        lesson_count=Count("lessons", filter=Q(lessons__is_published=True))
    )
    if user.is_authenticated:
        courses = courses.prefetch_related(
            Prefetch("enrolments", queryset=Enrolment.objects.filter(user=user), to_attr="my_enrolments")
        )
    return courses


def course_published(*, slug: str) -> Course:
    """A published course by slug; drafts do not exist for learners."""
    course = Course.objects.filter(slug=slug, status=Course.Status.PUBLISHED).first()
    if course is None:
        raise Http404
    return course


def enrolment_of(*, user: User, course: Course) -> Enrolment | None:
    if not user.is_authenticated:
        return None
    return Enrolment.objects.filter(user=user, course=course).first()


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
        return round(100 * self.done_count / len(self.lessons)) if self.lessons else 0

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


def outline_for(*, course: Course, user: User) -> Outline:
    """The published lessons in order, each marked done or not for ``user``. One query."""
    lessons = Lesson.objects.filter(course=course, is_published=True).order_by("order", "pk")
    if user.is_authenticated:
        lessons = lessons.annotate(done=Exists(LessonProgress.objects.filter(user=user, lesson=OuterRef("pk"))))
    rows = lessons.values("id", "slug", "title", "minutes", *(["done"] if user.is_authenticated else []))
    return Outline([OutlineEntry(done=row.pop("done", False), **row) for row in rows])


def lesson_body(*, course: Course, slug: str) -> Lesson:
    lesson = (
        Lesson.objects.filter(course=course, slug=slug, is_published=True)
        .only("id", "slug", "title", "minutes", "body_html", "course_id")
        .first()
    )
    if lesson is None:
        raise Http404
    return lesson


@dataclass(frozen=True)
class MyCourse:
    enrolment: Enrolment
    lesson_count: int
    done_count: int
    resume_slug: str | None

    @property
    def percent(self) -> int:
        return round(100 * self.done_count / self.lesson_count) if self.lesson_count else 0


def my_courses(*, user: User) -> list[MyCourse]:
    """The learner's enrolments with progress and where to resume. Three queries in all."""
    enrolments = list(
        Enrolment.objects.filter(user=user, course__status=Course.Status.PUBLISHED)
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
