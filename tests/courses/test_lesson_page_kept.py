"""The lesson page is kept per variant in each process (literasi/page_shells.py).

These tests prove what a learner would notice if keeping it went wrong: someone else's progress,
a form that is refused, a message shown twice or to someone else, the wrong language or menu.
"""

from __future__ import annotations

import pytest
from django.test import Client

from courses.selectors import structures
from courses.services import enrolment_create, lesson_complete
from devtools.pages import found

from ..factories import course_with_lessons

pytestmark = pytest.mark.django_db

LESSON_2 = "/kursus/aman-digital/materi/materi-2/"


@pytest.fixture
def course():
    return course_with_lessons(3, slug="aman-digital", title="Aman Digital")


def signed_in(user, **kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(user)
    return client


def csrf_token(html: str) -> str:
    return found(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)


def test_each_learner_sees_their_own_progress_and_gets_a_form_that_works(course, learner, stranger) -> None:
    ahead = enrolment_create(user=learner, course=course)
    lesson_complete(enrolment=ahead, lesson_id=course.lessons.get(slug="materi-1").pk)
    enrolment_create(user=stranger, course=course)

    first = signed_in(learner).get(LESSON_2).content.decode()
    assert "1 dari 3 materi selesai" in first

    # The same variant (lesson 2, not done, Indonesian, a learner's menu): the kept page.
    client = signed_in(stranger, enforce_csrf_checks=True)
    html = client.get(LESSON_2).content.decode()
    assert "0 dari 3 materi selesai" in html and "1 dari 3 materi selesai" not in html
    assert learner.full_name not in html and learner.email not in html
    assert csrf_token(html) != csrf_token(first)
    response = client.post(LESSON_2 + "selesai/", {"csrfmiddlewaretoken": csrf_token(html)})
    assert response.status_code == 302 and response["Location"] == "/kursus/aman-digital/materi/materi-3/"
    assert "✓" in client.get(LESSON_2).content.decode()


def normalised(response) -> str:
    html = response.content.decode()
    return html.replace(csrf_token(html), "TOKEN")


@pytest.mark.parametrize("language", ["id", "en"])
@pytest.mark.parametrize("reader", ["learner", "organiser_jabar", "national_admin"])
def test_a_kept_page_is_the_page_a_fresh_render_gives(course, stranger, reader, language, request) -> None:
    reader = request.getfixturevalue(reader)
    for user in (stranger, reader):
        enrolment_create(user=user, course=course)
    # The stranger is ahead: lesson 1 done. The reader has done nothing.
    lesson_complete(enrolment=stranger.enrolments.get(), lesson_id=course.lessons.get(slug="materi-1").pk)
    first, client = signed_in(stranger), signed_in(reader)
    for someone in (first, client):
        someone.post("/i18n/setlang/", {"language": language, "next": "/"})
    first.get(LESSON_2 + "?dari=beranda")

    kept = client.get(LESSON_2 + "?dari=beranda")
    structures.clear()  # the structure, and the pages kept with it
    fresh = client.get(LESSON_2 + "?dari=beranda")
    assert normalised(kept) == normalised(fresh)
    # The language switch returns to the address asked for, not the one the page was kept from.
    assert 'name="next" type="hidden" value="/kursus/aman-digital/materi/materi-2/?dari=beranda"' in normalised(kept)
    other = client.get(LESSON_2 + "?dari=email").content.decode()
    assert 'value="/kursus/aman-digital/materi/materi-2/?dari=email"' in other


def test_a_message_is_shown_once_and_only_to_its_learner(course, learner, stranger) -> None:
    enrolment_create(user=stranger, course=course)
    client = signed_in(learner)
    response = client.post("/kursus/aman-digital/daftar/", follow=True)
    assert "Anda sudah terdaftar. Selamat belajar!" in response.content.decode()
    assert "Anda sudah terdaftar" not in client.get("/kursus/aman-digital/materi/materi-1/").content.decode()
    assert (
        "Anda sudah terdaftar" not in signed_in(stranger).get("/kursus/aman-digital/materi/materi-1/").content.decode()
    )


def test_language_and_role_each_get_their_own_page(course, learner, organiser_jabar, national_admin) -> None:
    for user in (learner, organiser_jabar, national_admin):
        enrolment_create(user=user, course=course)
    english = signed_in(learner)
    english.post("/i18n/setlang/", {"language": "en", "next": LESSON_2})
    assert "Lesson 2 of 3" in english.get(LESSON_2).content.decode()

    indonesian = signed_in(learner).get(LESSON_2).content.decode()
    assert "Materi 2 dari 3" in indonesian and "Lesson 2 of 3" not in indonesian
    assert 'href="/penyelenggara/"' not in indonesian and 'href="/admin/"' not in indonesian
    organiser = signed_in(organiser_jabar).get(LESSON_2).content.decode()
    assert 'href="/penyelenggara/"' in organiser and 'href="/admin/"' not in organiser
    assert 'href="/admin/"' in signed_in(national_admin).get(LESSON_2).content.decode()
    assert 'href="/admin/"' not in signed_in(learner).get(LESSON_2).content.decode()
