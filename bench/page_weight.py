"""The weight of each page: its own HTML plus the CSS and JS it loads, before compression.

    make page-weight

Runs on the development database (it migrates, loads the content and the demo accounts first),
signs in as each demo account and prints every page's weight against the 100 KB budget.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "literasi.settings")
os.environ.setdefault("LITERASI_ENV", "development")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from courses.models import Course  # noqa: E402
from devtools.pages import BUDGET, asset_bytes  # noqa: E402
from literasi.models import User  # noqa: E402


def weight(html: str) -> tuple[int, int]:
    return len(html.encode()), asset_bytes(html)


def main() -> None:
    for command in ("migrate", "load_content", "seed_demo"):
        call_command(command, verbosity=0)
    setup_test_environment()
    # load_content and seed_demo above make both (an IndexError here means they did not).
    course = Course.objects.filter(status="published").order_by("order")[0]
    lesson = course.lessons.filter(is_published=True).order_by("order")[0]
    pages = {
        None: ["/", "/kursus/", f"/kursus/{course.slug}/", "/akun/login/", "/akun/signup/", "/akun/password/reset/"],
        "peserta@demo.literasi.id": ["/", "/kursus/saya/", f"/kursus/{course.slug}/",
                                     f"/kursus/{course.slug}/materi/{lesson.slug}/", "/akun/email/"],
        "penyelenggara.jabar@demo.literasi.id": ["/penyelenggara/", "/pemantauan/provinsi/32/", "/pemantauan/jp/"],
        "admin@demo.literasi.id": ["/penyelenggara/", "/pemantauan/", "/pemantauan/jp/"],
    }  # fmt: skip
    rows = []
    for email, urls in pages.items():
        client = Client()
        if email:
            user = User.objects.get(email=email)
            client.force_login(user)
            from courses.services import enrolment_create

            enrolment_create(user=user, course=course)
        for url in urls:
            response = client.get(url)
            html_size, asset_size = weight(response.content.decode())
            rows.append((html_size + asset_size, html_size, asset_size, url, email or "anonymous"))
    print(f"{'total':>8} {'html':>8} {'css+js':>8}  page")
    for total, html_size, asset_size, url, who in sorted(rows, reverse=True):
        print(f"{total:8,} {html_size:8,} {asset_size:8,}  {url}  ({who})")
    heaviest = max(rows)
    print(f"heaviest: {heaviest[3]} at {heaviest[0]:,} bytes, budget {BUDGET:,} bytes")


if __name__ == "__main__":
    main()
