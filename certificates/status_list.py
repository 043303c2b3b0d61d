"""The revocation status list: a W3C Bitstring Status List credential, signed like the certificates'
credentials. Bit ``i`` (counted from the left of the first byte) is 1 when certificate ``i`` is revoked."""

from __future__ import annotations

import base64
import gzip

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

MIN_BITS = 131_072  # 16 KB: the specification's minimum, so a list says little about any one holder


def encode(revoked: list[int]) -> str:
    size = max(MIN_BITS, ((max(revoked, default=0) // MIN_BITS) + 1) * MIN_BITS)
    bits = bytearray(size // 8)
    for index in revoked:
        bits[index // 8] |= 0x80 >> (index % 8)
    return "u" + base64.urlsafe_b64encode(gzip.compress(bytes(bits), mtime=0)).decode().rstrip("=")


def is_set(encoded: str, index: int) -> bool:
    data = encoded[1:] if encoded.startswith("u") else encoded
    bits = gzip.decompress(base64.urlsafe_b64decode(data + "=" * (-len(data) % 4)))
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def status_list_credential() -> str:
    """The signed status list credential as served at ``/sertifikat/status.json``."""
    from .selectors import revoked_indexes
    from .signing import credential_sign

    url = settings.SITE_URL + reverse("certificates:status_list")
    issuer = settings.SITE_URL + reverse("certificates:issuer")
    now = timezone.now()
    return credential_sign({
        "iss": issuer, "jti": url, "iat": int(now.timestamp()),
        "vc": {
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "id": url, "type": ["VerifiableCredential", "BitstringStatusListCredential"],
            "issuer": issuer, "validFrom": now.isoformat(),
            "credentialSubject": {"id": f"{url}#list", "type": "BitstringStatusList", "statusPurpose": "revocation",
                                  "encodedList": encode(revoked_indexes())},
        },
    })  # fmt: skip
