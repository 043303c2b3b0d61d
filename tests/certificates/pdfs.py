"""Reading a certificate PDF as a person or a phone would: its text, and its QR codes decoded by a
real decoder (pdfium renders the page, zxing-cpp reads the codes)."""

from __future__ import annotations

from ..conftest import service_missing


def _page(pdf: bytes):
    try:
        import pypdfium2
    except ImportError as missing:
        service_missing(f"reading PDFs needs pypdfium2 (pip install -r requirements-dev.txt): {missing}")
    return pypdfium2.PdfDocument(pdf)[0]


def qr_codes(pdf: bytes) -> list[str]:
    """The text of every QR code on the first page, rendered at 216 dpi."""
    try:
        import zxingcpp
    except ImportError as missing:
        service_missing(f"QR decoding needs zxing-cpp (pip install -r requirements-dev.txt): {missing}")
    image = _page(pdf).render(scale=3).to_pil()
    return [code.text for code in zxingcpp.read_barcodes(image)]


def text(pdf: bytes) -> str:
    """The text drawn on the first page."""
    return _page(pdf).get_textpage().get_text_bounded()
