"""The certificate template in the admin: national admins make new versions (texts, issuer, logo);
issued certificates keep theirs; organisers cannot reach it."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from certificates import services
from certificates.models import Certificate, CertificateTemplate

from .conftest import participants

pytestmark = pytest.mark.django_db

ADD = "/admin/certificates/certificatetemplate/add/"


def image(kind: str, size: tuple[int, int] = (120, 120)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "#1f4e8c").save(buffer, kind)
    return buffer.getvalue()


def form(**changes: object) -> dict:
    current = services.template_current()
    return {"title": current.title, "statement": current.statement, "issuer_name": current.issuer_name,
            "footer": current.footer} | changes  # fmt: skip


def test_a_national_admin_saves_a_new_version_with_a_logo_and_issued_certificates_keep_theirs(
    client, national_admin, cohort_jabar, organiser_jabar
):
    participants(cohort_jabar, 1)
    services.certificates_issue_for_cohort(cohort_id=cohort_jabar.pk, actor_id=organiser_jabar.pk)
    first = Certificate.objects.get()
    first_pdf = first.pdf.read()
    client.force_login(national_admin)

    page = client.get(ADD).content.decode()
    assert 'value="Kementerian Komunikasi dan Digital Republik Indonesia"' in page  # starts from the newest version
    logo = SimpleUploadedFile("logo.png", image("PNG"), content_type="image/png")
    response = client.post(ADD, form(issuer_name="Kementerian Komunikasi dan Digital", logo=logo))
    assert response.status_code == 302
    newest = CertificateTemplate.objects.get(version=2)
    assert newest.issuer_name == "Kementerian Komunikasi dan Digital" and newest.created_by == national_admin
    assert newest.logo.read() == image("PNG")

    participants(cohort_jabar, 1)
    services.certificates_issue_for_cohort(cohort_id=cohort_jabar.pk, actor_id=organiser_jabar.pk)
    second = Certificate.objects.get(sequence=2)
    assert second.template == newest and second.snapshot["template"]["version"] == 2
    assert b"/Subtype /Image" in second.pdf.read() and b"/Subtype /Image" not in first_pdf
    first.refresh_from_db()
    assert first.pdf.read() == first_pdf and first.snapshot["template"]["version"] == 1

    # A text edit keeps the logo; the logo can be removed on purpose.
    client.post(ADD, form(footer="Sertifikat elektronik"))
    assert CertificateTemplate.objects.get(version=3).logo.name == newest.logo.name
    client.post(ADD, form(remove_logo="on"))
    assert not CertificateTemplate.objects.get(version=4).logo


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("logo.gif", image("GIF"), "Logo harus berupa gambar PNG atau JPEG"),
        ("logo.png", b"<svg xmlns='http://www.w3.org/2000/svg'/>", "Logo harus berupa gambar PNG atau JPEG"),
        ("logo.png", image("PNG")[:60], "Logo harus berupa gambar PNG atau JPEG"),
        ("logo.png", image("PNG") + b"\0" * 300_000, "Logo paling besar 256 KB; berkas ini"),
        ("logo.jpg", image("JPEG", (3000, 200)), "Lebar dan tinggi logo paling besar 1500 piksel; logo ini 3000 × 200"),
    ],
)
def test_a_logo_that_is_not_a_small_png_or_jpeg_is_refused_with_the_reason(client, national_admin, name, data, message):
    client.force_login(national_admin)
    services.template_current()
    response = client.post(ADD, form(title="PIAGAM", logo=SimpleUploadedFile(name, data)))
    assert response.status_code == 200 and message in response.content.decode()
    assert list(CertificateTemplate.objects.values_list("version", "title")) == [(1, "SERTIFIKAT")]


def test_a_saved_version_is_never_edited_or_deleted(client, national_admin):
    client.force_login(national_admin)
    template = services.template_current()
    change = f"/admin/certificates/certificatetemplate/{template.pk}/change/"
    assert client.get(change).status_code == 200  # shown, read-only
    assert client.post(change, form(title="PIAGAM")).status_code == 403
    assert (
        client.post(f"/admin/certificates/certificatetemplate/{template.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert list(CertificateTemplate.objects.values_list("version", "title")) == [(1, "SERTIFIKAT")]


@pytest.mark.parametrize("who", ["organiser_jabar", "learner"])
def test_an_organiser_or_learner_cannot_edit_the_template(client, request, who):
    client.force_login(request.getfixturevalue(who))
    services.template_current()
    assert client.get(ADD).status_code == 302  # to the admin's login: not staff
    assert client.post(ADD, form(title="PIAGAM")).status_code == 302
    assert CertificateTemplate.objects.count() == 1
