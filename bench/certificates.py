"""Issuing a cohort's certificates through the real batch worker, beside a bare loop that only
renders and signs the same PDFs.

    make bench-certificates      (or: .venv/bin/python bench/certificates.py [--participants 10000] [--processes 2])

On the configured database and broker (PostgreSQL and Redis when they answer here), in a database
of its own, with production settings and the development signing keys. One cohort of
--participants learners who completed the course; the organiser's "issue" runs on a batch worker
of --processes processes: numbering and snapshots in chunks, then rendering, both signatures
(PAdES with pyHanko, the Open Badges credential with joserfc), storage in MEDIA_ROOT (a temporary
directory here) and one email per learner (kept in memory, not sent). The bare loop renders and
signs the same certificates with the same functions in as many processes, with no database,
storage, broker or email. Target: issuing reaches at least 70% of the bare loop's throughput.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import multiprocessing
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import bench_environment, manage, prepare_database, start_worker
from bench.uploads import nip

MEDIA = Path(tempfile.mkdtemp(prefix="literasi-bench-certificates-"))
ENV = bench_environment()
# A database and broker database of its own: the other benchmarks purge the shared bench queues
# (bench/grading.py) and migrate the shared bench database, which lost this one's tasks midway.
if ENV["DATABASE_URL"].endswith("/literasi_bench"):
    ENV["DATABASE_URL"] += "_certificates"
if ENV.get("REDIS_URL", "").endswith("/12"):
    ENV["REDIS_URL"] = ENV["REDIS_URL"][:-2] + "13"
ENV.update({"MEDIA_ROOT": str(MEDIA), "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"})
os.environ.update(ENV)
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"


def _bare_one(item: tuple[str, dict, dict, str, dt.datetime]) -> int:
    """Render and sign one certificate as the worker does, and nothing else."""
    from certificates.pdf import render_pdf
    from certificates.signing import credential_sign, pdf_attach_and_sign

    number, snapshot, claims, url, issued_at = item
    credential = credential_sign(claims)
    pdf = pdf_attach_and_sign(render_pdf(snapshot=snapshot, number=number, verify_url=url),
                              credential=credential, signed_at=issued_at)  # fmt: skip
    hashlib.sha256(pdf).hexdigest()
    return len(pdf)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--participants", type=int, default=10_000)
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1,
                        help="worker processes, and processes of the bare loop")  # fmt: skip
    args = parser.parse_args()
    if not ENV.get("REDIS_URL"):
        raise SystemExit("This benchmark runs the batch worker on Redis: start Redis or set REDIS_URL.")

    prepare_database(ENV)
    manage(ENV, "certificates_dev_keys")

    import django

    django.setup()
    from django.db import connections

    from certificates import services
    from certificates.models import Certificate
    from certificates.tasks import certificates_issue_task
    from cohorts.services import cohort_create
    from courses.models import Course, Enrolment, Origin
    from literasi.celery import app
    from literasi.models import Province, User

    province = Province.objects.get(code="32")
    course = Course.objects.get(slug="netralitas-asn-di-ruang-digital")
    admin = User.objects.filter(email="bench-admin@literasi.local").first() or User.objects.create_user(
        email="bench-admin@literasi.local", full_name="Admin Bench", is_national_admin=True
    )
    stamp = time.time_ns()
    cohort = cohort_create(
        organiser=admin, province=province, course=course, name=f"Angkatan Bench {stamp}", year=2026,
        start_date=dt.date(2026, 1, 5), end_date=dt.date(2026, 12, 31), capacity=args.participants,
    )  # fmt: skip
    services.signing_official_set(actor=admin, province_code="32", name="Dr. Ir. Bambang Sutrisno, M.T.",
                                  nip="197005121995031001", position="Kepala BPSDM Provinsi Jawa Barat")  # fmt: skip
    nips = list(dict.fromkeys(nip(stamp % 1_000_000 + n) for n in range(2 * args.participants)))[: args.participants]
    User.objects.filter(nip__in=nips).update(nip=None)  # a previous run's learners keep their certificates
    users = User.objects.bulk_create(
        (User(email=f"bench{stamp}-{n}@contoh.go.id", full_name=f"Dra. Ni Luh Putu Ayu Peserta {n}, M.Si.",
              nip=value, instansi="Pemerintah Provinsi Jawa Barat", province=province)
         for n, value in enumerate(nips)),
        batch_size=2000,
    )  # fmt: skip
    completed = dt.datetime(2026, 11, 20, 3, tzinfo=dt.UTC)
    Enrolment.objects.bulk_create(
        (Enrolment(user=u, course=course, cohort=cohort, province=province, origin=Origin.COHORT,
                   completed_at=completed) for u in users),
        batch_size=2000,
    )  # fmt: skip

    import redis

    broker = redis.Redis.from_url(ENV["REDIS_URL"])

    def drained() -> bool:
        return broker.llen("batch") == 0 and broker.hlen("unacked") == 0

    app.control.purge()
    worker = start_worker(ENV, queue="batch", processes=args.processes, name="bench-certificates")
    try:
        deadline = time.monotonic() + 60
        while not app.control.ping(timeout=0.5):
            if worker.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("the worker did not start")
        ours = Certificate.objects.filter(cohort=cohort)
        start = time.monotonic()
        certificates_issue_task.delay(cohort.pk, admin.pk)  # what the organiser's button enqueues
        last, moved = None, time.monotonic()
        while True:
            progress = (ours.exclude(pdf_sha256="").count(), ours.filter(emailed_at__isnull=False).count())
            if progress[1] == args.participants and drained():
                break  # every email marked and the last ones sent
            if worker.poll() is not None:
                raise SystemExit("the worker died")
            if progress != last:
                last, moved = progress, time.monotonic()
            elif time.monotonic() - moved > 120:
                raise SystemExit(f"no progress for 2 minutes: {progress[0]} rendered, {progress[1]} emailed")
            time.sleep(0.5)
        issued = time.monotonic() - start
    finally:
        os.kill(worker.pid, 15)  # the main process: a warm shutdown lets running tasks finish
        worker.wait(60)

    numbers = sorted(ours.values_list("sequence", flat=True))
    assert numbers == list(range(1, args.participants + 1)), "numbers are not gapless and unique"
    rendered = ours.exclude(pdf_sha256="")
    size = sum((MEDIA / name).stat().st_size for name in rendered.values_list("pdf", flat=True))
    work = [(c.number, c.snapshot, services.credential_claims(c), services.verification_url(c.number), c.issued_at)
            for c in ours.order_by("sequence")]  # fmt: skip
    connections.close_all()  # the bare loop's processes are forked: no shared connection

    with multiprocessing.get_context("fork").Pool(args.processes) as pool:
        pool.map(_bare_one, work[: 2 * args.processes])  # warm: fonts and keys loaded in each process
        start = time.monotonic()
        bare_sizes = pool.map(_bare_one, work, chunksize=50)
        bare = time.monotonic() - start
    shutil.rmtree(MEDIA, ignore_errors=True)

    n = args.participants
    print(f"database {ENV['DATABASE_URL'].split('://')[0]}, broker redis, {n:,} participants, "
          f"{args.processes} processes (1 batch worker x {args.processes}, prefork; bare loop: a pool of "
          f"{args.processes}), {os.cpu_count()} cores shared with the databases and this script")  # fmt: skip
    print(f"PDF size          : {size / n / 1024:.1f} KB on average (bare loop {sum(bare_sizes) / n / 1024:.1f} KB)")
    print(f"bare render + sign: {bare:7.1f} s  {n / bare:7.1f} certificates/s")
    print(f"issued via worker : {issued:7.1f} s  {n / issued:7.1f} certificates/s = {bare / issued:.0%} of the bare "
          "loop (target >= 70%); numbers, snapshots, PDFs, PAdES + credential, storage, one email each")  # fmt: skip
    emailed = Certificate.objects.filter(cohort=cohort, emailed_at__isnull=False).count()
    print(f"correctness       : {n:,} numbers 1..{n:,} without gaps, {emailed:,} learners emailed once")


if __name__ == "__main__":
    main()
