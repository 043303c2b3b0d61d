"""Participant files as organisers have them (CSV in any delimiter and encoding, XLSX, variant headers),
and as an attacker or a broken disk makes them: refused with a message, in seconds and bounded memory."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from typing import TYPE_CHECKING, cast

import pytest
from django.utils import translation
from openpyxl import Workbook, load_workbook

from cohorts import spreadsheets
from cohorts.spreadsheets import SpreadsheetError, neutralise, read_rows

from .hostile_files import HEADER_ROW, HOSTILE, MAIN_NS, read_in_child, sheet, xlsx

if TYPE_CHECKING:
    from courses.models import Enrolment

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


def xlsx_bytes(header: list[str], rows: Sequence[Sequence[object]]) -> bytes:
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


def zip_of(parts: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"%PDF-1.4 binary\x00\x01", "daftar.pdf", "bukan berkas"),
        (b"PK\x03\x04 not really a zip", "daftar.xlsx", "bukan berkas"),
        (
            zip_of({"mimetype": "application/vnd.oasis.opendocument.spreadsheet", "content.xml": "<x/>"}),
            "d.ods",
            "bukan berkas",
        ),
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

    sheet = load_workbook(io.BytesIO(as_xlsx([cast("Enrolment", E)]))).active  # E has what the export reads
    cells = list(next(sheet.iter_rows(min_row=2, max_row=2)))
    assert all(c.data_type != "f" for c in cells)
    assert cells[1].value == "'=1+1" and cells[3].value == "'@x"


# --- Hostile and damaged files (issue 9) ---------------------------------------------------------


@pytest.mark.parametrize("label", list(HOSTILE))
def test_a_hostile_file_is_refused_with_a_message_in_bounded_memory(label: str) -> None:
    build, expected = HOSTILE[label]
    data, name = build()
    with translation.override("id"):
        reading = read_in_child(data, name)
    outcome = "refused" if reading.refused else "NOT refused"
    print(f"\n{label}: {len(data):,} bytes; {outcome} in {reading.seconds:.3f} s, peak {reading.peak_mb:.1f} MB")
    assert reading.refused, reading.message
    assert expected in reading.message
    assert reading.peak_mb < 100, "a refused file must cost less than the largest good one (30 MB, 60 MB in CSV)"


def test_the_largest_file_allowed_is_read_in_bounded_memory() -> None:
    """50,000 participants in five columns, each value distinct: every limit leaves room for it."""
    rows = (
        "".join(
            f'<row r="{n}">'
            + "".join(
                f'<c r="{col}{n}" t="inlineStr"><is><t>{value}</t></is></c>'
                for col, value in zip(
                    "ABCDE",
                    (f"19860926 2015051 {n:04d}"[:21], f"Peserta Nomor {n}", f"peserta{n}@contoh.go.id",
                     "Dinas Komunikasi dan Informatika", "Pranata Komputer Ahli Pertama"),
                    strict=True,
                )
            )
            + "</row>"
            for n in range(start, min(start + 1000, spreadsheets.MAX_ROWS + 2))
        )
        for start in range(2, spreadsheets.MAX_ROWS + 2, 1000)
    )  # fmt: skip
    header = (
        '<row r="1">'
        + "".join(
            f'<c r="{col}1" t="inlineStr"><is><t>{name}</t></is></c>' for col, name in zip("ABCDE", HEADER, strict=True)
        )
        + "</row>"
    )
    data = xlsx(sheet(header, *rows, dimension=f"A1:E{spreadsheets.MAX_ROWS + 1}"))
    reading = read_in_child(data, "besar.xlsx", trace_memory=False)  # traced, it takes half a minute
    print(f"\n50,000 rows: {len(data):,} bytes; read in {reading.seconds:.1f} s")
    assert reading.message == f"read {spreadsheets.MAX_ROWS} rows"


def shared_strings(texts: list[str]) -> bytes:
    strings = [f'<sst xmlns="{MAIN_NS}">', *(f"<si><t>{t}</t></si>" for t in texts), "</sst>"]
    cells = '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
    return xlsx(sheet(cells), shared_strings=strings)


@pytest.mark.parametrize(
    ("limit", "value", "data", "message"),
    [
        ("MAX_SHARED_STRINGS", 1000, lambda: shared_strings(["Nama", "Email", *map(str, range(1000))]),
         r"lebih dari 1\.000 teks"),
        ("MAX_SHARED_STRINGS_BYTES", 10_000, lambda: shared_strings(["Nama", "Email", *map(str, range(1000))]),
         "teks yang berbeda"),
        ("MAX_UNPACKED_BYTES", 10_000, lambda: xlsx_bytes(HEADER, ROWS * 100), "lebih dari 0 MB"),
        ("MAX_PARTS", 4, lambda: xlsx_bytes(HEADER, ROWS), "saat dibuka"),
    ],
    ids=["shared strings", "shared strings size", "unpacked size", "parts"],
)  # fmt: skip
def test_each_limit_on_what_a_workbook_unpacks_to(monkeypatch, limit, value, data, message) -> None:
    monkeypatch.setattr(spreadsheets, limit, value)
    with translation.override("id"), pytest.raises(SpreadsheetError, match=message):
        read_rows(data(), "x.xlsx")


def test_a_part_packed_far_tighter_than_excel_packs_is_not_unpacked() -> None:
    data = shared_strings(["Nama", "Email", *[""] * 2_000_000])  # 32 MB unpacked from about 40 KB
    with translation.override("id"), pytest.raises(SpreadsheetError, match="lebih dari 100 kali ukuran terkemasnya"):
        read_rows(data, "x.xlsx")


def test_a_row_wider_than_the_limit_is_refused_in_both_formats() -> None:
    cells = "".join(f'<c t="inlineStr"><is><t>{n}</t></is></c>' for n in range(101))
    with translation.override("id"):
        with pytest.raises(SpreadsheetError, match="Baris 2 memiliki lebih dari 100 kolom"):
            read_rows(xlsx(sheet(HEADER_ROW, f'<row r="2">{cells}</row>')), "x.xlsx")
        with pytest.raises(SpreadsheetError, match="Baris 3 memiliki lebih dari 100 kolom"):
            read_rows(csv_bytes(HEADER, [ROWS[0], ["x"] * 101]), "x.csv")


def test_only_the_columns_under_a_header_are_read() -> None:
    """Cells right of the header's last column are never padded out or read (a sheet may carry
    stray cells far to the right, under no header)."""
    far = '<row r="2"><c r="A2" t="inlineStr"><is><t>Ayu</t></is></c><c r="B2" t="inlineStr"><is><t>a@contoh.go.id</t></is></c><c r="CV2"><v>1</v></c></row>'
    rows = read_rows(xlsx(sheet(HEADER_ROW, far)), "x.xlsx")
    assert [(r.full_name, r.email) for r in rows] == [("Ayu", "a@contoh.go.id")]


def test_empty_rows_count_towards_the_limit_in_csv_too() -> None:
    data = csv_bytes(HEADER, [ROWS[0]]) + b"\r\n" * spreadsheets.MAX_SHEET_ROWS
    with translation.override("id"), pytest.raises(SpreadsheetError, match=r"lebih dari 100\.000 baris, termasuk"):
        read_rows(data, "x.csv")


def test_an_over_long_value_is_refused_naming_its_row_and_column() -> None:
    data = csv_bytes(HEADER, [ROWS[0], ["", "N" * 400, "n@contoh.go.id", "", ""]])
    with translation.override("id"), pytest.raises(SpreadsheetError, match="Baris 3: isi kolom “Nama” lebih dari 320"):
        read_rows(data, "x.csv")


def test_a_quotation_mark_never_closed_is_named() -> None:
    data = csv_bytes(HEADER, [ROWS[0], ['"19860926', "Tanpa Tutup", "t@contoh.go.id", "", ""]]) + b"\r\nx" * 60
    with translation.override("id"), pytest.raises(SpreadsheetError, match="Baris 3 berlanjut hingga lebih dari 50"):
        read_rows(data, "x.csv")


def test_excel_unicode_text_is_read() -> None:
    """Excel's "Unicode Text": UTF-16 with a byte-order mark, tab-separated."""
    data = "\r\n".join("\t".join(r) for r in [HEADER, *ROWS]).encode("utf-16")
    assert [(r.nip, r.full_name, r.email) for r in read_rows(data, "peserta.txt")] == [
        (ROWS[0][0], ROWS[0][1], ROWS[0][2]),
        ("", ROWS[1][1], ROWS[1][2]),
    ]
