"""The monitoring counts computed the slow way, from the facts: the recount's reference, the
property test's oracle and the benchmark's GROUP BY baseline. Never used by a page."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Count, Exists, IntegerField, OuterRef, Subquery, Sum
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, ExtractYear

from certificates.models import Certificate
from courses import progress_summary
from courses.models import Enrolment
from quizzes.models import Attempt


def _certificates():
    return Certificate.objects.filter(enrolment_id=OuterRef("pk"), status=Certificate.Status.VALID).values(
        "enrolment_id"
    )


def certificate_jp():
    """A certificate's JP, as frozen in it when issued."""
    return Cast(KeyTextTransform("jp", KeyTextTransform("course", "snapshot")), IntegerField())


def enrolments_with_facts():
    """Every enrolment with whether its learner passed a quiz of the course, and its valid
    certificates and their JP."""
    passed = Attempt.objects.filter(user_id=OuterRef("user_id"), quiz__course_id=OuterRef("course_id"), passed=True)
    return Enrolment.objects.annotate(
        fact_passed=Exists(passed),
        fact_certificates=Subquery(_certificates().annotate(n=Count("pk")).values("n")),
        fact_jp=Subquery(_certificates().annotate(jp=Sum(certificate_jp())).values("jp")),
    )


def enrolment_facts() -> Iterator[progress_summary.EnrolmentFacts]:
    rows = enrolments_with_facts().values(*progress_summary.FACT_FIELDS, "fact_passed", "fact_certificates", "fact_jp")
    for row in rows.order_by("pk").iterator(chunk_size=5000):
        yield progress_summary.EnrolmentFacts(
            enrolment_id=row["pk"],
            contribution=progress_summary.contribution_from_facts(
                row, passed=row["fact_passed"], certificates=row["fact_certificates"] or 0, jp=row["fact_jp"] or 0
            ),
            last_activity_at=row["last_activity_at"],
            completed_at=row["completed_at"],
        )


def jp_years() -> dict[tuple[int, int], int]:
    """JP per learner and year of issue from valid certificates (as "Sertifikat saya" counts them)."""
    rows = (
        Certificate.objects.filter(status=Certificate.Status.VALID)
        .annotate(year=ExtractYear("issued_at"))
        .values("user_id", "year")
        .annotate(jp=Sum(certificate_jp()))
    )
    return {(r["user_id"], r["year"]): r["jp"] for r in rows if r["jp"]}


def summary_differences() -> list[str]:
    """Each summary row that differs from what the facts call for, described in a line."""
    all_facts = list(enrolment_facts())
    expected = progress_summary.summary_from(all_facts)
    stored = progress_summary.summary_stored()
    want_jp, have_jp = jp_years(), progress_summary.jp_years_stored()
    lines = [
        f"JP of learner {user} in {year}: stored {have_jp.get((user, year), 0)}, facts {want_jp.get((user, year), 0)}"
        for user, year in sorted(set(want_jp) | set(have_jp))
        if want_jp.get((user, year), 0) != have_jp.get((user, year), 0)
    ]
    want_weeks, have_weeks = progress_summary.weeks_from(all_facts), progress_summary.weeks_stored()
    lines += [
        f"completions in week {'/'.join(map(str, key))}: stored {have_weeks.get(key)}, facts {want_weeks.get(key)}"
        for key in sorted(set(want_weeks) | set(have_weeks), key=str)
        if want_weeks.get(key) != have_weeks.get(key)
    ]
    for key in sorted(set(expected) | set(stored), key=str):
        want, have = expected.get(key), stored.get(key)
        if want != have:
            lines.append(f"{'/'.join(map(str, key))}: stored {have}, facts {want}")
    return lines


def province_table_from_facts(*, provinces, filters) -> tuple[list, object]:
    """The national table computed the slow way, by GROUP BY over the enrolments (the benchmark's
    baseline; a test holds it equal to the summary's)."""
    from django.db.models import Count, Exists, Max, Q

    from courses.models import Course
    from literasi.models import User

    from . import selectors

    provinces = list(provinces.order_by("code"))
    codes = [p.code for p in provinces]
    rows = Enrolment.objects.filter(removed_at__isnull=True, province_id__in=codes,
                                    course__status=Course.Status.PUBLISHED)  # fmt: skip
    if filters.course is not None:
        rows = rows.filter(course=filters.course)
    if filters.year is not None:
        rows = rows.filter(enrolled_at__year=filters.year)
    if filters.kind is not None:
        rows = rows.filter(user__employee_kind=filters.kind)
    if filters.mode == selectors.SELF_PACED:
        rows = rows.filter(cohort__isnull=True)
    elif filters.mode == selectors.IN_COHORT:
        rows = rows.filter(cohort__isnull=False)
    passed = Attempt.objects.filter(user_id=OuterRef("user_id"), quiz__course_id=OuterRef("course_id"), passed=True)
    sums = {
        r["province_id"]: r
        for r in rows.annotate(has_passed=Exists(passed))
        .values("province_id")
        .annotate(
            enrolled=Count("pk"),
            started=Count("pk", filter=Q(last_lesson__isnull=False) | Q(completed_at__isnull=False)),
            passed=Count("pk", filter=Q(has_passed=True)),
            completed=Count("pk", filter=Q(completed_at__isnull=False)),
            last_activity_at=Max("last_activity_at"),
        )
    }
    valid = Certificate.objects.filter(status=Certificate.Status.VALID, enrolment__in=rows)
    certificates = {
        r["enrolment__province_id"]: r
        for r in valid.values("enrolment__province_id").annotate(n=Count("pk"), jp=Sum(certificate_jp()))
    }
    people = User.objects.filter(province_id__in=codes)
    if filters.kind is not None:
        people = people.filter(employee_kind=filters.kind)
    registered = dict(people.values_list("province_id").annotate(n=Count("pk")))
    cohorts = {} if filters.mode == selectors.SELF_PACED else dict(
        selectors._active_cohorts(filters).filter(province_id__in=codes).values_list("province_id").annotate(n=Count("pk"))
    )  # fmt: skip
    table, total = [], selectors.Row(key="", name="", registered=0, active_cohorts=0)
    for p in provinces:
        row = selectors.Row(key=p.code, name=p.name, registered=registered.get(p.code, 0),
                            active_cohorts=cohorts.get(p.code, 0))  # fmt: skip
        if s := sums.get(p.code):
            row.enrolled, row.started, row.passed, row.completed = (
                s["enrolled"],
                s["started"],
                s["passed"],
                s["completed"],
            )
            row.last_activity_at = s["last_activity_at"]
        if c := certificates.get(p.code):
            row.certificates, row.jp = c["n"], c["jp"] or 0
        table.append(row)
        total.add(row)
    return table, total
