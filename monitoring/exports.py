"""Monitoring exports, CSV and XLSX, written in bounded memory; no cell can be read as a formula.

CSV rows go out as they are read. An XLSX is written row by row (openpyxl's write-only mode)
into a file: neither holds the rows in memory. The province table (38 rows) is sent in the
request; SIASN's training records are written by a batch worker (``services.records_export_build``).
"""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
from collections.abc import Iterable, Iterator
from typing import IO

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from cohorts.spreadsheets import neutralise

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class _Line:
    """A file-like object csv.writer writes one line to, which is handed straight on."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: list[str], rows: Iterable[Iterable[object]]) -> Iterator[bytes]:
    writer = csv.writer(_Line())
    yield ("\ufeff" + writer.writerow(header)).encode("utf-8")  # the BOM makes Excel read UTF-8
    for row in rows:
        yield writer.writerow([neutralise(v) for v in row]).encode("utf-8")


def csv_write(header: list[str], rows: Iterable[Iterable[object]], target: IO[bytes]) -> None:
    for line in csv_lines(header, rows):
        target.write(line)


def xlsx_write(header: list[str], rows: Iterable[Iterable[object]], target: IO[bytes], *, sheet: str) -> None:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(sheet[:31])
    worksheet.append(header)
    for row in rows:
        worksheet.append([neutralise(v) for v in row])
    workbook.save(target)


def xlsx_file(header: list[str], rows: Iterable[Iterable[object]], *, sheet: str):
    """A temporary file holding the workbook, positioned at its start (deleted when closed)."""
    target = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes (and so deletes) it
    xlsx_write(header, rows, target, sheet=sheet)
    target.seek(0)
    return target


def response(fmt: str, name: str, header: list[str], rows: Iterable[Iterable[object]], *, sheet: str):
    if fmt == "xlsx":
        return FileResponse(xlsx_file(header, rows, sheet=sheet), as_attachment=True, filename=f"{name}.xlsx",
                            content_type=XLSX)  # fmt: skip
    reply = StreamingHttpResponse(csv_lines(header, rows), content_type="text/csv; charset=utf-8")
    reply["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return reply


def siasn_header() -> list[str]:
    return [_("NIP"), _("Name"), _("Course name"), _("Hours (JP)"), _("Certificate number"),
            _("Organising institution"), _("Kind of course"), _("Year"), _("Start date"), _("End date"),
            _("Agency (instansi)")]  # fmt: skip


def _date(value: dt.datetime | None, zone: dt.tzinfo) -> str:
    return timezone.localtime(value, zone).strftime("%d-%m-%Y") if value else ""


def siasn_rows(records: Iterable[tuple]) -> Iterator[list[object]]:
    """One row per certificate, as SIASN's course history asks for it (dates dd-mm-yyyy), from
    ``selectors.training_records``."""
    self_paced, in_cohort = _("E-learning, self-paced"), _("E-learning in a cohort")
    # Looked up once: looking it up for each date (a context-local read) took about 9 s of a
    # 1,000,000-row export's 60 s (make bench-export).
    zone = timezone.get_current_timezone()
    for nip, snapshot, number, enrolled_at, year, sequence in records:
        learner, course = snapshot["learner"], snapshot["course"]
        completed = dt.datetime.fromisoformat(snapshot["dates"]["completed"])
        yield [nip or learner.get("nip", ""), learner["name"], course["title"], course["jp"], number,
               snapshot["template"]["issuer_name"], self_paced if sequence == 0 else in_cohort, year,
               _date(enrolled_at, zone), _date(completed, zone), learner.get("instansi", "")]  # fmt: skip
