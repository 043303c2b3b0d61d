"""Certificate numbers: readable, with a check character that catches a mistyped one.

``LD/32/2026/K003/0007/00042-K``: programme / province code / cohort year / course / cohort number /
participant number, then a check character (ISO 7064 MOD 37,36 over the letters and digits), which
catches every single wrong character and every swap of two neighbours. A re-issued certificate (a
new version after a correction) keeps its participant number and adds the version:
``LD/32/2026/K003/0007/00042R2-P``. Cohort number 0000 is the province's self-paced (mandiri) cohort
of that course and year.

Cohorts are numbered per province, course and year, so the course is part of the number: without it
the first cohort of two courses in one province and year would hand out the same numbers.
"""

from __future__ import annotations

import re

PROGRAMME = "LD"  # Literasi Digital
_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_SHAPE = re.compile(r"^LD/\d{2}/\d{4}/K\d{3,}/\d{4}/\d{5}(R\d+)?-[0-9A-Z]$")


def check_character(body: str) -> str:
    """ISO 7064 MOD 37,36 check character over the letters and digits of ``body``."""
    modulus = len(_ALPHABET)
    product = modulus
    for char in body:
        if char not in _ALPHABET:
            continue
        total = (product + _ALPHABET.index(char)) % modulus or modulus
        product = (total * 2) % (modulus + 1)
    return _ALPHABET[(modulus + 1 - product) % modulus]


def certificate_number(
    *, province_code: str, year: int, course_id: int, cohort_sequence: int, sequence: int, version: int = 1
) -> str:
    body = f"{PROGRAMME}/{province_code}/{year:04d}/K{course_id:03d}/{cohort_sequence:04d}/{sequence:05d}"
    if version > 1:
        body += f"R{version}"
    return f"{body}-{check_character(body)}"


def normalise_number(raw: str) -> str:
    """What people type or scan, made comparable: upper case, no spaces."""
    return re.sub(r"\s+", "", raw or "").upper()


def number_is_well_formed(number: str) -> bool:
    """The shape is right and the check character matches (so a typo is caught before any lookup)."""
    if not _SHAPE.match(number):
        return False
    body, check = number.rsplit("-", 1)
    return check_character(body) == check
