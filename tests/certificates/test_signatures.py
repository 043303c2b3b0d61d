from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from certificates import services, signing
from certificates.models import Certificate
from certificates.verification import verify_file

from .conftest import participants
from .pdfs import qr_codes

pytestmark = pytest.mark.django_db


@pytest.fixture
def certificate(cohort_jabar, organiser_jabar) -> Certificate:
    enrolment = participants(cohort_jabar, 1)[0]
    enrolment.user.full_name = "Dra. Ni Luh Putu Ayu Sri Wahyuni, M.Si."
    enrolment.user.save()
    services.certificates_issue_for_cohort(cohort_id=cohort_jabar.pk, actor_id=organiser_jabar.pk)
    return Certificate.objects.get()


def test_the_pdf_is_a4_landscape_small_with_an_embedded_font(certificate):
    pdf = certificate.pdf.read()
    assert len(pdf) < 100_000, len(pdf)
    assert b"/MediaBox [ 0 0 841.8898 595.2756 ]" in pdf
    assert b"DejaVuSans" in pdf and b"/FontFile2" in pdf


def test_the_pades_signature_validates_and_fails_after_one_byte_changes(certificate, tmp_path):
    pdf = certificate.pdf.read()
    report = verify_file(pdf, online=False)
    assert report.ok, report.lines
    assert report.claims is not None and report.claims["vc"]["literasi"]["number"] == certificate.number

    page_start = pdf.index(b"stream", 2000)  # a byte of the page's content, inside the signed range
    tampered = pdf[: page_start + 10] + bytes([pdf[page_start + 10] ^ 0x01]) + pdf[page_start + 11 :]
    report = verify_file(tampered, online=False)
    assert not report.ok
    assert "GAGAL PDF signature: the file was altered after signing (tampering)" in report.lines

    path = tmp_path / "diubah.pdf"
    path.write_bytes(tampered)
    with pytest.raises(CommandError):
        call_command("verify_certificate", str(path), "--offline", stdout=io.StringIO())
    good = tmp_path / "asli.pdf"
    good.write_bytes(pdf)
    out = io.StringIO()
    call_command("verify_certificate", str(good), "--offline", stdout=out)
    assert "passed every check" in out.getvalue()


def test_the_credential_verifies_with_the_published_key_and_fails_when_edited(certificate, client):
    jwks = client.get("/sertifikat/kunci.json").json()
    claims = signing.credential_verify(certificate.credential, jwks)
    assert claims["vc"]["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert claims["vc"]["credentialStatus"]["statusListIndex"] == str(certificate.pk)
    assert claims["vc"]["credentialSubject"]["name"] == "Dra. Ni Luh Putu Ayu Sri Wahyuni, M.Si."

    header, payload, signature = certificate.credential.split(".")
    import base64
    import json

    body = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    body["vc"]["credentialSubject"]["name"] = "Orang Lain"
    forged = base64.urlsafe_b64encode(json.dumps(body).encode()).decode().rstrip("=")
    report = verify_file(f"{header}.{forged}.{signature}".encode(), jwks=jwks, online=False)
    assert not report.ok and "altered" in report.lines[-1]

    from joserfc.jwk import OKPKey

    other = OKPKey.generate_key("Ed25519").as_dict(private=False)
    report = verify_file(certificate.credential.encode(), jwks={"keys": [other]}, online=False)
    assert not report.ok


def test_the_status_list_says_revoked(certificate, client, organiser_jabar):
    from certificates import status_list

    jwks = client.get("/sertifikat/kunci.json").json()

    def revoked() -> bool:
        listed = signing.credential_verify(client.get("/sertifikat/status.json").content.decode(), jwks)
        return status_list.is_set(listed["vc"]["credentialSubject"]["encodedList"], certificate.pk)

    assert not revoked()
    services.certificate_revoke(certificate=certificate, actor=organiser_jabar, reason="Salah peserta")
    assert revoked()


def test_the_qr_code_on_the_rendered_page_leads_to_the_verification_page(certificate, client):
    codes = qr_codes(certificate.pdf.read())
    assert codes == [services.verification_url(certificate.number)]
    response = client.get(codes[0].removeprefix("http://127.0.0.1:8000"))
    assert response.status_code == 200
    assert "Sertifikat ini sah." in response.content.decode()
    assert "Dra. Ni Luh Putu Ayu Sri Wahyuni, M.Si." in response.content.decode()
