"""Hostile and damaged participant files, built here byte by byte, and a way to read one safely.

Each builder returns (bytes, filename). ``read_in_child`` reads a file in a forked process with
an address-space cap and a watchdog, so a reader that explodes fails the test instead of taking
the machine down, and reports how long it took and the most memory it held.
"""

from __future__ import annotations

import io
import multiprocessing
import os
import resource
import time
import tracemalloc
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
HEADER_ROW = (
    '<row r="1"><c r="A1" t="inlineStr"><is><t>Nama</t></is></c><c r="B1" t="inlineStr"><is><t>Email</t></is></c></row>'
)
ONE_PARTICIPANT = (
    '<row r="2"><c r="A2" t="inlineStr"><is><t>Ayu</t></is></c>'
    '<c r="B2" t="inlineStr"><is><t>ayu@contoh.go.id</t></is></c></row>'
)


def xlsx(sheet: Iterable[str], *, shared_strings: Iterable[str] | None = None, level: int = 9) -> bytes:
    """A minimal workbook (what openpyxl needs and no more) whose sheet and shared strings are
    streamed from the given XML pieces, so a part of hundreds of MB is never held in memory."""
    strings_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
    parts: dict[str, Iterable[str]] = {
        "[Content_Types].xml": [
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            + (f'<Override PartName="/xl/sharedStrings.xml" ContentType="{strings_type}"/>' if shared_strings else "")
            + "</Types>"
        ],
        "_rels/.rels": [
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ],
        "xl/workbook.xml": [
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">'
            '<sheets><sheet name="Peserta" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ],
        "xl/_rels/workbook.xml.rels": [
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{REL_NS}/worksheet" Target="worksheets/sheet1.xml"/>'
            + (
                f'<Relationship Id="rId2" Type="{REL_NS}/sharedStrings" Target="sharedStrings.xml"/>'
                if shared_strings
                else ""
            )
            + "</Relationships>"
        ],
        "xl/worksheets/sheet1.xml": sheet,
    }
    if shared_strings is not None:
        parts["xl/sharedStrings.xml"] = shared_strings
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        for name, pieces in parts.items():
            with archive.open(name, "w", force_zip64=True) as part:
                for piece in pieces:
                    part.write(piece.encode())
    return buffer.getvalue()


def sheet(*rows: str, dimension: str | None = None) -> list[str]:
    head = f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN_NS}">'
    if dimension:
        head += f'<dimension ref="{dimension}"/>'
    return [head, "<sheetData>", *rows, "</sheetData></worksheet>"]


# --- The hostile files of issue 9 ----------------------------------------------------------------


FAR_ROW = '<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>x</t></is></c></row>'


def declared_size_bomb() -> tuple[bytes, str]:
    """About 1.7 KB declaring the whole sheet (A1:XFD1048576), with a cell in its last row: read
    trusting the declaration, every row in between is 16,384 empty cells wide."""
    return xlsx(sheet(HEADER_ROW, ONE_PARTICIPANT, FAR_ROW, dimension="A1:XFD1048576")), "ukuran-palsu.xlsx"


def shared_strings_bomb() -> tuple[bytes, str]:
    """A sharedStrings part of 30 million empty texts: about 480 MB unpacked from under 1 MB."""
    strings = (f'<sst xmlns="{MAIN_NS}">', *("<si><t></t></si>" * 100_000 for _ in range(300)), "</sst>")
    cells = '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
    return xlsx(sheet(cells), shared_strings=strings), "teks-bersama.xlsx"


def many_empty_rows_bomb() -> tuple[bytes, str]:
    """A header, then a million empty rows (each written, as some exporters do)."""
    empty = ("".join(f'<row r="{n}"/>' for n in range(start, start + 10_000)) for start in range(2, 1_000_002, 10_000))
    return xlsx(sheet(HEADER_ROW, *empty)), "baris-kosong.xlsx"


def far_row_bomb() -> tuple[bytes, str]:
    """A header and one row numbered 1,048,576, no declared size: openpyxl fills the gap with a
    million empty rows."""
    return xlsx(sheet(HEADER_ROW, ONE_PARTICIPANT, FAR_ROW)), "baris-jauh.xlsx"


def over_long_csv_field() -> tuple[bytes, str]:
    """A name of 200,000 characters: over the csv module's 128 KB field limit."""
    return ("Nama;Email\n" + "A" * 200_000 + ";a@contoh.go.id\n").encode(), "panjang.csv"


def nul_byte_csv() -> tuple[bytes, str]:
    """Forty good rows, then a NUL character in the middle of a name."""
    rows = [f"Peserta {n};peserta{n}@contoh.go.id" for n in range(40)]
    return ("Nama;Email\n" + "\n".join(rows) + "\nSi\x00ti;siti@contoh.go.id\n").encode(), "nul.csv"


def truncated_sheet() -> tuple[bytes, str]:
    """A sound zip whose sheet's XML stops in the middle of a row."""
    rows = "".join(
        f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>P{n}</t></is></c>'
        f'<c r="B{n}" t="inlineStr"><is><t>p{n}@contoh.go.id</t></is></c></row>'
        for n in range(2, 300)
    )
    whole = "".join(sheet(HEADER_ROW, rows))
    return xlsx([whole[: len(whole) // 2]]), "terpotong.xlsx"


def corrupt_sheet_stream() -> tuple[bytes, str]:
    """A zip whose directory is sound but whose packed sheet has bytes overwritten (a bad copy)."""
    rows = "".join(
        f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>Peserta nomor {n}</t></is></c>'
        f'<c r="B{n}" t="inlineStr"><is><t>peserta{n}@contoh.go.id</t></is></c></row>'
        for n in range(2, 3000)
    )
    data = bytearray(xlsx(sheet(HEADER_ROW, rows), level=1))
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    middle = start + info.compress_size // 2
    data[middle : middle + 64] = b"\xff" * 64
    return bytes(data), "rusak.xlsx"


def wide_csv_bomb() -> tuple[bytes, str]:
    """One line of five million empty fields (10 MB of semicolons)."""
    return b"Nama;Email\n" + b";" * (10 * 1024 * 1024 - 20) + b"\n", "lebar.csv"


def billion_laughs() -> tuple[bytes, str]:
    """Shared strings that expand an entity a billion times."""
    entities = '<!ENTITY a "hahahahaha">' + "".join(
        f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9)
    )
    strings = [f'<?xml version="1.0"?><!DOCTYPE sst [{entities}]><sst xmlns="{MAIN_NS}"><si><t>&j;</t></si></sst>']
    cells = '<row r="1"><c r="A1" t="s"><v>0</v></c></row>'
    return xlsx(sheet(cells), shared_strings=strings), "tawa.xlsx"


HOSTILE = {
    "declared-size bomb": (declared_size_bomb, "menyatakan ukuran A1:XFD1048576"),
    "shared-strings bomb": (shared_strings_bomb, "lebih dari 100 MB"),
    "many-empty-rows bomb": (many_empty_rows_bomb, "lebih dari 100.000 baris"),
    "far-row bomb": (far_row_bomb, "lebih dari 100.000 baris"),
    "over-long CSV field": (over_long_csv_field, "lebih panjang dari 131.072 karakter"),
    "NUL byte": (nul_byte_csv, "karakter NUL (baris 42)"),
    "truncated sheet": (truncated_sheet, "rusak atau tidak lengkap"),
    "corrupt packed sheet": (corrupt_sheet_stream, "rusak atau tidak lengkap"),
    "wide CSV line": (wide_csv_bomb, "lebih dari 100 kolom"),
    "billion laughs": (billion_laughs, "rusak atau tidak lengkap"),
}


# --- Reading one in a child process --------------------------------------------------------------


@dataclass(frozen=True)
class Reading:
    message: str  # the SpreadsheetError's message, or a description of what else happened
    refused: bool
    seconds: float
    peak_mb: float  # the most memory Python objects held at once while reading (tracemalloc)


def _read(data: bytes, name: str, trace_memory: bool, connection) -> None:
    from cohorts.spreadsheets import SpreadsheetError, read_rows

    # At most 1 GB more address space: a reader that explodes meets MemoryError, not the machine.
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    with open("/proc/self/statm") as statm:
        size = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    resource.setrlimit(resource.RLIMIT_AS, (size + 2**30, hard))

    def read() -> tuple[str, bool]:
        try:
            return f"read {len(read_rows(data, name))} rows", False
        except SpreadsheetError as error:
            return str(error), True
        except BaseException as error:  # noqa: BLE001 - reported to the test, which fails on it
            return f"{type(error).__name__}: {error}"[:500], False

    started = time.monotonic()
    message, refused = read()
    seconds, peak = time.monotonic() - started, float("nan")
    if trace_memory:  # again, traced (which slows Python down several times)
        tracemalloc.start()
        read()
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    connection.send(Reading(message, refused, seconds, peak))


def read_in_child(data: bytes, name: str, *, trace_memory: bool = True, watchdog: float = 120) -> Reading:
    """Read the file with ``cohorts.spreadsheets.read_rows`` in a forked child (which keeps this
    process's active language), with 1 GB more memory at most and ``watchdog`` seconds to answer;
    then, if ``trace_memory``, read it again to measure the memory it takes."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_read, args=(data, name, trace_memory, sender), daemon=True)
    child.start()
    try:
        if not receiver.poll(watchdog):
            return Reading(f"still reading after {watchdog:.0f} s", False, watchdog, float("nan"))
        return receiver.recv()
    finally:
        if child.is_alive():
            child.kill()
        child.join()
