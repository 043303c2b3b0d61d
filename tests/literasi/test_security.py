"""Brute force is slowed on the site's and the admin's login; production refuses unsafe settings."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.conf import settings

from ..factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def wrong_logins(client, url: str, email: str, count: int) -> None:
    for _ in range(count):
        client.post(url, {"login": email, "password": "tebakan-salah", "username": email})


def test_site_login_locks_an_account_after_repeated_failures(client) -> None:
    UserFactory(email="target@contoh.go.id")
    wrong_logins(client, "/akun/login/", "target@contoh.go.id", 5)
    # Even the right password is now refused for a while, with a message saying why.
    response = client.post("/akun/login/", {"login": "target@contoh.go.id", "password": PASSWORD})
    assert response.status_code in (200, 429)
    assert "Terlalu banyak" in response.content.decode()
    assert not client.get("/").context["user"].is_authenticated
    # Another account is not locked by it.
    UserFactory(email="lain@contoh.go.id")
    assert client.post("/akun/login/", {"login": "lain@contoh.go.id", "password": PASSWORD}).status_code == 302


def test_admin_login_goes_through_the_limited_site_login(client, national_admin) -> None:
    # Credentials posted straight to the admin's own form are never checked there...
    response = client.post("/admin/login/", {"username": national_admin.email, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"].startswith("/akun/login/")
    assert not client.get("/").context["user"].is_authenticated
    # ...and guessing through the login the admin sends people to is locked out like any other.
    wrong_logins(client, response["Location"], national_admin.email, 5)
    response = client.post(response["Location"], {"login": national_admin.email, "password": PASSWORD})
    assert "Terlalu banyak" in response.content.decode()
    assert client.get("/admin/").status_code == 302


def test_many_failures_from_one_address_are_slowed_across_accounts(client) -> None:
    for n in range(10):
        client.post("/akun/login/", {"login": f"tebak{n}@contoh.go.id", "password": "x"})
    UserFactory(email="korban@contoh.go.id")
    response = client.post("/akun/login/", {"login": "korban@contoh.go.id", "password": PASSWORD})
    assert "Terlalu banyak" in response.content.decode()


def test_rate_limits_use_a_cache_shared_between_processes() -> None:
    backend = settings.CACHES["default"]["BACKEND"]
    assert backend.endswith(("RedisCache", "FileBasedCache")), backend


def run_settings(env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "LITERASI_ENV", "DEBUG"}}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={**clean, "DJANGO_SETTINGS_MODULE": "literasi.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_production_refuses_to_start_without_a_secret_key() -> None:
    result = run_settings({})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_deploy_check_is_clean() -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env={
            **os.environ,
            "LITERASI_ENV": "production",
            "SECRET_KEY": "a-long-random-production-key-" + "k9Zq" * 12,
            "ALLOWED_HOSTS": "literasi.example.go.id",
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
