"""The shipped lessons as a learner meets them: objectives first, then the text, the activities and the
sources; a reflection kept for its writer alone; a note in English that the content is Indonesian;
every page of the five courses within the page budget."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from courses.models import Course, LessonReflection
from courses.services import content_sync, enrolment_create
from devtools.pages import BUDGET, found, page_weight, parse, unlabelled_fields

pytestmark = pytest.mark.django_db

SHIPPED = Path(settings.BASE_DIR) / "content"
COURSE = "netralitas-asn-di-ruang-digital"
WITH_REFLECTION = f"/kursus/{COURSE}/materi/mengapa-netralitas-penting/"
WITHOUT_REFLECTION = f"/kursus/{COURSE}/materi/dasar-hukum-netralitas/"


@pytest.fixture
def course() -> Course:
    content_sync(root=SHIPPED)
    return Course.objects.get(slug=COURSE)


def signed_in(user, **kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(user)
    return client


def csrf_token(html: str) -> str:
    return found(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)


def textarea(html: str) -> str:
    return found(r'<textarea id="reflection-text"[^>]*>(.*?)</textarea>', html, flags=re.S)


def test_a_lesson_opens_with_its_objectives_and_ends_with_activities_then_sources(client, learner, course) -> None:
    enrolment_create(user=learner, course=course)
    client.force_login(learner)
    html = client.get(WITHOUT_REFLECTION).content.decode()
    order = [
        html.index("Tujuan pembelajaran"),
        html.index("Menyebutkan undang-undang ASN yang berlaku"),  # an objective
        html.index("Undang-undang ASN: bebas dari pengaruh"),  # the text
        html.index("Analisis kasus:"),
        html.index("Daftar periksa:"),
        html.index("<h2>Sumber</h2>"),
    ]
    assert order == sorted(order)
    assert "Pembahasan (buka setelah Anda mencoba)" in html
    assert unlabelled_fields(html) == []  # every checklist box has its label


def test_a_learner_keeps_their_reflection_and_reads_it_back(learner, course) -> None:
    enrolment_create(user=learner, course=course)
    client = signed_in(learner, enforce_csrf_checks=True)
    html = client.get(WITH_REFLECTION).content.decode()
    assert textarea(html) == ""
    response = client.post(
        WITH_REFLECTION + "refleksi/",
        {"text": "Saya akan <b>menahan</b> diri.", "csrfmiddlewaretoken": csrf_token(html)},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == WITH_REFLECTION + "#refleksi"
    html = response.content.decode()
    assert "Refleksi Anda tersimpan. Hanya Anda yang dapat membacanya." in html
    assert textarea(html) == "Saya akan &lt;b&gt;menahan&lt;/b&gt; diri."
    # Saving again replaces it; the page kept for this variant shows each learner their own words.
    client.post(WITH_REFLECTION + "refleksi/", {"text": "Versi kedua.", "csrfmiddlewaretoken": csrf_token(html)})
    assert textarea(client.get(WITH_REFLECTION).content.decode()) == "Versi kedua."
    assert LessonReflection.objects.get(user=learner).text == "Versi kedua."


def test_no_one_else_reads_or_writes_a_learners_reflection(learner, stranger, course) -> None:
    enrolment_create(user=learner, course=course)
    signed_in(learner).post(WITH_REFLECTION + "refleksi/", {"text": "Catatan pribadi saya."})
    enrolment_create(user=stranger, course=course)
    assert "Catatan pribadi saya." not in signed_in(stranger).get(WITH_REFLECTION).content.decode()


def test_only_an_enrolled_learner_with_a_valid_form_saves_a_reflection(client, learner, stranger, course) -> None:
    url = WITH_REFLECTION + "refleksi/"
    assert client.post(url, {"text": "x"})["Location"].startswith("/akun/login/")
    assert signed_in(stranger).post(url, {"text": "x"})["Location"] == f"/kursus/{COURSE}/"  # not enrolled
    enrolment_create(user=learner, course=course)
    assert signed_in(learner, enforce_csrf_checks=True).post(url, {"text": "x"}).status_code == 403  # no token
    learner_client = signed_in(learner)
    for text, message in [
        ("   ", "Tuliskan refleksi Anda sebelum menyimpannya."),
        ("a" * (LessonReflection.MAX_LENGTH + 1), "Refleksi Anda terlalu panjang: paling banyak 2000 karakter."),
    ]:
        html = learner_client.post(url, {"text": text}, follow=True).content.decode()
        assert message in html
    html = learner_client.post(WITHOUT_REFLECTION + "refleksi/", {"text": "x"}, follow=True).content.decode()
    assert "Materi ini tidak meminta refleksi tertulis." in html
    assert not LessonReflection.objects.exists()


def test_the_english_interface_says_the_content_is_in_indonesian_only(client, learner, course) -> None:
    enrolment_create(user=learner, course=course)
    client.force_login(learner)
    note = "in Indonesian only"
    assert note not in client.get(f"/kursus/{COURSE}/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    for url in ("/kursus/", f"/kursus/{COURSE}/", WITH_REFLECTION):
        html = client.get(url).content.decode()
        assert parse(html).lang == "en" and note in html, url
    assert 'lang="id"' in client.get(WITH_REFLECTION).content.decode()  # the lesson itself is marked Indonesian


def test_every_page_of_the_five_courses_renders_within_the_budget(learner) -> None:
    content_sync(root=SHIPPED)
    client = signed_in(learner)
    courses = list(Course.objects.filter(status=Course.Status.PUBLISHED))
    assert len(courses) == 5
    for course in courses:
        enrolment_create(user=learner, course=course)
        urls = [f"/kursus/{course.slug}/"] + [
            f"/kursus/{course.slug}/materi/{slug}/"
            for slug in course.lessons.filter(is_published=True).values_list("slug", flat=True)
        ]
        urls += [f"/kuis/{pk}/" for pk in course.quizzes.values_list("pk", flat=True)]
        for url in urls:
            response = client.get(url)
            html = response.content.decode()
            assert response.status_code == 200, url
            assert parse(html).external == [], url
            assert page_weight(html) < BUDGET, (url, page_weight(html))
