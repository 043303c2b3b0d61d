"""Learners browse, enrol, read in order, see progress and resume; the wrong person is refused."""

from __future__ import annotations

import pytest

from courses.models import Enrolment, LessonProgress
from courses.services import enrolment_create, lesson_complete

from ..factories import LessonFactory, course_with_lessons, quiz_with_questions

pytestmark = pytest.mark.django_db


@pytest.fixture
def course():
    return course_with_lessons(3, slug="aman-digital", title="Aman Digital")


def lesson_url(course, n: int) -> str:
    return f"/kursus/{course.slug}/materi/materi-{n}/"


def test_catalogue_shows_published_courses_with_jp(client, course) -> None:
    course_with_lessons(2, slug="draf", title="Kursus Draf", status="draft")
    html = client.get("/kursus/").content.decode()
    assert "Aman Digital" in html and "Kursus Draf" not in html
    assert "1 JP" in html and "3 materi" in html


def test_course_page_shows_outline_minutes_and_pillars(client, course) -> None:
    html = client.get("/kursus/aman-digital/").content.decode()
    for n in (1, 2, 3):
        assert f"Materi {n}" in html
    assert "15 menit" in html and "Aman digital" in html and "45 menit belajar" in html


def test_enrol_then_read_in_order_with_progress_and_resume(client, learner, course) -> None:
    client.force_login(learner)
    response = client.post("/kursus/aman-digital/daftar/", follow=True)
    assert response.redirect_chain[-1][0] == lesson_url(course, 1)
    assert "Materi 1 dari 3" in response.content.decode()

    response = client.post(lesson_url(course, 1) + "selesai/")
    assert response["Location"] == lesson_url(course, 2)
    html = client.get(lesson_url(course, 2)).content.decode()
    assert "1 dari 3 materi selesai" in html
    assert f'href="{lesson_url(course, 1)}"' in html and f'href="{lesson_url(course, 3)}"' in html

    # Leaving and coming back: "Lanjutkan belajar" leads to lesson 2, where the learner left.
    assert client.get("/kursus/aman-digital/lanjutkan/")["Location"] == lesson_url(course, 2)
    home = client.get("/").content.decode()
    assert "Lanjutkan belajar" in home and lesson_url(course, 2) in home
    mine = client.get("/kursus/saya/").content.decode()
    assert "Aman Digital" in mine and "1 dari 3 materi selesai" in mine


def test_finishing_the_last_lesson_completes_a_course_without_quizzes(client, learner, course) -> None:
    client.force_login(learner)
    client.post("/kursus/aman-digital/daftar/")
    for n in (1, 2, 3):
        client.post(lesson_url(course, n) + "selesai/")
    enrolment = Enrolment.objects.get(user=learner, course=course)
    assert enrolment.completed_at is not None
    assert "Selesai pada" in client.get("/kursus/aman-digital/").content.decode()
    # Marking a lesson again changes nothing.
    completed_at = enrolment.completed_at
    client.post(lesson_url(course, 2) + "selesai/")
    enrolment.refresh_from_db()
    assert enrolment.completed_at == completed_at
    assert LessonProgress.objects.filter(user=learner).count() == 3


def test_non_enrolled_learner_is_sent_to_enrol_in_an_open_course(client, learner, course) -> None:
    client.force_login(learner)
    response = client.get(lesson_url(course, 1))
    assert response["Location"] == "/kursus/aman-digital/"
    assert client.post(lesson_url(course, 1) + "selesai/")["Location"] == "/kursus/aman-digital/"
    assert not LessonProgress.objects.exists()


def test_closed_course_lessons_do_not_exist_for_non_participants(client, learner, stranger) -> None:
    closed = course_with_lessons(2, slug="angkatan-saja", enrolment="closed")
    client.force_login(stranger)
    assert client.get(f"/kursus/{closed.slug}/materi/materi-1/").status_code == 404
    assert client.post(f"/kursus/{closed.slug}/daftar/").status_code == 302
    assert not Enrolment.objects.filter(user=stranger).exists()
    assert "hanya terbuka bagi peserta angkatan" in client.get(f"/kursus/{closed.slug}/").content.decode()
    # A participant (enrolled by a cohort) reads it.
    Enrolment.objects.create(user=learner, course=closed)
    client.force_login(learner)
    assert client.get(f"/kursus/{closed.slug}/materi/materi-1/").status_code == 200


def test_drafts_and_unpublished_lessons_are_invisible(client, learner, course) -> None:
    draft = course_with_lessons(1, slug="draf", status="draft")
    hidden = LessonFactory.create(course=course, slug="tersembunyi", is_published=False)
    enrolment_create(user=learner, course=course)
    client.force_login(learner)
    assert client.get("/kursus/draf/").status_code == 404
    assert client.get(f"/kursus/{draft.slug}/materi/materi-1/").status_code == 404
    assert client.get(f"/kursus/aman-digital/materi/{hidden.slug}/").status_code == 404


def test_anonymous_visitor_must_sign_in_to_read(client, course) -> None:
    response = client.get(lesson_url(course, 1))
    assert response.status_code == 302 and response["Location"].startswith("/akun/login/")


def test_a_lesson_body_is_never_rendered_from_markdown_on_the_page(client, learner, course) -> None:
    lesson = course.lessons.get(slug="materi-1")
    lesson.body_md, lesson.body_html = "<script>x</script>", "<p>Tersimpan aman.</p>"
    lesson.save()
    enrolment_create(user=learner, course=course)
    client.force_login(learner)
    html = client.get(lesson_url(course, 1)).content.decode()
    assert "Tersimpan aman." in html and "<script>x" not in html


@pytest.mark.parametrize("size", [3, 30])
def test_pages_that_list_make_a_fixed_number_of_queries(client, learner, size, django_assert_num_queries) -> None:
    big = course_with_lessons(size, slug=f"kursus-{size}")
    quiz_with_questions(big)
    for n in range(3):
        course_with_lessons(size, slug=f"lain-{size}-{n}")
    enrolment = enrolment_create(user=learner, course=big)
    for lesson in big.lessons.all()[:2]:
        lesson_complete(enrolment=enrolment, lesson_id=lesson.pk)
    client.force_login(learner)
    client.get(f"/kursus/{big.slug}/materi/materi-2/")  # warm the caches and the last-lesson record
    # Every signed-in page: the user (the session and roles come from the cache).
    with django_assert_num_queries(3):  # + courses, my enrolments
        client.get("/kursus/")
    with django_assert_num_queries(5):  # + course, enrolment with lessons done, quizzes, my attempts
        client.get(f"/kursus/{big.slug}/")
    with django_assert_num_queries(2):  # + enrolment with lessons done (the course's structure is cached)
        client.get(f"/kursus/{big.slug}/materi/materi-2/")
    with django_assert_num_queries(4):  # + enrolments, lessons, progress
        client.get("/kursus/saya/")


def test_a_new_lesson_opens_while_other_processes_still_hold_old_pages(client, learner, course) -> None:
    from courses.selectors import structures
    from courses.services import lesson_save_from_admin

    enrolment_create(user=learner, course=course)
    client.force_login(learner)
    assert client.get(lesson_url(course, 1)).status_code == 200  # structure and page kept
    lesson_save_from_admin(lesson=LessonFactory.build(course=course, slug="materi-4", title="Materi 4", order=4))
    structures.clear()  # what another process sees when its structure expires before its kept pages
    response = client.get(lesson_url(course, 4))
    assert response.status_code == 200 and "Materi 4 dari 4" in response.content.decode()
