"""Shared pieces of the monitoring tests."""

from __future__ import annotations

import datetime as dt
import re

from cohorts import services as cohort_services
from cohorts.models import Cohort
from courses import services as course_services


def make_cohort(actor, province, course, name="Angkatan I") -> Cohort:
    return cohort_services.cohort_create(
        organiser=actor, province=province, course=course, name=name, year=2026, start_date=dt.date(2026, 1, 5),
        end_date=dt.date(2026, 12, 31), capacity=500, status=Cohort.Status.OPEN,
    )  # fmt: skip


def complete(enrolment) -> None:
    for lesson_id in enrolment.course.lessons.values_list("pk", flat=True):
        course_services.lesson_complete(enrolment=enrolment, lesson_id=lesson_id)


def cells(html: str, table_id: str) -> dict[str, list[str]]:
    """The table's rows by their header cell, each a list of its cells' text."""
    table = html.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", table, re.S):
        texts = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        rows[texts[0]] = texts[1:]
    return rows
