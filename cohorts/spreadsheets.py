"""Reading participant lists from the spreadsheets organisers already have.

CSV (comma, semicolon or tab; UTF-8 with or without BOM, UTF-16 with BOM, or Windows-1252) and
XLSX. Header names are matched whatever their case, spacing or punctuation, with the usual
Indonesian variants. Parsing is the csv module's and openpyxl's job; this module finds the
columns, yields rows, and keeps a file from costing more than a participant list can need.

A file comes from anyone's computer and may be damaged or built to hurt: a 2 KB XLSX may declare
a sheet of a million rows by sixteen thousand columns, a zip part may unpack a thousand times
over, one CSV line may hold millions of fields. So what a file may expand to is limited (below)
before it is unpacked and again while it is read, reading takes seconds and a bounded amount of
memory whatever the file holds, and every way a file can be unusable ends in a SpreadsheetError
whose message tells the organiser what to change.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from xml.etree.ElementTree import ParseError
from xml.parsers import expat

from django.utils.formats import number_format
from django.utils.translation import gettext as _

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 50_000  # participants in one file
MAX_SHEET_ROWS = 2 * MAX_ROWS  # rows looked at, empty ones included; also the largest declared sheet
MAX_COLUMNS = 100  # cells in one row, empty ones included; also the widest declared sheet
MAX_CELL_CHARS = 320  # one value in a column that is read (the longest field, an email, fits)
MAX_LINES_PER_ROW = 50  # physical lines one CSV row may run over (quoted line breaks)
# An XLSX is a zip of XML parts. What the parts unpack to, as the zip declares it (and the zip
# module never unpacks more than declared), is checked before anything is unpacked.
MAX_PARTS = 1_000
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
MAX_PACKING_RATIO = 100  # for parts over RATIO_FROM_BYTES: Excel's own stay far below
RATIO_FROM_BYTES = 1024 * 1024
MAX_SHARED_STRINGS = 10 * MAX_ROWS  # distinct texts of the workbook (openpyxl keeps them all)
MAX_SHARED_STRINGS_BYTES = 32 * 1024 * 1024

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

# What a damaged zip, XML part or cell value raises from zipfile, zlib, expat and openpyxl (which
# turns malformed parts into KeyError, IndexError, TypeError or ValueError as it meets them).
# MemoryError and Celery's time limit are left to the caller on purpose.
_DAMAGED = (
    zipfile.BadZipFile, zlib.error, EOFError, OSError, KeyError, IndexError, ValueError, TypeError, AttributeError,
    NotImplementedError, RuntimeError, ParseError, expat.ExpatError,
)  # fmt: skip


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


def _n(value: int) -> str:
    return number_format(value, force_grouping=True)


def _unreadable() -> SpreadsheetError:
    return SpreadsheetError(_("This is not a file Literasi can read. Save it as .xlsx or .csv and upload it again."))


def _damaged() -> SpreadsheetError:
    return SpreadsheetError(
        _(
            "The file is damaged or incomplete: part of it cannot be read. Open it in Excel, save it again as "
            ".xlsx or .csv, and upload it again."
        )
    )


def _too_many_rows() -> SpreadsheetError:
    return SpreadsheetError(
        _(
            "The sheet runs over more than %(max)s rows, counting empty ones. Delete the empty rows under the "
            "list (or copy the list into a new sheet), save, and upload it again."
        )
        % {"max": _n(MAX_SHEET_ROWS)}
    )


def _too_many_columns(row: int) -> SpreadsheetError:
    return SpreadsheetError(
        _(
            "Row %(row)s has more than %(max)s columns, counting empty ones. Keep only the participant columns "
            "(NIP, Nama, Email, Instansi, Jabatan), save, and upload it again."
        )
        % {"row": _n(row), "max": _n(MAX_COLUMNS)}
    )


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


def _rows(table: Iterator[Sequence[object]]) -> Iterator[Row]:
    header = next(table, None)
    if header is None:
        raise SpreadsheetError(_("The file is empty."))
    header = list(header)
    if len(header) > MAX_COLUMNS:
        raise _too_many_columns(1)
    columns = _column_map(header)
    # Every row counts towards the limit, empty or not: a sheet of a million empty rows costs
    # as much to go through as a full one.
    for number, values in enumerate(table, start=2):
        if number > MAX_SHEET_ROWS:
            raise _too_many_rows()
        if len(values) > MAX_COLUMNS:
            raise _too_many_columns(number)
        if not any(_cell(v) for v in values):
            continue  # blank lines at the end of a sheet
        cells = {field: _cell(values[i]) if i < len(values) else "" for field, i in columns.items()}
        if number - 1 > MAX_ROWS:
            raise SpreadsheetError(
                _("The file has more than %(max)d rows; split it into smaller files.") % {"max": MAX_ROWS}
            )
        for field, text in cells.items():
            if len(text) > MAX_CELL_CHARS:
                raise SpreadsheetError(
                    _(
                        "Row %(row)s: the value in the column “%(column)s” is longer than %(max)s characters. "
                        "Correct it and upload the file again."
                    )
                    % {"row": _n(number), "column": _cell(header[columns[field]])[:40], "max": _n(MAX_CELL_CHARS)}
                )
        raw_nip = values[columns["nip"]] if "nip" in columns and columns["nip"] < len(values) else None
        if isinstance(raw_nip, int | float) and not isinstance(raw_nip, bool) and abs(raw_nip) >= 10**15:
            cells["nip"] = NIP_LOST_IN_EXCEL
        yield Row(number=number, **{field: cells.get(field, "") for field in FIELDS})


def size_refusal(size: int) -> str | None:
    """Why a file of ``size`` bytes is refused, or None when it is small enough."""
    if size <= MAX_BYTES:
        return None
    return _("The file is larger than %(mb)d MB; split it into smaller files.") % {"mb": MAX_BYTES // 2**20}


def read_rows(data: bytes, filename: str) -> list[Row]:
    """Every participant row of a CSV or XLSX file; SpreadsheetError when the file is unusable.

    Reads within the limits above, whatever the file holds: seconds, and memory bounded by them.
    """
    if refusal := size_refusal(len(data)):
        raise SpreadsheetError(refusal)
    if data[:4] == b"PK\x03\x04":
        return list(_rows(_xlsx_table(data)))
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = data.decode("utf-16", errors="replace")  # Excel's "Unicode Text", tab-separated
    elif filename.lower().endswith((".xlsx", ".xls", ".ods")) or b"\x00" in data[:1024]:
        raise _unreadable()  # a binary file: old Excel, PDF, an image
    else:
        text = _decode(data)
    if (nul := text.find("\x00")) >= 0:
        raise SpreadsheetError(
            _(
                "The file holds a NUL character (line %(line)s), which a CSV file never does: it is damaged or "
                "in another format. Save it in Excel as “CSV UTF-8” or as .xlsx and upload it again."
            )
            % {"line": _n(text.count("\n", 0, nul) + 1)}
        )
    return list(_rows(_csv_table(text)))


# --- CSV -----------------------------------------------------------------------------------------


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")  # with or without Excel's byte-order mark
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")  # Excel's "CSV" on Windows


def _csv_table(text: str) -> Iterator[list[str]]:
    end = text.find("\n")
    first_line = text[: end if end >= 0 else len(text)]
    delimiter = max((",", ";", "\t"), key=first_line.count)  # a comma when none is there, or on a tie
    lines = _LinesOfOneRow(io.StringIO(text, newline=""), delimiter)
    records = csv.reader(lines, delimiter=delimiter)
    while True:
        try:
            record = next(records)
        except StopIteration:
            return
        except csv.Error as error:  # a field over csv.field_size_limit(), 128 KB by default
            raise SpreadsheetError(
                _(
                    "Row %(row)s holds a value longer than %(max)s characters, often a quotation mark that is "
                    "never closed. Correct the file and upload it again."
                )
                % {"row": _n(lines.row), "max": _n(csv.field_size_limit())}
            ) from error
        lines.next_row()
        yield record


class _LinesOfOneRow:
    """The lines the csv module reads, refused as soon as one row grows too wide or too long.

    The csv module builds a whole row before handing it over: without this, one line of a
    10 MB file holding only commas would become a list of millions of strings.
    """

    def __init__(self, lines: Iterator[str], delimiter: str) -> None:
        self.lines, self.delimiter = lines, delimiter
        self.row, self.lines_in_row = 1, 0  # the row being read, as the organiser numbers them

    def __iter__(self) -> _LinesOfOneRow:
        return self

    def __next__(self) -> str:
        line = next(self.lines)
        self.lines_in_row += 1
        if self.lines_in_row > MAX_LINES_PER_ROW:
            raise SpreadsheetError(
                _(
                    "Row %(row)s runs over more than %(max)s lines: a quotation mark is probably never closed. "
                    "Correct the file and upload it again."
                )
                % {"row": _n(self.row), "max": _n(MAX_LINES_PER_ROW)}
            )
        if line.count(self.delimiter) >= MAX_COLUMNS:
            raise _too_many_columns(self.row)
        return line

    def next_row(self) -> None:
        self.row += 1
        self.lines_in_row = 0


# --- XLSX ----------------------------------------------------------------------------------------


def _xlsx_table(data: bytes) -> Iterator[tuple[object, ...]]:
    _check_archive(data)
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except KeyError as error:  # a zip without a workbook's parts: an .ods, a .docx, any zip
        raise _unreadable() from error
    except _DAMAGED as error:
        raise _damaged() from error
    try:
        try:
            sheet = workbook.worksheets[0]
            # The declared size was checked; rows are taken as the file holds them, never padded
            # to a declared width or height (openpyxl's read-only mode trusts the declaration),
            # and only as wide as the header.
            sheet.reset_dimensions()
            header = next(sheet.iter_rows(max_row=1, max_col=MAX_COLUMNS, values_only=True), None)
        except _DAMAGED as error:
            raise _damaged() from error
        if header is None:
            return
        width = max((i + 1 for i, value in enumerate(header) if value is not None), default=1)
        yield header[:width]
        rows = sheet.iter_rows(min_row=2, max_col=width, values_only=True)
        while True:
            try:
                values = next(rows)
            except StopIteration:
                return
            except _DAMAGED as error:  # a truncated or corrupt part shows only once it is reached
                raise _damaged() from error
            yield values
    finally:
        workbook.close()


def _check_archive(data: bytes) -> None:
    """Refuse an XLSX whose parts would unpack to more than a participant list can need.

    First from the sizes the zip declares; then each XML part is streamed through expat,
    counting rows, cells per row and shared strings, and stopping at the first limit passed.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        parts = archive.infolist()
    except _DAMAGED as error:  # not a zip after all, or one cut short before its directory
        raise _unreadable() from error
    too_big = SpreadsheetError(
        _(
            "The file unpacks to more than %(mb)s MB, far more than a list of participants needs. Copy the list "
            "into a new workbook, or save it as CSV, and upload it again."
        )
        % {"mb": _n(MAX_UNPACKED_BYTES // 2**20)}
    )
    if len(parts) > MAX_PARTS or sum(part.file_size for part in parts) > MAX_UNPACKED_BYTES:
        raise too_big
    for part in parts:
        if part.file_size > RATIO_FROM_BYTES and part.file_size > MAX_PACKING_RATIO * max(part.compress_size, 1):
            raise SpreadsheetError(
                _(
                    "Part of the file unpacks to more than %(ratio)s times its packed size, which no spreadsheet "
                    "program writes. Copy the list into a new workbook, or save it as CSV, and upload it again."
                )
                % {"ratio": _n(MAX_PACKING_RATIO)}
            )
    for part in parts:
        _PartScan(part).run(archive)


class _PartScan:
    """Stream one part of an XLSX through expat and stop at the first limit it passes."""

    def __init__(self, part: zipfile.ZipInfo) -> None:
        self.part = part
        self.rows = self.cells = self.strings = 0
        self.row_number = 0  # as the sheet numbers it
        self.parser = expat.ParserCreate(namespace_separator=" ")
        self.parser.StartElementHandler = self.start
        # Entities are declared in a DOCTYPE, which no spreadsheet part has: refusing it keeps
        # entity expansion ("billion laughs") away from openpyxl's parser.
        self.parser.StartDoctypeDeclHandler = self.doctype

    def run(self, archive: zipfile.ZipFile) -> None:
        try:
            with archive.open(self.part) as stream:
                while chunk := stream.read(64 * 1024):
                    self.parser.Parse(chunk, False)
                self.parser.Parse(b"", True)
        except SpreadsheetError:
            raise
        except expat.ExpatError:
            return  # not XML (an image) or malformed: openpyxl refuses it if the part is used
        except _DAMAGED as error:
            raise _damaged() from error

    def doctype(self, *args: object) -> None:
        raise _damaged()

    def start(self, name: str, attributes: dict[str, str]) -> None:
        tag = name[name.rfind(" ") + 1 :]
        if tag == "c":
            self.cells += 1
            if self.cells > MAX_COLUMNS:
                raise _too_many_columns(self.row_number)
        elif tag == "row":
            self.rows, self.cells = self.rows + 1, 0
            number = attributes.get("r", "")
            self.row_number = int(number) if number.isdigit() else self.row_number + 1
            if self.rows > MAX_SHEET_ROWS or self.row_number > MAX_SHEET_ROWS:
                raise _too_many_rows()
        elif tag == "si":
            self.strings += 1
            if self.strings > MAX_SHARED_STRINGS:
                raise self.too_many_strings()
        elif tag == "sst" and self.part.file_size > MAX_SHARED_STRINGS_BYTES:
            raise self.too_many_strings()
        elif tag == "dimension":
            self.check_declared_size(attributes.get("ref", ""))

    def check_declared_size(self, ref: str) -> None:
        from openpyxl.utils.cell import range_boundaries

        try:
            _min_col, _min_row, max_col, max_row = range_boundaries(ref.upper())
        except (ValueError, TypeError) as error:
            raise _damaged() from error
        if (max_col or 0) > MAX_COLUMNS or (max_row or 0) > MAX_SHEET_ROWS:
            raise SpreadsheetError(
                _(
                    "The sheet declares a size of %(ref)s, beyond the %(rows)s rows and %(columns)s columns "
                    "Literasi reads. Delete the empty rows and columns around the list (or copy the list into a "
                    "new sheet), save, and upload it again."
                )
                % {"ref": ref[:40], "rows": _n(MAX_SHEET_ROWS), "columns": _n(MAX_COLUMNS)}
            )

    @staticmethod
    def too_many_strings() -> SpreadsheetError:
        return SpreadsheetError(
            _(
                "The file holds more than %(max)s different texts (or %(mb)s MB of them), far more than a list "
                "of participants needs. Copy the list into a new workbook, or save it as CSV, and upload it "
                "again."
            )
            % {"max": _n(MAX_SHARED_STRINGS), "mb": _n(MAX_SHARED_STRINGS_BYTES // 2**20)}
        )


# --- Writing -------------------------------------------------------------------------------------

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """A cell value no spreadsheet will read as a formula (CSV/formula injection)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value
