"""Signing up, verifying the email address, signing in, and the profile it records."""

from __future__ import annotations

import pytest
from django.core import mail

from devtools.pages import found
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
    return found(r"https?://[^/\s]+(/akun/confirm-email/\S+/)", str(mail.outbox[-1].body))


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


def test_a_registered_nip_is_not_revealed_on_the_signup_page(client) -> None:
    owner = UserFactory.create(email="pemilik@contoh.go.id", full_name="Pemilik Asli", nip="198609262015052001")
    fresh = client.post("/akun/signup/", signup_data(email="baru@contoh.go.id", nip="19900101 201501 1 001"))
    mail.outbox.clear()
    client.post("/akun/logout/")
    response = client.post("/akun/signup/", signup_data())
    # The page answers exactly as for a NIP nobody has: no error, on to "check your email".
    assert response.status_code == fresh.status_code == 302
    assert response["Location"] == fresh["Location"]
    # The account is made without the NIP; the NIP stays with its owner.
    assert User.objects.get(email="dewi.lestari@bali.go.id").nip is None
    owner.refresh_from_db()
    assert owner.nip == "198609262015052001" and owner.email == "pemilik@contoh.go.id"
    # The two people concerned are told privately, in Indonesian; neither learns the other's address.
    to_owner = next(m for m in mail.outbox if m.to == ["pemilik@contoh.go.id"])
    assert "mendaftar dengan NIP Anda" in to_owner.subject and "akun Anda tidak berubah" in to_owner.body
    assert "dewi" not in to_owner.body.lower()
    to_signup = [m for m in mail.outbox if m.to == ["dewi.lestari@bali.go.id"]]
    assert any("tanpa NIP" in m.subject for m in to_signup)  # besides the verification email
    assert all("pemilik" not in m.body.lower() for m in to_signup)


def test_signups_from_one_address_are_limited(client) -> None:
    for n in range(5):
        response = client.post("/akun/signup/", signup_data(email=f"coba{n}@contoh.go.id", nip=""))
        assert response.status_code == 302
        client.post("/akun/logout/")
    response = client.post("/akun/signup/", signup_data(email="coba9@contoh.go.id", nip=""))
    assert response.status_code == 429
    assert "Terlalu banyak permintaan" in response.content.decode()
    assert not User.objects.filter(email="coba9@contoh.go.id").exists()
    # Someone at another address signs up as usual.
    other = client.post("/akun/signup/", signup_data(email="lain@contoh.go.id", nip=""), REMOTE_ADDR="198.51.100.7")
    assert other.status_code == 302


def test_a_registered_email_is_not_revealed_on_the_signup_page(client) -> None:
    UserFactory.create(email="dewi.lestari@bali.go.id")
    response = client.post("/akun/signup/", signup_data(nip=""))
    # Allauth answers as for a new signup and tells the address's owner by email instead.
    assert response.status_code == 302
    assert User.objects.filter(email="dewi.lestari@bali.go.id").count() == 1
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["dewi.lestari@bali.go.id"]


def test_password_reset_and_change(client) -> None:
    user = UserFactory.create(email="lupa@contoh.go.id")
    client.post("/akun/password/reset/", {"email": "lupa@contoh.go.id"})
    link = found(r"https?://[^/\s]+(/akun/password/reset/key/\S+/)", str(mail.outbox[-1].body))
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
    UserFactory.create(email="siapa@contoh.go.id")
    response = client.post("/akun/login/", {"login": "siapa@contoh.go.id", "password": "salah"})
    assert response.status_code == 200
    assert "kata sandi yang anda masukkan tidak benar" in response.content.decode()
    response = client.post("/akun/login/", {"login": "siapa@contoh.go.id", "password": PASSWORD})
    assert response.status_code == 302


def test_an_admin_made_with_createsuperuser_is_counted_among_the_registered(monkeypatch) -> None:
    from django.core.management import call_command

    from literasi.models import RegistrationCount
    from literasi.services import registrations_rebuild

    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", PASSWORD)
    call_command("createsuperuser", interactive=False, email="Operator@Komdigi.go.id", full_name="Operator")
    assert User.objects.get(email="operator@komdigi.go.id").is_national_admin
    assert RegistrationCount.objects.get(province_code="", employee_kind=EmployeeKind.OTHER).count == 1
    assert registrations_rebuild() == []  # what the monitoring page shows equals the accounts
