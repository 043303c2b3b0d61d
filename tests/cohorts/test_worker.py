"""Uploads through real Celery worker processes on the configured broker: hostile files end
failed in a worker that stays small, a file that kills its worker is given up, the time limit
is reported, grading goes on while imports run, and a broker that goes away loses nothing."""

from __future__ import annotations

import shlex
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import TypeVar

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cohorts import services, tasks
from cohorts.models import Invitation, Upload
from courses.services import enrolment_create
from quizzes import services as quiz_services
from quizzes.models import Attempt

from ..factories import UserFactory, course_with_lessons, quiz_with_questions
from ..quizzes.conftest import finish_lessons, right_answers
from ..services import RedisServer, WorkerProcess, broker, running_worker, wait_until
from .conftest import GOOD_CSV, csv_file
from .hostile_files import HOSTILE

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
Response = TypeVar("Response")
HOOKS = ("--include", "tests.cohorts.worker_hooks")


@pytest.fixture(autouse=True)
def _batch_tasks_run_here() -> None:
    """Here the batch tasks go to the broker and a real worker runs them (unlike the other
    cohorts tests, where they run in the test's own process)."""


@pytest.fixture(autouse=True)
def _empty_queues(transactional_db) -> None:
    from literasi.celery import app

    app.control.purge()


def upload(cohort, organiser, data: bytes, name: str) -> Upload:
    return services.upload_create(cohort=cohort, uploaded_by=organiser, file=SimpleUploadedFile(name, data))


def state(upload: Upload) -> str:
    upload.refresh_from_db()
    return upload.state


def pool_peak_mb(worker: WorkerProcess) -> float:
    """The largest peak resident size (VmHWM) of the worker's pool processes."""
    pid = worker.process.pid
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    peaks = []
    for child in children:
        for line in Path(f"/proc/{child}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                peaks.append(int(line.split()[1]) / 1024)
    return max(peaks)


def test_each_hostile_file_ends_failed_with_its_message_in_a_worker_that_stays_small(
    organiser_jabar, cohort_jabar
) -> None:
    # No replacing of a bloated pool process here: its peak memory is what is measured.
    with running_worker(queues="batch", concurrency=1, env={"CELERY_WORKER_MAX_MEMORY_PER_CHILD": "0"}) as worker:
        started = time.monotonic()
        uploads = {label: upload(cohort_jabar, organiser_jabar, *build()) for label, (build, _) in HOSTILE.items()}
        wait_until(
            lambda: not Upload.objects.filter(state="validating").exists(),
            timeout=120,
            message="hostile files still being checked",
        )
        elapsed, peak = time.monotonic() - started, pool_peak_mb(worker)
    print(f"\n{len(uploads)} hostile files failed in {elapsed:.1f} s; the pool process peaked at {peak:.0f} MB")
    for label, (_, expected) in HOSTILE.items():
        uploads[label].refresh_from_db()
        assert (uploads[label].state, expected in uploads[label].error) == ("failed", True), label
    assert peak < 400  # a pool process with Django loaded is about 100 MB; the bomb took 3 GB


def test_an_upload_that_kills_its_worker_twice_ends_failed_with_a_message(organiser_jabar, cohort_jabar) -> None:
    with running_worker(queues="batch", concurrency=1, extra_args=HOOKS, env={"LITERASI_TEST_READ": "kill"}) as worker:
        killer = upload(cohort_jabar, organiser_jabar, *HOSTILE["NUL byte"][0]())
        wait_until(lambda: state(killer) != "validating", timeout=120, message="the upload is still being checked")
        log = worker.output()
    assert killer.state == "failed" and "menghentikan pemroses sebanyak 2 kali" in killer.error
    assert log.count("exited with 'signal 9 (SIGKILL)'") == 2, log  # two deliveries died; the third was given up


def test_an_upload_over_the_time_limit_ends_failed_with_a_message(monkeypatch, organiser_jabar, cohort_jabar) -> None:
    with running_worker(queues="batch", concurrency=1, extra_args=HOOKS, env={"LITERASI_TEST_READ": "sleep:20"}) as w:
        monkeypatch.setattr(tasks.upload_check_task, "delay", lambda upload_id: None)
        slow = upload(cohort_jabar, organiser_jabar, csv_file(GOOD_CSV).read(), "lambat.csv")
        # Sent as upload_enqueue sends it, with a soft time limit of one second (which travels
        # with the message) instead of fifteen minutes.
        tasks.upload_check_task.apply_async(args=[slow.pk], soft_time_limit=1)
        wait_until(lambda: state(slow) != "validating", timeout=60, message="the upload is still being checked")
        log = w.output()
    assert slow.state == "failed" and "melebihi batas waktu" in slow.error, log


def procfile_workers() -> list[dict]:
    """The workers `make run` starts (Procfile.dev), as WorkerProcess arguments."""
    workers = []
    for line in (ROOT / "Procfile.dev").read_text().splitlines():
        args = shlex.split(line.partition(":")[2])
        if args[:1] == ["celery"] and "worker" in args:
            queues, concurrency = args[args.index("--queues") + 1], int(args[args.index("--concurrency") + 1])
            workers.append({"queues": queues, "concurrency": concurrency})
    return workers


def test_on_the_default_setup_a_quiz_is_graded_while_imports_run(tmp_path, organiser_jabar, cohort_jabar) -> None:
    gate = tmp_path / "imports-may-finish"
    quiz = quiz_with_questions(course_with_lessons(1, slug="kursus-kuis"), count=2)
    learner = UserFactory.create()
    finish_lessons(enrolment_create(user=learner, course=quiz.course))
    with ExitStack() as workers:
        for options in procfile_workers():
            workers.enter_context(
                running_worker(**options, extra_args=HOOKS, env={"LITERASI_TEST_READ": f"gate:{gate}"})
            )
        imports = [upload(cohort_jabar, organiser_jabar, csv_file(GOOD_CSV).read(), f"{n}.csv") for n in range(3)]
        wait_until(
            lambda: Upload.objects.filter(started_at__isnull=False).exists(),
            timeout=30,
            message="no import was started",
        )
        attempt = quiz_services.attempt_start(user=learner, quiz=quiz)
        quiz_services.attempt_submit(attempt=attempt, answers=right_answers(attempt))
        wait_until(
            lambda: Attempt.objects.filter(pk=attempt.pk, state=Attempt.State.GRADED).exists(),
            timeout=60,
            message="the quiz was not graded while imports ran",
        )
        assert Upload.objects.filter(pk__in=[i.pk for i in imports], state="validating").count() == 3
        gate.touch()
        wait_until(lambda: Upload.objects.filter(state="ready").count() == 3, timeout=60, message="imports stuck")


@pytest.mark.redis
def test_with_redis_stopped_requests_answer_and_the_work_is_done_once_it_is_back(
    client, organiser_jabar, cohort_jabar
) -> None:
    redis = RedisServer()
    redis.start()
    answered_in: dict[str, float] = {}

    def timed(name: str, request: Callable[[], Response]) -> Response:
        started = time.monotonic()
        response = request()
        answered_in[name] = time.monotonic() - started
        return response

    def until_swept(done, message: str) -> None:
        wait_until(lambda: services.uploads_sweep() and done(), timeout=60, every=0.5, message=message)

    try:
        with broker(redis.url), running_worker(queues="batch", concurrency=1, env={"CELERY_BROKER_URL": redis.url}):
            client.force_login(organiser_jabar)
            redis.stop()
            cohort_url = f"/penyelenggara/angkatan/{cohort_jabar.pk}"
            response = timed("upload", lambda: client.post(f"{cohort_url}/unggah/", {"file": csv_file(GOOD_CSV)}))
            assert response.status_code == 302
            waiting = Upload.objects.get()
            assert (waiting.state, waiting.enqueued_at) == ("validating", None)
            response = timed(
                "invitation",
                lambda: client.post(f"{cohort_url}/peserta/tambah/", {"email": "satu@contoh.go.id", "full_name": "S"}),
            )
            assert response.status_code == 302
            assert Invitation.objects.filter(user__email="satu@contoh.go.id", sent_at=None, enqueued_at=None).exists()

            redis.start()  # a new, empty Redis
            until_swept(lambda: state(waiting) == "ready", "the upload was not checked after the broker came back")
            until_swept(
                lambda: not Invitation.objects.filter(sent_at=None).exists(), "the invitation was not sent after"
            )

            redis.stop()
            response = timed("confirmation", lambda: client.post(f"/penyelenggara/unggahan/{waiting.pk}/konfirmasi/"))
            assert response.status_code == 302 and state(waiting) == "applying"
            redis.start()
            until_swept(lambda: state(waiting) == "applied", "the upload was not applied after the broker came back")
            until_swept(lambda: not Invitation.objects.filter(sent_at=None).exists(), "invitations not sent after")
        assert Invitation.objects.filter(cohort=cohort_jabar).count() == 3  # each participant invited once
    finally:
        redis.stop()
    print(
        "\nwith Redis stopped: " + ", ".join(f"{name} answered in {s * 1000:.0f} ms" for name, s in answered_in.items())
    )
