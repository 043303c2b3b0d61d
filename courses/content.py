"""Reading course folders (see content/README.md) into plain data, with errors that name the file.

Nothing here touches the database; ``courses.services.content_sync`` applies what is read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import frontmatter
import yaml

from .models import Course, Pillar

LESSON_FILE = re.compile(r"^(\d+)-[a-z0-9-]+\.md$")
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class ContentError(ValueError):
    """A content file that cannot be loaded; the message names the file and the problem."""


@dataclass(frozen=True)
class LessonSource:
    slug: str
    title: str
    order: int
    minutes: int
    body_md: str
    path: Path


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


def read_lesson(path: Path) -> LessonSource:
    match = LESSON_FILE.match(path.name)
    if not match:
        raise ContentError(f"{path}: lesson files are named NN-slug.md")
    post = _read_markdown(path)
    if not post.content.strip():
        raise ContentError(f"{path}: the lesson has no body")
    return LessonSource(
        slug=_slug(post.metadata, path),
        title=_require(post.metadata, "title", path),
        order=int(match.group(1)),
        minutes=_require(post.metadata, "minutes", path, int),
        body_md=post.content.strip() + "\n",
        path=path,
    )


def read_course(folder: Path) -> CourseSource:
    path = folder / "course.md"
    if not path.exists():
        raise ContentError(f"{folder}: a course folder needs course.md")
    post = _read_markdown(path)
    meta = post.metadata
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
