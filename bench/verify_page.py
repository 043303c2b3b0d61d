"""The public certificate verification page vs a bare Django view, through the same gunicorn
settings, in one run (measured as bench/lesson_page.py measures the lesson page).

    make bench-verify      (or: .venv/bin/python bench/verify_page.py [--seconds 5] [--rounds 12])

An anonymous visitor opens a valid certificate's page, as from its QR code: the per-address rate
limit's counter and the certificate's kept record, read from Redis in one round trip
(certificates.verification_page; the limit is raised here so that the load generator is never
refused), and the page. Prints both
throughputs and their ratio. Target: the verification page reaches at least 60% of the bare
view's throughput.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import PYTHON, ROOT, bench_environment, compare_with_bare, manage, prepare_database

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
    parser.add_argument("--rounds", type=int, default=12, help="slices per view, alternating bare and verification")
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()

    env = bench_environment()
    env["CERTIFICATES_VERIFY_PER_MINUTE"] = str(10**9)  # counted as always, never refused
    prepare_database(env)
    manage(env, "collectstatic", "--noinput")
    path = subprocess.run(
        [PYTHON, "-c", CERTIFICATE_SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout.strip()

    compare_with_bare(env, path=path, label="verification page", visitor=f"anonymous visitor, {path}",
                      rounds=args.rounds, seconds=args.seconds, connections=args.connections)  # fmt: skip


if __name__ == "__main__":
    main()
