"""Reads for certificates. Organiser reads are scoped through literasi.selectors.provinces_managed_by:
another province's certificate does not exist for them. Selectors return data or None; views
turn None into a 404."""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property

from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone

from literasi.models import User
from literasi.nip import mask_nip
from literasi.selectors import provinces_managed_by
from literasi.sql import aware

from .models import Certificate, SigningOfficial
from .numbers import normalise_number, number_is_well_formed

PNS_JP_PER_YEAR = 20  # PP 11/2017 as amended by PP 17/2020


@dataclass(frozen=True)
class Verification:
    """What the public verification page shows of one certificate: its status now, and what it
    said when issued."""

    pk: int
    number: str
    status: str
    revoked_at: dt.datetime | None
    revoked_reason: str
    snapshot_json: str
    replaced_by_number: str | None

    @cached_property
    def snapshot(self) -> dict:
        # Read only when the page is rendered, not when it was kept (certificates.views).
        return json.loads(self.snapshot_json)

    @property
    def masked_nip(self) -> str:
        nip = self.snapshot["learner"]["nip"]
        return mask_nip(nip) if nip else ""


# The certificate by its (unique, so indexed) number and the number of the version that replaced
# it (replaces_id is unique too), in one statement with only the columns the page shows. Written
# as SQL rather than built by the ORM, because building this query took 0.45 ms per request in
# the profile (0.62 ms against 0.17 ms for the whole lookup): make bench-verify gave 211-273 req/s
# with the ORM's values_list against 347-371 req/s with this (2026-12-03). The verification tests
# run it on PostgreSQL and SQLite.
_VERIFICATION_SQL = f"""
    SELECT c.id, c.status, c.revoked_at, c.revoked_reason, c.snapshot, r.number
    FROM {Certificate._meta.db_table} c
    LEFT JOIN {Certificate._meta.db_table} r ON r.replaces_id = c.id
    WHERE c.number = %s
"""  # noqa: S608 - the table name comes from the model, the number is a parameter


def verification_by_number(*, number: str) -> Verification | None:
    """The certificate with this number as the verification page shows it (one indexed query,
    none for a malformed number), or None for an unknown or malformed one."""
    number = normalise_number(number)
    if not number_is_well_formed(number):
        return None
    with connection.cursor() as cursor:
        cursor.execute(_VERIFICATION_SQL, [number])
        row = cursor.fetchone()
    if row is None:
        return None
    pk, status, revoked_at, revoked_reason, snapshot, replaced_by_number = row
    return Verification(pk=pk, number=number, status=status, revoked_at=aware(revoked_at), revoked_reason=revoked_reason,
                        snapshot_json=snapshot, replaced_by_number=replaced_by_number)  # fmt: skip


def certificates_of_learner(*, user: User) -> QuerySet[Certificate]:
    """The learner's current certificates (not those replaced by a newer version), newest first."""
    return (
        Certificate.objects.filter(user=user).exclude(status=Certificate.Status.REPLACED).order_by("-issued_at", "-pk")
    )


def jp_per_year(certificates: list[Certificate]) -> list[dict]:
    """JP earned per year from valid certificates, beside the 20 JP a PNS needs."""
    totals: dict[int, int] = defaultdict(int)
    for c in certificates:
        if c.status == Certificate.Status.VALID:
            year = timezone.localtime(c.issued_at).year
            totals[year] += c.snapshot["course"]["jp"]
    return [{"year": y, "jp": jp, "needed": PNS_JP_PER_YEAR, "met": jp >= PNS_JP_PER_YEAR}
            for y, jp in sorted(totals.items(), reverse=True)]  # fmt: skip


def certificate_of_learner(*, user: User, certificate_id: int) -> Certificate | None:
    return certificates_of_learner(user=user).filter(pk=certificate_id).first()


def certificates_managed_by(user: User) -> QuerySet[Certificate]:
    return Certificate.objects.filter(cohort__province__in=provinces_managed_by(user))


def certificate_for_manager(*, user: User, certificate_id: int) -> Certificate | None:
    return certificates_managed_by(user).select_related("cohort", "cohort__province").filter(pk=certificate_id).first()


def cohort_certificates(*, cohort_id: int) -> QuerySet[Certificate]:
    return Certificate.objects.filter(cohort_id=cohort_id).select_related("replaced_by").order_by("sequence", "version")


def revoked_indexes() -> list[int]:
    """Status-list indexes (certificate ids) of revoked certificates."""
    return list(Certificate.objects.filter(status=Certificate.Status.REVOKED).values_list("pk", flat=True))


def signing_officials_of_cohort(*, cohort) -> tuple[SigningOfficial | None, SigningOfficial | None]:
    """The cohort's own signing official and its province's (either may be None), in one query.
    The cohort's own signs when set."""
    officials = list(
        SigningOfficial.objects.filter(province_id=cohort.province_id).filter(Q(cohort=cohort) | Q(cohort__isnull=True))
    )
    own = next((o for o in officials if o.cohort_id == cohort.pk), None)
    province = next((o for o in officials if o.cohort_id is None), None)
    return own, province
