"""Reading course folders (see content/README.md) into plain data, with errors that name the file.

Nothing here touches the database; ``courses.services.content_sync`` applies what is read.

A lesson's minutes are computed here, never written by hand: the words a learner reads at the
study pace (``READING_WORDS_PER_MINUTE``) plus the minutes of the activities it declares. The pace
and its basis are documented in content/README.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import frontmatter
import yaml

from .markdown import render_markdown
from .models import ActivityKind, Course, Pillar

LESSON_FILE = re.compile(r"^(\d+)-[a-z0-9-]+\.md$")
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

# Study pace for instructional Indonesian text; see content/README.md for why.
READING_WORDS_PER_MINUTE = 150
# An activity is something the learner does in one sitting; longer ones are split.
MAX_ACTIVITY_MINUTES = 30
# A quiz takes a minute per question asked in an attempt: reading it and its options at the study
# pace (50 to 80 words) and choosing.
QUIZ_MINUTES_PER_QUESTION = 1
# A word: letters or digits, with inner hyphens or apostrophes ("rekan-rekan" is one word).
WORD = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*")
# Link and image addresses are not read: "[teks](https://...)" counts only "teks".
LINK_TARGET = re.compile(r"\]\([^)]*\)")
# The lesson's sources: its last "## Sumber" section, shown after the activities.
SOURCES_HEADING = re.compile(r"^## Sumber[ \t]*$", re.MULTILINE)
# The course's time is computed; a course text must not claim one ("135 menit (3 JP)").
STATED_TIME = re.compile(r"\b\d+\s*(?:JP|jam pelajaran|menit)\b", re.IGNORECASE)


class ContentError(ValueError):
    """A content file that cannot be loaded; the message names the file and the problem."""


def count_words(text: str) -> int:
    """Words in Markdown ``text`` as a reader meets them (link addresses left out)."""
    return len(WORD.findall(LINK_TARGET.sub("]", text)))


def reading_minutes(words: int) -> int:
    """Minutes to read ``words`` at the study pace, to the nearest minute (at least one)."""
    return max(1, (words + READING_WORDS_PER_MINUTE // 2) // READING_WORDS_PER_MINUTE)


def split_sources(body_md: str) -> tuple[str, str]:
    """(the lesson's text, its "## Sumber" section): the sources are shown after the activities."""
    matches = list(SOURCES_HEADING.finditer(body_md))
    if not matches:
        return body_md, ""
    start = matches[-1].start()
    return body_md[:start].rstrip() + "\n", body_md[start:].strip() + "\n"


def render_lesson_body(body_md: str) -> tuple[str, str]:
    """(body HTML, sources HTML) for a lesson's Markdown body."""
    text, sources = split_sources(body_md)
    return render_markdown(text), render_markdown(sources) if sources else ""


@dataclass(frozen=True)
class ActivitySource:
    kind: str
    title: str
    minutes: int
    text_md: str
    items: tuple[str, ...] = ()
    discussion_md: str = ""

    @property
    def words(self) -> int:
        return sum(count_words(part) for part in (self.title, self.text_md, *self.items, self.discussion_md))

    def rendered(self) -> dict[str, Any]:
        """The activity as stored on the lesson (``Lesson.activities``)."""
        return {
            "kind": self.kind,
            "title": self.title,
            "minutes": self.minutes,
            "text_html": render_markdown(self.text_md),
            "items": list(self.items),
            "discussion_html": render_markdown(self.discussion_md) if self.discussion_md else "",
        }


@dataclass(frozen=True)
class LessonSource:
    slug: str
    title: str
    order: int
    body_md: str
    path: Path
    objectives: tuple[str, ...] = ()
    activities: tuple[ActivitySource, ...] = ()

    @property
    def words(self) -> int:
        """What the learner reads: objectives, the text (without its list of sources), activities."""
        text, _sources = split_sources(self.body_md)
        return sum(count_words(o) for o in self.objectives) + count_words(text) + sum(a.words for a in self.activities)

    @property
    def minutes(self) -> int:
        """Reading at the study pace plus the activities' own minutes."""
        return reading_minutes(self.words) + sum(a.minutes for a in self.activities)


@dataclass(frozen=True)
class QuizSource:
    slug: str
    data: dict[str, Any]
    path: Path


@dataclass(frozen=True)
class CourseSource:
    slug: str
    title: str
    summary: str
    description_md: str
    pillars: list[str]
    status: str
    enrolment: str
    order: int
    path: Path
    lessons: list[LessonSource] = field(default_factory=list)
    quizzes: list[QuizSource] = field(default_factory=list)


def _require(meta: dict[str, Any], key: str, path: Path, kind: type = str) -> Any:
    value = meta.get(key)
    if value is None or (kind is str and not str(value).strip()):
        raise ContentError(f"{path}: front matter needs '{key}'")
    if kind is int:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ContentError(f"{path}: '{key}' must be a whole number, not {value!r}")
        return value
    return str(value).strip()


def _slug(meta: dict[str, Any], path: Path) -> str:
    slug = _require(meta, "slug", path)
    if not SLUG.match(slug):
        raise ContentError(f"{path}: slug {slug!r} may hold only lowercase letters, digits and dashes")
    return slug


def _read_markdown(path: Path) -> frontmatter.Post:
    try:
        return frontmatter.loads(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise ContentError(f"{path}: cannot read front matter: {error}") from error


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _read_objectives(meta: dict[str, Any], path: Path) -> tuple[str, ...]:
    objectives = meta.get("objectives")
    if not isinstance(objectives, list) or not objectives:
        raise ContentError(
            f"{path}: breaks the rule 'a lesson states its learning objectives': list them under "
            f"'objectives:', one sentence each"
        )
    for number, objective in enumerate(objectives, start=1):
        if not _text(objective):
            raise ContentError(
                f"{path}: objective {number} is not a sentence of text (put it in quotes if it contains ': ')"
            )
    return tuple(_text(o) for o in objectives)


def _read_activity(raw: Any, where: str) -> ActivitySource:
    if not isinstance(raw, dict):
        raise ContentError(f"{where}: an activity is a mapping with kind, title, minutes and text")
    kind = raw.get("kind")
    if kind not in ActivityKind.values:
        raise ContentError(f"{where}: kind must be one of {', '.join(ActivityKind.values)}")
    minutes = raw.get("minutes")
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 1 <= minutes <= MAX_ACTIVITY_MINUTES:
        raise ContentError(f"{where}: 'minutes' must be a whole number from 1 to {MAX_ACTIVITY_MINUTES}")
    for key in ("title", "text"):
        if not _text(raw.get(key)):
            raise ContentError(f"{where}: the activity needs a '{key}'")
    items = raw.get("items", [])
    if kind == ActivityKind.CHECKLIST:
        if not isinstance(items, list) or len(items) < 2 or not all(_text(i) for i in items):
            raise ContentError(f"{where}: a checklist gives at least two 'items' to tick")
    elif items:
        raise ContentError(f"{where}: only a checklist has 'items'")
    unknown = set(raw) - {"kind", "title", "minutes", "text", "items", "discussion"}
    if unknown:
        raise ContentError(f"{where}: unknown keys {', '.join(sorted(unknown))}")
    return ActivitySource(
        kind=kind,
        title=_text(raw["title"]),
        minutes=minutes,
        text_md=str(raw["text"]).strip(),
        items=tuple(_text(i) for i in items),
        discussion_md=_text(raw.get("discussion")),
    )


def _read_activities(meta: dict[str, Any], path: Path) -> tuple[ActivitySource, ...]:
    raw = meta.get("activities")
    if not isinstance(raw, list) or not raw:
        raise ContentError(
            f"{path}: breaks the rule 'a lesson has at least one activity': declare a case, checklist or "
            f"reflection under 'activities:'"
        )
    activities = tuple(_read_activity(a, f"{path}: activity {n}") for n, a in enumerate(raw, start=1))
    if sum(1 for a in activities if a.kind == ActivityKind.REFLECTION) > 1:
        raise ContentError(f"{path}: a lesson has at most one reflection (its answer is kept per lesson)")
    return activities


def read_lesson(path: Path) -> LessonSource:
    match = LESSON_FILE.match(path.name)
    if not match:
        raise ContentError(f"{path}: lesson files are named NN-slug.md")
    post = _read_markdown(path)
    if not post.content.strip():
        raise ContentError(f"{path}: the lesson has no body")
    meta: dict[str, Any] = post.metadata
    slug = _slug(meta, path)
    title = _require(meta, "title", path)
    if "minutes" in meta:
        raise ContentError(
            f"{path}: remove 'minutes': a lesson's minutes are computed from its words and activities "
            f"(see content/README.md)"
        )
    objectives = _read_objectives(meta, path)
    activities = _read_activities(meta, path)
    if not SOURCES_HEADING.search(post.content):
        raise ContentError(f"{path}: breaks the rule 'a lesson cites its sources': end it with a '## Sumber' section")
    return LessonSource(
        slug=slug,
        title=title,
        order=int(match.group(1)),
        body_md=post.content.strip() + "\n",
        path=path,
        objectives=objectives,
        activities=activities,
    )


def read_course(folder: Path) -> CourseSource:
    path = folder / "course.md"
    if not path.exists():
        raise ContentError(f"{folder}: a course folder needs course.md")
    post = _read_markdown(path)
    meta: dict[str, Any] = post.metadata
    pillars = meta.get("pillars") or []
    unknown = [p for p in pillars if p not in Pillar.values]
    if not isinstance(pillars, list) or unknown:
        raise ContentError(f"{path}: unknown pillars {unknown}; use {', '.join(Pillar.values)}")
    status = meta.get("status", Course.Status.DRAFT)
    if status not in Course.Status.values:
        raise ContentError(f"{path}: status must be one of {', '.join(Course.Status.values)}")
    enrolment = meta.get("enrolment", Course.Enrolment.OPEN)
    if enrolment not in Course.Enrolment.values:
        raise ContentError(f"{path}: enrolment must be one of {', '.join(Course.Enrolment.values)}")
    stated = STATED_TIME.search(f"{meta.get('summary', '')}\n{post.content}")
    if stated:
        raise ContentError(
            f"{path}: remove {stated.group(0)!r}: a course's minutes and JP are computed from its lessons and "
            f"quizzes and shown by the platform"
        )
    lessons = [read_lesson(p) for p in sorted(folder.glob("*.md")) if p.name not in {"course.md", "README.md"}]
    seen: dict[str, Path] = {}
    for lesson in lessons:
        if lesson.slug in seen:
            raise ContentError(f"{lesson.path}: slug {lesson.slug!r} is also used by {seen[lesson.slug]}")
        seen[lesson.slug] = lesson.path
    quizzes = []
    for quiz_path in sorted((folder / "quizzes").glob("*.yaml")):
        try:
            data = yaml.safe_load(quiz_path.read_text(encoding="utf-8"))
        except yaml.YAMLError as error:
            raise ContentError(f"{quiz_path}: not valid YAML: {error}") from error
        if not isinstance(data, dict):
            raise ContentError(f"{quiz_path}: a quiz file holds a mapping of fields")
        quizzes.append(QuizSource(slug=_slug(data, quiz_path), data=data, path=quiz_path))
    return CourseSource(
        slug=_slug(meta, path),
        title=_require(meta, "title", path),
        summary=str(meta.get("summary", "")).strip(),
        description_md=post.content.strip() + "\n",
        pillars=list(pillars),
        status=status,
        enrolment=enrolment,
        order=int(meta.get("order", 0)),
        path=folder,
        lessons=lessons,
        quizzes=quizzes,
    )


def read_content(root: Path) -> list[CourseSource]:
    """Every course folder under ``root``; raises ContentError before anything is applied."""
    if not root.is_dir():
        raise ContentError(f"{root}: no such content folder")
    courses = [read_course(folder) for folder in sorted(root.iterdir()) if folder.is_dir()]
    slugs = [c.slug for c in courses]
    duplicates = {s for s in slugs if slugs.count(s) > 1}
    if duplicates:
        raise ContentError(f"{root}: course slugs used twice: {', '.join(sorted(duplicates))}")
    return courses
