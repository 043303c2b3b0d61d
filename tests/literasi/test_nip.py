from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from literasi.nip import mask_nip, normalise_nip, validate_nip

TODAY = dt.date(2026, 11, 21)
VALID = "198609262015051001"


def error_of(raw: str, **kwargs: object) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        validate_nip(raw, today=TODAY, **kwargs)
    return info.value


@pytest.mark.parametrize(
    "typed",
    ["198609262015051001", "19860926 201505 1 001", "19860926.201505.1.001", " 19860926-201505-1-001 "],
)
def test_typed_forms_normalise_to_the_18_digits(typed: str) -> None:
    assert validate_nip(typed, today=TODAY) == VALID


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("19860926201505100", "nip_length"),  # 17 digits
        ("1986092620150510011", "nip_length"),  # 19 digits
        ("19860926A01505I001", "nip_digits"),
        ("198602302015051001", "nip_birth_date"),  # 30 February
        ("198613012015051001", "nip_birth_date"),  # month 13
        ("202712012015051001", "nip_birth_date"),  # born in the future
        ("198609262015131001", "nip_tmt_month"),  # TMT month 13
        ("198609262015001001", "nip_tmt_month"),  # TMT month 00
        ("198609261985051001", "nip_tmt_order"),  # appointed before birth
        ("198609262030051001", "nip_tmt_order"),  # appointed in the future
        ("198609262015053001", "nip_sex"),
        ("198609262015050001", "nip_sex"),
        ("198609262015051000", "nip_sequence"),
    ],
)
def test_each_rule_is_named_when_it_fails(raw: str, code: str) -> None:
    assert error_of(raw).code == code


def test_messages_name_the_rule_in_indonesian_and_english() -> None:
    with translation.override("id"):
        assert "tanggal lahir" in str(error_of("198602302015051001").messages[0]).lower()
        assert "jenis kelamin" in str(error_of("198609262015053001").messages[0]).lower()
        assert "18 digit" in str(error_of("1986").messages[0])
    with translation.override("en"):
        assert "birth date" in error_of("198602302015051001").messages[0]


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("198904122022212008", None),  # NI PPPK from the domain notes: code 21 where a PNS has the month
        ("199001012022211001", None),
        ("199001012022221001", "nip_tmt_month"),  # 22 is no month and no PPPK code
        ("199001012022991001", "nip_tmt_month"),
        ("199001011985211001", "nip_tmt_order"),  # a PPPK appointed before birth
        ("199001012030211001", "nip_tmt_order"),  # a PPPK appointed in the future
        ("199002302022211001", "nip_birth_date"),
    ],
)
def test_digits_13_and_14_are_a_month_or_a_pppk_code(raw: str, code: str | None) -> None:
    if code is None:
        assert validate_nip(raw, today=TODAY) == raw
    else:
        assert error_of(raw).code == code


def test_normalise_and_mask() -> None:
    assert normalise_nip("1986 0926.2015") == "198609262015"
    assert mask_nip(VALID) == "1986**********1001"
