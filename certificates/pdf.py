"""The certificate PDF: A4 landscape, DejaVu Sans embedded (shipped in certificates/fonts, so names
with accents and apostrophes render the same on every machine), a vector QR code to the
verification page, the number, the JP and the signature block. Drawn only from the certificate's
frozen snapshot, so nothing edited later can change what it says."""

from __future__ import annotations

import functools
import io
from pathlib import Path

import segno
from reportlab.lib.colors import HexColor, black
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

FONTS = Path(__file__).resolve().parent / "fonts"
REGULAR, BOLD = "DejaVuSans", "DejaVuSans-Bold"
ACCENT = HexColor("#1f4e8c")


@functools.cache
def _register_fonts() -> None:
    pdfmetrics.registerFont(TTFont(REGULAR, str(FONTS / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(BOLD, str(FONTS / "DejaVuSans-Bold.ttf")))


def _fit(text: str, font: str, size: float, width: float) -> float:
    """The largest size up to ``size`` at which ``text`` fits ``width`` (long names with titles)."""
    while size > 8 and pdfmetrics.stringWidth(text, font, size) > width:
        size -= 0.5
    return size


def _qr(c: canvas.Canvas, url: str, x: float, y: float, size: float) -> None:
    code = segno.make(url, error="m", micro=False)
    matrix = code.matrix
    border = 2
    modules = len(matrix) + 2 * border
    cell = size / modules
    c.setFillColorRGB(1, 1, 1)
    c.rect(x, y, size, size, stroke=0, fill=1)
    c.setFillColor(black)
    for row_index, row in enumerate(matrix):
        top = y + size - (row_index + border + 1) * cell
        for col_index, dark in enumerate(row):
            if dark:
                c.rect(x + (col_index + border) * cell, top, cell, cell, stroke=0, fill=1)


def render_pdf(*, snapshot: dict, number: str, verify_url: str, logo: bytes | None = None) -> bytes:
    """The unsigned certificate PDF for ``snapshot`` (see services._snapshot for its keys)."""
    _register_fonts()
    buffer = io.BytesIO()
    width, height = landscape(A4)
    c = canvas.Canvas(buffer, pagesize=(width, height), invariant=1, pageCompression=1)
    c.setTitle(f"Sertifikat {number}")
    c.setAuthor(snapshot["template"]["issuer_name"])
    c.setStrokeColor(ACCENT)
    c.setLineWidth(3)
    c.rect(12 * mm, 12 * mm, width - 24 * mm, height - 24 * mm)
    if logo:
        from reportlab.lib.utils import ImageReader

        c.drawImage(ImageReader(io.BytesIO(logo)), width / 2 - 12 * mm, height - 45 * mm, 24 * mm, 24 * mm,
                    preserveAspectRatio=True, mask="auto")  # fmt: skip
    centre = width / 2
    text_width = width - 70 * mm
    c.setFillColor(black)
    c.setFont(REGULAR, 12)
    c.drawCentredString(centre, height - 52 * mm, snapshot["template"]["issuer_name"])
    c.setFillColor(ACCENT)
    c.setFont(BOLD, 30)
    c.drawCentredString(centre, height - 68 * mm, snapshot["template"]["title"])
    c.setFillColor(black)
    c.setFont(REGULAR, 11)
    c.drawCentredString(centre, height - 76 * mm, f"Nomor: {number}")
    c.setFont(REGULAR, 12)
    c.drawCentredString(centre, height - 88 * mm, snapshot["template"]["statement"])
    name = snapshot["learner"]["name"]
    size = _fit(name, BOLD, 24, text_width)
    c.setFont(BOLD, size)
    c.drawCentredString(centre, height - 101 * mm, name)
    c.setFont(REGULAR, 11)
    details = [part for part in (
        f"NIP {snapshot['learner']['nip']}" if snapshot["learner"]["nip"] else "",
        snapshot["learner"]["instansi"],
    ) if part]  # fmt: skip
    if details:
        line = " · ".join(details)
        c.setFont(REGULAR, _fit(line, REGULAR, 11, text_width))
        c.drawCentredString(centre, height - 109 * mm, line)
    course = snapshot["course"]["title"]
    c.setFont(BOLD, _fit(course, BOLD, 16, text_width))
    c.drawCentredString(centre, height - 122 * mm, course)
    c.setFont(REGULAR, 11)
    c.drawCentredString(
        centre, height - 130 * mm,
        f"{snapshot['cohort']['name']} · {snapshot['province']['name']} · {snapshot['course']['jp']} JP "
        f"({snapshot['course']['jp'] * 45} menit) · selesai {snapshot['dates']['completed_label']}",
    )  # fmt: skip

    # Signature block, right; QR code and verification link, left.
    official = snapshot.get("official")
    right = width - 40 * mm
    c.setFont(REGULAR, 10)
    c.drawRightString(right, 62 * mm, f"Diterbitkan {snapshot['dates']['issued_label']}")
    if official:
        c.setFont(REGULAR, 10)
        c.drawRightString(right, 56 * mm, official["position"])
        c.setFont(BOLD, 11)
        c.drawRightString(right, 30 * mm, official["name"])
        if official.get("nip"):
            c.setFont(REGULAR, 9)
            c.drawRightString(right, 25 * mm, f"NIP {official['nip']}")
        c.setFont(REGULAR, 7)
        c.drawRightString(right, 43 * mm, "Ditandatangani secara elektronik")
    else:
        c.setFont(BOLD, 11)
        c.drawRightString(right, 30 * mm, snapshot["template"]["issuer_name"])
    _qr(c, verify_url, 25 * mm, 22 * mm, 32 * mm)
    c.setFont(REGULAR, 7.5)
    c.drawString(25 * mm, 18 * mm, f"Periksa keaslian: {verify_url}")
    if snapshot["template"].get("footer"):
        c.drawCentredString(centre, 16 * mm, snapshot["template"]["footer"])
    c.showPage()
    c.save()
    return buffer.getvalue()
