"""Brute force is slowed on the site's and the admin's login; production refuses unsafe settings."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.test import override_settings

from ..factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def wrong_logins(client, url: str, email: str, count: int) -> None:
    for _ in range(count):
        client.post(url, {"login": email, "password": "tebakan-salah", "username": email})


def test_site_login_locks_an_account_after_repeated_failures(client) -> None:
    UserFactory.create(email="target@contoh.go.id")
    wrong_logins(client, "/akun/login/", "target@contoh.go.id", 5)
    # Even the right password is now refused for a while, with a message saying why.
    response = client.post("/akun/login/", {"login": "target@contoh.go.id", "password": PASSWORD})
    assert response.status_code in (200, 429)
    assert "Terlalu banyak" in response.content.decode()
    assert not client.get("/").context["user"].is_authenticated
    # Another account is not locked by it.
    UserFactory.create(email="lain@contoh.go.id")
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
    UserFactory.create(email="korban@contoh.go.id")
    response = client.post("/akun/login/", {"login": "korban@contoh.go.id", "password": PASSWORD})
    assert "Terlalu banyak" in response.content.decode()


PROXY = "10.0.0.2"  # every request reaches the app from the TLS proxy's address


def via_proxy(client_ip: str, sent_by_client: str = "") -> dict[str, str]:
    """What the app sees of a request the proxy forwarded: its own address, and the client's
    appended to whatever X-Forwarded-For the client sent."""
    forwarded = f"{sent_by_client}, {client_ip}" if sent_by_client else client_ip
    return {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": forwarded}


def login(client, email: str, password: str, **meta: str):
    return client.post("/akun/login/", {"login": email, "password": password}, **meta)


@override_settings(ALLAUTH_TRUSTED_PROXY_COUNT=1)
def test_behind_the_proxy_one_clients_failures_do_not_block_another(client) -> None:
    for n in range(10):
        login(client, f"tebak{n}@contoh.go.id", "x", **via_proxy("203.0.113.5"))
    blocked = login(client, "tebak@contoh.go.id", "x", **via_proxy("203.0.113.5"))
    assert "Terlalu banyak" in blocked.content.decode()
    UserFactory.create(email="korban@contoh.go.id")
    response = login(client, "korban@contoh.go.id", PASSWORD, **via_proxy("198.51.100.7"))
    assert response.status_code == 302


@override_settings(ALLAUTH_TRUSTED_PROXY_COUNT=1)
def test_wrong_passwords_from_elsewhere_do_not_lock_the_owner_out(client) -> None:
    UserFactory.create(email="penyelenggara@contoh.go.id")
    for _ in range(5):
        login(client, "penyelenggara@contoh.go.id", "tebakan-salah", **via_proxy("203.0.113.5"))
    # The attacker's address is locked out of this account, even with the right password...
    attacker = login(client, "penyelenggara@contoh.go.id", PASSWORD, **via_proxy("203.0.113.5"))
    assert "Terlalu banyak" in attacker.content.decode()
    # ...but the owner, signing in from their own address, is not.
    owner = login(client, "penyelenggara@contoh.go.id", PASSWORD, **via_proxy("198.51.100.7"))
    assert owner.status_code == 302


@override_settings(ALLAUTH_TRUSTED_PROXY_COUNT=1)
def test_a_client_cannot_choose_its_address_by_sending_the_header_itself(client) -> None:
    for n in range(10):
        login(client, f"tebak{n}@contoh.go.id", "x", **via_proxy("203.0.113.5", sent_by_client=f"192.0.2.{n}"))
    response = login(client, "tebak@contoh.go.id", "x", **via_proxy("203.0.113.5", sent_by_client="192.0.2.99"))
    assert "Terlalu banyak" in response.content.decode()


def test_without_trusted_proxies_the_header_is_ignored(client) -> None:
    assert settings.ALLAUTH_TRUSTED_PROXY_COUNT == 0  # the default: nothing in front is trusted
    for n in range(10):
        login(client, f"tebak{n}@contoh.go.id", "x", REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    response = login(client, "tebak@contoh.go.id", "x", REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_FOR="192.0.2.99")
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


def test_the_number_of_trusted_proxies_comes_from_the_environment() -> None:
    code = "from django.conf import settings; print(settings.ALLAUTH_TRUSTED_PROXY_COUNT)"
    clean = {k: v for k, v in os.environ.items() if k != "TRUSTED_PROXY_COUNT"}
    for env, expected in (({}, "0"), ({"TRUSTED_PROXY_COUNT": "1"}, "1")):
        result = subprocess.run(
            [sys.executable, "-c", f"import django; django.setup(); {code}"],
            env={**clean, "DJANGO_SETTINGS_MODULE": "literasi.settings", "LITERASI_ENV": "test", **env},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.stdout.strip().splitlines()[-1:] == [expected], result.stderr


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
