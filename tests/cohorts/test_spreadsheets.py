"""Participant files as organisers have them: CSV in any delimiter and encoding, XLSX, variant headers."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook, load_workbook

from cohorts.spreadsheets import SpreadsheetError, neutralise, read_rows

ROWS = [
    [
        "19860926 201505 1 001",
        "Ni Luh Putu Ayu Suryani",
        "ayu@baliprov.go.id",
        "Dinas Kominfos Bali",
        "Pranata Komputer",
    ],
    ["", "Bayu Prasetyo", "bayu@contoh.go.id", "BPSDM Jawa Barat", "Widyaiswara"],
]


def csv_bytes(header: list[str], rows: list[list[str]], *, delimiter: str = ",", encoding: str = "utf-8") -> bytes:
    lines = [delimiter.join(header)] + [delimiter.join(r) for r in rows]
    return "\r\n".join(lines).encode(encoding)


def xlsx_bytes(header: list[str], rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


HEADER = ["NIP", "Nama", "Email", "Instansi", "Jabatan"]


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (csv_bytes(HEADER, ROWS), "peserta.csv"),
        (csv_bytes(HEADER, ROWS, delimiter=";"), "peserta.csv"),
        (b"\xef\xbb\xbf" + csv_bytes(HEADER, ROWS), "peserta.csv"),
        (csv_bytes(HEADER, ROWS, delimiter=";", encoding="cp1252"), "peserta.csv"),
        (xlsx_bytes(HEADER, ROWS), "peserta.xlsx"),
    ],
    ids=["comma", "semicolon", "utf8-bom", "windows-1252", "xlsx"],
)
def test_every_file_variant_reads_the_same_rows(data: bytes, name: str) -> None:
    rows = read_rows(data, name)
    assert [(r.number, r.nip, r.full_name, r.email, r.instansi, r.jabatan) for r in rows] == [
        (2, *ROWS[0]),
        (3, *ROWS[1]),
    ]


def test_windows_1252_names_keep_their_accents() -> None:
    data = csv_bytes(HEADER, [["", "Agnès Dewi", "agnes@contoh.go.id", "Pemda", "Staf"]], encoding="cp1252")
    assert read_rows(data, "x.csv")[0].full_name == "Agnès Dewi"


@pytest.mark.parametrize(
    "header",
    [
        ["NIP", "Nama Lengkap", "E-mail", "Unit Kerja", "Jabatan"],
        ["nip baru", "NAMA PESERTA", "Alamat Email", "Satuan Kerja", "Nama Jabatan"],
        [" Nip ", "nama_lengkap", "EMAIL", "OPD", "jabatan"],
        ["No", "Nama", "NIP", "Email", "Instansi", "Jabatan", "Keterangan"],  # other order, extra columns
    ],
)
def test_header_variants_are_recognised(header: list[str]) -> None:
    fields = {"nip": ROWS[0][0], "full_name": ROWS[0][1], "email": ROWS[0][2], "instansi": ROWS[0][3],
              "jabatan": ROWS[0][4]}  # fmt: skip
    from cohorts.spreadsheets import HEADERS, normalise_header

    row = [fields.get(HEADERS.get(normalise_header(h), ""), "1") for h in header]
    parsed = read_rows(csv_bytes(header, [row]), "x.csv")[0]
    assert (parsed.full_name, parsed.email, parsed.instansi, parsed.jabatan) == tuple(ROWS[0][1:])


def test_a_nip_excel_stored_as_a_number_is_flagged_not_guessed() -> None:
    from cohorts.spreadsheets import NIP_LOST_IN_EXCEL

    rows = read_rows(xlsx_bytes(HEADER, [[198609262015051001, "A", "a@contoh.go.id", "", ""]]), "x.xlsx")
    assert rows[0].nip == NIP_LOST_IN_EXCEL  # its last digits are already gone: never enrol a wrong NIP


def test_blank_lines_are_skipped_and_row_numbers_match_the_sheet() -> None:
    rows = read_rows(csv_bytes(HEADER, [ROWS[0], ["", "", "", "", ""], ROWS[1]]), "x.csv")
    assert [r.number for r in rows] == [2, 4]


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"%PDF-1.4 binary\x00\x01", "daftar.pdf", "bukan berkas"),
        (b"PK\x03\x04 not really a zip", "daftar.xlsx", "bukan berkas"),
        (csv_bytes(["Nomor", "Alamat"], [["1", "x"]]), "x.csv", "tidak memiliki kolom"),
        (b"", "kosong.csv", "kosong"),
    ],
)
def test_unusable_files_get_a_clear_message(data: bytes, name: str, message: str) -> None:
    from django.utils import translation

    with translation.override("id"), pytest.raises(SpreadsheetError, match=message):
        read_rows(data, name)


def test_a_file_over_the_limit_is_refused(settings) -> None:
    from cohorts import spreadsheets

    with pytest.raises(SpreadsheetError):
        read_rows(b"x" * (spreadsheets.MAX_BYTES + 1), "besar.csv")


@pytest.mark.parametrize("value", ['=HYPERLINK("http://x")', "+62 812", "-1+1", "@SUM(A1)", "\tx", "\rx"])
def test_formula_starts_are_neutralised(value: str) -> None:
    assert neutralise(value) == "'" + value
    assert neutralise("Biasa") == "Biasa" and neutralise(12) == 12


def test_xlsx_written_cells_are_text_not_formulas() -> None:
    from cohorts.exports import as_xlsx

    class U:
        nip, full_name, email, instansi, jabatan = "", "=1+1", "a@b.id", "@x", "-y"

    class E:
        user, lessons_done, best_score, completed_at, last_activity_at = U, 1, None, None, None

    sheet = load_workbook(io.BytesIO(as_xlsx([E]))).active
    cells = list(next(sheet.iter_rows(min_row=2, max_row=2)))
    assert all(c.data_type != "f" for c in cells)
    assert cells[1].value == "'=1+1" and cells[3].value == "'@x"
