"""Create development signing keys in var/keys/ (never for production: use the agency's own)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.core.management.base import BaseCommand


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    path.chmod(0o600)


def create_dev_keys(*, force: bool = False) -> list[Path]:
    """Write the keys that settings point to, unless they exist (or ``force``). Returns those written."""
    written = []
    pem = serialization.Encoding.PEM
    plain = serialization.NoEncryption()
    vc_path = Path(settings.CERTIFICATES_VC_KEY)
    if force or not vc_path.exists():
        vc_key = ed25519.Ed25519PrivateKey.generate()
        _write(vc_path, vc_key.private_bytes(pem, serialization.PrivateFormat.PKCS8, plain))
        written.append(vc_path)
    key_path, cert_path = Path(settings.CERTIFICATES_PADES_KEY), Path(settings.CERTIFICATES_PADES_CERT)
    if force or not (key_path.exists() and cert_path.exists()):
        pades_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([
            x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Literasi (development only)"),
            x509.NameAttribute(NameOID.COMMON_NAME, "Literasi development signing key"),
        ])  # fmt: skip
        now = dt.datetime.now(dt.UTC)
        cert = (
            x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(pades_key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .sign(pades_key, hashes.SHA256())
        )  # fmt: skip
        _write(key_path, pades_key.private_bytes(pem, serialization.PrivateFormat.PKCS8, plain))
        _write(cert_path, cert.public_bytes(pem))
        written += [key_path, cert_path]
    return written


class Command(BaseCommand):
    help = "Create development signing keys for certificates (PAdES and credential) where settings point."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--force", action="store_true", help="Replace existing keys.")

    def handle(self, *args: object, force: bool = False, **options: object) -> None:
        written = create_dev_keys(force=force)
        for path in written:
            self.stdout.write(f"wrote {path}")
        if not written:
            self.stdout.write("keys exist; --force replaces them")
