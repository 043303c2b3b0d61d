"""The national export of training records for SIASN, timed as the batch worker writes it: how
many rows fit in the batch time limit, measured instead of guessed.

    make bench-export      (or: .venv/bin/python bench/records_export.py [--rows 1000000] [--reload])

PostgreSQL only (the data is loaded with COPY), in a database of its own (literasi_bench_export:
the other benchmarks time pages and uploads on the shared bench database, and a million learners'
certificates there would change their figures), production settings, MEDIA_ROOT in a temporary
directory removed at the end. --rows valid certificates over the 38 provinces, one learner per
four of them (four of the five launch courses), 60% in one of two cohorts per province and
course, the rest in the province's self-paced cohort (number 0), each with its completed
enrolment, its number and a snapshot made by ``certificates.services`` itself (``_context`` and
``_snapshot``, with a signing official per province). The data stays for the next run; it is
loaded again when the count of valid certificates differs from --rows, or with --reload.

Each measurement runs in a fresh process, so that each peak RSS is its own:

- ``read``: ``monitoring.selectors.training_records`` of a national export, iterated with
  ``.iterator(chunk_size=services.CHUNK)`` as the export reads it, and nothing else;
- ``format``: ``exports.siasn_rows`` over records already in memory (a sample of SAMPLE read
  first, cycled to --rows): alone, then into the CSV and the XLSX writer (a temporary file); no
  database;
- ``build csv`` and ``build xlsx``: ``monitoring.services.records_export_build`` of a national
  export (all 38 provinces, no filters), the function the batch task calls (a worker adds only
  the hand-over), into default storage; the export must end ready with every row, and its file
  is measured, then deleted with the export.

For each: rows, wall and CPU seconds (the rest is mostly waiting for PostgreSQL), rows a second,
the file's size, RSS after Django's setup and at the peak (ru_maxrss), and the machine's CPU steal
and how busy its CPUs were meanwhile (/proc/stat: other work on a shared machine shows there).
Then the rows each format's build would write within ``CELERY_BATCH_SOFT_TIME_LIMIT`` at the
measured rate (a straight line from --rows: the writing goes row by row in bounded memory), and,
for XLSX, the 1,048,576 rows a worksheet holds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import PYTHON, ROOT, bench_environment, prepare_database

if TYPE_CHECKING:
    from courses.models import Course
    from literasi.models import Province, User
    from monitoring.models import RecordsExport

ENV = bench_environment()
if ENV["DATABASE_URL"].endswith("/literasi_bench"):
    ENV["DATABASE_URL"] += "_export"
if not ENV["DATABASE_URL"].startswith("postgres"):
    raise SystemExit("bench-export loads its data with COPY: it needs PostgreSQL (DATABASE_URL)")
os.environ.update(ENV)

YEAR = 2026
KINDS = ["pns"] * 6 + ["pppk"] * 2 + ["widyaiswara", "other"]
FIRST = ["Dra. Ni Luh Putu", "Ahmad", "Siti", "Muhammad", "Dewi", "I Gede", "Yohanes", "Rina", "Bambang", "Fransiska"]
LAST = ["Ayu Sri Wahyuni, M.Si.", "Hidayat", "Nurhaliza, S.Kom.", "Rizki Pratama", "Lestari", "Made Suartana",
        "Kurniawan, S.T., M.T.", "Simanjuntak", "Saputra", "Manurung, S.H."]  # fmt: skip
AGENCIES = ["Dinas Komunikasi dan Informatika Provinsi {}", "Badan Kepegawaian Daerah Provinsi {}",
            "Sekretariat Daerah Provinsi {}", "Badan Perencanaan Pembangunan Daerah Provinsi {}",
            "Inspektorat Provinsi {}"]  # fmt: skip
LEARNERS = "bench-learner-"  # their emails' prefix
ADMIN_EMAIL = "bench-export-admin@kominfo.go.id"
SAMPLE = 50_000  # records held in memory for the format measurement: variety without a million snapshots
PHASES = ["read", "format", "format csv", "format xlsx", "build csv", "build xlsx"]


# --- Data --------------------------------------------------------------------------------------


def nip(n: int) -> str:
    """A structurally valid NIP, a different one for every n below 4.8 billion (bench/uploads.py's
    repeats every 9,000)."""
    birth = dt.date(1965, 1, 1) + dt.timedelta(days=n % 10_000)
    appointed = f"{2000 + n // 10_000 % 20:04d}{1 + n // 200_000 % 12:02d}"
    return f"{birth:%Y%m%d}{appointed}{1 + n // 2_400_000 % 2}{1 + n // 4_800_000 % 999:03d}"


def _learner(n: int, provinces: list[Province]) -> User:
    """Learner number ``n`` (unsaved), the same on every call."""
    from literasi.models import User

    province, kind = provinces[n % len(provinces)], KINDS[n % len(KINDS)]
    return User(full_name=f"{FIRST[n % 10]} {LAST[n // 10 % 10]}", nip=nip(n) if kind in ("pns", "pppk") else None,
                employee_kind=kind, instansi=AGENCIES[n // 100 % 5].format(province.name), province=province)  # fmt: skip


def _record(i: int, courses: list[Course]) -> tuple[int, Course, int, dt.datetime, dt.datetime]:
    """Certificate number ``i``'s learner (``i // 4``), course, cohort number, enrolment and
    completion, the same on every call (the enrolments and the certificates are written in two
    passes: one connection runs one COPY at a time)."""
    learner = i // 4
    course = [c for j, c in enumerate(courses) if j != learner % 5][i % 4]
    mixed = ((i + 1) * 0x9E3779B97F4A7C15) % 2**64 >> 20  # spread, deterministic
    sequence = 1 + mixed % 2 if mixed % 10 < 6 else 0
    enrolled = dt.datetime(YEAR, 1, 5, tzinfo=dt.UTC) + dt.timedelta(minutes=(mixed >> 8) % (270 * 24 * 60))
    return learner, course, sequence, enrolled, enrolled + dt.timedelta(days=1 + (mixed >> 28) % 40, hours=3)


def load(rows: int) -> None:
    """Replace the bench database's cohorts, enrolments and certificates with ``rows`` valid
    certificates and their learners, with COPY; the ids are given here, so nothing is read back."""
    from django.db import connection, transaction

    from certificates import services as certificates
    from cohorts.models import Cohort
    from courses.models import Course
    from literasi.models import Province

    started = time.perf_counter()
    admin = _admin()
    courses = list(Course.objects.filter(status=Course.Status.PUBLISHED).order_by("order", "pk")[:5])
    if len(courses) < 5:
        raise SystemExit("bench-export needs the five launch courses in the bench database (manage.py load_content)")
    last_lesson = {c.pk: c.lessons.filter(is_published=True).order_by("-order").values_list("pk", flat=True)[0]
                   for c in courses}  # fmt: skip
    provinces = list(Province.objects.order_by("code"))
    learners = -(-rows // 4)
    with transaction.atomic(), connection.cursor() as cursor:
        # All that hangs from cohorts, enrolments and certificates goes with them: the database
        # is this benchmark's own.
        cursor.execute("TRUNCATE cohorts_cohort, courses_enrolment, certificates_certificate, "
                       "certificates_signingofficial RESTART IDENTITY CASCADE")  # fmt: skip
        cursor.execute("DELETE FROM literasi_user WHERE email LIKE %s", [LEARNERS + "%"])
        for n, province in enumerate(provinces):
            certificates.signing_official_set(actor=admin, province_code=province.code,
                                              name=f"Dr. Kepala Dinas Kominfo {province.name}",
                                              nip=nip(100_000_000 + n), position="Kepala Dinas")  # fmt: skip
        cohorts = Cohort.objects.bulk_create(
            Cohort(province=p, course=c, year=YEAR, sequence=s, name=f"Angkatan {s}" if s else f"Mandiri {YEAR}",
                   start_date=dt.date(YEAR, 1, 1), end_date=dt.date(YEAR, 12, 31), capacity=2**31 - 1, status="open")
            for p in provinces for c in courses for s in (0, 1, 2)
        )  # fmt: skip
        cohort_of = {(c.province_id, c.course_id, c.sequence): c for c in cohorts}
        shared = {c.pk: certificates._context(c)["shared"] for c in cohorts}
        template = certificates.template_current()
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM literasi_user")
        first_user = cursor.fetchone()[0] + 1
        raw = cursor.cursor
        with raw.copy("COPY literasi_user (id, email, full_name, password, nip, employee_kind, instansi, jabatan, "
                      "province_id, is_active, is_national_admin, is_superuser, date_joined) FROM STDIN") as copy:  # fmt: skip
            for n in range(learners):
                u = _learner(n, provinces)
                copy.write_row((first_user + n, f"{LEARNERS}{n}@contoh.go.id", u.full_name, "!", u.nip,
                                u.employee_kind, u.instansi, "Analis", u.province_id, True, False, False,
                                dt.datetime(YEAR, 1, 2, tzinfo=dt.UTC)))  # fmt: skip
        with raw.copy("COPY courses_enrolment (id, user_id, course_id, province_id, enrolled_at, last_lesson_id, "
                      "last_activity_at, completed_at, cohort_id, origin) FROM STDIN") as copy:  # fmt: skip
            for i in range(rows):
                n, course, sequence, enrolled, completed = _record(i, courses)
                code = provinces[n % len(provinces)].code
                cohort_id = cohort_of[(code, course.pk, sequence)].pk if sequence else None  # self-paced: none
                copy.write_row((i + 1, first_user + n, course.pk, code, enrolled, last_lesson[course.pk],
                                completed, completed, cohort_id, "cohort" if sequence else "self"))  # fmt: skip
        numbered: dict[int, int] = {}
        with raw.copy("COPY certificates_certificate (id, number, cohort_id, sequence, version, user_id, course_id, "
                      "enrolment_id, template_id, status, revoked_reason, snapshot, pdf, pdf_sha256, credential, "
                      "issued_at) FROM STDIN") as copy:  # fmt: skip
            learner = None
            for i in range(rows):
                n, course, sequence, enrolled, completed = _record(i, courses)
                if i % 4 == 0:
                    learner = _learner(n, provinces)
                assert learner is not None
                cohort = cohort_of[(provinces[n % len(provinces)].code, course.pk, sequence)]
                numbered[cohort.pk] = number = numbered.get(cohort.pk, 0) + 1
                issued = completed + dt.timedelta(minutes=5)
                snapshot = certificates._snapshot(shared[cohort.pk], learner, completed, issued)
                copy.write_row((i + 1, certificates.certificate_number(province_code=cohort.province_id, year=YEAR,
                                course_id=course.pk, cohort_sequence=sequence, sequence=number), cohort.pk, number, 1,
                                first_user + n, course.pk, i + 1, template.pk, "valid", "", json.dumps(snapshot), "", "",
                                "", issued))  # fmt: skip
        for table in ("literasi_user", "courses_enrolment", "certificates_certificate"):
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")  # noqa: S608 - our names
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"loaded {learners:,} learners, {rows:,} enrolments and {rows:,} certificates with COPY in "
          f"{time.perf_counter() - started:.0f} s")  # fmt: skip


def _admin() -> User:
    from literasi.models import User

    return User.objects.filter(email=ADMIN_EMAIL).first() or User.objects.create_user(
        email=ADMIN_EMAIL, full_name="Admin Bench Ekspor", is_national_admin=True
    )


# --- Measurements, each in a process of its own ---------------------------------------------------


def _national_export(fmt: str) -> RecordsExport:
    """An export of all provinces with no filters, as the monitoring page's button makes it
    (without enqueuing it: the benchmark runs the build itself)."""
    from django.conf import settings

    from literasi.models import Province
    from monitoring.models import RecordsExport

    export = RecordsExport.objects.create(requested_by=_admin(), fmt=fmt, language=settings.LANGUAGE_CODE)
    export.provinces.set(Province.objects.all())
    return export


def measure(phase: str, rows: int) -> dict[str, Any]:
    """Run one phase and return its figures (rows, seconds, CPU seconds, bytes)."""
    from django.utils import translation

    from monitoring import exports, services
    from monitoring.models import RecordsExport

    fmt = phase.split()[-1]
    export = _national_export(fmt if fmt in RecordsExport.Format.values else RecordsExport.Format.CSV)
    size = 0
    try:
        with translation.override(export.language):
            if phase == "read":
                started, cpu = time.perf_counter(), time.process_time()
                count = sum(1 for _ in services.export_records(export).iterator(chunk_size=services.CHUNK))
            elif phase.startswith("format"):
                sample = list(
                    itertools.islice(
                        services.export_records(export).iterator(chunk_size=services.CHUNK), min(rows, SAMPLE)
                    )
                )
                records = itertools.islice(itertools.cycle(sample), rows)
                with tempfile.TemporaryFile() as target:
                    started, cpu = time.perf_counter(), time.process_time()
                    formatted = exports.siasn_rows(records)
                    if fmt == "csv":
                        exports.csv_write(exports.siasn_header(), formatted, target)
                    elif fmt == "xlsx":
                        exports.xlsx_write(exports.siasn_header(), formatted, target, sheet="Riwayat pelatihan")
                    else:
                        for _ in formatted:
                            pass
                    size = target.tell()
                count = rows
            else:
                started, cpu = time.perf_counter(), time.process_time()
                services.records_export_build(export_id=export.pk, task_id="bench")
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        if phase.startswith("build"):
            export.refresh_from_db()
            if export.state != RecordsExport.State.READY:
                raise SystemExit(f"bench-export: the {fmt} export ended {export.state}: {export.error}")
            count, size = export.rows, export.file.size
    finally:
        if export.file:
            export.file.delete(save=False)
        export.delete()
    return {"rows": count, "seconds": seconds, "cpu": cpu, "bytes": size}


def _cpu_times() -> list[int]:
    """The machine's CPU times in ticks (user, nice, system, idle, iowait, irq, softirq, steal)."""
    with open("/proc/stat") as stat:
        return [int(v) for v in stat.readline().split()[1:9]]


def run_phase(phase: str, rows: int, media: Path) -> dict[str, Any]:
    """``phase`` in a fresh process (its own peak RSS), with the machine's CPU steal and how busy
    its CPUs were while it ran (other work on this shared machine shows there)."""
    before = _cpu_times()
    done = subprocess.run([PYTHON, __file__, "--phase", phase, "--rows", str(rows)], cwd=ROOT,
                          env={**ENV, "MEDIA_ROOT": str(media)}, check=True, capture_output=True, text=True)  # fmt: skip
    after = _cpu_times()
    ticks = [b - a for a, b in zip(before, after, strict=True)]
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    figures["steal"] = 100 * ticks[7] / max(sum(ticks), 1)
    figures["busy"] = 100 * (sum(ticks) - ticks[3] - ticks[4]) / max(sum(ticks), 1)
    return figures


def child(phase: str, rows: int) -> None:
    import django

    django.setup()
    setup_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    figures = measure(phase, rows)
    figures.update(setup_kb=setup_kb, peak_kb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    print(json.dumps(figures))


# --- Report ----------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000, help="valid certificates to load and export")
    parser.add_argument("--reload", action="store_true", help="load the data again even if it is there")
    parser.add_argument("--phase", choices=PHASES, help=argparse.SUPPRESS)  # one measurement (a child process)
    args = parser.parse_args()
    if args.phase:
        child(args.phase, args.rows)
        return

    prepare_database(ENV)
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    from certificates.models import Certificate
    from monitoring import services

    valid = Certificate.objects.filter(status=Certificate.Status.VALID).count()
    if args.reload or valid != args.rows:
        load(args.rows)
    else:
        print(f"re-using the {valid:,} valid certificates already loaded (--reload loads them again)")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_total_relation_size('certificates_certificate')), "
                       "pg_size_pretty(pg_database_size(current_database())), current_setting('server_version')")  # fmt: skip
        table_size, database_size, version = cursor.fetchone()
    connection.close()
    print(f"PostgreSQL {version}, certificates table {table_size} (database {database_size}), "
          f"{os.cpu_count()} CPUs, production settings; each phase in a fresh process")  # fmt: skip

    media = Path(tempfile.mkdtemp(prefix="literasi-bench-export-"))
    results: dict[str, dict[str, Any]] = {}
    try:
        for phase in PHASES:
            results[phase] = figures = run_phase(phase, args.rows, media)
            size = f"{figures['bytes'] / 2**20:7.1f} MB" if figures["bytes"] else " " * 10
            print(f"{phase:<12} {figures['rows']:>10,} rows {figures['seconds']:7.1f} s (CPU {figures['cpu']:6.1f} s) "
                  f"{figures['rows'] / figures['seconds']:>9,.0f} rows/s  {size}  RSS {figures['setup_kb'] / 1024:4.0f} MB "
                  f"after setup, peak {figures['peak_kb'] / 1024:4.0f} MB  steal {figures['steal']:4.1f}%  "
                  f"CPUs busy {figures['busy']:3.0f}%",
                  flush=True)  # fmt: skip
    finally:
        left = [p for p in media.rglob("*") if p.is_file()]
        shutil.rmtree(media)
    assert not left, f"files left in MEDIA_ROOT: {left}"
    seconds = {phase: figures["seconds"] for phase, figures in results.items()}
    print(f"where the time goes (each part measured on its own, so they need not add up): read {seconds['read']:.1f} s, "
          f"siasn_rows {seconds['format']:.1f} s, CSV writing {seconds['format csv'] - seconds['format']:.1f} s, "
          f"XLSX writing {seconds['format xlsx'] - seconds['format']:.1f} s; the CSV build {seconds['build csv']:.1f} s "
          f"(read {seconds['read'] / seconds['build csv']:.0%} of it), the XLSX build {seconds['build xlsx']:.1f} s "
          f"(peak RSS of the format phases includes the {min(args.rows, SAMPLE):,} records held in memory)")  # fmt: skip
    limit = settings.CELERY_BATCH_SOFT_TIME_LIMIT
    for fmt in ("csv", "xlsx"):
        build = results[f"build {fmt}"]
        within = build["rows"] / build["seconds"] * limit
        cap = f"; but a sheet holds {services.XLSX_MAX_RECORDS:,} records at most" if fmt == "xlsx" else ""
        print(f"{fmt.upper():<4} rows within CELERY_BATCH_SOFT_TIME_LIMIT ({limit} s) at the build's rate: {within:>11,.0f} "
              f"(a {build['bytes'] / build['rows'] * within / 2**30:.1f} GB file{cap})")  # fmt: skip


if __name__ == "__main__":
    main()
