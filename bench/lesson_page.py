"""Lesson page vs a bare Django view, through the same gunicorn settings, in one run.

    make bench-lesson      (or: .venv/bin/python bench/lesson_page.py [--seconds 15])

Prints both throughputs and their ratio. Target: the lesson page reaches at least 60% of the
bare view's throughput.
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

    server = Gunicorn(env)
    try:
        for url in (f"{server.url}/bench/bare", f"{server.url}{path}"):  # warm both
            load(url, seconds=2, connections=args.connections, cookie=cookie)
        # Alternating slices, so drift in the machine's speed falls on both views alike.
        slices: dict[str, list[dict[str, float]]] = {"bare": [], "lesson": []}
        for _ in range(args.rounds):
            for name, url in (("bare", f"{server.url}/bench/bare"), ("lesson", f"{server.url}{path}")):
                slices[name].append(load(url, seconds=args.seconds, connections=args.connections, cookie=cookie))
    finally:
        server.stop()
    bare, lesson = (
        {key: statistics.median(s[key] for s in slices[name]) for key in ("rps", "p50_ms", "p99_ms")}
        for name in ("bare", "lesson")
    )

    database = env["DATABASE_URL"].split("://")[0]
    print(f"database {database}, cache {'redis' if env.get('REDIS_URL') else 'file'}, "
          f"gunicorn workers {os.environ.get('GUNICORN_WORKERS', (os.cpu_count() or 1) * 2 + 1)}, "
          f"{args.connections} connections, {args.rounds} alternating {args.seconds}s slices per view (medians), "
          "signed-in learner with a session cookie, production settings")  # fmt: skip
    print(f"bare Django view : {bare['rps']:8.1f} req/s  p50 {bare['p50_ms']:.1f} ms  p99 {bare['p99_ms']:.1f} ms")
    print(
        f"lesson page      : {lesson['rps']:8.1f} req/s  p50 {lesson['p50_ms']:.1f} ms  p99 {lesson['p99_ms']:.1f} ms"
    )
    ratio = lesson["rps"] / bare["rps"]
    per_round = ", ".join(
        f"{les['rps'] / b['rps']:.0%}" for b, les in zip(slices["bare"], slices["lesson"], strict=True)
    )
    print(f"ratio            : {ratio:.0%} of the bare view (target >= 60%); per round: {per_round}")


if __name__ == "__main__":
    main()
