"""Signing up, verifying the email address, signing in, and the profile it records."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from literasi.models import EmployeeKind, User

from ..factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def signup_data(**overrides: str) -> dict[str, str]:
    data = {
        "email": "Dewi.Lestari@bali.go.id",
        "password1": "Sangat-rahasia-2025",
        "password2": "Sangat-rahasia-2025",
        "full_name": "Dewi Lestari",
        "nip": "19860926 201505 2 001",
        "employee_kind": EmployeeKind.PNS,
        "instansi": "Pemerintah Provinsi Bali",
        "jabatan": "Pranata Komputer",
        "province": "51",
    }
    data.update(overrides)
    return data


def verification_link() -> str:
    assert mail.outbox, "no email was sent"
    return re.search(r"https?://[^/\s]+(/akun/confirm-email/\S+/)", mail.outbox[-1].body).group(1)


def test_signup_records_the_profile_and_sends_a_verification_email_in_indonesian(client) -> None:
    response = client.post("/akun/signup/", signup_data())
    assert response.status_code == 302
    user = User.objects.get(email="dewi.lestari@bali.go.id")
    assert (user.full_name, user.nip, user.province_id, user.instansi, user.jabatan) == (
        "Dewi Lestari",
        "198609262015052001",
        "51",
        "Pemerintah Provinsi Bali",
        "Pranata Komputer",
    )
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "[Literasi] Mohon Konfirmasi Alamat E-mail Anda"
    assert "/akun/confirm-email/" in mail.outbox[0].body
    # Not signed in before the address is verified.
    assert client.get("/penyelenggara/").status_code == 302


def test_the_link_from_the_email_verifies_and_signs_in(client) -> None:
    client.post("/akun/signup/", signup_data())
    link = verification_link()
    assert client.get(link).status_code == 200  # a confirmation page: a GET changes nothing
    response = client.post(link)
    assert response.status_code == 302
    assert client.get("/").context["user"].email == "dewi.lestari@bali.go.id"
    client.post("/akun/logout/")
    assert (
        client.post("/akun/login/", {"login": "dewi.lestari@bali.go.id", "password": "Sangat-rahasia-2025"}).status_code
        == 302
    )
    assert client.get("/").context["user"].is_authenticated


def test_unverified_account_cannot_sign_in(client) -> None:
    client.post("/akun/signup/", signup_data())
    mail.outbox.clear()
    response = client.post("/akun/login/", {"login": "dewi.lestari@bali.go.id", "password": "Sangat-rahasia-2025"})
    assert response.status_code == 302 and "confirm-email" in response["Location"]
    assert not client.get("/").context["user"].is_authenticated


def test_nip_is_optional(client) -> None:
    assert client.post("/akun/signup/", signup_data(nip="", employee_kind=EmployeeKind.OTHER)).status_code == 302
    assert User.objects.get(email="dewi.lestari@bali.go.id").nip is None


def test_a_bad_nip_names_the_rule_and_creates_nothing(client) -> None:
    response = client.post("/akun/signup/", signup_data(nip="198602302015052001"))
    assert response.status_code == 200
    assert "Tanggal lahir pada NIP" in response.content.decode()
    assert not User.objects.exists()
    assert not mail.outbox


def test_a_registered_nip_is_refused_without_saying_whose(client) -> None:
    UserFactory(email="pemilik@contoh.go.id", full_name="Pemilik Asli", nip="198609262015052001")
    response = client.post("/akun/signup/", signup_data())
    html = response.content.decode()
    assert response.status_code == 200
    assert "NIP ini sudah terdaftar" in html
    assert "pemilik" not in html.lower() and "Pemilik Asli" not in html
    assert User.objects.count() == 1


def test_a_registered_email_is_not_revealed_on_the_signup_page(client) -> None:
    UserFactory(email="dewi.lestari@bali.go.id")
    response = client.post("/akun/signup/", signup_data(nip=""))
    # Allauth answers as for a new signup and tells the address's owner by email instead.
    assert response.status_code == 302
    assert User.objects.filter(email="dewi.lestari@bali.go.id").count() == 1
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["dewi.lestari@bali.go.id"]


def test_password_reset_and_change(client) -> None:
    user = UserFactory(email="lupa@contoh.go.id")
    client.post("/akun/password/reset/", {"email": "lupa@contoh.go.id"})
    link = re.search(r"https?://[^/\s]+(/akun/password/reset/key/\S+/)", mail.outbox[-1].body).group(1)
    form_url = client.get(link)["Location"]
    response = client.post(form_url, {"password1": "Kata-sandi-baru-99", "password2": "Kata-sandi-baru-99"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Kata-sandi-baru-99")

    client.force_login(user)
    response = client.post(
        "/akun/password/change/",
        {"oldpassword": "Kata-sandi-baru-99", "password1": "Lain-lagi-2025!", "password2": "Lain-lagi-2025!"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Lain-lagi-2025!")


def test_sign_in_with_wrong_password_is_refused_in_indonesian(client) -> None:
    UserFactory(email="siapa@contoh.go.id")
    response = client.post("/akun/login/", {"login": "siapa@contoh.go.id", "password": "salah"})
    assert response.status_code == 200
    assert "kata sandi yang anda masukkan tidak benar" in response.content.decode()
    response = client.post("/akun/login/", {"login": "siapa@contoh.go.id", "password": PASSWORD})
    assert response.status_code == 302
