"""The monitoring filters (course, year, kind of employee, cohort or self-paced), read from a
page's query or an export request: one parser, so a page and its export are always narrowed
the same way."""

from __future__ import annotations

from collections.abc import Mapping

from django.http import QueryDict
from django.utils.translation import gettext as _

from courses.models import Course
from literasi.models import EmployeeKind

from . import selectors
from .selectors import IN_COHORT, SELF_PACED, Filters


def filters_from(params: Mapping[str, str]) -> tuple[Filters, list[str], dict]:
    """The filters asked for, each unknown value left out with a note saying so (never an error)."""
    courses = list(
        Course.objects.filter(status=Course.Status.PUBLISHED).order_by("order", "title").only("slug", "title", "order")
    )  # not the descriptions (20 KB for the five launch courses)
    years = selectors.years_known()
    notes: list[str] = []
    course = year = kind = mode = None
    if value := params.get("kursus", ""):
        course = next((c for c in courses if c.slug == value), None)
        if course is None:
            notes.append(_("There is no course “%(value)s”: all courses are shown.") % {"value": value})
    if value := params.get("tahun", ""):
        year = int(value) if value.isascii() and value.isdigit() and len(value) <= 4 and int(value) in years else None
        if year is None:
            notes.append(_("There is nothing for the year “%(value)s”: all years are shown.") % {"value": value})
    if value := params.get("jenis", ""):
        kind = value if value in EmployeeKind.values else None
        if kind is None:
            notes.append(_("Unknown kind of employee “%(value)s”: all kinds are shown.") % {"value": value})
    if value := params.get("mode", ""):
        mode = value if value in (SELF_PACED, IN_COHORT) else None
        if mode is None:
            notes.append(_("Unknown choice “%(value)s”: cohorts and self-paced learners are shown.") % {"value": value})
    choices = {"courses": courses, "years": years, "kinds": EmployeeKind.choices, "modes": mode_choices()}
    return Filters(course=course, year=year, kind=kind, mode=mode, published=tuple(courses)), notes, choices


def mode_choices() -> list[tuple[str, str]]:
    return [(IN_COHORT, _("In a cohort")), (SELF_PACED, _("Self-paced"))]


def query_of(filters: Filters) -> str:
    """The filters as a query string (``kursus=…&tahun=…``), the form ``filters_from`` reads."""
    query = QueryDict(mutable=True)
    for name, value in (("kursus", filters.course.slug if filters.course else None), ("tahun", filters.year),
                        ("jenis", filters.kind), ("mode", filters.mode)):  # fmt: skip
        if value:
            query[name] = str(value)
    return query.urlencode()


def described(filters: Filters) -> str:
    """The filters in words, for the list of exports (“all” where nothing narrows)."""
    parts = [
        filters.course.title if filters.course else _("All courses"),
        str(filters.year) if filters.year else _("All years"),
        str(EmployeeKind(filters.kind).label) if filters.kind else _("All kinds"),
        dict(mode_choices())[filters.mode] if filters.mode else _("Cohorts and self-paced"),
    ]
    return " · ".join(parts)
