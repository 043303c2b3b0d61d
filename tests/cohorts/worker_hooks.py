"""Loaded into a test's worker (``--include tests.cohorts.worker_hooks``): reading an uploaded
file then misbehaves as the LITERASI_TEST_READ environment variable asks.

- ``kill``: the pool process is killed (SIGKILL) while it reads, as the kernel's OOM killer kills
  a process over its memory limit (which a test cannot provoke portably).
- ``sleep:<seconds>``: reading takes that long (to meet a time limit).
- ``gate:<path>``: reading waits until the file at ``path`` exists (an import that runs until
  the test lets it finish).
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from celery.signals import worker_process_init


@worker_process_init.connect
def _misbehave_when_reading(**kwargs: object) -> None:
    behaviour = os.environ.get("LITERASI_TEST_READ", "")
    if not behaviour:
        return
    from cohorts import services

    read_rows = services.read_rows

    def misbehaving_read_rows(data: bytes, filename: str) -> list:
        if behaviour == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        elif behaviour.startswith("sleep:"):
            time.sleep(float(behaviour.removeprefix("sleep:")))
        elif behaviour.startswith("gate:"):
            gate = Path(behaviour.removeprefix("gate:"))
            while not gate.exists():
                time.sleep(0.05)
        return read_rows(data, filename)

    services.read_rows = misbehaving_read_rows
