"""Reads for certificates. Organiser reads are scoped through literasi.selectors.provinces_managed_by:
another province's certificate does not exist for them. Selectors return data or None; views
turn None into a 404."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Q, QuerySet
from django.utils import timezone

from literasi.models import User
from literasi.selectors import provinces_managed_by

from .models import Certificate, SigningOfficial
from .numbers import normalise_number, number_is_well_formed

PNS_JP_PER_YEAR = 20  # PP 11/2017 as amended by PP 17/2020


def certificate_by_number(*, number: str) -> Certificate | None:
    """The certificate with this number (one indexed lookup), or None for an unknown or malformed one."""
    number = normalise_number(number)
    if not number_is_well_formed(number):
        return None
    # Unordered: the model's ordering (by cohort) would join the cohorts to sort a single row.
    return next(iter(Certificate.objects.select_related("replaced_by").filter(number=number).order_by()[:1]), None)


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
