"""Shared pieces of the benchmarks: a bench database, gunicorn, and an HTTP load generator.

Benchmarks run against the configured services: DATABASE_URL (PostgreSQL when it answers on
127.0.0.1:5432, otherwise the embedded SQLite) in a database of their own, never the platform's.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from devtools.net import free_port, port_answers

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


# On a machine of two or more cores the load generator gets a core of its own, so the bytes it
# reads are not charged to the server under test; the server (and the databases) share the rest.
_CORES = sorted(os.sched_getaffinity(0))
LOADGEN_CPUS = ["taskset", "-c", str(_CORES[-1])] if len(_CORES) > 1 and shutil.which("taskset") else []
SERVER_CPUS = ["taskset", "-c", ",".join(map(str, _CORES[:-1]))] if len(_CORES) > 1 and shutil.which("taskset") else []


def bench_environment() -> dict[str, str]:
    """Production settings (DEBUG off, cached templates, manifest static files) on a bench database."""
    env = dict(os.environ)
    if not env.get("DATABASE_URL"):
        if port_answers(5432):
            env["DATABASE_URL"] = "postgres://postgres@127.0.0.1:5432/literasi_bench"
        else:
            env["DATABASE_URL"] = f"sqlite:///{ROOT / 'var' / 'bench.sqlite3'}"
    if not env.get("REDIS_URL") and port_answers(6379):
        env["REDIS_URL"] = "redis://127.0.0.1:6379/12"
    env.update(
        {
            "LITERASI_ENV": "production",
            "SECRET_KEY": env.get("SECRET_KEY") or "bench-only-secret-key-" + "b" * 40,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "false",
            "BEHIND_TLS_PROXY": "false",
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "GUNICORN_ACCESSLOG": "",
            "LOG_LEVEL": "WARNING",
        }
    )
    return env


def prepare_database(env: dict[str, str]) -> None:
    """The bench database: created if need be, migrated, and holding the launch courses."""
    url = env["DATABASE_URL"]
    if url.startswith("postgres"):
        name = url.rsplit("/", 1)[1]
        admin = url.rsplit("/", 1)[0] + "/postgres"
        code = (
            "import psycopg,sys;c=psycopg.connect(sys.argv[1],autocommit=True);"
            "c.execute('select 1 from pg_database where datname=%s',(sys.argv[2],)).fetchone() "
            "or c.execute('create database \"'+sys.argv[2]+'\"')"
        )
        subprocess.run([PYTHON, "-c", code, admin, name], check=True)
    manage(env, "migrate", "--noinput")
    manage(env, "load_content")


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


class Gunicorn:
    def __init__(self, env: dict[str, str]) -> None:
        self.port = free_port()
        env = {**env, "GUNICORN_BIND": f"127.0.0.1:{self.port}"}
        self.process = subprocess.Popen(
            [*SERVER_CPUS, PYTHON, "-m", "gunicorn", "--config", "gunicorn.conf.py", "literasi.wsgi"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while not port_answers(self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                assert self.process.stderr is not None  # stderr=PIPE above
                raise RuntimeError(f"gunicorn did not start: {self.process.stderr.read().decode()[-2000:]}")
            time.sleep(0.1)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(30)


def load(url: str, *, seconds: int, connections: int, cookie: str = "") -> dict[str, float]:
    """Requests per second and latency percentiles from wrk (Debian's package)."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("The benchmark needs wrk: apt-get install -y wrk")
    args = [*LOADGEN_CPUS, wrk, "-t", "1", "-c", str(connections), "-d", f"{seconds}s", "--latency"]
    if cookie:
        args += ["-H", f"Cookie: {cookie}"]
    out = subprocess.run([*args, url], capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in out:
        raise RuntimeError(f"{url} answered errors under load:\n{out}")

    def found(pattern: str) -> re.Match[str]:
        match = re.search(pattern, out)
        if match is None:
            raise RuntimeError(f"wrk's report has no {pattern!r}:\n{out}")
        return match

    def ms(label: str) -> float:
        value, unit = found(rf"{label}\s+([\d.]+)(us|ms|s)").groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    return {
        "rps": float(found(r"Requests/sec:\s+([\d.]+)").group(1)),
        "p50_ms": ms("50%"),
        "p99_ms": ms("99%"),
    }


def start_worker(env: dict[str, str], *, queue: str, processes: int, name: str) -> subprocess.Popen:
    """A real Celery worker on ``queue`` with ``processes`` prefork processes, in a process group
    of its own (stop it with ``os.killpg``)."""
    return subprocess.Popen(
        [PYTHON, "-m", "celery", "--app", "literasi", "worker", "--queues", queue, "--concurrency",
         str(processes), "--pool", "prefork", "--without-gossip", "--without-mingle", "--loglevel", "WARNING",
         "--hostname", f"{name}-{os.getpid()}@localhost"],
        cwd=ROOT, env=env, start_new_session=True,
    )  # fmt: skip


def compare_with_bare(
    env: dict[str, str],
    *,
    path: str,
    label: str,
    visitor: str,
    rounds: int,
    seconds: int,
    connections: int,
    cookie: str = "",
) -> None:
    """Serve ``path`` and the bare view through the same gunicorn settings, in alternating slices
    under wrk (so drift in the machine's speed falls on both alike), and print both throughputs
    (medians), their ratio against the 60% target and the ratio per round."""
    server = Gunicorn(env)
    urls = {"bare": f"{server.url}/bench/bare", label: f"{server.url}{path}"}
    try:
        for url in urls.values():  # warm both
            load(url, seconds=2, connections=connections, cookie=cookie)
        slices: dict[str, list[dict[str, float]]] = {name: [] for name in urls}
        for _ in range(rounds):
            for name, url in urls.items():
                slices[name].append(load(url, seconds=seconds, connections=connections, cookie=cookie))
    finally:
        server.stop()
    bare, page = (
        {key: statistics.median(s[key] for s in slices[name]) for key in ("rps", "p50_ms", "p99_ms")} for name in urls
    )
    database = env["DATABASE_URL"].split("://")[0]
    print(f"database {database}, cache {'redis' if env.get('REDIS_URL') else 'file'}, "
          f"gunicorn workers {os.environ.get('GUNICORN_WORKERS', (os.cpu_count() or 1) * 2 + 1)}, "
          f"{connections} connections, {rounds} alternating {seconds}s slices per view (medians), "
          f"{visitor}, production settings")  # fmt: skip
    width = max(len("bare Django view"), len(label))
    for name, figures in (("bare Django view", bare), (label, page)):
        print(f"{name:<{width}} : {figures['rps']:8.1f} req/s  p50 {figures['p50_ms']:.1f} ms  "
              f"p99 {figures['p99_ms']:.1f} ms")  # fmt: skip
    per_round = ", ".join(f"{p['rps'] / b['rps']:.0%}" for b, p in zip(slices["bare"], slices[label], strict=True))
    print(
        f"{'ratio':<{width}} : {page['rps'] / bare['rps']:.0%} of the bare view (target >= 60%); per round: {per_round}"
    )


@contextlib.contextmanager
def monitoring_summary_off() -> Iterator[None]:
    """The monitoring summary's ``record_*`` calls made no-ops while inside: what keeping the
    summary costs an event is the difference (bench-grading, bench-dashboard). Needs Django set up."""
    from courses import progress_summary

    real = {name: getattr(progress_summary, name) for name in dir(progress_summary) if name.startswith("record_")}
    for name in real:
        setattr(progress_summary, name, _nothing)
    try:
        yield
    finally:
        for name, call in real.items():
            setattr(progress_summary, name, call)


def _nothing(**kwargs: object) -> None:
    pass
