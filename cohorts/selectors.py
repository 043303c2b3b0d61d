"""Reads for organisers. Every cohort, upload and participant list is scoped here, through
literasi.selectors.provinces_managed_by: anything outside the user's provinces does not exist."""

from __future__ import annotations

from django.db.models import Count, IntegerField, Max, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from courses.models import Enrolment, LessonProgress, ProgressSummary
from literasi.models import User
from literasi.selectors import provinces_managed_by
from quizzes.models import Attempt

from .models import Cohort, CohortEvent, Upload


def cohorts_visible_to(user: User) -> QuerySet[Cohort]:
    return Cohort.objects.filter(province__in=provinces_managed_by(user))


def cohort_for(*, user: User, cohort_id: int) -> Cohort | None:
    """The cohort, if it is in one of the user's provinces; otherwise None."""
    return cohorts_visible_to(user).select_related("province", "course").filter(pk=cohort_id).first()


def upload_for(*, user: User, upload_id: int) -> Upload | None:
    """The upload, if its cohort is in one of the user's provinces; otherwise None."""
    return (
        Upload.objects.select_related("cohort", "cohort__province", "cohort__course", "uploaded_by")
        .filter(pk=upload_id, cohort__in=cohorts_visible_to(user))
        .first()
    )


def cohort_list(*, user: User) -> list[Cohort]:
    """The cohorts of the user's provinces, each with ``participants``: those not removed, read
    from the monitoring summary (its rows of the cohort), not counted over the enrolments. Two
    queries, whatever the number of cohorts and participants."""
    cohorts = list(
        cohorts_visible_to(user)
        .select_related("province", "course")
        .only("name", "year", "sequence", "status", "capacity", "province__name", "course__title")
        .order_by("province_id", "-year", "-sequence")
    )  # only what the list shows: not each course's description again on every one of its cohorts
    participants = dict(
        ProgressSummary.objects.filter(cohort_key__in=[c.pk for c in cohorts])
        .values_list("cohort_key")
        .annotate(n=Sum("enrolled"))
    )
    for cohort in cohorts:
        cohort.participants = participants.get(cohort.pk, 0)  # type: ignore[attr-defined]
    return cohorts


STATUS_FILTERS = {
    "completed": Q(completed_at__isnull=False),
    "in_progress": Q(completed_at__isnull=True, lessons_done__gt=0),
    "not_started": Q(completed_at__isnull=True, lessons_done=0),
}


def participants(*, cohort: Cohort, search: str = "", status: str = "") -> QuerySet[Enrolment]:
    """The cohort's participants with their progress, in one query whatever their number."""
    lessons_done = (
        LessonProgress.objects.filter(user_id=OuterRef("user_id"), lesson__course_id=cohort.course_id,
                                      lesson__is_published=True)
        .values("user_id").annotate(n=Count("pk")).values("n")
    )  # fmt: skip
    best_score = (
        Attempt.objects.filter(user_id=OuterRef("user_id"), quiz__course_id=cohort.course_id, score__isnull=False)
        .values("user_id")
        .annotate(best=Max("score"))
        .values("best")
    )
    rows = (
        Enrolment.objects.active()
        .filter(cohort=cohort)
        .select_related("user")
        .annotate(
            lessons_done=Coalesce(Subquery(lessons_done, output_field=IntegerField()), 0),
            best_score=Subquery(best_score, output_field=IntegerField()),
        )
        .order_by("user__full_name", "pk")
    )
    if search.strip():
        term = search.strip()
        rows = rows.filter(
            Q(user__full_name__icontains=term) | Q(user__email__icontains=term) | Q(user__nip__icontains=term)
        )
    if status in STATUS_FILTERS:
        rows = rows.filter(STATUS_FILTERS[status])
    return rows


def recent_events(*, cohort: Cohort, limit: int = 20) -> QuerySet[CohortEvent]:
    return cohort.events.select_related("learner", "actor", "upload")[:limit]
