"""The monitoring summary (``ProgressSummary``): every count the monitoring pages show, kept current
in the transaction of the event that changes it, so no page view reads the enrolments.

Each event calls one function here, inside its own transaction. The function locks the enrolments
concerned (in id order), reads their facts, compares them with what each enrolment adds to the
summary now (its ``ProgressTally``) and moves only the difference with ``F()`` increments. So an
event recorded twice, or two events racing for the same enrolment, leave exact counts: the second
one finds nothing left to move. Facts that live in higher apps (a quiz passed, a certificate
issued or revoked) are handed in by those apps, which call here (a higher app calls a lower one).

``python manage.py recount_progress`` (monitoring) rebuilds the tallies and the summary from the
facts with ``summary_rebuild`` and reports any difference.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, cast

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from literasi.sql import aware

from .models import NO_COHORT, CompletionWeek, Enrolment, JpYear, ProgressSummary, ProgressTally

STAGES = ("enrolled", "started", "passed", "completed", "certificates", "jp")
Key = tuple[str, int, int, str, int, str]  # province_code, course_id, year, employee_kind, cohort_key, instansi
KEY_FIELDS = ("province_code", "course_id", "year", "employee_kind", "cohort_key", "instansi")


@dataclass(frozen=True)
class Contribution:
    """What one enrolment adds to its summary row."""

    key: Key
    counted: bool
    started: bool = False
    passed: bool = False
    completed: bool = False
    certificates: int = 0
    jp: int = 0

    def vector(self) -> tuple[int, ...]:
        if not self.counted:
            return (0,) * len(STAGES)
        return (1, int(self.started), int(self.passed), int(self.completed), self.certificates, self.jp)

    def tally(self) -> tuple[bool | int | str, ...]:
        """The columns of its ``ProgressTally``, in ``TALLY_FIELDS`` order."""
        province, _course, year, kind, cohort, instansi = self.key
        return (self.counted, province, year, kind, cohort, instansi, self.started, self.passed, self.completed,
                self.certificates, self.jp)  # fmt: skip


def year_of(moment: dt.datetime) -> int:
    return timezone.localtime(moment).year


WeekKey = tuple[str, int, str, int, int]  # province_code, course_id, employee_kind, year, week


def week_key(contribution: Contribution, completed_at: dt.datetime) -> WeekKey:
    """The week row a counted completion adds to: weeks 1-53 of the completion's year, from 1 January."""
    day = timezone.localtime(completed_at).date()
    province, course, _year, kind, _cohort, _instansi = contribution.key
    return (province, course, kind, day.year, (day.timetuple().tm_yday - 1) // 7 + 1)


def _key(row: Mapping) -> Key:
    return (
        row["province_id"] or "",
        row["course_id"],
        year_of(row["enrolled_at"]),
        row["user__employee_kind"],
        row["cohort_id"] or NO_COHORT,
        row["user__instansi"],
    )


_FACTS = ("pk", "user_id", "course_id", "province_id", "enrolled_at", "cohort_id", "removed_at", "last_lesson_id",
          "completed_at", "last_activity_at", "user__employee_kind", "user__instansi")  # fmt: skip


TALLY_FIELDS = ("counted", "province_code", "year", "employee_kind", "cohort_key", "instansi", "started", "passed",
                "completed", "certificates", "jp")  # fmt: skip


def _tally_contribution(row: Mapping[str, Any], course_id: int, prefix: str = "tally__") -> Contribution:
    """What an enrolment adds now, from its tally's columns (``<prefix><field>``)."""
    tally = {name: row[prefix + name] for name in TALLY_FIELDS}
    return Contribution(
        key=(tally["province_code"], course_id, tally["year"], tally["employee_kind"], tally["cohort_key"],
             tally["instansi"]),
        counted=bool(tally["counted"]), started=bool(tally["started"]), passed=bool(tally["passed"]),
        completed=bool(tally["completed"]), certificates=tally["certificates"], jp=tally["jp"],
    )  # fmt: skip


# The enrolments an event concerns, with their facts and their tallies (if any), in id order.
# Written in SQL because it runs in every event: built with the ORM, this one query cost 1.2 ms
# of Python against 0.16 ms for the database to run it (bench/dashboard.py, event paths). Its columns are ``_FACTS`` (e: the enrolment, u: its learner) then the tally's.
_READ_FACTS_COLUMNS = (*_FACTS, *(f"tally__{name}" for name in TALLY_FIELDS))


def _fact_column(name: str) -> str:
    """The SQL column of one of ``_FACTS``: e is the enrolment, u its learner."""
    if name == "pk":
        return "e.id"
    if name.startswith("user__"):
        return "u." + name.removeprefix("user__")
    return "e." + name


_READ_FACTS = f"""
SELECT {", ".join([*map(_fact_column, _FACTS), *(f"t.{name}" for name in TALLY_FIELDS)])}
FROM courses_enrolment e
JOIN literasi_user u ON u.id = e.user_id
LEFT JOIN courses_progresstally t ON t.enrolment_id = e.id
WHERE {{where}}
ORDER BY e.id
"""  # noqa: S608 - column names from our own tuples; the condition's values are parameters
_DATETIMES = ("enrolled_at", "removed_at", "completed_at", "last_activity_at")


# PostgreSQL: the enrolments are locked first, and their facts and tallies read by a second
# statement. One statement that locks and reads would wait for another event's lock with the
# snapshot it started with, and read the tally as it was before that event committed (PostgreSQL
# re-reads a locked row once the lock is free, not the rows joined to it): both events would then
# count the same step (seen: a learner's lesson opened while they enrolled a second time, counted
# as started twice). The second statement starts after the locks are held, so it sees every
# committed tally, and reads only the enrolments locked.
_LOCK = "SELECT e.id FROM courses_enrolment e WHERE {where} ORDER BY e.id FOR NO KEY UPDATE"


def _read_facts(where: str, params: list[Any]) -> list[dict[str, Any]]:
    with connection.cursor() as cursor:
        if connection.features.has_select_for_update:  # SQLite runs one writer at a time: no lock
            cursor.execute(_LOCK.format(where=where), params)
            params = [row[0] for row in cursor.fetchall()]
            if not params:
                return []
            # One parameter per id, not one array (``e.id = ANY(%s)``): with an array the planner
            # cannot know how many ids come, so PostgreSQL planned the read anew on every event
            # (0.75 ms against 0.35 ms, bench/dashboard.py's database, 2026-12-03).
            where = f"e.id IN ({', '.join(['%s'] * len(params))})"
        cursor.execute(_READ_FACTS.format(where=where), params)
        rows = [dict(zip(_READ_FACTS_COLUMNS, row, strict=True)) for row in cursor.fetchall()]
    for row in rows:
        for name in _DATETIMES:
            row[name] = aware(row[name])
    return rows


def _move(
    where: str,
    params: list[Any],
    *,
    passed: bool | None = None,
    certificate_deltas: Mapping[int, tuple[int, int, int]] | None = None,
    active: bool = False,
) -> None:
    """Bring the summary in line with the facts of the enrolments ``where`` selects (an SQL
    condition on ``e``, the enrolment; see the module). A row's last activity moves with its
    counts, and on its own only when the event was the learner's activity (``active``): an
    event that changed nothing writes nothing."""
    # No savepoint: the summary changes with its event or not at all, so an error here rolls the
    # caller's whole transaction back anyway; a savepoint would cost two round trips per event.
    with transaction.atomic(savepoint=False):
        facts = _read_facts(where, params)
        if not facts:
            return
        _share_cohorts({f["cohort_id"] for f in facts if f["cohort_id"]})
        deltas: dict[Key, list[int]] = defaultdict(lambda: [0] * len(STAGES))
        jp_years: dict[tuple[int, int], int] = defaultdict(int)  # (learner, year of issue): JP
        weeks: dict[WeekKey, int] = defaultdict(int)
        activity: dict[Key, dt.datetime] = {}
        left: set[Key] = set()  # rows an enrolment left: their latest activity is read again
        changed: list[tuple[bool | int | str, ...]] = []  # the tallies to write: enrolment id, then TALLY_FIELDS
        for fact in facts:
            old = _tally_contribution(fact, fact["course_id"]) if fact["tally__year"] is not None else None
            certificates, jp = (old.certificates, old.jp) if old else (0, 0)
            if certificate_deltas and fact["pk"] in certificate_deltas:
                count_delta, jp_delta, year_of_issue = certificate_deltas[fact["pk"]]
                certificates += count_delta
                jp += jp_delta
                jp_years[(fact["user_id"], year_of_issue)] += jp_delta
            new = Contribution(
                key=_key(fact),
                counted=fact["removed_at"] is None,
                started=fact["last_lesson_id"] is not None or fact["completed_at"] is not None,
                passed=passed if passed is not None else bool(old and old.passed),
                completed=fact["completed_at"] is not None,
                certificates=certificates,
                jp=jp,
            )
            if new.counted and fact["last_activity_at"] is not None:
                previous = activity.get(new.key)
                activity[new.key] = max(previous, fact["last_activity_at"]) if previous else fact["last_activity_at"]
            if old == new:
                continue
            if fact["completed_at"] is not None:
                if old is not None and old.counted and old.completed:
                    weeks[week_key(old, fact["completed_at"])] -= 1
                if new.counted and new.completed:
                    weeks[week_key(new, fact["completed_at"])] += 1
            if old is not None:
                for i, value in enumerate(old.vector()):
                    deltas[old.key][i] -= value
                if old.counted and (old.key != new.key or not new.counted):
                    left.add(old.key)
            for i, value in enumerate(new.vector()):
                deltas[new.key][i] += value
            changed.append((fact["pk"], *new.tally()))
        # Every event writes in the same order, each table's rows sorted, so concurrent events
        # never deadlock. The rows many learners share (weeks, then the summary) come last: their
        # lock is held from there to the commit only.
        _write_tallies(changed)
        _add_jp(jp_years)
        for week, delta in sorted(weeks.items()):
            _add_week(week, delta)
        for key in sorted(set(deltas) | (set(activity) if active else set())):
            _add(key, deltas.get(key, [0] * len(STAGES)), activity.get(key))
        for key in sorted(left):
            _reread_last_activity(key)


_WRITE_TALLY = f"""
INSERT INTO courses_progresstally (enrolment_id, {", ".join(TALLY_FIELDS)})
VALUES (%s, {", ".join(["%s"] * len(TALLY_FIELDS))})
ON CONFLICT (enrolment_id) DO UPDATE SET {", ".join(f"{name} = excluded.{name}" for name in TALLY_FIELDS)}
"""  # noqa: S608 - column names from our own tuple; every value is a parameter


def _write_tallies(rows: list[tuple[bool | int | str, ...]]) -> None:
    """Insert or replace the tallies (enrolment id, then ``TALLY_FIELDS``): one statement per tally."""
    if not rows:
        return
    with connection.cursor() as cursor:
        if len(rows) == 1:  # the usual case: executemany's pipeline costs more than it saves for one row
            cursor.execute(_WRITE_TALLY, rows[0])
        else:
            cursor.executemany(_WRITE_TALLY, rows)


def _share_cohorts(cohort_ids: set[int]) -> None:
    """Take the cohorts' key-share lock before any summary row: the commit's foreign-key check of
    an enrolment updated twice takes it anyway, and a batch issuing certificates holds the cohort
    while it writes the same summary rows; taken first, the two wait in turn instead of for each
    other (a deadlock). PostgreSQL only (SQLite runs one writer at a time)."""
    if cohort_ids and connection.vendor == "postgresql":
        table = connection.ops.quote_name(Enrolment._meta.get_field("cohort").related_model._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id FROM {table} WHERE id = ANY(%s) ORDER BY id FOR KEY SHARE", [sorted(cohort_ids)])  # noqa: S608


def _row(key: Key):
    return ProgressSummary.objects.filter(**dict(zip(KEY_FIELDS, key, strict=True)))


def _upsert(model, key: Mapping[str, object], increments: Mapping[str, int], latest: Mapping | None = None) -> None:
    """One statement: insert the row with these counts, or add them to the row already there
    (``INSERT ... ON CONFLICT DO UPDATE``, PostgreSQL and SQLite alike); ``latest`` columns keep
    the later of the two values."""
    latest = latest or {}
    table = connection.ops.quote_name(model._meta.db_table)
    columns = [*key, *increments, *latest]
    params: list[Any] = [*key.values(), *increments.values(),
              *(connection.ops.adapt_datetimefield_value(v) for v in latest.values())]  # fmt: skip
    updates = [f"{c} = {table}.{c} + excluded.{c}" for c in increments]
    updates += [f"{c} = CASE WHEN {table}.{c} IS NULL OR excluded.{c} > {table}.{c} THEN excluded.{c} "
                f"ELSE {table}.{c} END" for c in latest]  # fmt: skip
    # Names from our own models only; every value is a parameter.
    sql = (f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))}) "  # noqa: S608
           f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {', '.join(updates)}")  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _add(key: Key, delta: list[int], last_activity: dt.datetime | None) -> None:
    if not any(delta) and last_activity is None:
        return
    _upsert(ProgressSummary, dict(zip(KEY_FIELDS, key, strict=True)), dict(zip(STAGES, delta, strict=True)),
            {"last_activity_at": last_activity})  # fmt: skip


def _add_jp(deltas: Mapping[tuple[int, int], int]) -> None:
    """Add JP per (learner, year): one statement for one learner, three for a batch of any size."""
    deltas = {key: delta for key, delta in deltas.items() if delta}
    if len(deltas) == 1:
        (((user_id, year), delta),) = deltas.items()
        _upsert(JpYear, {"user_id": user_id, "year": year}, {"jp": delta})
        return
    if not deltas:
        return
    JpYear.objects.bulk_create([JpYear(user_id=u, year=y) for u, y in sorted(deltas)], ignore_conflicts=True)
    rows = (
        JpYear.objects.select_for_update()
        .filter(user_id__in={u for u, _y in deltas}, year__in={y for _u, y in deltas})
        .order_by("pk")
    )
    changed = [row for row in rows if (row.user_id, row.year) in deltas]
    for row in changed:
        row.jp += deltas[(row.user_id, row.year)]
    JpYear.objects.bulk_update(changed, ["jp"])


def _add_week(key: WeekKey, delta: int) -> None:
    if not delta:
        return
    _upsert(CompletionWeek, dict(zip(WEEK_FIELDS, key, strict=True)), {"completed": delta})


WEEK_FIELDS = ("province_code", "course_id", "employee_kind", "year", "week")


def _reread_last_activity(key: Key) -> None:
    province_code, course_id, year, kind, cohort_key, instansi = key
    latest = ProgressTally.objects.filter(
        counted=True, province_code=province_code, enrolment__course_id=course_id, year=year, employee_kind=kind,
        cohort_key=cohort_key, instansi=instansi,
    ).aggregate(latest=Max("enrolment__last_activity_at"))["latest"]  # fmt: skip
    _row(key).update(last_activity_at=latest)


# --- One function per event (each runs inside the caller's transaction, or its own) -------------


def record_enrolments(*, enrolment_ids: Collection[int], active: bool = False) -> None:
    """Enrolments were created, removed from a cohort, moved to another province or completed:
    count them as their facts now say. ``active``: the event was the learners' own activity
    (a lesson done), so their rows' last activity moves even where no count does. Safe to repeat."""
    ids = sorted(enrolment_ids)
    with transaction.atomic(savepoint=False):
        for start in range(0, len(ids), 2000):  # SQLite takes a bounded number of parameters
            chunk = ids[start : start + 2000]
            _move(f"e.id IN ({', '.join(['%s'] * len(chunk))})", chunk, active=active)


def record_enrolment_of(*, user_id: int, course_id: int) -> None:
    """As ``record_enrolments``, for the learner's enrolment in the course (if any)."""
    _move("e.user_id = %s AND e.course_id = %s", [user_id, course_id])


def record_learner_enrolments(*, user_id: int) -> None:
    """As ``record_enrolments``, for all the learner's enrolments (after a province move)."""
    _move("e.user_id = %s", [user_id])


def record_started(*, enrolment: Enrolment, lesson_id: int) -> None:
    """The learner opened a lesson of a course not started yet: it counts as started. Sets
    ``last_lesson`` (only while empty) and counts it in one transaction. Safe to repeat."""
    with transaction.atomic():
        Enrolment.objects.filter(pk=enrolment.pk, last_lesson__isnull=True).update(last_lesson_id=lesson_id)
        _move("e.id = %s", [enrolment.pk])
    enrolment.last_lesson_id = lesson_id


def record_quiz_result(*, user_id: int, course_id: int, passed: bool) -> None:
    """Whether the learner has now passed a quiz of the course (after grading or regrading).
    Call inside the transaction that wrote the grade. Safe to repeat."""
    _move("e.user_id = %s AND e.course_id = %s", [user_id, course_id], passed=passed)


def record_certificates(*, changes: Mapping[int, tuple[int, int, int]]) -> None:
    """Certificates were issued (+1 and their JP) or revoked (-1 and minus their JP), per
    enrolment id with the certificate's year of issue: ``{enrolment_id: (certificates, jp, year)}``. Call inside the issuing or revoking
    transaction, once per change (a delta, so not safe to repeat on its own)."""
    if changes:
        ids = sorted(changes)
        _move(f"e.id IN ({', '.join(['%s'] * len(ids))})", ids, certificate_deltas=changes)


def record_activity(*, enrolment_id: int, at: dt.datetime) -> None:
    """The learner was active at ``at``: the row's last activity moves forward. Two statements."""
    row = (
        ProgressTally.objects.filter(enrolment_id=enrolment_id, counted=True)
        .values(*TALLY_FIELDS, "enrolment__course_id")
        .first()
    )
    if row is not None:
        _add(_tally_contribution(row, row["enrolment__course_id"], prefix="").key, [0] * len(STAGES), at)


# --- Rebuilding from the facts -------------------------------------------------------------------


@dataclass(frozen=True)
class EnrolmentFacts:
    """One enrolment's facts, as the recount reads them (quizzes and certificates included)."""

    enrolment_id: int
    contribution: Contribution
    last_activity_at: dt.datetime | None
    completed_at: dt.datetime | None = None


def contribution_from_facts(row: Mapping, *, passed: bool, certificates: int, jp: int) -> Contribution:
    return Contribution(
        key=_key(row), counted=row["removed_at"] is None,
        started=row["last_lesson_id"] is not None or row["completed_at"] is not None, passed=passed,
        completed=row["completed_at"] is not None, certificates=certificates, jp=jp,
    )  # fmt: skip


FACT_FIELDS = _FACTS


def summary_from(facts: Iterable[EnrolmentFacts]) -> dict[Key, dict[str, object]]:
    """The summary rows the facts call for (rows that would count nothing are left out)."""
    rows: dict[Key, dict[str, object]] = {}
    for fact in facts:
        c = fact.contribution
        if not c.counted:
            continue
        row = rows.setdefault(c.key, dict.fromkeys(STAGES, 0) | {"last_activity_at": None})
        for name, value in zip(STAGES, c.vector(), strict=True):
            row[name] = cast(int, row[name]) + value
        latest = cast("dt.datetime | None", row["last_activity_at"])
        if fact.last_activity_at and (latest is None or fact.last_activity_at > latest):
            row["last_activity_at"] = fact.last_activity_at
    return rows


def weeks_from(facts: Iterable[EnrolmentFacts]) -> dict[WeekKey, int]:
    weeks: dict[WeekKey, int] = defaultdict(int)
    for fact in facts:
        if fact.contribution.counted and fact.contribution.completed and fact.completed_at is not None:
            weeks[week_key(fact.contribution, fact.completed_at)] += 1
    return dict(weeks)


def weeks_stored() -> dict[WeekKey, int]:
    return {
        tuple(r[:-1]): r[-1] for r in CompletionWeek.objects.exclude(completed=0).values_list(*WEEK_FIELDS, "completed")
    }


def jp_years_stored() -> dict[tuple[int, int], int]:
    return {(u, y): jp for u, y, jp in JpYear.objects.exclude(jp=0).values_list("user_id", "year", "jp")}


def summary_stored() -> dict[Key, dict[str, object]]:
    """The summary as stored, without rows that count nothing."""
    rows = {}
    for row in ProgressSummary.objects.values(*KEY_FIELDS, *STAGES, "last_activity_at").iterator(chunk_size=5000):
        key = tuple(row[name] for name in KEY_FIELDS)
        values = {name: row[name] for name in (*STAGES, "last_activity_at")}
        if any(values[name] for name in STAGES):
            rows[key] = values
    return rows


@transaction.atomic
def summary_rebuild(*, facts: list[EnrolmentFacts], jp_years: Mapping[tuple[int, int], int]) -> None:
    """Replace every tally and summary row with what ``facts`` (all enrolments) call for, and the
    JP per learner and year with ``jp_years``.

    Locks the summary table's writers out first (the events wait), so nothing is lost meanwhile."""
    list(ProgressSummary.objects.select_for_update().values_list("pk", flat=True))
    ProgressTally.objects.all().delete()
    ProgressSummary.objects.all().delete()
    JpYear.objects.all().delete()
    CompletionWeek.objects.all().delete()
    CompletionWeek.objects.bulk_create(
        (
            CompletionWeek(**dict(zip(WEEK_FIELDS, key, strict=True)), completed=n)
            for key, n in weeks_from(facts).items()
        ),
        batch_size=5000,
    )
    JpYear.objects.bulk_create(
        (JpYear(user_id=u, year=y, jp=jp) for (u, y), jp in jp_years.items() if jp), batch_size=5000
    )
    ProgressTally.objects.bulk_create(
        (
            ProgressTally(
                enrolment_id=fact.enrolment_id, **dict(zip(TALLY_FIELDS, fact.contribution.tally(), strict=True))
            )
            for fact in facts
        ),
        batch_size=5000,
    )
    ProgressSummary.objects.bulk_create(
        (
            ProgressSummary(**dict(zip(KEY_FIELDS, key, strict=True)), **values)
            for key, values in summary_from(facts).items()
        ),
        batch_size=5000,
    )
