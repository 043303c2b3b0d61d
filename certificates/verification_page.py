"""What the public verification page reads: the visitor's count for the rate limit and the
certificate, in one round trip to Redis for a certificate looked up in the last few minutes,
with PostgreSQL asked only for the others.

Why: the page is what a QR code opens, so it is the platform's most exposed page. Read from
PostgreSQL on every visit it cost a database connection's health check and the lookup beside
the Redis count, and ran at 45% of a bare Django view's throughput (``make bench-verify``,
2026-12-03; target 60%). The figures with the record kept are in the README.

A kept record never shows an old status. A certificate's status only moves forward, once: from
valid to revoked or to replaced, both final. So:
- a visit that read PostgreSQL keeps what it read only where no record is kept yet (SET NX);
- revoking or re-issuing a certificate replaces its record once the change has committed
  (``verification_refresh``, SET), with the final status PostgreSQL says then; a record is only
  ever replaced by a final status, which nothing can make old.
So a visit that read the certificate just before a revocation committed either keeps its record
before the revocation's (which replaces it) or finds the revocation's there (and keeps nothing).
What is left is a replacement that did not reach Redis (it was unreachable for that moment; a
warning is logged). The scheduler's certificates sweep replaces the records of every certificate
revoked or replaced within twice the records' lifetime again (``verification_refresh_recent``),
and records expire after ``KEPT_SECONDS`` anyway.

Without Redis (the embedded default, one machine) the records live in Django's file cache with
the same rules, except that its "add" is not atomic across processes: there a visit racing a
revocation can keep the old record until the next sweep or its expiry.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from dataclasses import dataclass

from literasi import rate_limits

from .models import Certificate, CertificateEvent
from .numbers import normalise_number, number_is_well_formed
from .selectors import Verification, verification_by_number

KEPT_SECONDS = 300
_FORMAT = 1  # part of the key: a release that changes the record's fields reads none of the old ones


@dataclass(frozen=True)
class Visit:
    limited: bool  # past the visitor's limit this minute: nothing was looked up
    certificate: Verification | None  # None: unknown or malformed number


def verification_visit(*, number: str, visitor: str, limit: int) -> Visit:
    """Count the visitor's lookup in the current minute and, within ``limit``, return the
    certificate with this number as the page shows it (kept in Redis if it was not yet)."""
    number = normalise_number(number)
    key = kept_key(number) if number_is_well_formed(number) else None
    count, kept = rate_limits.hit_reading(f"verify-rate:{visitor}", window=60, kept=key)
    if count > limit:
        return Visit(limited=True, certificate=None)
    if kept is not None:
        return Visit(limited=False, certificate=_loads(kept))
    certificate = verification_by_number(number=number)
    if certificate is not None and count:  # a count of 0: Redis is away, so keeping would fail too
        rate_limits.keep(kept_key(number), _dumps(certificate), seconds=KEPT_SECONDS, replace=False)
    return Visit(limited=False, certificate=certificate)


def verification_refresh(*, number: str) -> None:
    """Replace the kept record of this certificate with what PostgreSQL says now, if that is a
    final status (revoked or replaced). Call once the transaction that revoked or replaced it has
    committed (``transaction.on_commit``). A valid certificate's record is kept only where none
    is (as a visit keeps it), so a late refresh can never put a valid record over a revoked one."""
    certificate = verification_by_number(number=number)
    if certificate is not None:
        final = certificate.status != Certificate.Status.VALID
        rate_limits.keep(kept_key(certificate.number), _dumps(certificate), seconds=KEPT_SECONDS, replace=final)


def verification_refresh_recent(*, now: dt.datetime) -> int:
    """Replace the kept records of the certificates revoked or re-issued within the records'
    lifetime (with a margin), from the scheduler's sweep: a replacement that could not reach
    Redis at the time is made good within a sweep. Returns how many records were replaced."""
    since = now - dt.timedelta(seconds=2 * KEPT_SECONDS)
    lately = CertificateEvent.objects.filter(at__gte=since)
    revoked = lately.filter(action=CertificateEvent.Action.REVOKED).values_list("certificate__number", flat=True)
    # A re-issue's event belongs to the new version; the record to bring up to date is the old one's.
    replaced = lately.filter(action=CertificateEvent.Action.REISSUED).values_list(
        "certificate__replaces__number", flat=True
    )
    numbers = sorted({*revoked, *replaced} - {None})
    for number in numbers:
        verification_refresh(number=number)
    return len(numbers)


def kept_key(number: str) -> str:
    """The cache key (before the cache's prefix) of the record kept for this certificate number."""
    return f"verification:{_FORMAT}:{number}"


def _dumps(certificate: Verification) -> str:
    fields = dataclasses.asdict(certificate)
    fields["revoked_at"] = certificate.revoked_at.isoformat() if certificate.revoked_at else None
    return json.dumps(fields)


def _loads(kept: str) -> Verification:
    fields = json.loads(kept)
    if fields["revoked_at"]:
        fields["revoked_at"] = dt.datetime.fromisoformat(fields["revoked_at"])
    return Verification(**fields)
