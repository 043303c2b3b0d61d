"""The issuer's name comes from settings (Komdigi by default) in the header, the footer and emails."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.template.loader import render_to_string
from django.test import override_settings

pytestmark = pytest.mark.django_db


def test_the_header_and_footer_name_komdigi_by_default(client) -> None:
    html = client.get("/").content.decode()
    assert 'class="brand"' in html and ">Komdigi</span>" in html
    assert "oleh Kementerian Komunikasi dan Digital (Komdigi)." in html
    assert "Kominfo" not in html


@override_settings(LITERASI_ISSUER_NAME="Kementerian Contoh", LITERASI_ISSUER_SHORT_NAME="Kemcon")
def test_another_issuer_is_a_setting_away(client) -> None:
    html = client.get("/").content.decode()
    assert ">Kemcon</span>" in html and "oleh Kementerian Contoh (Kemcon)." in html
    cohort = SimpleNamespace(
        name="Angkatan 1", course=SimpleNamespace(title="Kursus"), province=SimpleNamespace(name="Bali"),
        start_date=dt.date(2025, 1, 6), end_date=dt.date(2025, 2, 6),
    )  # fmt: skip
    email = render_to_string(
        "cohorts/email/invitation_message.txt",
        {"user": SimpleNamespace(full_name="Made"), "cohort": cohort, "link": "http://x"},
    )
    assert email.rstrip().endswith("Literasi · Kementerian Contoh")


@override_settings(LITERASI_ISSUER_NAME="Kementerian Contoh", LITERASI_ISSUER_SHORT_NAME="Kemcon")
@pytest.mark.parametrize("template", ["nip_taken_signup_message", "nip_taken_owner_message"])
def test_the_emails_about_a_taken_nip_are_signed_by_the_issuer_in_settings(template: str) -> None:
    email = render_to_string(
        f"literasi/email/{template}.txt",
        {"user": SimpleNamespace(full_name="Made"), "password_reset_url": "http://x/reset"},
    )
    assert email.rstrip().endswith("Literasi · Kementerian Contoh")
    assert "Kominfo" not in email
