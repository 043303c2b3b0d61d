"""A person signs up on a phone-sized screen, verifies by email, signs in and switches language."""

from __future__ import annotations

import pytest
from django.core import mail

from devtools.pages import found

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_up_verify_sign_in_and_switch_language(page) -> None:
    page.goto("/")
    page.get_by_role("link", name="Daftar").first.click()
    page.get_by_label("Email").fill("wayan.sudarma@baliprov.go.id")
    page.get_by_label("Kata sandi:", exact=True).fill("Rahasia-Sekali-2025")
    page.get_by_label("Kata sandi (lagi)").fill("Rahasia-Sekali-2025")
    page.get_by_label("Nama lengkap").fill("I Wayan Sudarma")
    page.get_by_label("NIP (opsional)").fill("19860926 201505 1 001")
    page.get_by_label("Jenis pegawai").select_option(label="Widyaiswara")
    page.get_by_label("Instansi").fill("BPSDM Provinsi Bali")
    page.get_by_label("Jabatan").fill("Widyaiswara Ahli Muda")
    page.get_by_label("Provinsi").select_option(label="Bali")
    page.get_by_role("button", name="Daftar").click()
    page.get_by_role("heading", name="Verifikasi Alamat E-mail Anda").wait_for()

    link = found(r"https?://\S+/akun/confirm-email/\S+/", str(mail.outbox[-1].body), 0)
    page.goto(link)
    page.get_by_role("button", name="Konfirmasi").click()
    page.get_by_role("heading", name="Selamat datang, I").wait_for()

    page.get_by_role("link", name="Keluar").click()
    page.get_by_role("button", name="Keluar").click()  # allauth asks to confirm
    page.get_by_role("link", name="Masuk").first.click()
    page.get_by_label("Email").fill("wayan.sudarma@baliprov.go.id")
    page.get_by_label("Kata sandi:", exact=True).fill("Rahasia-Sekali-2025")
    page.get_by_role("button", name="Masuk").click()
    page.get_by_role("heading", name="Selamat datang, I").wait_for()

    page.get_by_label("Bahasa").select_option("en")
    page.get_by_role("button", name="Ganti").click()
    page.get_by_role("heading", name="Welcome, I").wait_for()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("link", name="Sign out").is_visible()
