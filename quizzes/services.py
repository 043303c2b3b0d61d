"""Every state change about quizzes: content sync, attempts, submission and grading."""

from __future__ import annotations

import datetime as dt
import json
import secrets
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from courses import progress_summary
from courses.content import QUIZ_MINUTES_PER_QUESTION, SLUG, ContentError, CourseSource, QuizSource
from courses.markdown import render_markdown
from courses.models import Course
from courses.selectors import is_enrolled
from courses.services import SyncReport, apply_changes, enrolment_refresh_completion
from literasi.errors import Refusal
from literasi.models import User
from literasi.queueing import publish
from literasi.sql import json_value

from .models import Attempt, Option, Question, Quiz
from .selectors import answer_key_for_version

TRUE_FALSE_OPTIONS = ("Benar", "Salah")

# Load-time rules on a quiz file (content/README.md): the name is what an author reads in the error.
RULE_LESSON = "every question assesses a lesson"
RULE_COVERAGE = "every lesson is assessed"
RULE_POSITION = "right answers are not all in one position"
RULE_COUNT = "multiple-answer questions vary in how many options are right"
RULE_LONGEST = "the right option is not systematically the longest"
# The right option may be the strictly longest in at most half of a quiz's single-choice
# questions (checked from this many such questions up: with fewer, chance decides too much).
LONGEST_CHECKED_FROM = 4
QUIZ_KEYS = {
    "slug", "kind", "title", "description", "order", "pass_mark", "max_attempts", "time_limit_minutes",
    "questions_per_attempt", "show_answers", "required", "questions",
}  # fmt: skip


@dataclass(frozen=True)
class CheckedQuiz:
    """A quiz file that passed every load-time rule: the quiz's fields and its questions."""

    slug: str
    values: dict[str, Any]
    questions: list[dict[str, Any]]


def _broken(path: object, keys: list[str], rule: str, detail: str) -> ContentError:
    which = "question {} breaks" if len(keys) == 1 else "questions {} break"
    return ContentError(f"{path}: {which.format(', '.join(repr(k) for k in keys))} the rule '{rule}': {detail}")


def _quiz_values(source: QuizSource) -> dict[str, Any]:
    d, path = source.data, source.path

    def whole(key: str, default: int | None, *, maximum: int | None = None) -> int | None:
        value = d.get(key, default)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 0 or (maximum and value > maximum):
            raise ContentError(f"{path}: '{key}' must be a whole number{f' up to {maximum}' if maximum else ''}")
        return value

    if "minutes" in d:
        raise ContentError(
            f"{path}: remove 'minutes': a quiz's minutes are computed from the questions it asks "
            f"(see content/README.md)"
        )
    unknown = set(d) - QUIZ_KEYS
    if unknown:
        raise ContentError(f"{path}: unknown keys {', '.join(sorted(unknown))}")
    if not str(d.get("title", "")).strip():
        raise ContentError(f"{path}: a quiz needs a 'title'")
    kind = d.get("kind", Quiz.Kind.EVALUATION)
    if kind not in Quiz.Kind.values:
        raise ContentError(f"{path}: kind must be one of {', '.join(Quiz.Kind.values)}")
    show = d.get("show_answers", Quiz.ShowAnswers.AFTER_LAST_ATTEMPT)
    if show not in Quiz.ShowAnswers.values:
        raise ContentError(f"{path}: show_answers must be one of {', '.join(Quiz.ShowAnswers.values)}")
    values = {
        "kind": kind,
        "title": str(d["title"]).strip(),
        "description": str(d.get("description", "")).strip(),
        "order": whole("order", 0),
        "pass_mark": whole("pass_mark", 70, maximum=100),
        "max_attempts": whole("max_attempts", 3),
        "time_limit_minutes": whole("time_limit_minutes", None) or None,
        "questions_per_attempt": whole("questions_per_attempt", None) or None,
        "show_answers": show,
        "required": bool(d.get("required", True)),
        "is_published": True,
    }
    if kind == Quiz.Kind.PRETEST:
        # Taken once, before the lessons, and never a condition of completion: its score is the
        # starting point of the learner's gain, so it has no pass mark and no second try.
        if d.get("required") or "pass_mark" in d or d.get("max_attempts", 1) != 1:
            raise ContentError(
                f"{path}: a pre-test is taken once and never counts for passing: leave out 'required' and "
                f"'pass_mark', and keep 'max_attempts' at 1"
            )
        values.update(required=False, pass_mark=0, max_attempts=1)
    return values


def _question_sources(source: QuizSource, lesson_slugs: list[str]) -> list[dict[str, Any]]:
    path = source.path
    questions = source.data.get("questions")
    if not isinstance(questions, list) or not questions:
        raise ContentError(f"{path}: a quiz needs a list of 'questions'")
    parsed, keys = [], set()
    for index, q in enumerate(questions, start=1):
        where = f"{path}: question {index}"
        if not isinstance(q, dict):
            raise ContentError(f"{where}: a question is a mapping of fields")
        key = str(q.get("key", ""))
        if not SLUG.match(key):
            raise ContentError(f"{where}: 'key' must be lowercase letters, digits and dashes")
        if key in keys:
            raise ContentError(f"{where}: key {key!r} is used twice")
        keys.add(key)
        where = f"{path}: question {key!r}"
        if q.get("lesson") not in lesson_slugs:
            raise _broken(
                path,
                [key],
                RULE_LESSON,
                f"give 'lesson:' the slug of one of the course's lessons, not {q.get('lesson')!r}",
            )
        kind = q.get("kind")
        if kind not in Question.Kind.values:
            raise ContentError(f"{where}: kind must be one of {', '.join(Question.Kind.values)}")
        if not str(q.get("text", "")).strip():
            raise ContentError(f"{where}: the question has no 'text'")
        if not str(q.get("explanation", "")).strip():
            raise ContentError(f"{where}: the question needs an 'explanation' saying why the right answer is right")
        if kind == Question.Kind.TRUE_FALSE:
            if not isinstance(q.get("answer"), bool):
                raise ContentError(f"{where}: a true_false question gives 'answer: true' or 'answer: false'")
            options = [(TRUE_FALSE_OPTIONS[0], q["answer"]), (TRUE_FALSE_OPTIONS[1], not q["answer"])]
        else:
            raw = q.get("options")
            if not isinstance(raw, list) or len(raw) < 2 or not all(isinstance(o, dict) for o in raw):
                raise ContentError(f"{where}: give at least two 'options'")
            options = [(str(o.get("text", "")).strip(), bool(o.get("correct", False))) for o in raw]
            if any(not text for text, _ in options):
                raise ContentError(f"{where}: every option needs a 'text'")
            if not Question.Kind(kind).right_options_ok(sum(1 for _, ok in options if ok)):
                raise ContentError(
                    f"{where}: a multiple-answer question needs a correct option"
                    if kind == Question.Kind.MULTIPLE
                    else f"{where}: a single-choice question has exactly one correct option"
                )
        parsed.append(
            {
                "key": key,
                "kind": kind,
                "lesson": q["lesson"],
                "order": index,
                "text_md": str(q["text"]).strip(),
                "explanation_md": str(q.get("explanation", "")).strip(),
                "options": options,
            }
        )
    drawn = source.data.get("questions_per_attempt")
    if isinstance(drawn, int) and drawn > len(parsed):
        raise ContentError(f"{path}: questions_per_attempt ({drawn}) is more than the {len(parsed)} questions")
    return parsed


def _check_patterns(path: object, questions: list[dict[str, Any]]) -> None:
    """Refuse a bank that can be passed by pattern rather than knowledge (content/README.md)."""
    for kind in (Question.Kind.SINGLE, Question.Kind.TRUE_FALSE):
        group = [q for q in questions if q["kind"] == kind]
        positions = {next(n for n, (_, ok) in enumerate(q["options"], start=1) if ok) for q in group}
        if len(group) >= 2 and len(positions) == 1:
            detail = (
                f"every right answer is option {positions.pop()}; move some"
                if kind == Question.Kind.SINGLE
                else f"every answer is {'true' if positions.pop() == 1 else 'false'}; make some the other"
            )
            raise _broken(path, [q["key"] for q in group], RULE_POSITION, detail)
    multiple = [q for q in questions if q["kind"] == Question.Kind.MULTIPLE]
    counts = {sum(1 for _, ok in q["options"] if ok) for q in multiple}
    if len(multiple) >= 2 and len(counts) == 1:
        raise _broken(
            path,
            [q["key"] for q in multiple],
            RULE_COUNT,
            f"each has {counts.pop()} right options; vary it from one to all",
        )
    single = [q for q in questions if q["kind"] == Question.Kind.SINGLE]
    longest = []
    for q in single:
        right = next(len(text) for text, ok in q["options"] if ok)
        if all(len(text) < right for text, ok in q["options"] if not ok):
            longest.append(q["key"])
    if len(single) >= LONGEST_CHECKED_FROM and 2 * len(longest) > len(single):
        raise _broken(
            path,
            longest,
            RULE_LONGEST,
            f"the right option is the longest in {len(longest)} of {len(single)} single-choice questions "
            f"(at most half may be)",
        )


def quiz_check(*, source: QuizSource, lesson_slugs: list[str]) -> CheckedQuiz:
    """Check one quiz file against every load-time rule; ContentError names the file, question and rule.

    ``lesson_slugs`` are the course's lessons: each question names the one it assesses, every
    lesson is assessed, and an attempt asks at least one question per lesson.
    """
    values = _quiz_values(source)
    questions = _question_sources(source, lesson_slugs)
    missing = [slug for slug in lesson_slugs if not any(q["lesson"] == slug for q in questions)]
    if missing:
        raise ContentError(
            f"{source.path}: breaks the rule '{RULE_COVERAGE}': no question assesses {', '.join(missing)}"
        )
    drawn = values["questions_per_attempt"] or len(questions)
    if drawn < len(lesson_slugs):
        raise ContentError(
            f"{source.path}: breaks the rule '{RULE_COVERAGE}': questions_per_attempt ({drawn}) is fewer than "
            f"the {len(lesson_slugs)} lessons"
        )
    _check_patterns(source.path, questions)
    values["minutes"] = drawn * QUIZ_MINUTES_PER_QUESTION
    return CheckedQuiz(slug=source.slug, values=values, questions=questions)


def quizzes_check_for_course(*, source: CourseSource) -> list[CheckedQuiz]:
    """Check every quiz file of a course folder; nothing is written (``content_sync`` writes later)."""
    lesson_slugs = [lesson.slug for lesson in source.lessons]
    checked = [quiz_check(source=quiz, lesson_slugs=lesson_slugs) for quiz in source.quizzes]
    if sum(1 for quiz in checked if quiz.values["kind"] == Quiz.Kind.PRETEST) > 1:
        raise ContentError(f"{source.path}: a course has at most one pre-test")
    return checked


def _sync_options(question: Question, options: list[tuple[str, bool]]) -> bool:
    """Update options in place by position, so answers already given keep pointing at them."""
    changed = False
    existing = {o.position: o for o in question.options.all()}
    for position, (text, correct) in enumerate(options, start=1):
        option = existing.pop(position, None)
        if option is None:
            Option.objects.create(question=question, position=position, text=text, is_correct=correct)
            changed = True
        elif option.text != text or option.is_correct != correct:
            option.text, option.is_correct = text, correct
            option.save(update_fields=["text", "is_correct"])
            changed = True
    if existing:
        Option.objects.filter(pk__in=[o.pk for o in existing.values()]).delete()
        changed = True
    return changed


def quiz_key_changed(*, quiz: Quiz) -> None:
    """Record that the quiz's answer key changed, so graders stop using their cached copy.

    Past attempts keep their grades until a regrade (``quiz_regrade``).
    """
    Quiz.objects.filter(pk=quiz.pk).update(key_version=F("key_version") + 1)
    quiz.refresh_from_db(fields=["key_version"])


def question_save_from_admin(*, question: Question) -> None:
    """Render and store an admin-edited question."""
    question.text_html = render_markdown(question.text_md)
    question.explanation_html = render_markdown(question.explanation_md)
    question.save()


def quizzes_sync_for_course(*, course: Course, quizzes: list[CheckedQuiz], report: SyncReport) -> None:
    """Create or update ``course``'s quizzes from their checked files (``quizzes_check_for_course``);
    unpublish the ones whose file is gone.

    Part of ``courses.services.content_sync`` (same transaction), after the course's lessons, which
    the questions point at. Questions removed from a file are unpublished, not deleted, so past
    attempts keep their questions. A changed answer key does not regrade past attempts by itself:
    use the admin's regrade action for that.
    """
    lesson_ids = dict(course.lessons.values_list("slug", "pk"))
    existing = {quiz.slug: quiz for quiz in course.quizzes.all()}
    for checked in quizzes:
        values = dict(checked.values)
        label = f"quiz {course.slug}/{checked.slug}"
        quiz = existing.pop(checked.slug, None)
        created = changed = False
        if quiz is None:
            quiz = Quiz.objects.create(course=course, slug=checked.slug, **values)
            report.created.append(label)
            created = True
        elif apply_changes(quiz, values):
            quiz.save()
            changed = True
        current = {q.key: q for q in quiz.questions.all()}
        key_changed = False
        for source in checked.questions:
            spec = dict(source)
            options = spec.pop("options")
            spec["lesson_id"] = lesson_ids[spec.pop("lesson")]
            spec["text_html"] = render_markdown(spec["text_md"])
            spec["explanation_html"] = render_markdown(spec["explanation_md"])
            spec["is_published"] = True
            question = current.pop(spec["key"], None)
            if question is None:
                question = Question.objects.create(quiz=quiz, **spec)
                changed = True
            else:
                differs = apply_changes(question, spec)
                if differs:
                    question.save(update_fields=differs)
                    changed = True
            if _sync_options(question, options):
                changed = key_changed = True
        stale = [q.pk for q in current.values() if q.is_published]
        if stale:
            Question.objects.filter(pk__in=stale).update(is_published=False)
            changed = True
        if key_changed:
            quiz_key_changed(quiz=quiz)
        if not created:
            if changed:
                report.updated.append(label)
            else:
                report.unchanged += 1
    for quiz in existing.values():
        if quiz.is_published:
            quiz.is_published = False
            quiz.save(update_fields=["is_published", "updated_at"])
            report.unpublished.append(f"quiz {course.slug}/{quiz.slug}")


# --- Attempts ------------------------------------------------------------------------------------

# Answers arriving this long after the deadline still count (network, a slow phone).
GRACE = dt.timedelta(seconds=30)
# A submitted attempt whose grading task was handed to the broker this long ago and is still not
# graded is enqueued again by the sweep (its worker may have died with the message reserved).
REENQUEUE_AFTER = dt.timedelta(minutes=2)


def attempts_used(*, user: User, quiz: Quiz) -> int:
    return Attempt.objects.filter(user=user, quiz=quiz).count()


def draw_per_lesson(questions: list[Question], count: int, rng: secrets.SystemRandom) -> list[Question]:
    """``count`` questions drawn so that every lesson is asked about before any lesson twice.

    Lessons take turns (in a random order) giving one random question each until ``count`` are
    drawn, so an attempt covers every lesson when ``count`` is at least the number of lessons (the
    content loader requires it) and the rest spreads as evenly as the bank allows.
    """
    pools: dict[int | None, list[Question]] = {}
    for question in questions:
        pools.setdefault(question.lesson_id, []).append(question)
    turns = [rng.sample(pool, len(pool)) for pool in pools.values()]
    rng.shuffle(turns)
    drawn: list[Question] = []
    while len(drawn) < count:
        for pool in turns:
            if pool and len(drawn) < count:
                drawn.append(pool.pop())
    return drawn


def attempt_start(*, user: User, quiz: Quiz) -> Attempt:
    """The learner's open attempt at ``quiz``, or a new one with its own drawn and shuffled layout.

    Requires an enrolment in the quiz's course and an attempt left. Safe to repeat: a second
    call (double click, another tab) returns the same open attempt.
    """
    if not quiz.is_published or not is_enrolled(user=user, course_id=quiz.course_id):
        raise Refusal(_("Enrol in the course to take its quizzes."))
    open_attempt = Attempt.objects.filter(user=user, quiz=quiz, state=Attempt.State.IN_PROGRESS).first()
    if open_attempt is not None:
        return open_attempt
    used = attempts_used(user=user, quiz=quiz)
    if quiz.max_attempts and used >= quiz.max_attempts:
        raise Refusal(_("You have used all your attempts at this quiz."))
    if Attempt.objects.filter(user=user, quiz=quiz, passed=True).exists():
        raise Refusal(_("You have already passed this quiz."))

    questions = list(quiz.questions.filter(is_published=True).prefetch_related("options"))
    rng = secrets.SystemRandom()
    if quiz.questions_per_attempt and quiz.questions_per_attempt < len(questions):
        questions = draw_per_lesson(questions, quiz.questions_per_attempt, rng)
    rng.shuffle(questions)
    layout = []
    for question in questions:
        options = [option.pk for option in question.options.all()]
        if question.kind != Question.Kind.TRUE_FALSE:  # "Benar" stays before "Salah"
            rng.shuffle(options)
        layout.append({"q": question.pk, "o": options})
    now = timezone.now()
    deadline = now + dt.timedelta(minutes=quiz.time_limit_minutes) if quiz.time_limit_minutes else None
    try:
        with transaction.atomic():
            return Attempt.objects.create(
                user=user, quiz=quiz, number=used + 1, layout=layout, started_at=now, deadline=deadline
            )
    except IntegrityError:  # another request opened one at the same moment: use that one
        opened = Attempt.objects.filter(user=user, quiz=quiz, state=Attempt.State.IN_PROGRESS).first()
        if opened is None:
            raise Refusal(_("Please try again.")) from None
        return opened


def _clean_answers(attempt: Attempt, answers: dict[str, list[int]]) -> dict[str, list[int]]:
    """Keep only options this attempt showed, under the questions that showed them."""
    allowed = {str(item["q"]): set(item["o"]) for item in attempt.layout}
    return {q: sorted({int(o) for o in chosen} & allowed[q]) for q, chosen in answers.items() if q in allowed}


def attempt_time_is_up(attempt: Attempt, now: dt.datetime | None = None) -> bool:
    return attempt.deadline is not None and (now or timezone.now()) > attempt.deadline + GRACE


@transaction.atomic
def attempt_save_answers(*, attempt: Attempt, answers: dict[str, list[int]]) -> bool:
    """Store answers of an open attempt (the learner may leave and come back).

    Returns False, storing nothing, when the attempt is no longer open or its time is up.
    """
    locked = Attempt.objects.select_for_update().get(pk=attempt.pk)
    if locked.state != Attempt.State.IN_PROGRESS or attempt_time_is_up(locked):
        return False
    locked.answers = {**locked.answers, **_clean_answers(locked, answers)}
    locked.save(update_fields=["answers"])
    attempt.answers = locked.answers
    return True


def attempt_submit(*, attempt: Attempt, answers: dict[str, list[int]] | None = None) -> Attempt:
    """Submit an attempt: store the final answers and mark it submitted in one transaction, then
    hand grading to the broker after the commit.

    Safe to repeat: a double click, a second tab or a replayed request finds the attempt already
    submitted and changes nothing. Answers arriving after the time limit (plus ``GRACE``) are not
    counted (``late`` is set; what was saved before the limit is graded). If the broker is away
    the submission is kept all the same and the sweep enqueues it later.
    """
    with transaction.atomic():
        locked = Attempt.objects.select_for_update().get(pk=attempt.pk)
        if locked.state != Attempt.State.IN_PROGRESS:
            return locked
        now = timezone.now()
        if attempt_time_is_up(locked, now):
            locked.late = answers is not None
        elif answers is not None:
            locked.answers = {**locked.answers, **_clean_answers(locked, answers)}
        locked.state = Attempt.State.SUBMITTED
        locked.submitted_at = now
        locked.save(update_fields=["answers", "state", "submitted_at", "late"])
        transaction.on_commit(lambda: attempt_enqueue_grading(attempt_id=locked.pk), robust=True)
    return locked


def attempt_enqueue_grading(*, attempt_id: int) -> bool:
    """Hand the attempt's grading to the broker and note when (the outbox mark).

    Returns False, leaving the mark empty for the sweep, when the broker cannot be reached: one
    fast try (``literasi.queueing.publish``), so the learner's request is neither failed nor held
    up for it.
    """
    from .tasks import attempt_grade  # the task module imports this one

    if not publish(attempt_grade, attempt_id):
        return False
    Attempt.objects.filter(pk=attempt_id, state=Attempt.State.SUBMITTED).update(grading_enqueued_at=timezone.now())
    return True


@dataclass(frozen=True)
class Submission:
    """What grading reads of an attempt and its quiz (plain data, not a model instance)."""

    attempt_id: int
    state: str
    user_id: int
    course_id: int
    quiz_id: int
    key_version: int
    pass_mark: int
    layout: list[dict[str, Any]]
    answers: dict[str, list[int]]

    @classmethod
    def of(cls, attempt: Attempt) -> Submission:
        quiz = attempt.quiz
        return cls(attempt_id=attempt.pk, state=attempt.state, user_id=attempt.user_id, course_id=quiz.course_id,
                   quiz_id=quiz.pk, key_version=quiz.key_version, pass_mark=quiz.pass_mark, layout=attempt.layout,
                   answers=attempt.answers)  # fmt: skip


@dataclass(frozen=True)
class Grade:
    score: int  # percent
    correct_count: int
    passed: bool
    results: dict[str, dict[str, Any]]  # per question: {"correct": bool, "key": [option ids]}


def _score(submission: Submission) -> Grade:
    """The grade of the submission's answers against its quiz's current answer key."""
    key = answer_key_for_version(submission.quiz_id, submission.key_version)
    results, right = {}, 0
    for item in submission.layout:
        question_id = item["q"]
        chosen = set(submission.answers.get(str(question_id), []))
        correct = key.get(question_id, frozenset())
        ok = bool(chosen) and chosen == correct
        right += ok
        results[str(question_id)] = {"correct": ok, "key": sorted(correct)}
    total = len(submission.layout)
    score = round(100 * right / total) if total else 0
    return Grade(score=score, correct_count=right, passed=score >= submission.pass_mark, results=results)


# Grading reads and writes in SQL: it runs for every submission, and building these statements
# with the ORM cost three times what the database spent running them (bench/grading.py).
_READ_SUBMISSION = """
SELECT a.id, a.state, a.user_id, q.course_id, q.id, q.key_version, q.pass_mark, a.layout, a.answers
FROM quizzes_attempt a JOIN quizzes_quiz q ON q.id = a.quiz_id
WHERE a.id = %(attempt)s
"""
_WRITE_GRADE = """
UPDATE quizzes_attempt
SET state = %(graded)s, graded_at = %(now)s, score = %(score)s, correct_count = %(correct_count)s,
    passed = %(passed)s, results = %(results)s,
    grade_writes = grade_writes + 1, grading_runs = grading_runs + %(grading_run)s
WHERE id = %(attempt)s AND state = %(state)s
"""


def attempt_grade(*, attempt_id: int) -> bool:
    """The grading task's service: grade a submitted attempt, and complete the course if this
    pass was the last requirement.

    Safe to repeat: the grade is written only while the attempt is still ``submitted`` (a second
    delivery of the same task, a worker that died, the sweep: they write nothing). Counts every
    run in ``grading_runs``. Returns True when this call wrote the grade. A missing attempt is
    ignored.
    """
    with connection.cursor() as cursor:
        cursor.execute(_READ_SUBMISSION, {"attempt": attempt_id})
        row = cursor.fetchone()
    if row is None:
        return False
    attempt_id, state, user_id, course_id, quiz_id, key_version, pass_mark, layout, answers = row
    submission = Submission(attempt_id=attempt_id, state=state, user_id=user_id, course_id=course_id, quiz_id=quiz_id,
                            key_version=key_version, pass_mark=pass_mark, layout=json_value(layout), answers=json_value(answers))  # fmt: skip
    if submission.state != Attempt.State.SUBMITTED:
        Attempt.objects.filter(pk=attempt_id).update(grading_runs=F("grading_runs") + 1)
        return False
    return _grade_write(submission, grading_run=True)


def _grade_write(submission: Submission, *, grading_run: bool = False) -> bool:
    """The one path that writes a grade, for grading and regrading alike.

    Scores the submission against its quiz's current answer key and writes the grade if the
    attempt is still in ``submission.state``, counting it in ``grade_writes`` (and, for the
    grading task, in ``grading_runs``); a pass completes the course if that was all it needed,
    in the same transaction. Returns True when the grade was written.
    """
    grade = _score(submission)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            _WRITE_GRADE,
            {"graded": Attempt.State.GRADED, "now": timezone.now(), "score": grade.score,
             "correct_count": grade.correct_count, "passed": grade.passed, "results": json.dumps(grade.results),
             "grading_run": int(grading_run), "attempt": submission.attempt_id, "state": submission.state},
        )  # fmt: skip
        written = cursor.rowcount == 1
        if written and grade.passed:
            enrolment_refresh_completion(user_id=submission.user_id, course_id=submission.course_id)
        if written and (grade.passed or not grading_run):
            # The funnel's "passed the quiz" (and a completion just written, in the same step): a
            # first grade can only add a pass; a regrade can also take one away (this attempt's
            # new grade is already written).
            passed = (
                grade.passed
                or Attempt.objects.filter(
                    user_id=submission.user_id, quiz__course_id=submission.course_id, passed=True
                ).exists()
            )
            progress_summary.record_quiz_result(user_id=submission.user_id, course_id=submission.course_id,
                                                passed=passed)  # fmt: skip
    return written


def attempts_sweep(*, now: dt.datetime | None = None, reenqueue_after: dt.timedelta = REENQUEUE_AFTER) -> dict:
    """The scheduler's safety net, safe to run at any time and as often as wanted:

    - open attempts whose time ran out are submitted with the answers saved before the limit;
    - submitted attempts never handed to the broker (it was away) are enqueued;
    - submitted attempts enqueued more than ``reenqueue_after`` ago and still ungraded (their
      worker died holding the message) are enqueued again; grading twice writes once.
    """
    now = now or timezone.now()
    expired = Attempt.objects.filter(state=Attempt.State.IN_PROGRESS, deadline__lt=now - GRACE)
    expired_attempts = list(expired.order_by("pk")[:1000])
    for attempt in expired_attempts:
        attempt_submit(attempt=attempt)  # which reads the row again, locked
    expired_ids = [attempt.pk for attempt in expired_attempts]
    waiting = (
        Attempt.objects.filter(state=Attempt.State.SUBMITTED)
        .filter(Q(grading_enqueued_at__isnull=True) | Q(grading_enqueued_at__lt=now - reenqueue_after))
        .exclude(pk__in=expired_ids)  # just submitted above: enqueued when that commits
    )
    enqueued = 0
    for attempt_id in waiting.values_list("pk", flat=True)[:5000]:
        if not attempt_enqueue_grading(attempt_id=attempt_id):
            break  # the broker is still away: try again at the next sweep
        enqueued += 1
    return {"expired": len(expired_ids), "enqueued": enqueued}


def quiz_regrade(*, quiz_id: int, batch_size: int = 500) -> int:
    """Grade every graded attempt of a quiz again against its current answer key (after a fix).

    Uses the grading path (``_grade_write``): an attempt whose grade changes is written again
    and a learner who now passes completes the course; a completion is never taken back. Each
    batch is its own transaction, so a large quiz never holds long locks. Returns the number of
    attempts whose grade changed. Safe to repeat.
    """
    changed, last_id = 0, 0
    while True:
        with transaction.atomic():
            batch = list(
                Attempt.objects.select_for_update()
                .select_related("quiz")
                .filter(quiz_id=quiz_id, state=Attempt.State.GRADED, pk__gt=last_id)
                .order_by("pk")[:batch_size]
            )
            if not batch:
                return changed
            for attempt in batch:
                submission = Submission.of(attempt)
                grade = _score(submission)
                if (grade.score, grade.passed, grade.results) != (attempt.score, attempt.passed, attempt.results):
                    changed += _grade_write(submission)
            last_id = batch[-1].pk
