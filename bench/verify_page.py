"""The public certificate verification page vs a bare Django view, through the same gunicorn
settings, in one run (measured as bench/lesson_page.py measures the lesson page).

    make bench-verify      (or: .venv/bin/python bench/verify_page.py [--seconds 5] [--rounds 6])

An anonymous visitor opens a valid certificate's page, as from its QR code: the lookup by number
(one indexed query, with its replacement if any), the per-address rate limit (a Redis counter;
its limit raised here so that the load generator is never refused) and the page. Prints both
throughputs and their ratio. Target: the verification page reaches at least 60% of the bare
view's throughput.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import PYTHON, ROOT, Gunicorn, bench_environment, load, manage, prepare_database

CERTIFICATE_SCRIPT = """
import datetime as dt
import django; django.setup()
from certificates import services, tasks
from certificates.models import Certificate
from cohorts.services import cohort_create
from courses.models import Course, Enrolment, Origin
from literasi.models import Province, User
tasks.certificates_render_task.delay = lambda *args, **kwargs: None  # the page needs no PDF
province = Province.objects.get(code="32")
course = Course.objects.get(slug="netralitas-asn-di-ruang-digital")
learner = User.objects.filter(email="bench-verify@literasi.local").first() or User.objects.create_user(
    email="bench-verify@literasi.local", password=None, full_name="Dra. Ni Luh Putu Ayu Sri Wahyuni, M.Si.",
    nip="198609262015052001", instansi="Pemerintah Provinsi Jawa Barat", province=province)
certificate = Certificate.objects.filter(user=learner, status="valid").first()
if certificate is None:
    admin = User.objects.filter(email="bench-admin@literasi.local").first() or User.objects.create_user(
        email="bench-admin@literasi.local", full_name="Admin Bench", is_national_admin=True)
    cohort = cohort_create(organiser=admin, province=province, course=course, name="Angkatan Verifikasi", year=2026,
                           start_date=dt.date(2026, 1, 5), end_date=dt.date(2026, 12, 31), capacity=10)
    Enrolment.objects.create(user=learner, course=course, cohort=cohort, province=province, origin=Origin.COHORT,
                             completed_at=dt.datetime(2026, 11, 20, 3, tzinfo=dt.UTC))
    services.certificates_issue_for_cohort(cohort_id=cohort.pk, actor_id=admin.pk)
    certificate = Certificate.objects.get(user=learner, status="valid")
print(services.verification_url(certificate.number).removeprefix(services.settings.SITE_URL))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=5, help="length of one measuring slice")
    parser.add_argument("--rounds", type=int, default=6, help="slices per view, alternating bare and verification")
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()

    env = bench_environment()
    env["CERTIFICATES_VERIFY_PER_MINUTE"] = str(10**9)  # counted as always, never refused
    prepare_database(env)
    manage(env, "collectstatic", "--noinput")
    path = subprocess.run(
        [PYTHON, "-c", CERTIFICATE_SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout.strip()

    server = Gunicorn(env)
    urls = {"bare": f"{server.url}/bench/bare", "verify": f"{server.url}{path}"}
    try:
        for url in urls.values():  # warm both
            load(url, seconds=2, connections=args.connections)
        # Alternating slices, so drift in the machine's speed falls on both views alike.
        slices: dict[str, list[dict[str, float]]] = {"bare": [], "verify": []}
        for _ in range(args.rounds):
            for name, url in urls.items():
                slices[name].append(load(url, seconds=args.seconds, connections=args.connections))
    finally:
        server.stop()
    bare, verify = (
        {key: statistics.median(s[key] for s in slices[name]) for key in ("rps", "p50_ms", "p99_ms")}
        for name in ("bare", "verify")
    )

    database = env["DATABASE_URL"].split("://")[0]
    print(f"database {database}, cache {'redis' if env.get('REDIS_URL') else 'file'}, "
          f"gunicorn workers {os.environ.get('GUNICORN_WORKERS', (os.cpu_count() or 1) * 2 + 1)}, "
          f"{args.connections} connections, {args.rounds} alternating {args.seconds}s slices per view (medians), "
          f"anonymous visitor, production settings, {path}")  # fmt: skip
    print(f"bare Django view  : {bare['rps']:8.1f} req/s  p50 {bare['p50_ms']:.1f} ms  p99 {bare['p99_ms']:.1f} ms")
    print(
        f"verification page : {verify['rps']:8.1f} req/s  p50 {verify['p50_ms']:.1f} ms  p99 {verify['p99_ms']:.1f} ms"
    )
    per_round = ", ".join(f"{v['rps'] / b['rps']:.0%}" for b, v in zip(slices["bare"], slices["verify"], strict=True))
    print(
        f"ratio             : {verify['rps'] / bare['rps']:.0%} of the bare view (target >= 60%); per round: {per_round}"
    )


if __name__ == "__main__":
    main()
