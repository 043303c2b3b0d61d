from __future__ import annotations

import pytest
from django.test import Client

from courses.models import Lesson

from ..factories import course_with_lessons

pytestmark = pytest.mark.django_db


def test_national_admin_edits_a_lesson_and_sees_the_sanitised_preview(client, national_admin) -> None:
    course = course_with_lessons(1)
    lesson = course.lessons.get()
    client.force_login(national_admin)
    url = f"/admin/courses/lesson/{lesson.pk}/change/"
    response = client.post(
        url,
        {"course": course.pk, "title": "Judul Baru", "slug": lesson.slug, "order": 1, "minutes": 30,
         "is_published": "on", "body_md": "## Bagian\n\nTeks **penting**.<script>alert(1)</script>"},
    )  # fmt: skip
    assert response.status_code == 302
    lesson.refresh_from_db()
    assert lesson.body_html == "<h2>Bagian</h2>\n<p>Teks <strong>penting</strong>.</p>"
    course.refresh_from_db()
    assert course.minutes == 30
    html = client.get(url).content.decode()
    assert "<h2>Bagian</h2>" in html and "<script>alert(1)" not in html


def test_organisers_and_learners_cannot_edit_content(client, national_admin, organiser_jabar, learner) -> None:
    course = course_with_lessons(1)
    lesson = course.lessons.get()
    url = f"/admin/courses/lesson/{lesson.pk}/change/"
    client.force_login(national_admin)
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields} | {"title": "Dirusak", "is_published": "on"}
    for person in (organiser_jabar, learner):
        client.force_login(person)
        response = client.post(url, data)
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
        assert Lesson.objects.get(pk=lesson.pk).title != "Dirusak"
    client.force_login(national_admin)
    assert client.post(url, data).status_code == 302  # the same form is a valid edit for an admin
    assert Lesson.objects.get(pk=lesson.pk).title == "Dirusak"


def test_an_edit_reaches_learners_at_once_despite_the_page_cache(
    national_admin, learner, django_capture_on_commit_callbacks
) -> None:
    from courses.services import enrolment_create

    course = course_with_lessons(2)
    lesson = course.lessons.get(slug="materi-1")
    enrolment_create(user=learner, course=course)
    reader, editor = Client(), Client()
    reader.force_login(learner)
    editor.force_login(national_admin)
    url = f"/kursus/{course.slug}/materi/materi-1/"
    assert "Isi materi." in reader.get(url).content.decode()  # now kept
    assert "Isi materi." in reader.get(url).content.decode()  # and served from there

    with django_capture_on_commit_callbacks(execute=True):
        editor.post(
            f"/admin/courses/lesson/{lesson.pk}/change/",
            {"course": course.pk, "title": "Materi 1", "slug": "materi-1", "order": 1, "minutes": 15,
             "is_published": "on", "body_md": "Isi yang **diperbarui**."},
        )  # fmt: skip
    html = reader.get(url).content.decode()
    assert "Isi yang <strong>diperbarui</strong>." in html
    assert '<p class="msg' not in html  # the kept page, not a fresh render for a message

    with django_capture_on_commit_callbacks(execute=True):
        editor.post(
            f"/admin/courses/lesson/{lesson.pk}/change/",
            {"course": course.pk, "title": "Materi 1", "slug": "materi-1", "order": 1, "minutes": 15,
             "body_md": "Isi yang **diperbarui**."},  # no is_published: unpublished
        )  # fmt: skip
    assert reader.get(url).status_code == 404


def test_editing_lessons_inline_on_the_course_updates_its_minutes(client, national_admin) -> None:
    course = course_with_lessons(2)
    lessons = list(course.lessons.order_by("order"))
    client.force_login(national_admin)
    data = {"title": course.title, "slug": course.slug, "summary": "", "pillars": '["aman-digital"]',
            "status": "published", "enrolment": "open", "order": 0, "description_md": "",
            "lessons-TOTAL_FORMS": "2", "lessons-INITIAL_FORMS": "2", "lessons-MIN_NUM_FORMS": "0",
            "lessons-MAX_NUM_FORMS": "1000"}  # fmt: skip
    for n, lesson in enumerate(lessons):
        data |= {f"lessons-{n}-id": lesson.pk, f"lessons-{n}-course": course.pk, f"lessons-{n}-order": lesson.order,
                 f"lessons-{n}-title": lesson.title, f"lessons-{n}-slug": lesson.slug, f"lessons-{n}-minutes": 45,
                 f"lessons-{n}-is_published": "on"}  # fmt: skip
    response = client.post(f"/admin/courses/course/{course.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    course.refresh_from_db()
    assert (course.minutes, course.jp) == (90, 2)
