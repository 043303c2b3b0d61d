"""load_content: idempotent, updates edited lessons, unpublishes removed ones, never loses progress."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import CommandError, call_command

from courses.content import ContentError
from courses.models import Course, Enrolment, Lesson, LessonProgress
from courses.services import content_sync, enrolment_create, lesson_complete
from quizzes.models import Option, Question, Quiz

from ..factories import UserFactory

pytestmark = pytest.mark.django_db

SHIPPED = Path(settings.BASE_DIR) / "content"
COURSE = "mengelola-jejak-digital"
FIVE_COURSES = {
    "netralitas-asn-di-ruang-digital", "mengelola-jejak-digital", "proteksi-perangkat-dan-data-digital",
    "menangkal-hoaks-dan-disinformasi", "pelindungan-data-pribadi-layanan-publik",
}  # fmt: skip


@pytest.fixture
def content(tmp_path: Path) -> Path:
    """A private copy of the shipped content to edit."""
    shutil.copytree(SHIPPED, tmp_path / "content", ignore=shutil.ignore_patterns("README.md"))
    return tmp_path / "content"


def lesson_file(root: Path, slug: str) -> Path:
    return next(p for p in (root / COURSE).glob("*.md") if f"slug: {slug}" in p.read_text())


def drop_questions_of(root: Path, lesson: str) -> None:
    for path in (root / COURSE / "quizzes").glob("*.yaml"):
        data = yaml.safe_load(path.read_text())
        data["questions"] = [q for q in data["questions"] if q["lesson"] != lesson]
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))


def test_the_five_courses_load_with_objectives_activities_sources_and_both_quizzes(content: Path) -> None:
    content_sync(root=content)
    courses = {c.slug: c for c in Course.objects.all()}
    assert set(courses) == FIVE_COURSES
    for course in courses.values():
        lessons = list(course.lessons.filter(is_published=True))
        assert len(lessons) == 5, course.slug
        for lesson in lessons:
            assert lesson.objectives and lesson.activities, lesson.slug
            assert lesson.words >= 500 and lesson.sources_html.startswith("<h2>Sumber</h2>"), lesson.slug
            assert "<h2>Sumber</h2>" not in lesson.body_html, lesson.slug  # shown after the activities
        quizzes = {q.kind: q for q in course.quizzes.all()}
        assert set(quizzes) == {Quiz.Kind.PRETEST, Quiz.Kind.EVALUATION}, course.slug
        assert not quizzes[Quiz.Kind.PRETEST].required and quizzes[Quiz.Kind.EVALUATION].required
        for quiz in quizzes.values():
            assert {q.lesson_id for q in quiz.questions.all()} == {lesson.pk for lesson in lessons}, quiz
        quiz_minutes = sum(q.minutes for q in quizzes.values())
        assert course.minutes == sum(lesson.minutes for lesson in lessons) + quiz_minutes
        assert course.jp == course.minutes // 45 >= 1


def test_running_twice_changes_nothing(content: Path) -> None:
    first = content_sync(root=content)
    assert first.created
    snapshot = list(Lesson.objects.values_list("pk", "updated_at"))
    second = content_sync(root=content)
    assert not second.changed
    assert list(Lesson.objects.values_list("pk", "updated_at")) == snapshot


def test_an_edited_file_updates_its_lesson(content: Path) -> None:
    content_sync(root=content)
    path = lesson_file(content, "apa-itu-jejak-digital")
    path.write_text(path.read_text().replace("## Ringkasan", "## Ringkasan\n\nKalimat **baru** dari editor."))
    report = content_sync(root=content)
    assert report.updated == [f"lesson {COURSE}/apa-itu-jejak-digital"]
    lesson = Lesson.objects.get(slug="apa-itu-jejak-digital")
    assert "Kalimat <strong>baru</strong> dari editor." in lesson.body_html


def test_a_removed_lesson_is_unpublished_and_progress_is_kept(content: Path) -> None:
    content_sync(root=content)
    course = Course.objects.get(slug=COURSE)
    learner = UserFactory.create()
    enrolment = enrolment_create(user=learner, course=course)
    removed = Lesson.objects.get(slug="jejak-yang-sulit-dihapus")
    lesson_complete(enrolment=enrolment, lesson_id=removed.pk)
    minutes_before = course.minutes

    lesson_file(content, "jejak-yang-sulit-dihapus").unlink()
    drop_questions_of(content, "jejak-yang-sulit-dihapus")  # a question must assess a lesson of the course
    report = content_sync(root=content)

    assert report.unpublished == [f"lesson {COURSE}/jejak-yang-sulit-dihapus"]
    removed.refresh_from_db()
    assert not removed.is_published
    assert LessonProgress.objects.filter(user=learner, lesson=removed).exists()
    assert Enrolment.objects.filter(user=learner, course=course).exists()
    course.refresh_from_db()
    # The lesson's minutes go, and the pre-test (which asks its whole bank) asks two questions fewer.
    assert course.minutes == minutes_before - removed.minutes - 2

    # Putting the files back publishes the same lesson again, with the learner's progress.
    shutil.copy(lesson_file(SHIPPED, "jejak-yang-sulit-dihapus"), content / COURSE)
    shutil.copytree(SHIPPED / COURSE / "quizzes", content / COURSE / "quizzes", dirs_exist_ok=True)
    content_sync(root=content)
    removed.refresh_from_db()
    assert removed.is_published and removed.progress.filter(user=learner).exists()


def test_a_removed_course_becomes_a_draft(content: Path) -> None:
    content_sync(root=content)
    shutil.rmtree(content / COURSE)
    content_sync(root=content)
    assert Course.objects.get(slug=COURSE).status == Course.Status.DRAFT


def test_a_changed_answer_key_updates_the_option_in_place(content: Path) -> None:
    content_sync(root=content)
    quiz = Quiz.objects.get(course__slug=COURSE, slug="evaluasi-akhir")
    question = quiz.questions.filter(kind=Question.Kind.TRUE_FALSE).order_by("order")[0]
    option_ids = sorted(question.options.values_list("pk", flat=True))
    path = content / COURSE / "quizzes" / "evaluasi-akhir.yaml"
    text = path.read_text()
    marker = f"key: {question.key}"
    head, tail = text.split(marker, 1)
    answer = "answer: true" if "answer: true" in tail.split("- key:")[0] else "answer: false"
    flipped = "answer: false" if answer == "answer: true" else "answer: true"
    path.write_text(head + marker + tail.replace(answer, flipped, 1))
    report = content_sync(root=content)
    assert report.updated == [f"quiz {COURSE}/evaluasi-akhir"]
    assert sorted(question.options.values_list("pk", flat=True)) == option_ids
    assert Option.objects.get(question=question, position=1).is_correct == (flipped == "answer: true")


@pytest.mark.parametrize(
    ("breakage", "message"),
    [
        (lambda root: (root / COURSE / "course.md").write_text("---\ntitle: [tidak ditutup\n---\nIsi"), "course.md"),
        (lambda root: (root / COURSE / "09-tanpa-slug.md").write_text("---\ntitle: T\nminutes: 5\n---\nIsi"), "slug"),
        (lambda root: (root / COURSE / "Catatan.md").write_text("---\nslug: x\n---\nIsi"), "NN-slug.md"),
        (lambda root: (root / COURSE / "quizzes" / "evaluasi-akhir.yaml").write_text("slug: evaluasi-akhir\ntitle: K\n"
                                                                                      "questions: []\n"), "questions"),
    ],
)  # fmt: skip
def test_a_bad_file_is_named_and_nothing_is_written(content: Path, breakage, message: str) -> None:
    content_sync(root=content)
    before = list(Lesson.objects.values_list("pk", "updated_at", "is_published"))
    path = lesson_file(content, "apa-itu-jejak-digital")
    path.write_text(path.read_text().replace("## Ringkasan", "## Ringkasan\n\nPerubahan yang tidak boleh masuk."))
    breakage(content)
    with pytest.raises(ContentError, match=message):
        content_sync(root=content)
    assert list(Lesson.objects.values_list("pk", "updated_at", "is_published")) == before
    assert "Perubahan yang tidak boleh" not in Lesson.objects.get(slug="apa-itu-jejak-digital").body_md


def test_the_command_reports_and_refuses_bad_content(content: Path, capsys) -> None:
    call_command("load_content", str(content))
    call_command("load_content", str(content))
    assert "Nothing changed" in capsys.readouterr().out
    (content / COURSE / "course.md").unlink()
    with pytest.raises(CommandError, match=r"Nothing was changed.*course\.md"):
        call_command("load_content", str(content))


def test_every_file_is_checked_before_anything_is_written(content: Path) -> None:
    """A bad quiz file in the second course: the first course (and everything else) is never
    written, not written and rolled back."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    first, second = sorted(p.name for p in content.iterdir() if p.is_dir())[:2]
    quiz = next((content / second / "quizzes").glob("*.yaml"))
    data = yaml.safe_load(quiz.read_text())
    data["questions"][0]["lesson"] = "tidak-ada"
    quiz.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    with CaptureQueriesContext(connection) as queries, pytest.raises(ContentError, match=quiz.name):
        content_sync(root=content)
    writes = [q["sql"] for q in queries.captured_queries if q["sql"].split()[0] in {"INSERT", "UPDATE", "DELETE"}]
    assert writes == []
    assert not Course.objects.filter(slug=first).exists()
