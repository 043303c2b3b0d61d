"""Taking a quiz in the browser's terms: pages, the hidden answer key, the result, the wrong person."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from quizzes import services
from quizzes.models import Attempt, Quiz

from .conftest import form_data, right_answers, start

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    monkeypatch.setattr("quizzes.tasks.attempt_grade.apply_async", lambda *a, **kw: None)


def test_course_page_lists_the_quiz_and_its_rules(client, learner, quiz, enrolled) -> None:
    client.force_login(learner)
    html = client.get("/kursus/aman-digital/").content.decode()
    assert "Evaluasi Akhir" in html and "Nilai lulus 70%" in html
    html = client.get(f"/kuis/{quiz.pk}/").content.decode()
    assert "Mulai kuis" in html and "0 dari 3" in html


def test_take_save_leave_resume_and_submit(client, learner, quiz, enrolled) -> None:
    client.force_login(learner)
    attempt = start(client, quiz)
    page = client.get(f"/kuis/percobaan/{attempt.pk}/").content.decode()
    for question in quiz.questions.all():
        assert question.text_html in page
    partial = dict(list(right_answers(attempt).items())[:2])
    response = client.post(f"/kuis/percobaan/{attempt.pk}/", form_data(attempt, partial, "save"))
    assert response["Location"] == f"/kuis/percobaan/{attempt.pk}/"
    # Leave and come back: "Lanjutkan kuis" opens the same attempt with the saved choices checked.
    assert "Lanjutkan kuis" in client.get(f"/kuis/{quiz.pk}/").content.decode()
    assert start(client, quiz).pk == attempt.pk
    page = client.get(f"/kuis/percobaan/{attempt.pk}/").content.decode()
    for q, options in form_data(attempt, partial).items():
        if q.startswith("q_"):
            assert re.search(rf'name="{q}" id="[^"]*" value="{options[0]}" checked', page)
    response = client.post(f"/kuis/percobaan/{attempt.pk}/", form_data(attempt, right_answers(attempt)))
    assert response["Location"] == f"/kuis/percobaan/{attempt.pk}/hasil/"
    html = client.get(response["Location"]).content.decode()
    assert "Sedang dinilai" in html and "htmx.min.js" in html and 'hx-trigger="every 1s"' in html


def test_the_answer_key_never_reaches_the_browser_before_grading(client, learner, quiz, enrolled) -> None:
    client.force_login(learner)
    pages = [client.get("/kursus/aman-digital/"), client.get(f"/kuis/{quiz.pk}/")]
    attempt = start(client, quiz)
    pages.append(client.get(f"/kuis/percobaan/{attempt.pk}/"))
    client.post(f"/kuis/percobaan/{attempt.pk}/", form_data(attempt, right_answers(attempt, wrong=4)))
    pages += [client.get(f"/kuis/percobaan/{attempt.pk}/hasil/"), client.get(f"/kuis/percobaan/{attempt.pk}/status/")]
    for response in pages:
        html = response.content.decode()
        assert "Pembahasan soal" not in html  # no explanation
        assert "is_correct" not in html and "(jawaban yang benar)" not in html
        # Every option of a question is written the same way, right or wrong.
        for question in quiz.questions.all():
            tags = [
                re.sub(r'(id|value|for)="[^"]*"', "", t)
                for t in re.findall(rf'<input[^>]*name="q_{question.pk}"[^>]*>', html)
            ]
            assert len({t.replace(" checked", "") for t in tags}) <= 1
            # Options go out by their place in this attempt's shuffled order, never by database id:
            # every question's options are numbered 0, 1, 2... (ids are unique across questions).
            values = re.findall(rf'<input[^>]*name="q_{question.pk}"[^>]*value="([^"]*)"', html)
            assert sorted(values, key=int) == [str(n) for n in range(len(values))]


def test_result_page_shows_score_and_explanations_after_grading(client, learner, quiz, enrolled) -> None:
    client.force_login(learner)
    attempt = start(client, quiz)
    client.post(f"/kuis/percobaan/{attempt.pk}/", form_data(attempt, right_answers(attempt, wrong=1)))
    services.attempt_grade(attempt_id=attempt.pk)
    html = client.get(f"/kuis/percobaan/{attempt.pk}/status/").content.decode()
    assert "Nilai: 75" in html and "Lulus" in html and "3 dari 4 jawaban benar" in html
    assert "Pembahasan soal 1." in html and "jawaban yang benar" in html
    assert "hx-trigger" not in html  # polling stops


@pytest.mark.parametrize(
    ("rule", "passed", "last", "shown"),
    [
        (Quiz.ShowAnswers.AFTER_ATTEMPT, False, False, True),
        (Quiz.ShowAnswers.AFTER_PASS, False, False, False),
        (Quiz.ShowAnswers.AFTER_PASS, True, False, True),
        (Quiz.ShowAnswers.AFTER_LAST_ATTEMPT, False, False, False),
        (Quiz.ShowAnswers.AFTER_LAST_ATTEMPT, False, True, True),
    ],
)
def test_answers_are_shown_by_the_quizs_rule(client, learner, quiz, enrolled, rule, passed, last, shown) -> None:
    quiz.show_answers, quiz.max_attempts = rule, 1 if last else 3
    quiz.save()
    client.force_login(learner)
    attempt = start(client, quiz)
    client.post(f"/kuis/percobaan/{attempt.pk}/", form_data(attempt, right_answers(attempt, wrong=0 if passed else 4)))
    services.attempt_grade(attempt_id=attempt.pk)
    html = client.get(f"/kuis/percobaan/{attempt.pk}/hasil/").content.decode()
    assert ("Pembahasan soal" in html) is shown


def submit_and_grade(client, quiz, *, wrong: int) -> Attempt:
    attempt = start(client, quiz)
    client.post(f"/kuis/percobaan/{attempt.pk}/", form_data(attempt, right_answers(attempt, wrong=wrong)))
    services.attempt_grade(attempt_id=attempt.pk)
    return attempt


def test_by_default_the_answer_key_waits_for_a_pass(client, learner, quiz, enrolled) -> None:
    client.force_login(learner)
    assert Quiz(course=quiz.course).show_answers == Quiz.ShowAnswers.AFTER_LAST_ATTEMPT
    failed = submit_and_grade(client, quiz, wrong=4)
    # Failed with attempts left: the score, but neither the right answers nor the explanations.
    for url in (f"/kuis/percobaan/{failed.pk}/hasil/", f"/kuis/percobaan/{failed.pk}/status/"):
        html = client.get(url).content.decode()
        assert "Nilai: 0" in html and "Coba lagi" in html
        assert "Pembahasan soal" not in html and "(jawaban yang benar)" not in html
    passed = submit_and_grade(client, quiz, wrong=0)
    html = client.get(f"/kuis/percobaan/{passed.pk}/hasil/").content.decode()
    assert "Pembahasan soal 1." in html and "(jawaban yang benar)" in html


def test_by_default_the_answer_key_is_shown_after_the_last_attempt(client, learner, quiz, enrolled) -> None:
    client.force_login(learner)
    first, second = submit_and_grade(client, quiz, wrong=4), submit_and_grade(client, quiz, wrong=4)
    for attempt in (first, second):
        assert "Pembahasan soal" not in client.get(f"/kuis/percobaan/{attempt.pk}/hasil/").content.decode()
    last = submit_and_grade(client, quiz, wrong=4)  # the third of three
    html = client.get(f"/kuis/percobaan/{last.pk}/hasil/").content.decode()
    assert "Pembahasan soal 1." in html and "(jawaban yang benar)" in html
    assert "Coba lagi" not in html


def test_a_quiz_may_keep_showing_the_key_after_every_attempt(client, learner, quiz, enrolled) -> None:
    quiz.show_answers = Quiz.ShowAnswers.AFTER_ATTEMPT
    quiz.save()
    client.force_login(learner)
    failed = submit_and_grade(client, quiz, wrong=4)
    assert "Pembahasan soal 1." in client.get(f"/kuis/percobaan/{failed.pk}/hasil/").content.decode()


def test_the_status_of_an_attempt_in_progress_says_so(client, learner, stranger, quiz, enrolled) -> None:
    client.force_login(learner)
    attempt = start(client, quiz)
    response = client.get(f"/kuis/percobaan/{attempt.pk}/status/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "masih berlangsung" in html and f'href="/kuis/percobaan/{attempt.pk}/"' in html
    assert "None" not in html and "Nilai:" not in html and "hx-trigger" not in html
    client.force_login(stranger)
    assert client.get(f"/kuis/percobaan/{attempt.pk}/status/").status_code == 404


def test_a_double_submit_yields_one_submission(client, learner, quiz, enrolled) -> None:
    client.force_login(learner)
    attempt = start(client, quiz)
    first = client.post(f"/kuis/percobaan/{attempt.pk}/", form_data(attempt, right_answers(attempt)))
    second = client.post(f"/kuis/percobaan/{attempt.pk}/", form_data(attempt, right_answers(attempt, wrong=4)))
    assert first["Location"] == second["Location"] == f"/kuis/percobaan/{attempt.pk}/hasil/"
    attempt.refresh_from_db()
    assert Attempt.objects.filter(user=learner).count() == 1 and attempt.answers == right_answers(attempt)


def test_a_late_submission_is_told_so(client, learner, quiz, enrolled) -> None:
    quiz.time_limit_minutes = 1
    quiz.save()
    client.force_login(learner)
    attempt = start(client, quiz)
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - dt.timedelta(minutes=2))
    response = client.post(f"/kuis/percobaan/{attempt.pk}/", form_data(attempt, right_answers(attempt)), follow=True)
    html = response.content.decode()
    assert "batas waktu" in html and "tidak dihitung" in html
    assert Attempt.objects.get(pk=attempt.pk).late


def test_nobody_else_sees_or_touches_an_attempt(client, learner, stranger, quiz, enrolled) -> None:
    client.force_login(learner)
    attempt = start(client, quiz)
    client.force_login(stranger)
    for url in (f"/kuis/percobaan/{attempt.pk}/", f"/kuis/percobaan/{attempt.pk}/hasil/",
                f"/kuis/percobaan/{attempt.pk}/status/"):  # fmt: skip
        assert client.get(url).status_code == 404
    assert client.post(f"/kuis/percobaan/{attempt.pk}/", form_data(attempt, right_answers(attempt))).status_code == 404
    assert Attempt.objects.get(pk=attempt.pk).state == "in_progress"
    # Not enrolled: the quiz itself does not exist for them.
    assert client.get(f"/kuis/{quiz.pk}/").status_code == 404
    assert client.post(f"/kuis/{quiz.pk}/mulai/").status_code == 404
    client.logout()
    assert client.get(f"/kuis/{quiz.pk}/")["Location"].startswith("/akun/login/")


@pytest.mark.parametrize("count", [2, 12])
def test_quiz_pages_make_a_fixed_number_of_queries(client, learner, course, count, django_assert_num_queries) -> None:
    """The same number of queries whether the attempt has 2 questions or 12."""
    from courses.services import enrolment_create

    from ..factories import quiz_with_questions

    quiz = quiz_with_questions(course, count=count)
    enrolment_create(user=learner, course=course)
    client.force_login(learner)
    attempt = start(client, quiz)
    assert len(attempt.layout) == count
    client.get(f"/kuis/percobaan/{attempt.pk}/")
    with django_assert_num_queries(5):  # user, attempt, active enrolment, questions, options
        client.get(f"/kuis/percobaan/{attempt.pk}/")


def test_an_answer_can_be_cleared(client, learner, quiz, enrolled) -> None:
    client.force_login(learner)
    attempt = start(client, quiz)
    client.post(f"/kuis/percobaan/{attempt.pk}/", form_data(attempt, right_answers(attempt), "save"))
    client.post(f"/kuis/percobaan/{attempt.pk}/", {"action": "save"})  # everything unticked
    attempt.refresh_from_db()
    assert all(chosen == [] for chosen in attempt.answers.values())


def test_opening_an_expired_attempt_changes_nothing_until_the_learner_sends_it(client, learner, quiz, enrolled) -> None:
    quiz.time_limit_minutes = 1
    quiz.save()
    client.force_login(learner)
    attempt = start(client, quiz)
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - dt.timedelta(minutes=2))
    page = client.get(f"/kuis/percobaan/{attempt.pk}/").content.decode()
    assert "Batas waktu sudah lewat. Jawaban yang Anda simpan akan dinilai." in page
    assert Attempt.objects.get(pk=attempt.pk).state == "in_progress"  # a GET is only a look
    response = client.post(f"/kuis/percobaan/{attempt.pk}/", {"action": "submit_saved"})
    assert response["Location"] == f"/kuis/percobaan/{attempt.pk}/hasil/"
    attempt.refresh_from_db()
    assert (attempt.state, attempt.late) == ("submitted", False)
