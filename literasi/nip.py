"""NIP (Nomor Induk Pegawai) rules: normalisation and structural validation, for every path.

An ASN number has 18 digits: birth date (YYYYMMDD), year of appointment (YYYY), then two digits
that are the TMT month (01-12) in a PNS's NIP or the PPPK code in an NI PPPK, then sex (1 or 2)
and a sequence number (001 upwards). People type it with spaces or dots; it is stored as the bare
18 digits. Signup, uploads and hand-added participants all call ``validate_nip``, so one rule
holds everywhere, and every error names the rule that failed.
"""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

NIP_LENGTH = 18
# Digits 13-14 of an NI PPPK (where a PNS NIP has the TMT month). 21 is the only code in the
# numbers issued so far; a new code is added here and nowhere else.
PPPK_CODES = frozenset({"21"})
_SEPARATORS = re.compile(r"[\s.\-]+")


def normalise_nip(raw: str) -> str:
    """Strip the spaces, dots and dashes people type inside a NIP."""
    return _SEPARATORS.sub("", raw or "")


def is_pppk_number(nip: str) -> bool:
    """Whether a (validated) 18-digit number is an NI PPPK rather than a PNS NIP."""
    return nip[12:14] in PPPK_CODES


def _parse_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def validate_nip(raw: str, *, today: dt.date | None = None) -> str:
    """Return the normalised NIP or NI PPPK, or raise ValidationError naming the first rule that fails.

    Digits 13-14 must be a month (01-12) or one of ``PPPK_CODES``; the appointment must come after
    the birth date and not lie in the future (to the month for a PNS, to the year for a PPPK).
    """
    nip = normalise_nip(raw)
    today = today or timezone.localdate()
    if not nip.isdigit():
        raise ValidationError(
            _("The NIP may contain only digits (spaces and dots are allowed between them)."),
            code="nip_digits",
        )
    if len(nip) != NIP_LENGTH:
        raise ValidationError(
            _("The NIP must be 18 digits long; this one has %(count)d.") % {"count": len(nip)},
            code="nip_length",
        )
    birth = _parse_date(int(nip[0:4]), int(nip[4:6]), int(nip[6:8]))
    if birth is None or birth.year < 1900 or birth > today:
        raise ValidationError(
            _("The birth date in the NIP (digits 1-8, YYYYMMDD) is not a valid date."),
            code="nip_birth_date",
        )
    year, month_or_code = int(nip[8:12]), nip[12:14]
    appointed: tuple[int, ...]
    born: tuple[int, ...]
    now: tuple[int, ...]
    if is_pppk_number(nip):
        appointed, born, now = (year,), (birth.year,), (today.year,)
    elif 1 <= int(month_or_code) <= 12:
        appointed, born, now = (year, int(month_or_code)), (birth.year, birth.month), (today.year, today.month)
    else:
        raise ValidationError(
            _("The TMT CPNS in the NIP (digits 9-14, YYYYMM) has an invalid month."),
            code="nip_tmt_month",
        )
    if appointed <= born or appointed > now:
        raise ValidationError(
            _("The TMT CPNS in the NIP (digits 9-14) must come after the birth date and not lie in the future."),
            code="nip_tmt_order",
        )
    if nip[14] not in "12":
        raise ValidationError(
            _("The sex digit of the NIP (digit 15) must be 1 (male) or 2 (female)."),
            code="nip_sex",
        )
    if nip[15:18] == "000":
        raise ValidationError(
            _("The sequence number of the NIP (digits 16-18) starts at 001."),
            code="nip_sequence",
        )
    return nip


def mask_nip(nip: str) -> str:
    """Show only the first four and last four digits, as public pages must."""
    if len(nip) != NIP_LENGTH:
        return "*" * len(nip)
    return nip[:4] + "*" * 10 + nip[-4:]
