"""Monitoring exports, CSV and XLSX, streamed in bounded memory; no cell can be read as a formula.

CSV rows go to the response as they are read. An XLSX is written row by row (openpyxl's
write-only mode) into a temporary file, which is then streamed: neither holds the rows in memory.
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterable, Iterator

from django.http import FileResponse, StreamingHttpResponse

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


def xlsx_file(header: list[str], rows: Iterable[Iterable[object]], *, sheet: str):
    """A temporary file holding the workbook, positioned at its start (deleted when closed)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(sheet[:31])
    worksheet.append(header)
    for row in rows:
        worksheet.append([neutralise(v) for v in row])
    target = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes (and so deletes) it
    workbook.save(target)
    target.seek(0)
    return target


def response(fmt: str, name: str, header: list[str], rows: Iterable[Iterable[object]], *, sheet: str):
    if fmt == "xlsx":
        return FileResponse(xlsx_file(header, rows, sheet=sheet), as_attachment=True, filename=f"{name}.xlsx",
                            content_type=XLSX)  # fmt: skip
    reply = StreamingHttpResponse(csv_lines(header, rows), content_type="text/csv; charset=utf-8")
    reply["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return reply
