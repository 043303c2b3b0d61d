"""What an app built on courses adds to every course, without courses importing it.

Apps form layers (literasi < courses < quizzes < ...): courses never imports an app above it.
An app that adds something to courses (quizzes: a course's quizzes, their minutes, the rule that
required quizzes are passed, and their place on the course page) implements ``CourseExtension``
and registers it with ``course_extension_register`` in its ``AppConfig.ready()``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from literasi.models import User

    from .content import CourseSource
    from .models import Course
    from .services import SyncReport


class CourseExtension(Protocol):
    def content_check(self, *, source: CourseSource) -> Any:
        """Check this app's files in a course folder against every load-time rule, writing
        nothing; raise ``ContentError`` naming the file. The result goes to ``content_sync``."""

    def content_sync(self, *, course: Course, checked: Any, report: SyncReport) -> None:
        """Write what ``content_check`` returned for ``course`` (inside the sync's transaction)."""

    def course_minutes(self, *, course: Course) -> int:
        """The minutes this app adds to the course's published lessons (a quiz's questions)."""

    def unmet_requirements_sql(self) -> str:
        """What a learner must still do to complete a course, as an SQL query with a row per
        unmet requirement and the named parameters ``%(user)s`` and ``%(course)s``: the course is
        complete only when it returns nothing (quizzes: required quizzes not yet passed)."""

    def course_page(self, *, course: Course, user: User | AnonymousUser) -> dict[str, Any]:
        """What the course page shows from this app, added to its template's context."""


_extensions: list[CourseExtension] = []


def course_extension_register(extension: CourseExtension) -> None:
    """Register ``extension`` (from an ``AppConfig.ready()``); registering it again does nothing."""
    if extension not in _extensions:
        _extensions.append(extension)


def course_extensions() -> list[CourseExtension]:
    return list(_extensions)
