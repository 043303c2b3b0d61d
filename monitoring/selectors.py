"""Reads for the monitoring pages ("Pemantauan"), from the summary only: a fixed number of
queries whatever the number of provinces, cohorts, agencies or enrolments."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Max, Min, Q, QuerySet, Sum
from django.utils import timezone

from cohorts.models import Cohort
from courses.models import NO_COHORT, Course, ProgressSummary
from literasi.models import Province, RegistrationCount, User
from literasi.selectors import provinces_managed_by

from .models import RecordsExport

SELF_PACED, IN_COHORT = "mandiri", "angkatan"
COUNTS = ("enrolled", "started", "passed", "completed", "certificates", "jp")
SORTS = ("name", "registered", *COUNTS, "rate", "active_cohorts", "last_activity_at")
FUNNEL = ("enrolled", "started", "passed", "completed", "certificates")


@dataclass(frozen=True)
class Filters:
    """What the page is narrowed to; ``None`` means all."""

    course: Course | None = None
    year: int | None = None
    kind: str | None = None
    mode: str | None = None  # SELF_PACED or IN_COHORT
    published: tuple[Course, ...] = ()  # the published courses in page order, as read for this request

    def courses_q(self) -> Q:
        """The courses counted: the one chosen, or every published one (an unpublished course
        leaves the pages at once). By the ids read for this request: cheaper than joining each
        summary row to its course for its status (1 ms of the national aggregate's 5, 2 ms of
        the weekly line's 9)."""
        return Q(course_id__in=[c.pk for c in ((self.course,) if self.course is not None else self.published)])

    def summary_q(self) -> Q:
        q = self.courses_q()
        if self.year is not None:
            q &= Q(year=self.year)
        if self.kind is not None:
            q &= Q(employee_kind=self.kind)
        if self.mode == SELF_PACED:
            q &= Q(cohort_key=NO_COHORT)
        elif self.mode == IN_COHORT:
            q &= ~Q(cohort_key=NO_COHORT)
        return q


@dataclass
class Row:
    """One line of a monitoring table: a province, a cohort or an agency, or the total."""

    key: str
    name: str
    registered: int | None = None
    enrolled: int = 0
    started: int = 0
    passed: int = 0
    completed: int = 0
    certificates: int = 0
    jp: int = 0
    active_cohorts: int | None = None
    last_activity_at: dt.datetime | None = None
    extra: dict = field(default_factory=dict)

    @property
    def rate(self) -> float:
        """Completion rate in percent of those enrolled."""
        return round(100 * self.completed / self.enrolled, 1) if self.enrolled else 0.0

    def add(self, other: Row) -> None:
        for name in COUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        if other.registered is not None:
            self.registered = (self.registered or 0) + other.registered
        if other.active_cohorts is not None:
            self.active_cohorts = (self.active_cohorts or 0) + other.active_cohorts
        if other.last_activity_at and (self.last_activity_at is None or other.last_activity_at > self.last_activity_at):
            self.last_activity_at = other.last_activity_at


def _sums_per(rows: QuerySet, *by: str) -> QuerySet:
    return rows.values(*by).annotate(**{name: Sum(name) for name in COUNTS}, last_activity_at=Max("last_activity_at"))


def _add_sums(into: dict, sums: dict) -> None:
    for name in COUNTS:
        into[name] += sums[name]
    into["last_activity_at"] = max(filter(None, (into["last_activity_at"], sums["last_activity_at"])), default=None)


def _sums(rows: QuerySet, by: str) -> dict:
    return {r[by]: r for r in _sums_per(rows, by)}


def _fill(row: Row, sums: dict | None) -> Row:
    if sums:
        for name in COUNTS:
            setattr(row, name, sums[name] or 0)
        row.last_activity_at = sums["last_activity_at"]
    return row


def sort_rows(rows: list[Row], sort: str) -> list[Row]:
    """Rows ordered by ``sort`` (a name from SORTS, ``-`` first for descending)."""
    descending, name = sort.startswith("-"), sort.lstrip("-")
    if name == "name":
        return sorted(rows, key=lambda r: r.name.casefold(), reverse=descending)
    oldest = dt.datetime.min.replace(tzinfo=dt.UTC)
    return sorted(
        rows,
        key=lambda r: getattr(r, name) if getattr(r, name) is not None else (oldest if "at" in name else -1),
        reverse=descending,
    )


def _active_cohorts(filters: Filters) -> QuerySet[Cohort]:
    cohorts = Cohort.objects.filter(filters.courses_q(), status=Cohort.Status.OPEN).exclude(sequence=0)
    if filters.year is not None:
        cohorts = cohorts.filter(year=filters.year)
    return cohorts


def _province_rows(ordered: list[Province], filters: Filters, sums: dict[str, dict]) -> tuple[list[Row], Row]:
    """A row per province of ``ordered`` with its counts from ``sums`` and its registered
    learners and active cohorts (two queries), and the total."""
    codes = [p.code for p in ordered]
    counts = RegistrationCount.objects.filter(province_code__in=codes)
    if filters.kind is not None:
        counts = counts.filter(employee_kind=filters.kind)
    registered = dict(counts.values_list("province_code").annotate(n=Sum("count")))
    cohorts = {} if filters.mode == SELF_PACED else dict(
        _active_cohorts(filters).filter(province_id__in=codes).values_list("province_id").annotate(n=Count("pk"))
    )  # fmt: skip
    rows = [
        _fill(Row(key=p.code, name=p.name, registered=registered.get(p.code, 0), active_cohorts=cohorts.get(p.code, 0)),
              sums.get(p.code))
        for p in ordered
    ]  # fmt: skip
    total = Row(key="", name="", registered=0, active_cohorts=0)
    for row in rows:
        total.add(row)
    return rows, total


def province_table(*, provinces: QuerySet[Province], filters: Filters) -> tuple[list[Row], Row]:
    """One row per province of ``provinces`` (all of them, even with nothing to count), and the
    total. Four queries."""
    ordered = list(provinces.order_by("code"))
    codes = [p.code for p in ordered]
    sums = _sums(ProgressSummary.objects.filter(filters.summary_q(), province_code__in=codes), "province_code")
    return _province_rows(ordered, filters, sums)


def province_overview(*, provinces: QuerySet[Province], filters: Filters) -> tuple[list[Row], Row, list[dict]]:
    """The national page's figures: the province table (as ``province_table``) and the funnel per
    course (as ``funnel_per_course``), both added up from one aggregate of the summary per
    province and course (some 200 rows) rather than an aggregate each. Four queries."""
    ordered = list(provinces.order_by("code"))
    codes = [p.code for p in ordered]
    per_province: dict[str, dict] = {}
    per_course: dict[int, dict] = {}
    for cell in _sums_per(ProgressSummary.objects.filter(filters.summary_q(), province_code__in=codes),
                          "province_code", "course_id"):  # fmt: skip
        for sums, key in ((per_province, cell["province_code"]), (per_course, cell["course_id"])):
            if key in sums:
                _add_sums(sums[key], cell)
            else:
                sums[key] = dict(cell)
    rows, total = _province_rows(ordered, filters, per_province)
    funnel = [{"title": c.title, "stages": [per_course[c.pk][stage] for stage in FUNNEL]}
              for c in filters.published if c.pk in per_course]  # fmt: skip
    return rows, total, funnel


def cohort_table(*, province: Province, filters: Filters) -> tuple[list[Row], Row]:
    """One row per cohort of the province with something to count, self-paced learners as one
    row, and the total. Two queries."""
    sums = _sums(ProgressSummary.objects.filter(filters.summary_q(), province_code=province.code), "cohort_key")
    cohorts = {
        c.pk: c for c in Cohort.objects.filter(Q(pk__in=[k for k in sums if k != NO_COHORT])).select_related("course")
    }
    rows = []
    for key, values in sums.items():
        if key == NO_COHORT:
            rows.append(_fill(Row(key="", name="", extra={"self_paced": True}), values))
            continue
        cohort = cohorts.get(key)
        if cohort is not None:
            rows.append(_fill(Row(key=str(key), name=cohort.name, extra={"cohort": cohort}), values))
    total = Row(key="", name="")
    for row in rows:
        total.add(row)
    return rows, total


def agency_table(*, province: Province, filters: Filters) -> list[Row]:
    """One row per agency (instansi) of the province's learners. One query."""
    sums = _sums(ProgressSummary.objects.filter(filters.summary_q(), province_code=province.code), "instansi")
    return [_fill(Row(key=name, name=name), values) for name, values in sums.items()]


def funnel_per_course(*, provinces: QuerySet[Province], filters: Filters) -> list[dict]:
    """Per published course: enrolled → started → passed the quiz → completed → certified."""
    rows = (
        ProgressSummary.objects.filter(filters.summary_q(), province_code__in=provinces.values("code"))
        .values("course_id", "course__title", "course__order")
        .annotate(
            enrolled=Sum("enrolled"),
            started=Sum("started"),
            passed=Sum("passed"),
            completed=Sum("completed"),
            certificates=Sum("certificates"),
            jp=Sum("jp"),
        )
        .order_by("course__order", "course__title")
    )
    return [
        {"title": r["course__title"], "stages": [r["enrolled"], r["started"], r["passed"], r["completed"],
                                                 r["certificates"]]}
        for r in rows
    ]  # fmt: skip


def years_known() -> list[int]:
    """The years of the filter, newest first: from the first to the last year with enrolments
    counted. Two index probes (the summary's index starts with the year); a DISTINCT read every
    summary row on every page view (2.6 ms of the national page at 1,000,000 enrolments)."""
    span = ProgressSummary.objects.aggregate(first=Min("year"), last=Max("year"))
    if span["first"] is None:
        return []
    return list(range(span["last"], span["first"] - 1, -1))


def training_records(*, provinces: QuerySet[Province], filters: Filters):
    """Valid certificates of the provinces' cohorts, one per training record for SIASN, in key
    order, with what a record needs (read in chunks by the export, never all at once)."""
    from certificates.models import Certificate

    certificates = Certificate.objects.filter(
        status=Certificate.Status.VALID, cohort__province__in=provinces, course__status=Course.Status.PUBLISHED
    )
    if filters.course is not None:
        certificates = certificates.filter(course=filters.course)
    if filters.year is not None:
        certificates = certificates.filter(cohort__year=filters.year)
    if filters.kind is not None:
        certificates = certificates.filter(user__employee_kind=filters.kind)
    if filters.mode == SELF_PACED:
        certificates = certificates.filter(cohort__sequence=0)
    elif filters.mode == IN_COHORT:
        certificates = certificates.exclude(cohort__sequence=0)
    return certificates.order_by("pk").values_list(
        "user__nip", "snapshot", "number", "enrolment__enrolled_at", "cohort__year", "cohort__sequence"
    )


JP_NEEDED = 20  # JP of competency development a PNS needs a year (PP 11/2017 as amended by PP 17/2020)


def jp_per_province(*, provinces: QuerySet[Province], year: int) -> list[dict]:
    """Per province: PNS registered, PNS who reached 20 JP from this platform in ``year``, and
    those under it. Two queries."""
    from courses.models import JpYear
    from literasi.models import EmployeeKind

    ordered = list(provinces.order_by("code"))
    codes = [p.code for p in ordered]
    registered = dict(
        RegistrationCount.objects.filter(province_code__in=codes, employee_kind=EmployeeKind.PNS).values_list(
            "province_code", "count"
        )
    )
    reached = dict(
        JpYear.objects.filter(year=year, jp__gte=JP_NEEDED, user__employee_kind=EmployeeKind.PNS,
                              user__province_id__in=codes)
        .values_list("user__province_id").annotate(n=Count("pk"))
    )  # fmt: skip
    return [
        {"province": p, "registered": registered.get(p.code, 0), "reached": reached.get(p.code, 0),
         "under": max(registered.get(p.code, 0) - reached.get(p.code, 0), 0)}
        for p in ordered
    ]  # fmt: skip


def jp_per_agency(*, province: Province, year: int) -> list[dict]:
    """Per agency of the province: learners who earned JP in ``year``, how many reached 20 JP and
    how many are still under it. One query."""
    from courses.models import JpYear

    rows = (
        JpYear.objects.filter(year=year, jp__gt=0, user__province=province)
        .values("user__instansi")
        .annotate(with_jp=Count("pk"), reached=Count("pk", filter=Q(jp__gte=JP_NEEDED)))
        .order_by("user__instansi")
    )
    return [{"instansi": r["user__instansi"], "with_jp": r["with_jp"], "reached": r["reached"],
             "under": r["with_jp"] - r["reached"]} for r in rows]  # fmt: skip


def jp_ledger(*, user, year: int) -> dict:
    """The learner's training in ``year``: each valid certificate with its course, JP, dates and
    number, and the total against the 20 JP a PNS needs."""
    from certificates.models import Certificate

    certificates = list(
        Certificate.objects.filter(user=user, status=Certificate.Status.VALID, issued_at__year=year).order_by(
            "issued_at", "pk"
        )
    )
    entries = [
        {"course": c.snapshot["course"]["title"], "jp": c.snapshot["course"]["jp"], "number": c.number,
         "completed": c.snapshot["dates"].get("completed_label", ""), "issued": c.issued_at}
        for c in certificates
    ]  # fmt: skip
    total = sum(e["jp"] for e in entries)
    return {"entries": entries, "total": total, "needed": JP_NEEDED, "missing": max(JP_NEEDED - total, 0)}


def completions_per_week(*, provinces: QuerySet[Province] | None, filters: Filters, year: int) -> dict[int, int]:
    """Completions in each week of ``year`` (of completion) with the course and kind filters (the
    weeks are not kept per cohort). One query."""
    from courses.models import CompletionWeek

    rows = CompletionWeek.objects.filter(filters.courses_q(), year=year)
    if provinces is not None:  # None: every province (a national admin)
        rows = rows.filter(province_code__in=provinces.values("code"))
    if filters.kind is not None:
        rows = rows.filter(employee_kind=filters.kind)
    return dict(rows.values_list("week").annotate(n=Sum("completed")))


def records_exports_of(*, user: User) -> QuerySet[RecordsExport]:
    """The exports ``user`` asked for in the last ``EXPORT_KEEP_DAYS`` days and a week (newest
    first), with their provinces, for the list of their exports."""
    since = timezone.now() - dt.timedelta(days=settings.EXPORT_KEEP_DAYS + 7)
    return RecordsExport.objects.filter(requested_by=user, requested_at__gte=since).prefetch_related("provinces")


def records_export_for(*, user: User, export_id: int) -> RecordsExport | None:
    """The export, if ``user`` asked for it and still manages every province it holds; else None."""
    export = RecordsExport.objects.filter(pk=export_id, requested_by=user).prefetch_related("provinces").first()
    managed = set(provinces_managed_by(user).values_list("code", flat=True))
    return export if export is not None and still_theirs(export, managed) else None


def still_theirs(export: RecordsExport, managed: set[str]) -> bool:
    """Whether every province ``export`` holds is among ``managed`` (the codes its requester
    manages now): only then may they download it. Reads the export's prefetched provinces."""
    return all(p.code in managed for p in export.provinces.all())
