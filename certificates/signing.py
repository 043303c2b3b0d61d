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
from typing import cast

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ec import ECDSA
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from django.conf import settings
from joserfc import jwt
from joserfc.jwk import KeySet, KeySetSerialization, OKPKey
from pyhanko.pdf_utils import embed, generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.general import get_pyca_cryptography_hash
from reportlab.pdfgen import canvas

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
    # A JWKS as read from JSON: import_key_set refuses a malformed one (KeyError, ValueError).
    keys = KeySet.import_key_set(cast(KeySetSerialization, jwks))
    return jwt.decode(token, keys, algorithms=[JWT_ALGORITHM]).claims


class _KeptKeySigner(signers.SimpleSigner):
    """pyHanko's SimpleSigner, holding its private key parsed once: SimpleSigner parses (and for
    RSA fully checks) the key again for every signature, about 30 ms each, which was most of the
    cost of a certificate. Mechanisms other than RSA PKCS#1 v1.5 and ECDSA go to SimpleSigner."""

    @functools.cached_property
    def _private_key(self):
        return serialization.load_der_private_key(self.signing_key.dump(), password=None)

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
        try:
            name = mechanism.signature_algo
        except ValueError:
            name = mechanism["algorithm"].native
        hash_algorithm = get_pyca_cryptography_hash(digest_algorithm)
        if name == "rsassa_pkcs1v15":
            return self._private_key.sign(data, PKCS1v15(), hash_algorithm)
        if name == "ecdsa":
            return self._private_key.sign(data, ECDSA(hash_algorithm))
        return super().sign_raw(data, digest_algorithm)


@functools.cache
def _pdf_signer() -> signers.SimpleSigner:
    _read(settings.CERTIFICATES_PADES_KEY), _read(settings.CERTIFICATES_PADES_CERT)  # a clear error if missing
    loaded = signers.SimpleSigner.load(settings.CERTIFICATES_PADES_KEY, settings.CERTIFICATES_PADES_CERT)
    if loaded is None:
        raise KeysMissing("the PAdES key or certificate could not be read")
    return _KeptKeySigner(signing_cert=loaded.signing_cert, signing_key=loaded.signing_key,
                          cert_registry=loaded.cert_registry, signature_mechanism=loaded.signature_mechanism)  # fmt: skip


def _metadata() -> signers.PdfSignatureMetadata:
    return signers.PdfSignatureMetadata(
        field_name="Tandatangan", subfilter=fields.SigSeedSubFilter.PADES, reason="Sertifikat Literasi Digital"
    )


@functools.cache
def _signature_space() -> int:
    """The bytes to reserve in a PDF for its signature. Without it pyHanko estimates the space by
    making a throwaway signature first, for every PDF; it is the same for every certificate signed
    with one key, so it is estimated once per process, by pyHanko, on a blank page."""
    blank = io.BytesIO()
    page = canvas.Canvas(blank)
    page.showPage()
    page.save()
    signed = signers.PdfSigner(_metadata(), signer=_pdf_signer()).sign_pdf(IncrementalPdfFileWriter(blank))
    return 2 * len(PdfFileReader(signed).embedded_signatures[0].sig_object["/Contents"])


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
    out = signers.PdfSigner(_metadata(), signer=_pdf_signer()).sign_pdf(writer, bytes_reserved=_signature_space())
    return out.getvalue()


def pdf_signing_certificate():
    """The X.509 certificate PDFs are signed with (the trust root for offline checks)."""
    return _pdf_signer().signing_cert
