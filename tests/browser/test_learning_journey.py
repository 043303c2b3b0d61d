"""A learner enrols in a launch course on a phone, reads two lessons, leaves, and resumes."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from courses.models import Course
from courses.services import content_sync

from ..factories import UserFactory
from .helpers import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_enrol_read_two_lessons_leave_and_resume(page, browser, live_server) -> None:
    content_sync(root=Path(settings.BASE_DIR) / "content")
    jp = Course.objects.get(slug="proteksi-perangkat-dan-data-digital").jp  # computed from the content
    UserFactory.create(email="rina@kemendagri.go.id", full_name="Rina Marlina")
    sign_in(page, "rina@kemendagri.go.id")

    page.get_by_role("link", name="Kursus", exact=True).click()
    page.get_by_role("link", name="Proteksi Perangkat dan Data Digital").click()
    assert page.get_by_text(f"{jp} JP").first.is_visible()
    page.get_by_role("button", name="Daftar ke kursus ini").click()

    assert page.get_by_text("Materi 1 dari 5").is_visible()
    first_title = page.get_by_role("heading", level=1).inner_text()
    page.get_by_role("button", name="Tandai selesai dan lanjutkan").click()
    assert page.get_by_text("Materi 2 dari 5").is_visible()
    assert page.get_by_text("1 dari 5 materi selesai").is_visible()
    second_title = page.get_by_role("heading", level=1).inner_text()
    assert second_title != first_title
    page.get_by_role("link", name=f"← {first_title}").click()  # back to lesson 1, marked done
    assert page.get_by_text("Anda telah menyelesaikan materi ini.").is_visible()
    page.get_by_role("link", name=f"{second_title} →").click()
    page.get_by_role("button", name="Tandai selesai dan lanjutkan").click()
    third_title = page.get_by_role("heading", level=1).inner_text()

    # Leave: close the browser session entirely, then come back and sign in again.
    page.context.close()
    context = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844})
    page = context.new_page()
    sign_in(page, "rina@kemendagri.go.id")
    assert page.get_by_text("2 dari 5 materi selesai").is_visible()
    page.get_by_role("link", name="Lanjutkan belajar").click()
    assert page.get_by_role("heading", level=1).inner_text() == third_title
    assert page.get_by_text("Materi 3 dari 5").is_visible()
    context.close()
