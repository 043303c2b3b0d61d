"""Reading participant lists from the spreadsheets organisers already have.

CSV (comma or semicolon, UTF-8 with or without BOM, or Windows-1252) and XLSX. Header names are
matched whatever their case, spacing or punctuation, with the usual Indonesian variants. Parsing
is the csv module's and openpyxl's job; this module only finds the columns and yields rows.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from django.utils.translation import gettext as _

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 50_000

# Normalised header (lowercase letters and digits only) -> field.
HEADERS = {
    "nip": "nip", "nipbaru": "nip", "nomorindukpegawai": "nip", "nipnippk": "nip", "nipnipppk": "nip",
    "nippns": "nip", "nipasn": "nip", "nik": "nip_ignored",
    "nama": "full_name", "namalengkap": "full_name", "namapeserta": "full_name", "namapegawai": "full_name",
    "namadangelar": "full_name", "namalengkapdangelar": "full_name", "fullname": "full_name", "name": "full_name",
    "email": "email", "alamatemail": "email", "surel": "email", "emailaktif": "email", "alamatsurel": "email",
    "instansi": "instansi", "unitkerja": "instansi", "satuankerja": "instansi", "satker": "instansi", "opd": "instansi",
    "perangkatdaerah": "instansi", "instansiunitkerja": "instansi", "agency": "instansi", "asalinstansi": "instansi",
    "jabatan": "jabatan", "namajabatan": "jabatan", "position": "jabatan", "jabatanterakhir": "jabatan",
}  # fmt: skip
REQUIRED = ("full_name", "email")
# Excel keeps 15 significant digits: an 18-digit NIP typed into a number cell has lost its last
# digits before the file reaches us. Such a cell is marked, and its row refused with the reason.
NIP_LOST_IN_EXCEL = "!excel-number"
FIELDS = ("nip", "full_name", "email", "instansi", "jabatan")


class SpreadsheetError(ValueError):
    """The file as a whole cannot be used; the message is for the organiser."""


@dataclass(frozen=True)
class Row:
    number: int  # as the organiser sees it in their spreadsheet (the header is row 1)
    nip: str
    full_name: str
    email: str
    instansi: str
    jabatan: str


def normalise_header(text: object) -> str:
    return re.sub(r"[^a-z0-9]", "", str(text or "").lower())


def _column_map(header: list[object]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, name in enumerate(header):
        field = HEADERS.get(normalise_header(name))
        if field in FIELDS and field not in columns:
            columns[field] = index
    missing = [field for field in REQUIRED if field not in columns]
    if missing:
        labels = {"full_name": "Nama", "email": "Email"}
        raise SpreadsheetError(
            _("The file has no column for %(columns)s. The first row must hold the column names.")
            % {"columns": ", ".join(labels[m] for m in missing)}
        )
    return columns


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a NIP typed as a number in Excel
    return str(value).strip()


def _rows(table: Iterator[list[object]]) -> Iterator[Row]:
    header = next(table, None)
    if header is None:
        raise SpreadsheetError(_("The file is empty."))
    columns = _column_map(list(header))
    for number, values in enumerate(table, start=2):
        values = list(values)
        if not any(_cell(v) for v in values):
            continue  # blank lines at the end of a sheet
        if number - 1 > MAX_ROWS:
            raise SpreadsheetError(
                _("The file has more than %(max)d rows; split it into smaller files.") % {"max": MAX_ROWS}
            )
        cells = {field: _cell(values[i]) if i < len(values) else "" for field, i in columns.items()}
        raw_nip = values[columns["nip"]] if "nip" in columns and columns["nip"] < len(values) else None
        if isinstance(raw_nip, int | float) and not isinstance(raw_nip, bool) and abs(raw_nip) >= 10**15:
            cells["nip"] = NIP_LOST_IN_EXCEL
        yield Row(number=number, **{field: cells.get(field, "") for field in FIELDS})


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")  # with or without Excel's byte-order mark
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")  # Excel's "CSV" on Windows


def size_refusal(size: int) -> str | None:
    """Why a file of ``size`` bytes is refused, or None when it is small enough."""
    if size <= MAX_BYTES:
        return None
    return _("The file is larger than %(mb)d MB; split it into smaller files.") % {"mb": MAX_BYTES // 2**20}


def read_rows(data: bytes, filename: str) -> list[Row]:
    """Every participant row of a CSV or XLSX file; SpreadsheetError when the file is unusable."""
    if refusal := size_refusal(len(data)):
        raise SpreadsheetError(refusal)
    if data[:4] == b"PK\x03\x04":
        return list(_rows(_xlsx_table(data)))
    if filename.lower().endswith((".xlsx", ".xls", ".ods")) or b"\x00" in data[:1024]:
        raise SpreadsheetError(_("This is not a file Literasi can read. Save it as .xlsx or .csv and upload it again."))
    text = _decode(data)
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    return list(_rows(iter(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))))


def _xlsx_table(data: bytes) -> Iterator[list[object]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise SpreadsheetError(
            _("This is not a file Literasi can read. Save it as .xlsx or .csv and upload it again.")
        ) from error
    sheet = workbook.worksheets[0]
    for values in sheet.iter_rows(values_only=True):
        yield list(values)
    workbook.close()


# --- Writing -------------------------------------------------------------------------------------

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """A cell value no spreadsheet will read as a formula (CSV/formula injection)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value
