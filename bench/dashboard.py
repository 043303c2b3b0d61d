"""The national monitoring page on 1,000,000 enrolments, beside the same page by GROUP BY over
the enrolments; and what keeping the summary costs the event paths.

    make bench-dashboard      (or: .venv/bin/python bench/dashboard.py [--enrolments 1000000])

PostgreSQL only (the data is loaded with COPY), in a database of its own
(literasi_bench_dashboard), production settings. 250,000 learners over the 38 provinces take four
of the five launch courses each; 60% in one of two cohorts per province and course, the rest on
their own; 70% started, 40% completed, 2% removed. The summary is built from that data with
SQL once, then checked against the GROUP BY page's numbers.

Prints the national page's server time (the whole request through Django, median and p95) with
the summary and with GROUP BY over the facts (targets: p95 under 50 ms, at least 20 times
faster), then the median time of enrolment, completion (the last lesson done) and grading (a
passing attempt) with and without the summary calls, and the difference as a percentage of
each path (target: at most 10%). Each event runs in its own transaction and commits, as it
does in the platform; afterwards the benchmark deletes the learners it made and puts the summary
tables back as they were, so the data stays as loaded for the next run.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import random
import statistics
import sys
import time
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import bench_environment, manage, monitoring_summary_off, prepare_database

ENV = bench_environment()
if not ENV["DATABASE_URL"].startswith("postgres"):
    raise SystemExit("bench-dashboard loads its data with COPY: it needs PostgreSQL (DATABASE_URL)")
if "DATABASE_URL" not in os.environ:
    ENV["DATABASE_URL"] = ENV["DATABASE_URL"].rsplit("/", 1)[0] + "/literasi_bench_dashboard"
ENV["LITERASI_REQUIRE_STAFF_MFA"] = "false"  # the benchmark signs the admin in without a second factor
os.environ.update(ENV)

KINDS = ["pns"] * 6 + ["pppk"] * 2 + ["widyaiswara", "other"]


def load(enrolments: int) -> None:
    from django.db import connection, transaction

    from cohorts.models import Cohort
    from courses.models import Course, Lesson
    from literasi.models import Province

    courses = list(Course.objects.filter(status="published").order_by("order"))
    lessons = {
        c.pk: list(Lesson.objects.filter(course=c, is_published=True).values_list("pk", flat=True)) for c in courses
    }
    provinces = list(Province.objects.values_list("code", flat=True))
    rng = random.Random(2026)  # noqa: S311 - made-up data, the same each run
    learners = enrolments // 4
    with transaction.atomic(), connection.cursor() as cursor:
        for table in ("courses_progresstally", "courses_progresssummary", "courses_completionweek", "courses_jpyear",
                      "literasi_registrationcount", "quizzes_attempt", "courses_lessonprogress",
                      "courses_enrolment", "cohorts_cohort"):  # fmt: skip
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - our own table names
        cursor.execute("DELETE FROM literasi_user WHERE email LIKE 'bench-%%'")
        cohorts = Cohort.objects.bulk_create(
            Cohort(province_id=p, course=c, name=f"Angkatan {n}", year=2026, sequence=n, start_date=dt.date(2026, 1, 5),
                   end_date=dt.date(2026, 12, 20), capacity=100000, status="open")
            for p in provinces for c in courses for n in (1, 2)
        )  # fmt: skip
        cohort_of: dict[tuple[str, int], list[int]] = {}
        for cohort in cohorts:
            cohort_of.setdefault((cohort.province_id, cohort.course_id), []).append(cohort.pk)
        started = time.perf_counter()
        raw = cursor.cursor
        with raw.copy("COPY literasi_user (email, full_name, password, employee_kind, instansi, jabatan, province_id, "
                      "is_active, is_national_admin, is_superuser, date_joined) FROM STDIN") as copy:  # fmt: skip
            for n in range(learners):
                province = provinces[n % len(provinces)]
                copy.write_row((f"bench-{n}@contoh.go.id", f"Peserta {n}", "!", KINDS[n % len(KINDS)],
                                f"Instansi {province}-{n % 15}", "", province, True, False, False,
                                dt.datetime(2026, 1, 2, tzinfo=dt.UTC)))  # fmt: skip
        cursor.execute("SELECT id, province_id FROM literasi_user WHERE email LIKE 'bench-%%' ORDER BY id")
        users = cursor.fetchall()
        year_start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
        with raw.copy("COPY courses_enrolment (user_id, course_id, province_id, enrolled_at, last_lesson_id, "
                      "last_activity_at, completed_at, cohort_id, removed_at, origin) FROM STDIN") as copy:  # fmt: skip
            for user_id, province in users:
                for course in rng.sample(courses, 4):
                    enrolled = year_start + dt.timedelta(minutes=rng.randrange(0, 300 * 24 * 60))
                    in_cohort = rng.random() < 0.6
                    cohort_id = rng.choice(cohort_of[(province, course.pk)]) if in_cohort else None
                    is_started, is_completed = rng.random() < 0.7, False
                    is_completed = is_started and rng.random() < 0.57
                    completed = enrolled + dt.timedelta(days=rng.randrange(1, 40)) if is_completed else None
                    activity = completed or (
                        enrolled + dt.timedelta(days=rng.randrange(0, 30)) if is_started else enrolled
                    )
                    removed = enrolled + dt.timedelta(days=1) if in_cohort and rng.random() < 0.03 else None
                    copy.write_row((user_id, course.pk, province, enrolled,
                                    rng.choice(lessons[course.pk]) if is_started else None, activity, completed, cohort_id,
                                    removed, "cohort" if in_cohort else "self"))  # fmt: skip
        print(f"loaded {learners:,} learners and {learners * 4:,} enrolments with COPY in "
              f"{time.perf_counter() - started:.1f} s")  # fmt: skip
        started = time.perf_counter()
        # The summary as recount_progress would build it, written in SQL for a million rows.
        cursor.execute("""
            INSERT INTO courses_progresstally (enrolment_id, counted, province_code, year, employee_kind, cohort_key,
                instansi, started, passed, completed, certificates, jp)
            SELECT e.id, e.removed_at IS NULL, COALESCE(e.province_id, ''),
                EXTRACT(YEAR FROM e.enrolled_at AT TIME ZONE 'Asia/Jakarta'), u.employee_kind, COALESCE(e.cohort_id, 0),
                u.instansi, e.last_lesson_id IS NOT NULL OR e.completed_at IS NOT NULL, FALSE,
                e.completed_at IS NOT NULL, 0, 0
            FROM courses_enrolment e JOIN literasi_user u ON u.id = e.user_id""")
        cursor.execute("""
            INSERT INTO courses_progresssummary (province_code, course_id, year, employee_kind, cohort_key, instansi,
                enrolled, started, passed, completed, certificates, jp, last_activity_at)
            SELECT t.province_code, e.course_id, t.year, t.employee_kind, t.cohort_key, t.instansi, COUNT(*),
                COUNT(*) FILTER (WHERE t.started), 0, COUNT(*) FILTER (WHERE t.completed), 0, 0, MAX(e.last_activity_at)
            FROM courses_progresstally t JOIN courses_enrolment e ON e.id = t.enrolment_id WHERE t.counted
            GROUP BY t.province_code, e.course_id, t.year, t.employee_kind, t.cohort_key, t.instansi""")
        cursor.execute("""
            INSERT INTO courses_completionweek (province_code, course_id, employee_kind, year, week, completed)
            SELECT t.province_code, e.course_id, t.employee_kind,
                EXTRACT(YEAR FROM e.completed_at AT TIME ZONE 'Asia/Jakarta'),
                (EXTRACT(DOY FROM e.completed_at AT TIME ZONE 'Asia/Jakarta')::int - 1) / 7 + 1, COUNT(*)
            FROM courses_progresstally t JOIN courses_enrolment e ON e.id = t.enrolment_id
            WHERE t.counted AND t.completed GROUP BY 1, 2, 3, 4, 5""")
        cursor.execute("""
            INSERT INTO literasi_registrationcount (province_code, employee_kind, count)
            SELECT COALESCE(province_id, ''), employee_kind, COUNT(*) FROM literasi_user GROUP BY 1, 2""")
        cursor.execute("SELECT COUNT(*) FROM courses_progresssummary")
        print(f"summary built from the facts in {time.perf_counter() - started:.1f} s: "
              f"{cursor.fetchone()[0]:,} summary rows")  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def time_page(client, url: str, runs: int) -> list[float]:
    client.get(url, HTTP_HOST="127.0.0.1")
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url, HTTP_HOST="127.0.0.1")
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
    return times


def bench_page(runs: int) -> None:
    from django.test import Client

    from literasi.models import Province, User
    from monitoring import facts, selectors
    from monitoring.filters import filters_from

    admin, _created = User.objects.get_or_create(email="bench-admin@kominfo.go.id",
                                                 defaults={"full_name": "Admin", "is_national_admin": True})  # fmt: skip
    client = Client()
    client.force_login(admin)
    # The two computations give the same table.
    filters = filters_from({})[0]
    kept, counted = (selectors.province_overview(provinces=Province.objects.all(), filters=filters),
                     facts.province_table_from_facts(provinces=Province.objects.all(), filters=filters))  # fmt: skip
    assert [vars(r) for r in kept[0]] == [vars(r) for r in counted[0]], "the summary differs from the facts"
    print(f"checked: the summary's table equals the GROUP BY's ({kept[1].enrolled:,} enrolled, "
          f"{kept[1].completed:,} completed)")  # fmt: skip
    summary = time_page(client, "/pemantauan/", runs)

    def overview_by_group_by(*, provinces, filters):
        """The page's table by GROUP BY over the enrolments, the rest as before from the summary."""
        rows, total = facts.province_table_from_facts(provinces=provinces, filters=filters)
        return rows, total, selectors.funnel_per_course(provinces=provinces, filters=filters)

    with mock.patch.object(selectors, "province_overview", overview_by_group_by):
        group_by = time_page(client, "/pemantauan/", max(runs // 10, 10))
    s50, s95 = statistics.median(summary), percentile(summary, 0.95)
    g50, g95 = statistics.median(group_by), percentile(group_by, 0.95)
    print(f"national page, summary:        median {s50:7.1f} ms  p95 {s95:7.1f} ms  ({len(summary)} requests)")
    print(f"national page, GROUP BY facts: median {g50:7.1f} ms  p95 {g95:7.1f} ms  ({len(group_by)} requests)")
    print(f"  the summary is {g50 / s50:.0f}x faster at the median, {g95 / s95:.0f}x at p95 "
          f"(targets: p95 < 50 ms, >= 20x)")  # fmt: skip


SUMMARY_TABLES = ("courses_progresssummary", "courses_completionweek", "courses_jpyear")


def bench_events(count: int) -> None:
    from django.db import connection, transaction
    from django.test import Client
    from django.urls import reverse

    from courses import services
    from courses.models import Course, Enrolment, Lesson, LessonProgress
    from literasi.models import User
    from quizzes import services as quiz_services
    from quizzes.models import Attempt, Option, Quiz

    services._course_completed_hooks.clear()  # no certificate issue (PDF, broker) in these timings
    course = Course.objects.filter(status="published", enrolment="open", quizzes__is_published=True).first()
    quiz = Quiz.objects.filter(course=course, is_published=True).first()
    if course is None or quiz is None:
        raise SystemExit(
            "bench-dashboard: the event paths need a published course open for enrolment, with a published quiz"
        )
    lessons = list(course.lessons.filter(is_published=True).order_by("order").values_list("pk", flat=True))

    with connection.cursor() as cursor:  # the summary as loaded, put back at the end
        for table in SUMMARY_TABLES:
            cursor.execute(f"CREATE TEMPORARY TABLE saved_{table} AS TABLE {table}")
    stamp = time.time_ns()
    people = User.objects.bulk_create(
        User(email=f"bench-ev-{stamp}-{n}@contoh.go.id", full_name=f"Ev {n}", province_id="32", password="!",  # noqa: S106 - unusable
             employee_kind="pns", instansi="Dinas Kominfo Jawa Barat")
        for n in range(count * 5)
    )  # fmt: skip
    try:
        groups = [people[k * count : (k + 1) * count] for k in range(5)]
        enrolling, enrolling_by_request, completing, completing_by_request, grading = groups
        ready = [services.enrolment_create(user=u, course=course) for u in completing + completing_by_request + grading]
        LessonProgress.objects.bulk_create(
            LessonProgress(user=e.user, lesson_id=pk) for e in ready for pk in lessons[:-1]
        )
        attempts = []
        for user in grading:
            attempt = quiz_services.attempt_start(user=user, quiz=quiz)
            answers = {str(item["q"]): sorted(Option.objects.filter(question_id=item["q"], is_correct=True)
                                              .values_list("pk", flat=True)) for item in attempt.layout}  # fmt: skip
            Attempt.objects.filter(pk=attempt.pk).update(answers=answers, state=Attempt.State.SUBMITTED)
            attempts.append(attempt.pk)
        by_user = {e.user_id: e for e in Enrolment.objects.filter(user__in=completing, course=course)}
        # The same events as a learner sends them: a POST through the whole Django stack
        # (middleware, session, the view, the redirect), signed in beforehand and after a look at
        # the course's page, as a learner comes to its button (the first request of a session
        # costs four times a later one: its session and account are not cached yet).
        clients = {}
        for user in enrolling_by_request + completing_by_request:
            clients[user.pk] = Client(HTTP_HOST="127.0.0.1")
            clients[user.pk].force_login(user)
            clients[user.pk].get(reverse("courses:detail", args=[course.slug]))
        last_lesson = Lesson.objects.get(pk=lessons[-1]).slug

        def post(user: User, url: str) -> None:
            response = clients[user.pk].post(url)
            if response.status_code != 302:
                raise SystemExit(f"bench-dashboard: POST {url} answered {response.status_code}")

        paths = {
            "enrolment": lambda i: services.enrolment_create(user=enrolling[i], course=course),
            "enrolment request": lambda i: post(enrolling_by_request[i], reverse("courses:enrol", args=[course.slug])),
            "completion": lambda i: services.lesson_complete(
                enrolment=by_user[completing[i].pk], lesson_id=lessons[-1]
            ),
            "completion request": lambda i: post(
                completing_by_request[i], reverse("courses:lesson_complete", args=[course.slug, last_lesson])
            ),
            "grading": lambda i: quiz_services.attempt_grade(attempt_id=attempts[i]),
        }
        print(f"event paths ({count} each, alternating with and without the summary, {course.slug}; "
              "each event commits; 'request': the learner's POST through Django):")  # fmt: skip
        for name, run in paths.items():
            times: dict[bool, list[float]] = {True: [], False: []}
            for i in range(count):
                on = i % 2 == 0
                with contextlib.nullcontext() if on else monitoring_summary_off():
                    started = time.perf_counter()
                    if name.endswith("request"):
                        run(i)  # the view's own transaction
                    else:
                        with transaction.atomic():
                            run(i)
                    times[on].append((time.perf_counter() - started) * 1000)
            with_summary, without = statistics.median(times[True]), statistics.median(times[False])
            print(f"  {name:<19} without {without:6.2f} ms  with {with_summary:6.2f} ms  "
                  f"summary {100 * (with_summary - without) / without:+5.1f}% of the path (target <= 10%)")  # fmt: skip
        print("  grading through the real worker: make bench-grading")
    finally:
        with transaction.atomic(), connection.cursor() as cursor:
            User.objects.filter(pk__in=[u.pk for u in people]).delete()
            for table in SUMMARY_TABLES:
                cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - our names
                cursor.execute(f"INSERT INTO {table} SELECT * FROM saved_{table}")  # noqa: S608
                cursor.execute(f"DROP TABLE saved_{table}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--enrolments", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--events", type=int, default=400)
    args = parser.parse_args()
    prepare_database(ENV)
    manage(ENV, "collectstatic", "--noinput")

    import django

    django.setup()
    from courses.models import Enrolment

    if Enrolment.objects.count() < args.enrolments * 0.99 or Enrolment.objects.count() > args.enrolments * 1.05:
        load(args.enrolments)
    else:
        # The event paths of an earlier run leave dead rows (rolled back) in the summary, the
        # enrolments and the attempts; with autovacuum off (as on the development server) they
        # slowed both pages' scans more with every run (the GROUP BY's quiz lookups 5x).
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    bench_page(args.runs)
    bench_events(args.events)


if __name__ == "__main__":
    main()
