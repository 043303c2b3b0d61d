"""Every state change about quizzes: content sync, attempts, submission and grading."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from courses.content import SLUG, ContentError, QuizSource
from courses.markdown import render_markdown
from courses.models import Course

from .models import Option, Question, Quiz

if TYPE_CHECKING:
    from courses.services import SyncReport

TRUE_FALSE_OPTIONS = ("Benar", "Salah")


def _quiz_values(source: QuizSource) -> dict[str, Any]:
    d, path = source.data, source.path

    def whole(key: str, default: int | None, *, maximum: int | None = None) -> int | None:
        value = d.get(key, default)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 0 or (maximum and value > maximum):
            raise ContentError(f"{path}: '{key}' must be a whole number{f' up to {maximum}' if maximum else ''}")
        return value

    if not str(d.get("title", "")).strip():
        raise ContentError(f"{path}: a quiz needs a 'title'")
    show = d.get("show_answers", Quiz.ShowAnswers.AFTER_ATTEMPT)
    if show not in Quiz.ShowAnswers.values:
        raise ContentError(f"{path}: show_answers must be one of {', '.join(Quiz.ShowAnswers.values)}")
    return {
        "title": str(d["title"]).strip(),
        "description": str(d.get("description", "")).strip(),
        "order": whole("order", 0),
        "minutes": whole("minutes", 10),
        "pass_mark": whole("pass_mark", 70, maximum=100),
        "max_attempts": whole("max_attempts", 3),
        "time_limit_minutes": whole("time_limit_minutes", None) or None,
        "questions_per_attempt": whole("questions_per_attempt", None) or None,
        "show_answers": show,
        "required": bool(d.get("required", True)),
        "is_published": True,
    }


def _question_sources(source: QuizSource) -> list[dict[str, Any]]:
    path = source.path
    questions = source.data.get("questions")
    if not isinstance(questions, list) or not questions:
        raise ContentError(f"{path}: a quiz needs a list of 'questions'")
    parsed, keys = [], set()
    for index, q in enumerate(questions, start=1):
        where = f"{path}: question {index}"
        key = str(q.get("key", ""))
        if not SLUG.match(key):
            raise ContentError(f"{where}: 'key' must be lowercase letters, digits and dashes")
        if key in keys:
            raise ContentError(f"{where}: key {key!r} is used twice")
        keys.add(key)
        kind = q.get("kind")
        if kind not in Question.Kind.values:
            raise ContentError(f"{where}: kind must be one of {', '.join(Question.Kind.values)}")
        if not str(q.get("text", "")).strip():
            raise ContentError(f"{where}: the question has no 'text'")
        if kind == Question.Kind.TRUE_FALSE:
            if not isinstance(q.get("answer"), bool):
                raise ContentError(f"{where}: a true_false question gives 'answer: true' or 'answer: false'")
            options = [(TRUE_FALSE_OPTIONS[0], q["answer"]), (TRUE_FALSE_OPTIONS[1], not q["answer"])]
        else:
            raw = q.get("options")
            if not isinstance(raw, list) or len(raw) < 2:
                raise ContentError(f"{where}: give at least two 'options'")
            options = [(str(o.get("text", "")).strip(), bool(o.get("correct", False))) for o in raw]
            if any(not text for text, _ in options):
                raise ContentError(f"{where}: every option needs a 'text'")
            correct = sum(1 for _, ok in options if ok)
            if kind == Question.Kind.SINGLE and correct != 1:
                raise ContentError(f"{where}: a single-choice question has exactly one correct option")
            if kind == Question.Kind.MULTIPLE and correct < 1:
                raise ContentError(f"{where}: a multiple-answer question needs a correct option")
        parsed.append(
            {
                "key": key,
                "kind": kind,
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


def quizzes_sync_for_course(*, course: Course, sources: list[QuizSource], report: SyncReport) -> None:
    """Create or update ``course``'s quizzes from their files; unpublish the ones whose file is gone.

    Part of ``courses.services.content_sync`` (same transaction). Questions removed from a file are
    unpublished, not deleted, so past attempts keep their questions. A changed answer key does
    not regrade past attempts by itself: use the admin's regrade action for that.
    """
    existing = {quiz.slug: quiz for quiz in course.quizzes.all()}
    for source in sources:
        values = _quiz_values(source)
        questions = _question_sources(source)
        label = f"quiz {course.slug}/{source.slug}"
        quiz = existing.pop(source.slug, None)
        changed = False
        if quiz is None:
            quiz = Quiz.objects.create(course=course, slug=source.slug, **values)
            report.created.append(label)
        else:
            for name, value in values.items():
                if getattr(quiz, name) != value:
                    setattr(quiz, name, value)
                    changed = True
            if changed:
                quiz.save()
        current = {q.key: q for q in quiz.questions.all()}
        for spec in questions:
            options = spec.pop("options")
            spec["text_html"] = render_markdown(spec["text_md"])
            spec["explanation_html"] = render_markdown(spec["explanation_md"])
            spec["is_published"] = True
            question = current.pop(spec["key"], None)
            if question is None:
                question = Question.objects.create(quiz=quiz, **spec)
                changed = True
            else:
                differs = [name for name, value in spec.items() if getattr(question, name) != value]
                if differs:
                    for name in differs:
                        setattr(question, name, spec[name])
                    question.save(update_fields=differs)
                    changed = True
            changed = _sync_options(question, options) or changed
        stale = [q.pk for q in current.values() if q.is_published]
        if stale:
            Question.objects.filter(pk__in=stale).update(is_published=False)
            changed = True
        if label not in report.created:
            if changed:
                report.updated.append(label)
            else:
                report.unchanged += 1
    for quiz in existing.values():
        if quiz.is_published:
            quiz.is_published = False
            quiz.save(update_fields=["is_published", "updated_at"])
            report.unpublished.append(f"quiz {course.slug}/{quiz.slug}")
