"""Bulk enrolment of a 10,000-row file: checked and applied, beside a bare bulk insert of the
same rows.

    make bench-upload      (or: .venv/bin/python bench/uploads.py [--rows 10000])

On the configured database (PostgreSQL when it answers here), in a database of its own, with
production settings. The file is a semicolon-separated CSV with valid, distinct NIPs and emails,
all new accounts (the heaviest case). Target: checked and applied in at most 15 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import bench_environment, prepare_database

ENV = bench_environment()
os.environ.update(ENV)
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"


def nip(n: int) -> str:
    """A structurally valid NIP, different for each n."""
    birth = dt.date(1970, 1, 1) + dt.timedelta(days=n % 9000)
    return f"{birth:%Y%m%d}{2000 + n % 20:04d}{1 + n % 12:02d}{1 + n % 2}{1 + n // 18000 % 999:03d}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()
    prepare_database(ENV)

    import django

    django.setup()
    from allauth.account.models import EmailAddress
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import transaction

    from cohorts import services, tasks
    from courses.models import Course, Enrolment
    from literasi.models import Province, User

    # The benchmark runs each step itself, timed; the services would also queue them for a
    # worker (on the shared broker, where a developer's worker could pick them up).
    tasks.upload_check_task.delay = tasks.upload_apply_task.delay = lambda *args, **kwargs: None

    stamp = time.time_ns()
    seen, lines = set(), ["NIP;Nama Lengkap;E-mail;Unit Kerja;Jabatan"]
    n = stamp % 1_000_000
    while len(lines) <= args.rows:
        value = nip(n)
        n += 1
        if value in seen:
            continue
        seen.add(value)
        lines.append(f"{value};Peserta {n};peserta{stamp}.{n}@contoh.go.id;Pemerintah Provinsi Jawa Barat;Analis")
    data = "\n".join(lines).encode("utf-8")
    User.objects.filter(nip__in=seen).delete()  # a previous run's accounts with the same NIPs

    province = Province.objects.get(code="32")
    course = Course.objects.get(slug="netralitas-asn-di-ruang-digital")
    admin = User.objects.filter(email="bench-admin@literasi.local").first() or User.objects.create_user(
        email="bench-admin@literasi.local", full_name="Admin Bench", is_national_admin=True
    )
    cohort = services.cohort_create(
        organiser=admin, province=province, course=course, name=f"Bench {stamp}", year=2026,
        start_date=dt.date(2026, 12, 1), end_date=dt.date(2026, 12, 31), capacity=args.rows + 1,
    )  # fmt: skip

    # Bare bulk insert of the same rows (accounts, addresses, enrolments), rolled back.
    rows = [line.split(";") for line in lines[1:]]
    start = time.monotonic()
    with transaction.atomic():
        users = User.objects.bulk_create(
            (User(email=r[2], full_name=r[1], nip=r[0], instansi=r[3], jabatan=r[4], province=province) for r in rows),
            batch_size=1000,
        )
        EmailAddress.objects.bulk_create((EmailAddress(user=u, email=u.email) for u in users), batch_size=1000)
        Enrolment.objects.bulk_create(
            (Enrolment(user=u, course=course, cohort=cohort, province=province) for u in users), batch_size=1000
        )
        bare = time.monotonic() - start
        transaction.set_rollback(True)

    start = time.monotonic()
    upload = services.upload_create(
        cohort=cohort, uploaded_by=admin, file=SimpleUploadedFile("peserta.csv", data, content_type="text/csv")
    )
    services.upload_check(upload_id=upload.pk)
    checked = time.monotonic() - start
    upload.refresh_from_db()
    assert upload.counts == {"new": args.rows, "linked": 0, "already": 0, "error": 0}, upload.counts
    services.upload_confirm(upload=upload, actor=admin)
    services.upload_apply(upload_id=upload.pk, actor_id=admin.pk)
    total = time.monotonic() - start
    enrolled = Enrolment.objects.filter(cohort=cohort).count()

    print(
        f"database {ENV['DATABASE_URL'].split('://')[0]}, {args.rows:,} rows, {len(data) / 1024:.0f} KB CSV, all new accounts"
    )
    print(f"bare bulk insert of the same rows     : {bare:6.2f} s  (accounts, email addresses, enrolments)")
    print(f"checked (parse + validate + preview)  : {checked:6.2f} s")
    print(f"checked and applied                   : {total:6.2f} s  (target <= 15 s); {enrolled:,} enrolled")


if __name__ == "__main__":
    main()
