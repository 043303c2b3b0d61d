"""Offline checks of a certificate file (a PDF or its credential), for ``verify_certificate``
and the tests: which check failed (signature, key, tampering), and the status when online."""

from __future__ import annotations

import io
import json
import urllib.request
from dataclasses import dataclass, field

from joserfc.errors import JoseError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from . import signing, status_list


@dataclass
class Report:
    ok: bool = True
    lines: list[str] = field(default_factory=list)
    claims: dict | None = None

    def check(self, passed: bool, good: str, bad: str) -> None:
        self.lines.append(("OK    " if passed else "GAGAL ") + (good if passed else bad))
        self.ok = self.ok and passed


def _embedded_credential(reader: PdfFileReader) -> str | None:
    try:  # subscripting resolves indirect objects
        pairs = reader.root["/Names"]["/EmbeddedFiles"]["/Names"]
        for i in range(0, len(pairs), 2):
            if str(pairs[i]) == signing.CREDENTIAL_FILE_NAME:
                return pairs[i + 1]["/EF"]["/F"].data.decode()
    except KeyError:
        pass
    return None


def check_pdf(data: bytes, report: Report, jwks: dict) -> str | None:
    """PAdES: signed by the configured key, intact and covering the whole file. The credential inside."""
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = reader.embedded_signatures
    except Exception:  # noqa: BLE001 (an edited PDF may not even parse: that is the finding)
        report.check(False, "", "PDF: file is damaged or was altered (cannot be read)")
        return None
    if not signatures:
        report.check(False, "", "PDF signature: none found")
        return None
    context = ValidationContext(trust_roots=[signing.pdf_signing_certificate()])
    status = validate_pdf_signature(signatures[0], context)
    report.check(status.intact and status.valid, "PDF signature: intact",
                 "PDF signature: the file was altered after signing (tampering)")  # fmt: skip
    if status.intact:  # whose key made an altered signature cannot be told
        report.check(status.trusted, "PDF signature: made with the issuer's key",
                     "PDF signature: not made with the issuer's key")  # fmt: skip
    report.check(status.coverage == SignatureCoverageLevel.ENTIRE_FILE, "PDF signature: covers the whole file",
                 "PDF signature: content was added after signing (tampering)")  # fmt: skip
    credential = _embedded_credential(reader)
    report.check(credential is not None, "PDF: credential attached", "PDF: no credential attached")
    return credential


def check_credential(token: str, report: Report, jwks: dict) -> None:
    try:
        report.claims = signing.credential_verify(token.strip(), jwks)
        report.check(True, "Credential signature: valid, issuer's key", "")
    except JoseError as error:
        report.check(False, "", f"Credential signature: invalid or altered ({error.error})")
    except (ValueError, KeyError, TypeError):
        report.check(False, "", "Credential: not a credential signed with the issuer's key")


def check_status(report: Report, jwks: dict, timeout: float = 5.0) -> None:
    """With the site reachable: is the credential revoked, by the signed status list?"""
    if not report.claims:
        return
    entry = report.claims["vc"]["credentialStatus"]
    try:
        with urllib.request.urlopen(entry["statusListCredential"], timeout=timeout) as response:  # noqa: S310
            token = response.read().decode()
    except OSError:
        report.lines.append(f"--    Status: not checked, {entry['statusListCredential']} cannot be reached")
        return
    try:
        listed = signing.credential_verify(token, jwks)
    except (JoseError, ValueError):
        report.check(False, "", "Status list: signature invalid")
        return
    revoked = status_list.is_set(listed["vc"]["credentialSubject"]["encodedList"], int(entry["statusListIndex"]))
    report.check(not revoked, "Status: not revoked", "Status: REVOKED (see the verification page)")


def verify_file(data: bytes, *, jwks: dict | None = None, online: bool = True) -> Report:
    jwks = jwks or signing.public_jwks()
    report = Report()
    token = check_pdf(data, report, jwks) if data.startswith(b"%PDF") else data.decode(errors="replace")
    if token is not None and token.lstrip().startswith("{"):
        token = json.loads(token).get("credential", "")
    if token is not None:
        check_credential(token, report, jwks)
    if online:
        check_status(report, jwks)
    return report
