from __future__ import annotations

import importlib
import os
import shutil
from typing import NoReturn

import pytest
from django.apps import apps as django_apps

from literasi.models import Province, User
from literasi.services import organiser_assign

from .factories import UserFactory

IN_CI = os.environ.get("CI") == "true"


def service_missing(reason: str) -> NoReturn:
    """Skip with the reason printed, except under CI, where a missing service fails the run."""
    if IN_CI:
        pytest.fail(f"CI requires it: {reason}")
    pytest.skip(reason)


def _clear_own_cache() -> None:
    """Clear this checkout's cache entries only: another checkout's test run may share the Redis
    database (bin/test gives each checkout its own key prefix), and Redis's clear() is FLUSHDB."""
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        backend.clear()
        return
    client = backend._cache.get_client(write=True)
    keys = list(client.scan_iter(match=f"{backend.key_prefix}:*", count=1000))
    if keys:
        client.delete(*keys)


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Rate-limit counters and cached structures live in caches: each test starts with none."""
    from courses.selectors import structures
    from quizzes.selectors import answer_key_for_version

    _clear_own_cache()
    structures.clear()
    answer_key_for_version.cache_clear()


@pytest.fixture(autouse=True)
def _provinces_after_flush(request: pytest.FixtureRequest) -> None:
    """Transactional tests flush the database between tests, provinces (a data migration) too."""
    marker = request.node.get_closest_marker("django_db")
    transactional = (marker and marker.kwargs.get("transaction")) or {"transactional_db", "live_server"} & set(
        request.fixturenames
    )
    if transactional:
        request.getfixturevalue("transactional_db")
        migration = importlib.import_module("literasi.migrations.0002_provinces")
        migration.load(django_apps, None)


@pytest.fixture
def jabar(db) -> Province:
    return Province.objects.get(code="32")


@pytest.fixture
def bali(db) -> Province:
    return Province.objects.get(code="51")


@pytest.fixture
def learner(jabar: Province) -> User:
    return UserFactory.create(email="peserta@contoh.go.id", full_name="Siti Rahmawati", province=jabar)


@pytest.fixture
def stranger(bali: Province) -> User:
    """A signed-in person with no role and no business with the thing under test."""
    return UserFactory.create(email="orang.lain@contoh.go.id", full_name="Orang Lain", province=bali)


@pytest.fixture
def organiser_jabar(jabar: Province) -> User:
    user = UserFactory.create(email="penyelenggara.jabar@contoh.go.id", full_name="Agus Setiawan", province=jabar)
    organiser_assign(user=user, province=jabar)
    return user


@pytest.fixture
def organiser_bali(bali: Province) -> User:
    user = UserFactory.create(email="penyelenggara.bali@contoh.go.id", full_name="Made Wirawan", province=bali)
    organiser_assign(user=user, province=bali)
    return user


@pytest.fixture
def national_admin(db) -> User:
    return UserFactory.create(
        email="admin@kominfo.go.id", full_name="Admin Nasional", province_id="31", is_national_admin=True
    )


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(path):
        service_missing("Chromium not found (apt-get install -y chromium); browser tests skipped.")
    return path


@pytest.fixture
def celery_worker(transactional_db):
    """A real worker process on the configured broker, reading the test database."""
    from literasi.celery import app

    from .services import running_worker

    app.control.purge()
    with running_worker() as worker:
        yield worker


@pytest.fixture(scope="session")
def browser(chromium_path: str):
    """Debian's Chromium driven by Playwright (no browser download)."""
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs a loop
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )  # fmt: skip
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844})
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()
