"""Grading throughput and latency through real Celery workers, beside a no-op task's throughput.

    make bench-grading      (or: .venv/bin/python bench/grading.py [--tasks 1000] [--rounds 5] [--rate 50] [--seconds 20])

Against the configured database and broker (PostgreSQL and Redis when they answer here), in a
database of its own, with the production worker settings (prefork, two processes per core,
prefetch 1, late acks). Prints:
- the no-op task's throughput, and grading's, each draining a queue of --tasks messages, in
  --rounds alternating runs (medians, and grading's ratio per round);
- grading's throughput with the monitoring summary's calls turned off (bench.tasks), in the same
  rounds: what keeping the summary costs the grading task;
- submit-to-graded latency (p50, p95) while learners submit at a steady --rate per second
  through the real submit service (store, commit, enqueue after commit).
Targets on a two-core machine: grading >= 50% of the no-op throughput; p95 < 250 ms at 50/s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import bench_environment, prepare_database, start_worker

ENV = bench_environment()
os.environ.update(ENV)
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", type=int, default=1000, help="messages per throughput run")
    parser.add_argument("--rounds", type=int, default=5, help="throughput runs per task, alternating no-op and grading")
    parser.add_argument("--rate", type=float, default=50.0, help="steady submissions per second")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of the steady run")
    # Grading waits on the database about half the time, so two processes per core keep the CPU
    # busy; the no-op runs with the same setting.
    parser.add_argument("--concurrency", type=int, default=2 * (os.cpu_count() or 1))
    args = parser.parse_args()
    if not ENV.get("REDIS_URL"):
        raise SystemExit("This benchmark measures the Redis broker: start Redis or set REDIS_URL.")

    prepare_database(ENV)

    import django

    django.setup()
    import redis
    from django.utils import timezone

    from bench.tasks import attempt_grade_without_summary, noop
    from courses import progress_summary
    from courses.models import Enrolment
    from literasi.celery import app
    from literasi.models import Province, User
    from quizzes import services
    from quizzes.models import Attempt, Option, Quiz
    from quizzes.tasks import attempt_grade

    broker = redis.Redis.from_url(ENV["REDIS_URL"])
    app.control.purge()
    quiz = Quiz.objects.get(course__slug="netralitas-asn-di-ruang-digital", slug="evaluasi-akhir")
    quiz.max_attempts = 0
    quiz.save()
    key = {q: set(ids) for q, ids in _key(Option, quiz).items()}

    def learners(count: int, tag: str) -> list[User]:
        province = Province.objects.get(code="32")
        stamp = f"{tag}{time.time_ns()}"
        users = User.objects.bulk_create(
            User(email=f"bench{stamp}-{n}@literasi.local", full_name="Peserta Bench", province=province)
            for n in range(count)
        )
        enrolments = Enrolment.objects.bulk_create(
            Enrolment(user=u, course=quiz.course, province=province) for u in users
        )
        progress_summary.record_enrolments(enrolment_ids=[e.pk for e in enrolments])  # counted, as in the platform
        return users

    def open_attempts(count: int, tag: str) -> list[Attempt]:
        attempts = []
        for user in learners(count, tag):
            attempt = services.attempt_start(user=user, quiz=quiz)
            attempt.answers = {str(i["q"]): sorted(key[i["q"]]) for i in attempt.layout}
            attempts.append(attempt)
        Attempt.objects.bulk_update(attempts, ["answers"])
        return attempts

    def drained() -> bool:
        return broker.llen("grading") == 0 and broker.hlen("unacked") == 0

    worker = start_worker(ENV, queue="grading", processes=args.concurrency, name="bench")
    try:
        deadline = time.monotonic() + 60
        while not app.control.ping(timeout=0.5):
            if time.monotonic() > deadline:
                raise SystemExit("the worker did not start")

        def noop_rate() -> float:
            start = time.monotonic()
            for _ in range(args.tasks):
                noop.delay()
            while not drained():
                time.sleep(0.02)
            return args.tasks / (time.monotonic() - start)

        def grading_rate(ids: list[int], task=attempt_grade) -> float:
            start = time.monotonic()
            for attempt_id in ids:
                task.delay(attempt_id)
            # A cheap poll (an index range, twenty times a second) so waiting costs the graders little.
            in_range = Attempt.objects.filter(pk__gte=min(ids), pk__lte=max(ids), state="graded")
            while in_range.count() < len(ids):
                time.sleep(0.05)
            return len(ids) / (time.monotonic() - start)

        # 1 and 2. Throughput, in alternating runs so drift in the machine's speed falls on both
        # alike: the no-op draining --tasks messages, then grading --tasks submitted attempts.
        for _ in range(50):
            noop.delay()
        while not drained():
            time.sleep(0.05)
        waiting = open_attempts(args.tasks * args.rounds * 2, "t")
        ids = [a.pk for a in waiting]
        Attempt.objects.filter(pk__in=ids).update(state="submitted", submitted_at=timezone.now())
        noop_rates, grading_rates, bare_grading_rates = [], [], []
        for n in range(args.rounds):
            noop_rates.append(noop_rate())
            grading_rates.append(grading_rate(ids[2 * n * args.tasks : (2 * n + 1) * args.tasks]))
            # The same task with the monitoring summary turned off, for what the summary costs it.
            bare_grading_rates.append(
                grading_rate(ids[(2 * n + 1) * args.tasks : (2 * n + 2) * args.tasks], attempt_grade_without_summary)
            )

        # 3. Latency at a steady rate through the real submit service.
        count = int(args.rate * args.seconds)
        steady = open_attempts(count, "s")
        interval = 1 / args.rate
        start = time.monotonic()
        for n, attempt in enumerate(steady):
            pause = start + n * interval - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            services.attempt_submit(attempt=attempt, answers=attempt.answers)
        achieved = count / (time.monotonic() - start)
        steady_ids = [a.pk for a in steady]
        while Attempt.objects.filter(pk__in=steady_ids, state="graded").count() < count:
            time.sleep(0.05)
        latencies = sorted(
            (graded - submitted).total_seconds() * 1000
            for submitted, graded in Attempt.objects.filter(pk__in=steady_ids).values_list("submitted_at", "graded_at")
            if submitted and graded  # all of them, once the wait above is over
        )
        wrong = Attempt.objects.filter(pk__in=ids + steady_ids).exclude(score=100, grade_writes=1).count()
    finally:
        os.killpg(worker.pid, 15)
        worker.wait(30)

    p50 = statistics.median(latencies)
    p95 = latencies[int(0.95 * (len(latencies) - 1))]
    print(f"database {ENV['DATABASE_URL'].split('://')[0]}, broker redis, 1 worker x {args.concurrency} processes "
          f"(prefork, prefetch 1, late acks), {os.cpu_count()} cores shared with the databases and this script")  # fmt: skip
    noop_speed, grading = statistics.median(noop_rates), statistics.median(grading_rates)
    per_round = ", ".join(f"{g / n:.0%}" for n, g in zip(noop_rates, grading_rates, strict=True))
    print(f"no-op task      : {noop_speed:8.1f} tasks/s  (median of {args.rounds} runs of {args.tasks} queued)")
    print(f"grading         : {grading:8.1f} attempts/s  (median of {args.rounds} runs of {args.tasks} queued) = "
          f"{grading / noop_speed:.0%} of the no-op (target >= 50%); per round: {per_round}")  # fmt: skip
    bare = statistics.median(bare_grading_rates)
    print(f"without summary : {bare:8.1f} attempts/s  (the grading task with the monitoring summary's calls off): "
          f"the summary costs {100 * (bare / grading - 1):+.0f}% of the grading task's time (target <= 10%)")  # fmt: skip
    print(f"steady {args.rate:g}/s     : achieved {achieved:.1f}/s for {count} submissions; submit-to-graded latency "
          f"p50 {p50:.0f} ms, p95 {p95:.0f} ms (target p95 < 250 ms)")  # fmt: skip
    print(f"correctness     : {wrong} attempts not graded exactly once with the right score")


def _key(option_model, quiz) -> dict[int, list[int]]:
    key: dict[int, list[int]] = {}
    for question_id, option_id in option_model.objects.filter(question__quiz=quiz, is_correct=True).values_list(
        "question_id", "pk"
    ):
        key.setdefault(question_id, []).append(option_id)
    return key


if __name__ == "__main__":
    main()
