"""Cohort progress as CSV and XLSX; no cell can be read as a formula by a spreadsheet."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from courses.models import Enrolment

from .spreadsheets import neutralise


def _header() -> list[str]:
    return [_("NIP"), _("Full name"), _("Email"), _("Agency (instansi)"), _("Position (jabatan)"), _("Lessons done"),
            _("Best quiz score"), _("Completed"), _("Completed at"), _("Last activity")]  # fmt: skip


def _when(value: dt.datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _rows(enrolments: Iterable[Any]) -> Iterable[list[object]]:
    """``enrolments``: selectors.participants' rows, enrolments with lessons_done and best_score."""
    for e in enrolments:
        u = e.user
        yield [neutralise(v) for v in (
            u.nip or "", u.full_name, u.email, u.instansi, u.jabatan, e.lessons_done,
            e.best_score if e.best_score is not None else "", _("yes") if e.completed_at else _("no"),
            _when(e.completed_at), _when(e.last_activity_at),
        )]  # fmt: skip


def as_csv(enrolments: Iterable[Enrolment]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(_header())
    writer.writerows(_rows(enrolments))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # the BOM makes Excel read UTF-8


def as_xlsx(enrolments: Iterable[Enrolment]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Participants"))
    sheet.append(_header())
    for row in _rows(enrolments):
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
