"""Exports: SIASN training records (one row per certificate), formula-safe, scoped, streamed."""

from __future__ import annotations

import csv
import datetime as dt
import io
import tracemalloc

import pytest
from openpyxl import load_workbook

from certificates import services as certificate_services
from certificates.models import Certificate
from monitoring import exports, views

from .helpers import complete, make_cohort

pytestmark = pytest.mark.django_db


@pytest.fixture
def certified(national_admin, jabar, bali):
    """Two certified participants in Jawa Barat (one with a name a spreadsheet would run), one in Bali."""
    from cohorts import services as cohort_services
    from courses.models import Lesson

    from ..factories import course_with_lessons

    course = course_with_lessons(2, slug="aman-digital", title="Aman Digital")
    Lesson.objects.filter(course=course).update(minutes=45)
    from courses.services import course_refresh_minutes

    course_refresh_minutes(course=course)  # 90 minutes: 2 JP
    out = {}
    for province, people in ((jabar, [("199001012015031001", "Rina Wulandari"), ("", "=HYPERLINK(\"x\")")]),
                             (bali, [("198807122014022003", "Made Sari")])):  # fmt: skip
        cohort = make_cohort(national_admin, province, course, f"Angkatan {province.name}")
        for nip, name in people:
            cohort_services.participant_add(cohort=cohort, actor=national_admin, email=f"{name[:4].strip('=')}{nip}@contoh.go.id",
                                            full_name=name, nip=nip, instansi="Dinas Kominfo")  # fmt: skip
        for enrolment in cohort.enrolments.select_related("course", "user"):
            complete(enrolment)
            certificate_services.certificate_issue_for_enrolment(enrolment=enrolment, actor=national_admin)
        out[province.code] = cohort
    return out


def read_csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def test_siasn_csv_has_one_row_per_certificate_with_what_a_record_needs(client, national_admin, certified):
    client.force_login(national_admin)
    response = client.get("/pemantauan/ekspor/siasn.csv?provinsi=32")
    assert response["Content-Disposition"] == 'attachment; filename="riwayat-pelatihan-siasn.csv"'
    lines = read_csv(response)
    assert lines[0] == ["NIP", "Nama", "Nama kursus", "Jumlah JP", "Nomor sertifikat", "Institusi penyelenggara",
                        "Jenis pelatihan", "Tahun", "Tanggal mulai", "Tanggal selesai", "Instansi"]  # fmt: skip
    rina = next(line for line in lines if line[1] == "Rina Wulandari")
    certificate = Certificate.objects.get(user__full_name="Rina Wulandari")
    today = dt.datetime.now(dt.UTC).astimezone(dt.timezone(dt.timedelta(hours=7))).strftime("%d-%m-%Y")
    assert rina == ["199001012015031001", "Rina Wulandari", "Aman Digital", "2", certificate.number,
                    "Kementerian Komunikasi dan Digital Republik Indonesia", "E-learning dalam angkatan", "2026",
                    today, today, "Dinas Kominfo"]  # fmt: skip
    assert len(lines) == 3  # the header and Jawa Barat's two; Bali's is not in it
    assert [line[1] for line in lines if "HYPERLINK" in line[1]] == ['\'=HYPERLINK("x")']


def test_a_revoked_certificate_is_not_a_training_record(client, national_admin, certified):
    certificate = Certificate.objects.get(user__full_name="Rina Wulandari")
    certificate_services.certificate_revoke(certificate=certificate, actor=national_admin, reason="Salah data")
    client.force_login(national_admin)
    names = [line[1] for line in read_csv(client.get("/pemantauan/ekspor/siasn.csv"))]
    assert "Rina Wulandari" not in names and "Made Sari" in names


def test_siasn_xlsx_of_an_organiser_holds_their_province_only(client, organiser_bali, certified):
    client.force_login(organiser_bali)
    response = client.get("/pemantauan/ekspor/siasn.xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert [r[1] for r in rows[1:]] == ["Made Sari"]
    assert rows[1][0] == "198807122014022003" and rows[1][3] == 2


def _records(count: int):
    snapshot = {"learner": {"name": "=cmd|' /C calc'!A0", "nip": "", "instansi": "Pemerintah Provinsi Jawa Barat"},
                "course": {"title": "Menangkal Hoaks dan Disinformasi", "jp": 4},
                "dates": {"completed": "2026-06-30T09:00:00+07:00"},
                "template": {"issuer_name": "Kementerian Komunikasi dan Digital Republik Indonesia"}}  # fmt: skip
    enrolled = dt.datetime(2026, 6, 1, 2, tzinfo=dt.UTC)
    for n in range(count):
        yield (f"1990010120150310{n % 100:02d}", snapshot, f"LD/32/2026/0001/{n:05d}-K", enrolled, 2026, 1)


ROWS = 200_000
CSV_CEILING_MB = 8
XLSX_CEILING_MB = 24


def _peak_mb(run) -> float:
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def test_a_200000_row_csv_streams_within_its_memory_ceiling():
    """The rows go out as they are read: memory stays flat however many there are."""
    sizes = []

    def run():
        total = 0
        for chunk in exports.csv_lines(views.siasn_header(), views.siasn_rows(_records(ROWS))):
            total += len(chunk)
        sizes.append(total)

    assert _peak_mb(run) < CSV_CEILING_MB
    assert sizes[0] > 20_000_000  # 200,000 full rows really went out


def test_an_xlsx_is_written_in_memory_that_does_not_grow_with_its_rows():
    """openpyxl's write-only mode sends rows to a temporary file: four times the rows, the same
    memory. (200,000 rows take 100 s under tracemalloc: that figure is `make bench-exports`'s.)"""

    def run(count: int):
        def write():
            with exports.xlsx_file(views.siasn_header(), views.siasn_rows(_records(count)), sheet="Riwayat") as f:
                f.seek(0, io.SEEK_END)
                assert f.tell() > count * 25

        return write

    small, large = _peak_mb(run(5_000)), _peak_mb(run(20_000))
    assert large < XLSX_CEILING_MB
    assert large < small + 2
