"""Lesson page vs a bare Django view, through the same gunicorn settings, in one run.

    make bench-lesson      (or: .venv/bin/python bench/lesson_page.py [--seconds 15])

Prints both throughputs and their ratio. Target: the lesson page reaches at least 60% of the
bare view's throughput.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import PYTHON, ROOT, bench_environment, compare_with_bare, manage, prepare_database

SESSION_SCRIPT = """
import django; django.setup()
from importlib import import_module
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from courses.models import Course
from courses.services import enrolment_create, lesson_visit
from literasi.models import Province, User
user = User.objects.filter(email="bench@literasi.local").first() or User.objects.create_user(
    email="bench@literasi.local", password=None, full_name="Peserta Bench", province=Province.objects.get(code="32"))
course = Course.objects.get(slug="mengelola-jejak-digital")
lesson = course.lessons.filter(is_published=True).order_by("order")[1]
enrolment = enrolment_create(user=user, course=course)
lesson_visit(enrolment=enrolment, lesson_id=lesson.pk)
store = import_module(settings.SESSION_ENGINE).SessionStore()
store[SESSION_KEY] = str(user.pk)
store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
store[HASH_SESSION_KEY] = user.get_session_auth_hash()
store.create()
print(settings.SESSION_COOKIE_NAME + "=" + store.session_key, f"/kursus/{course.slug}/materi/{lesson.slug}/")
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=5, help="length of one measuring slice")
    parser.add_argument("--rounds", type=int, default=6, help="slices per view, alternating bare and lesson")
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()

    env = bench_environment()
    prepare_database(env)
    manage(env, "collectstatic", "--noinput")
    cookie, path = subprocess.run(
        [PYTHON, "-c", SESSION_SCRIPT], cwd=ROOT, env=env,
        capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip

    compare_with_bare(env, path=path, label="lesson page", visitor="signed-in learner with a session cookie",
                      rounds=args.rounds, seconds=args.seconds, connections=args.connections, cookie=cookie)  # fmt: skip


if __name__ == "__main__":
    main()
