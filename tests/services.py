"""Real processes for tests: a Celery worker on the configured broker, a private Redis server."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection

from devtools.net import free_port, port_answers
from literasi.celery import app

from .conftest import service_missing


def test_database_url() -> str:
    """The URL of the test database pytest-django created, for processes outside this one."""
    s = connection.settings_dict
    if s["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{s['NAME']}"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


class WorkerProcess:
    """A `celery worker` subprocess; ``kill()`` sends SIGKILL as a crash would."""

    def __init__(self, *, concurrency: int = 2, queues: str = "grading,batch,exports", env: dict[str, str] | None = None,
                 extra_args: tuple[str, ...] = ()):  # fmt: skip
        self.name = f"test-{uuid.uuid4().hex[:8]}@localhost"
        self.log = tempfile.NamedTemporaryFile(prefix="celery-worker-", suffix=".log", delete=False)  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "--app", "literasi", "worker", "--hostname", self.name,
             "--queues", queues, "--concurrency", str(concurrency), "--pool", "prefork",
             "--without-gossip", "--without-mingle", "--loglevel", "INFO", *extra_args],
            env={**os.environ, "DATABASE_URL": test_database_url(), **(env or {})},
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"worker exited early:\n{self.output()}")
            if app.control.ping(destination=[self.name], timeout=0.5):
                return
        raise RuntimeError(f"worker did not answer within {timeout}s:\n{self.output()}")

    def wait_idle(self, timeout: float = 60) -> None:
        """Until the worker runs and holds no task (twice in a row, half a second apart)."""
        deadline, quiet = time.monotonic() + timeout, 0
        while time.monotonic() < deadline and quiet < 2:
            inspect = app.control.inspect(destination=[self.name], timeout=1)
            busy = [*(inspect.active() or {}).get(self.name, [None]), *(inspect.reserved() or {}).get(self.name, [])]
            quiet = quiet + 1 if not busy else 0
            time.sleep(0.5)
        if quiet < 2:
            raise AssertionError(f"worker still busy after {timeout}s:\n{self.output()}")

    def output(self) -> str:
        return Path(self.log.name).read_text(errors="replace")[-5000:]

    def kill(self) -> None:
        """SIGKILL the whole worker (main process and its pool children)."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, 9)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, 15)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()


@contextmanager
def running_worker(**kwargs: Any) -> Iterator[WorkerProcess]:
    worker = WorkerProcess(**kwargs)
    try:
        worker.wait_ready()
        yield worker
    finally:
        worker.stop()


class RedisServer:
    """A private redis-server on a free port, so a test may stop it without touching the shared one."""

    def __init__(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            service_missing("redis-server is not installed; tests that stop Redis are skipped.")
        self.binary = binary
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while not port_answers(self.port):
            if time.monotonic() > deadline:
                raise RuntimeError("private redis-server did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


def _reset_broker_pools() -> None:
    # Only drop the app's references: kombu keeps one pool per broker URL for the whole process,
    # and closing the default one would leave it closed when the app returns to it.
    # Private attributes, which celery-types does not declare.
    app._pool = None  # type: ignore[attr-defined]
    app.amqp._producer_pool = None  # type: ignore[attr-defined]


@contextmanager
def broker(url: str) -> Iterator[None]:
    """Send this process's tasks to the broker at ``url`` (Redis) for a while, publishing as the
    settings say (giving up at once when it is away)."""

    saved = (app.conf.broker_url, app.conf.broker_transport_options)
    _reset_broker_pools()
    # The worker reads the same key prefix from the environment (bin/test sets one per checkout).
    options = {**settings.REDIS_BROKER_FAIL_FAST_OPTIONS, "visibility_timeout": 3600,
               "global_keyprefix": os.environ.get("CELERY_BROKER_KEY_PREFIX", "")}  # fmt: skip
    app.conf.update(broker_url=url, broker_transport_options=options)
    try:
        yield
    finally:
        _reset_broker_pools()
        app.conf.update(broker_url=saved[0], broker_transport_options=saved[1])


def wait_until(predicate, *, timeout: float, message: str, every: float = 0.1) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(every)
    raise AssertionError(f"{message} (waited {timeout}s)")
