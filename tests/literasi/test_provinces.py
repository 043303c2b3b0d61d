from __future__ import annotations

import pytest

from literasi.models import Province

# From ../shared/domain.md (Kemendagri codes), written out independently of the migration.
EXPECTED = {
    "11": "Aceh", "12": "Sumatera Utara", "13": "Sumatera Barat", "14": "Riau", "15": "Jambi",
    "16": "Sumatera Selatan", "17": "Bengkulu", "18": "Lampung", "19": "Kepulauan Bangka Belitung",
    "21": "Kepulauan Riau", "31": "DKI Jakarta", "32": "Jawa Barat", "33": "Jawa Tengah",
    "34": "Daerah Istimewa Yogyakarta", "35": "Jawa Timur", "36": "Banten", "51": "Bali",
    "52": "Nusa Tenggara Barat", "53": "Nusa Tenggara Timur", "61": "Kalimantan Barat",
    "62": "Kalimantan Tengah", "63": "Kalimantan Selatan", "64": "Kalimantan Timur",
    "65": "Kalimantan Utara", "71": "Sulawesi Utara", "72": "Sulawesi Tengah", "73": "Sulawesi Selatan",
    "74": "Sulawesi Tenggara", "75": "Gorontalo", "76": "Sulawesi Barat", "81": "Maluku",
    "82": "Maluku Utara", "91": "Papua", "92": "Papua Barat", "93": "Papua Selatan", "94": "Papua Tengah",
    "95": "Papua Pegunungan", "96": "Papua Barat Daya",
}  # fmt: skip


@pytest.mark.django_db
def test_the_38_provinces_ship_with_their_kemendagri_codes() -> None:
    assert dict(Province.objects.values_list("code", "name")) == EXPECTED
    assert len(EXPECTED) == 38


@pytest.mark.django_db
def test_papua_codes_are_kemendagri_not_bps() -> None:
    # BPS uses 91 for Papua Barat and 94 for Papua; the platform stores Kemendagri's.
    assert Province.objects.get(code="91").name == "Papua"
    assert Province.objects.get(code="94").name == "Papua Tengah"


@pytest.mark.django_db
def test_signup_offers_the_provinces_by_name(client) -> None:
    html = client.get("/akun/signup/").content.decode()
    assert '<option value="32">Jawa Barat</option>' in html
    assert '<option value="96">Papua Barat Daya</option>' in html
