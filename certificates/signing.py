"""The two signatures of a certificate, with keys configured from the environment.

1. The PDF carries a PAdES signature (pyHanko): a PDF reader shows whether it was altered.
2. A W3C Verifiable Credential in the Open Badges 3.0 shape, signed as a JWT with Ed25519
   (joserfc), embedded in the PDF and downloadable; the issuer's public key is published at
   ``/sertifikat/kunci.json`` and each credential points to the revocation status list.

Development keys come from ``manage.py certificates_dev_keys`` (var/keys/); production sets
``CERTIFICATES_PADES_KEY``, ``CERTIFICATES_PADES_CERT`` and ``CERTIFICATES_VC_KEY`` to the agency's own.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
from pathlib import Path

from django.conf import settings
from joserfc import jwt
from joserfc.jwk import KeySet, OKPKey
from pyhanko.pdf_utils import embed, generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers

JWT_ALGORITHM = "Ed25519"  # RFC 9864 (the fully specified name of EdDSA over Ed25519)
CREDENTIAL_FILE_NAME = "credential.jwt"


class KeysMissing(RuntimeError):
    """No signing keys are configured (run ``manage.py certificates_dev_keys`` in development)."""


def _read(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except FileNotFoundError as error:
        raise KeysMissing(f"{path} is missing: run `python manage.py certificates_dev_keys`") from error


@functools.cache
def credential_key() -> OKPKey:
    return OKPKey.import_key(_read(settings.CERTIFICATES_VC_KEY))


def public_jwks() -> dict:
    """The issuer's public key set, as published at a stable URL."""
    key = credential_key()
    public = key.as_dict(private=False)
    public.update(kid=key.thumbprint(), alg=JWT_ALGORITHM, use="sig")
    return {"keys": [public]}


def credential_sign(claims: dict) -> str:
    key = credential_key()
    return jwt.encode({"alg": JWT_ALGORITHM, "kid": key.thumbprint(), "typ": "vc+jwt"}, claims, key,
                      algorithms=[JWT_ALGORITHM])  # fmt: skip


def credential_verify(token: str, jwks: dict) -> dict:
    """The credential's claims if ``token`` was signed by a key of ``jwks``; raises otherwise
    (joserfc's BadSignatureError for an edited token, ValueError/KeyError for a foreign key)."""
    keys = KeySet.import_key_set(jwks)
    return jwt.decode(token, keys, algorithms=[JWT_ALGORITHM]).claims


@functools.cache
def _pdf_signer() -> signers.SimpleSigner:
    _read(settings.CERTIFICATES_PADES_KEY), _read(settings.CERTIFICATES_PADES_CERT)  # a clear error if missing
    signer = signers.SimpleSigner.load(settings.CERTIFICATES_PADES_KEY, settings.CERTIFICATES_PADES_CERT)
    if signer is None:
        raise KeysMissing("the PAdES key or certificate could not be read")
    return signer


def pdf_attach_and_sign(pdf: bytes, *, credential: str, signed_at: dt.datetime) -> bytes:
    """Embed the credential as an attachment, then sign the whole file (PAdES baseline B)."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    data = embed.EmbeddedFileObject.from_file_data(
        writer, data=credential.encode(), mime_type="application/vc+jwt",
        params=embed.EmbeddedFileParams(creation_date=signed_at, modification_date=signed_at),
    )  # fmt: skip
    spec = embed.FileSpec(
        file_spec_string=CREDENTIAL_FILE_NAME, file_name=CREDENTIAL_FILE_NAME, embedded_data=data,
        description="Open Badges 3.0 credential (JWT)", af_relationship=generic.pdf_name("/Supplement"),
    )  # fmt: skip
    embed.embed_file(writer, spec)
    meta = signers.PdfSignatureMetadata(
        field_name="Tandatangan", subfilter=fields.SigSeedSubFilter.PADES, reason="Sertifikat Literasi Digital"
    )
    out = signers.PdfSigner(meta, signer=_pdf_signer()).sign_pdf(writer)
    return out.getvalue()


def pdf_signing_certificate():
    """The X.509 certificate PDFs are signed with (the trust root for offline checks)."""
    return _pdf_signer().signing_cert
