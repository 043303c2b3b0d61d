"""load_content refuses content that breaks the rules in content/README.md, naming file, question and rule.

Each test starts from a small course that loads, breaks one rule, and checks that the whole load is
refused with a message an author can act on, and that nothing reached the database.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml
from django.db import connection
from django.test.utils import CaptureQueriesContext

from courses.content import ContentError, count_words, read_course, reading_minutes
from courses.models import Course, Lesson
from courses.services import content_sync
from quizzes.models import Question, Quiz

pytestmark = pytest.mark.django_db

BODY = "Teks pelajaran yang dibaca peserta.\n\n## Sumber\n\n- Sumber, 1 Januari 2024.\n"


def lesson_meta(slug: str) -> dict:
    return {
        "slug": slug,
        "title": f"Materi {slug}",
        "objectives": ["Menjelaskan sesuatu."],
        "activities": [{"kind": "case", "title": "Kasus", "minutes": 10, "text": "Analisis kasus ini."}],
    }


def question(key: str, lesson: str, kind: str = "single", right: tuple[int, ...] = (1,), texts=None) -> dict:
    q: dict[str, object] = {
        "key": key,
        "lesson": lesson,
        "kind": kind,
        "text": f"Soal {key}?",
        "explanation": "Karena begitu.",
    }
    if kind == "true_false":
        q["answer"] = right == (1,)
        return q
    texts = texts or ["Pilihan satu", "Pilihan dua", "Pilihan tiga", "Pilihan empat"]
    q["options"] = [{"text": t, **({"correct": True} if n in right else {})} for n, t in enumerate(texts, start=1)]
    return q


GOOD_QUIZ = {
    "slug": "evaluasi-akhir",
    "title": "Evaluasi Akhir",
    "questions": [
        question("q-a", "materi-a", right=(1,)),
        question("q-b", "materi-b", right=(2,)),
        question("q-c", "materi-a", kind="multiple", right=(1,)),
        question("q-d", "materi-b", kind="multiple", right=(1, 3)),
        question("q-e", "materi-a", kind="true_false", right=(1,)),
        question("q-f", "materi-b", kind="true_false", right=(2,)),
    ],
}


def write_course(root: Path, quiz: dict | None = None, lessons: dict[str, dict] | None = None) -> Path:
    folder = root / "kursus-uji"
    (folder / "quizzes").mkdir(parents=True, exist_ok=True)
    (folder / "course.md").write_text("---\nslug: kursus-uji\ntitle: Kursus Uji\nstatus: published\n---\nUraian.\n")
    lessons = lessons or {"materi-a": lesson_meta("materi-a"), "materi-b": lesson_meta("materi-b")}
    for number, (slug, meta) in enumerate(lessons.items(), start=1):
        (folder / f"0{number}-{slug}.md").write_text(f"---\n{yaml.safe_dump(meta, allow_unicode=True)}---\n{BODY}")
    quiz = GOOD_QUIZ if quiz is None else quiz
    (folder / "quizzes" / f"{quiz['slug']}.yaml").write_text(yaml.safe_dump(quiz, allow_unicode=True))
    return folder


def broken_quiz(change) -> dict:
    quiz = copy.deepcopy(GOOD_QUIZ)
    change(quiz["questions"])
    return quiz


def refused(root: Path, *fragments: str) -> str:
    """Load ``root``, expect a refusal naming every fragment, and prove nothing was written."""
    with CaptureQueriesContext(connection) as queries, pytest.raises(ContentError) as error:
        content_sync(root=root)
    writes = [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
    assert writes == []
    assert not Course.objects.filter(slug="kursus-uji").exists()
    for fragment in fragments:
        assert fragment in str(error.value), (fragment, str(error.value))
    return str(error.value)


def test_the_small_course_loads(tmp_path: Path) -> None:
    write_course(tmp_path)
    content_sync(root=tmp_path)
    quiz = Quiz.objects.get(course__slug="kursus-uji")
    assert {q.key: q.lesson.slug if q.lesson else None for q in quiz.questions.select_related("lesson")} == {
        "q-a": "materi-a", "q-b": "materi-b", "q-c": "materi-a", "q-d": "materi-b", "q-e": "materi-a",
        "q-f": "materi-b",
    }  # fmt: skip


def test_right_answers_all_in_one_position_are_refused(tmp_path: Path) -> None:
    def all_first(questions: list[dict]) -> None:
        questions[1] = question("q-b", "materi-b", right=(1,))

    write_course(tmp_path, broken_quiz(all_first))
    refused(
        tmp_path,
        "kursus-uji/quizzes/evaluasi-akhir.yaml",
        "'q-a', 'q-b'",
        "right answers are not all in one position",
        "option 1",
    )


def test_true_false_answers_all_the_same_are_refused(tmp_path: Path) -> None:
    def all_false(questions: list[dict]) -> None:
        questions[4] = question("q-e", "materi-a", kind="true_false", right=(2,))

    write_course(tmp_path, broken_quiz(all_false))
    refused(tmp_path, "evaluasi-akhir.yaml", "'q-e', 'q-f'", "right answers are not all in one position", "false")


def test_multiple_answer_questions_with_the_same_number_of_right_options_are_refused(tmp_path: Path) -> None:
    def both_two(questions: list[dict]) -> None:
        questions[2] = question("q-c", "materi-a", kind="multiple", right=(2, 4))

    write_course(tmp_path, broken_quiz(both_two))
    refused(
        tmp_path,
        "evaluasi-akhir.yaml",
        "'q-c', 'q-d'",
        "multiple-answer questions vary in how many options are right",
        "2 right options",
    )


def test_the_right_option_systematically_the_longest_is_refused(tmp_path: Path) -> None:
    def texts(position: int) -> list[str]:
        short = ["Salah", "Keliru", "Tidak"]
        return [*short[: position - 1], "Jawaban benar yang paling panjang di antara semuanya", *short[position - 1 :]]

    # The right option moves (positions 1 to 4) but is always the longest.
    questions = [
        question(f"q-{n}", "materi-a" if n % 2 else "materi-b", right=(n + 1,), texts=texts(n + 1)) for n in range(4)
    ]
    write_course(tmp_path, {"slug": "evaluasi-akhir", "title": "Evaluasi", "questions": questions})
    message = refused(tmp_path, "evaluasi-akhir.yaml", "the right option is not systematically the longest", "4 of 4")
    assert "'q-0', 'q-1', 'q-2', 'q-3'" in message


def test_a_question_not_tied_to_a_lesson_is_refused(tmp_path: Path) -> None:
    def untied(questions: list[dict]) -> None:
        del questions[3]["lesson"]

    write_course(tmp_path, broken_quiz(untied))
    refused(tmp_path, "evaluasi-akhir.yaml", "question 'q-d'", "every question assesses a lesson")


def test_a_lesson_no_question_assesses_is_refused(tmp_path: Path) -> None:
    lessons = {slug: lesson_meta(slug) for slug in ("materi-a", "materi-b", "materi-c")}
    write_course(tmp_path, lessons=lessons)
    refused(tmp_path, "evaluasi-akhir.yaml", "every lesson is assessed", "materi-c")


@pytest.mark.parametrize(
    ("change", "fragments"),
    [
        (lambda meta: meta.pop("objectives"), ["01-materi-a.md", "a lesson states its learning objectives"]),
        (lambda meta: meta.update(objectives=[]), ["01-materi-a.md", "a lesson states its learning objectives"]),
        (lambda meta: meta.pop("activities"), ["01-materi-a.md", "a lesson has at least one activity"]),
        (lambda meta: meta.update(minutes=25), ["01-materi-a.md", "remove 'minutes'"]),
        (lambda meta: meta["activities"][0].update(minutes=45), ["activity 1", "from 1 to 30"]),
        (lambda meta: meta["activities"][0].update(kind="checklist"), ["activity 1", "at least two 'items'"]),
    ],
)
def test_a_lesson_breaking_a_rule_is_refused(tmp_path: Path, change, fragments: list[str]) -> None:
    meta = lesson_meta("materi-a")
    change(meta)
    write_course(tmp_path, lessons={"materi-a": meta, "materi-b": lesson_meta("materi-b")})
    refused(tmp_path, *fragments)


def test_a_course_text_stating_its_own_time_is_refused(tmp_path: Path) -> None:
    folder = write_course(tmp_path)
    (folder / "course.md").write_text("---\nslug: kursus-uji\ntitle: Kursus Uji\n---\nTotal 135 menit (3 JP).\n")
    refused(tmp_path, "course.md", "'135 menit'")


def test_a_pre_test_that_counts_for_passing_is_refused(tmp_path: Path) -> None:
    write_course(tmp_path, {**GOOD_QUIZ, "slug": "pra-tes", "kind": "pretest", "required": True})
    refused(tmp_path, "pra-tes.yaml", "never counts for passing")


def test_a_bad_quiz_in_the_last_course_leaves_every_course_untouched(tmp_path: Path) -> None:
    """Every file is checked before anything is written: a quiz error is not found halfway."""
    write_course(tmp_path)
    first = tmp_path / "a-kursus-lain"
    (first / "quizzes").mkdir(parents=True)
    (first / "course.md").write_text("---\nslug: a-kursus-lain\ntitle: Kursus Lain\n---\nUraian.\n")
    (first / "01-materi-a.md").write_text(f"---\n{yaml.safe_dump(lesson_meta('materi-a'))}---\n{BODY}")
    (tmp_path / "kursus-uji" / "quizzes" / "evaluasi-akhir.yaml").write_text(
        yaml.safe_dump(broken_quiz(lambda questions: questions[0].pop("lesson")))
    )
    refused(tmp_path, "kursus-uji/quizzes/evaluasi-akhir.yaml", "question 'q-a'")
    assert not Lesson.objects.exists() and not Question.objects.exists()


def test_minutes_are_the_words_at_150_a_minute_plus_the_activities(tmp_path: Path) -> None:
    meta = lesson_meta("materi-a")
    meta["activities"].append({"kind": "reflection", "title": "Refleksi", "minutes": 7, "text": "Tulis."})
    body = "kata " * 440 + "[tautan](https://contoh.go.id/halaman-panjang) rekan-rekan\n\n## Sumber\n\n- " + "x " * 900
    folder = write_course(tmp_path, lessons={"materi-a": meta, "materi-b": lesson_meta("materi-b")})
    path = folder / "01-materi-a.md"
    path.write_text(f"---\n{yaml.safe_dump(meta)}---\n{body}")
    lesson = read_course(folder).lessons[0]
    # 440 + "tautan" + "rekan-rekan" + objective (2) + case title and text (1 + 3) + reflection (1 + 1);
    # the link's address and the list of sources are not read.
    assert lesson.words == 440 + 2 + 2 + 4 + 2 == 450
    assert lesson.minutes == 3 + 10 + 7  # 450 words at 150 a minute, then the activities
    assert count_words("rekan-rekan [x](https://a.b/c-d)") == 2
    assert reading_minutes(74) == reading_minutes(1) == 1 and reading_minutes(225) == 2
