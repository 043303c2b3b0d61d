from __future__ import annotations

import io
import zipfile

import pytest
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.db import transaction
from django.db.transaction import on_commit as real_on_commit  # kept before tests/certificates/conftest.py patches it
from django.test import Client
from django.urls import reverse

from certificates import services
from certificates.models import Certificate, SigningOfficial

from ..factories import PASSWORD
from .conftest import enrol, make_cohort, participants
from .pdfs import text

pytestmark = pytest.mark.django_db


@pytest.fixture
def certificate(cohort_jabar, organiser_jabar, learner) -> Certificate:
    enrolment = enrol(cohort_jabar, learner)
    type(enrolment).objects.filter(pk=enrolment.pk).update(completed_at="2026-03-10T03:00:00Z")
    learner.nip = "198609262015051001"
    learner.save()
    services.certificates_issue_for_cohort(cohort_id=cohort_jabar.pk, actor_id=organiser_jabar.pk)
    return Certificate.objects.get()


def _redis_ttl(name: str) -> int | None:
    """Seconds left before the cache entry ``name`` expires, read from Redis as it is; None when
    the cache is not Redis."""
    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        return None
    return backend._cache.get_client(write=True).ttl(backend.make_key(name))


def _login(client, user):
    client.login(email=user.email, password=PASSWORD)


def test_the_verification_page_shows_a_valid_certificate_with_the_nip_masked(client, certificate):
    page = client.get(reverse("certificates:verify", args=[certificate.number])).content.decode()
    assert "Sertifikat ini sah." in page and "Siti Rahmawati" in page and "Netralitas ASN" in page
    assert "1986**********1001" in page and "198609262015051001" not in page
    assert "2 JP" in page and "Jawa Barat" in page and "10 Maret 2026" in page


def test_a_visitor_from_a_qr_code_gets_no_cookie(certificate):
    """The page has no form that posts (the number box is a GET, the language switch needs no
    token), so someone who scans a certificate is not handed a cookie, and can still switch
    the page to English."""
    visitor = Client(enforce_csrf_checks=True)
    url = reverse("certificates:verify", args=[certificate.number])
    response = visitor.get(url)
    assert response.status_code == 200 and response.cookies == {} and "csrfmiddlewaretoken" not in response.text
    visitor.post("/i18n/setlang/", {"language": "en", "next": url}, headers={"Sec-Fetch-Site": "same-origin"})
    assert "This certificate is valid." in visitor.get(url).text


@pytest.mark.parametrize(
    "number", ["LD/32/2026/K001/0001/00001-0", "bukan nomor", "LD/32/2026/K001/0001/00002", "%00", "x" * 500]
)
def test_a_malformed_or_unknown_number_gets_a_friendly_message(client, certificate, number):
    if number.endswith("-0") and certificate.number.endswith("-0"):
        number = number[:-1] + "1"
    response = client.get(reverse("certificates:verify", args=[number]))
    assert response.status_code == 404
    assert "Nomor sertifikat ini tidak valid" in response.content.decode()


def test_a_typed_number_with_spaces_and_lower_case_is_found(client, certificate):
    response = client.get(reverse("certificates:verify_form"), {"number": " " + certificate.number.lower() + " "})
    assert response.status_code == 302
    assert "Sertifikat ini sah." in client.get(response.url).content.decode()


def test_revoke_and_reissue_show_on_the_verification_page(client, certificate, organiser_jabar):
    assert (
        "Sertifikat ini sah." in client.get(reverse("certificates:verify", args=[certificate.number])).content.decode()
    )
    _login(client, organiser_jabar)
    response = client.post(
        reverse("certificates:reissue", args=[certificate.pk]), {"full_name": "Siti Rahmawati, S.Kom."}
    )
    assert response.status_code == 302
    new = Certificate.objects.get(replaces=certificate)
    old_page = client.get(reverse("certificates:verify", args=[certificate.number])).content.decode()
    assert "telah diganti dengan versi baru" in old_page and new.number in old_page
    assert "Sertifikat ini sah." in client.get(reverse("certificates:verify", args=[new.number])).content.decode()
    client.post(reverse("certificates:revoke", args=[new.pk]), {"reason": ""})
    assert Certificate.objects.get(pk=new.pk).status == "valid"  # a reason is required
    client.post(reverse("certificates:revoke", args=[new.pk]), {"reason": "Bukan peserta angkatan ini"})
    new_page = client.get(reverse("certificates:verify", args=[new.number])).content.decode()
    assert "Sertifikat ini dicabut pada" in new_page and "Bukan peserta angkatan ini" in new_page


def test_the_learner_lists_and_downloads_but_not_a_revoked_one(client, certificate, learner, organiser_jabar):
    _login(client, learner)
    page = client.get(reverse("certificates:mine")).content.decode()
    assert certificate.number in page and "2 JP" in page and "Unduh PDF" in page
    response = client.get(reverse("certificates:my_pdf", args=[certificate.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")
    assert (
        client.get(reverse("certificates:my_credential", args=[certificate.pk])).content
        == certificate.credential.encode()
    )
    services.certificate_revoke(certificate=certificate, actor=organiser_jabar, reason="Salah data")
    assert client.get(reverse("certificates:my_pdf", args=[certificate.pk])).status_code == 404
    assert "Unduh PDF" not in client.get(reverse("certificates:mine")).content.decode()


def test_the_zip_holds_every_valid_pdf_of_the_cohort(client, cohort_jabar, organiser_jabar):
    participants(cohort_jabar, 3)
    services.certificates_issue_for_cohort(cohort_id=cohort_jabar.pk, actor_id=organiser_jabar.pk)
    _login(client, organiser_jabar)
    response = client.get(reverse("certificates:zip", args=[cohort_jabar.pk]))
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert len(archive.namelist()) == 3
    first = Certificate.objects.order_by("sequence")[0]
    assert archive.read(first.number.replace("/", "-") + ".pdf") == first.pdf.read()


def _organiser_urls(certificate: Certificate) -> list[tuple[str, str, dict]]:
    c = certificate.cohort_id
    return [
        ("get", reverse("certificates:cohort", args=[c]), {}),
        ("get", reverse("certificates:issue_status", args=[c]), {}),
        ("post", reverse("certificates:issue_all", args=[c]), {}),
        ("get", reverse("certificates:zip", args=[c]), {}),
        ("get", reverse("certificates:organiser_pdf", args=[certificate.pk]), {}),
        ("post", reverse("certificates:revoke", args=[certificate.pk]), {"reason": "x"}),
        ("post", reverse("certificates:reissue", args=[certificate.pk]), {"full_name": "Nama Baru"}),
        ("post", reverse("certificates:cohort_official", args=[c]), {"name": "Pejabat Lain", "position": "Kepala"}),
    ]


@pytest.mark.parametrize("who", ["learner", "stranger", "organiser_bali"])
def test_another_province_or_no_role_gets_404_at_every_organiser_url(client, certificate, request, who):
    _login(client, request.getfixturevalue(who))
    for method, url, data in _organiser_urls(certificate):
        assert getattr(client, method)(url, data).status_code == 404, url
    certificate.refresh_from_db()
    assert certificate.status == "valid" and not Certificate.objects.filter(replaces=certificate).exists()
    assert not SigningOfficial.objects.exists()


@pytest.mark.parametrize("who", ["organiser_jabar", "national_admin"])
def test_the_province_organiser_and_the_national_admin_reach_every_organiser_url(client, certificate, request, who):
    _login(client, request.getfixturevalue(who))
    for method, url, data in _organiser_urls(certificate)[:5]:
        assert getattr(client, method)(url, data).status_code in (200, 302), url


def test_a_learner_cannot_download_someone_elses_certificate(client, certificate, stranger):
    _login(client, stranger)
    assert client.get(reverse("certificates:my_pdf", args=[certificate.pk])).status_code == 404


def test_verification_is_rate_limited_per_address(client, certificate, settings):
    settings.CERTIFICATES_VERIFY_PER_MINUTE = 3
    url = reverse("certificates:verify", args=[certificate.number])
    statuses = [client.get(url).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert "Terlalu banyak pemeriksaan" in client.get(url).content.decode()


def test_visitors_behind_the_same_proxy_are_limited_each_on_their_own(client, certificate, settings):
    """Behind the TLS proxy every request comes from the proxy's address: the limit counts the
    client's address the proxy appended, so one busy visitor does not lock out the country."""
    settings.CERTIFICATES_VERIFY_PER_MINUTE = 3
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    url = reverse("certificates:verify", args=[certificate.number])

    def via_proxy(client_ip: str) -> dict[str, str]:
        return {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": client_ip}

    assert [client.get(url, **via_proxy("203.0.113.5")).status_code for _ in range(4)] == [200, 200, 200, 429]
    assert client.get(url, **via_proxy("198.51.100.7")).status_code == 200
    # A visitor cannot escape the limit by sending an X-Forwarded-For of their own.
    spoofed = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "192.0.2.1, 203.0.113.5"}
    assert client.get(url, **spoofed).status_code == 429


def test_a_certificate_checked_recently_is_shown_without_asking_the_database(
    client, certificate, django_assert_num_queries
):
    url = reverse("certificates:verify", args=[certificate.number])
    with django_assert_num_queries(1):  # the certificate with its replacement's number; sessions untouched
        first = client.get(url)
    with django_assert_num_queries(0):  # kept beside the visitor's rate count (certificates.verification_page)
        second = client.get(url)
    for page in (first.content.decode(), second.content.decode()):
        assert "Sertifikat ini sah." in page and certificate.snapshot["learner"]["name"] in page
    with django_assert_num_queries(0):  # a malformed number is refused before any lookup
        client.get(reverse("certificates:verify", args=[certificate.number[:-1] + "?"]))


def test_a_revoked_certificate_shows_revoked_at_once_though_its_page_was_kept(client, certificate, organiser_jabar):
    url = reverse("certificates:verify", args=[certificate.number])
    assert "Sertifikat ini sah." in client.get(url).content.decode()  # its record and its page kept
    services.certificate_revoke(certificate=certificate, actor=organiser_jabar, reason="Data peserta keliru")
    page = client.get(url).content.decode()
    assert "Sertifikat ini dicabut pada" in page and "Data peserta keliru" in page
    assert "Sertifikat ini sah." not in page


def test_a_visit_that_read_the_certificate_just_before_its_revocation_does_not_keep_it_valid(
    client, certificate, organiser_jabar, monkeypatch
):
    """The race a kept record must survive: a visitor's lookup reads the certificate, valid, and
    before it keeps what it read, the revocation commits (and keeps the revoked record)."""
    from certificates import selectors, verification_page

    revoked: list[Certificate] = []

    def read_then_revoked_meanwhile(*, number: str):
        read = selectors.verification_by_number(number=number)
        if not revoked:  # the visit's read; the revocation's own refresh reads afresh
            revoked.append(services.certificate_revoke(certificate=certificate, actor=organiser_jabar,
                                                       reason="Ijazah palsu"))  # fmt: skip
        return read

    url = reverse("certificates:verify", args=[certificate.number])
    with monkeypatch.context() as patched:
        patched.setattr(verification_page, "verification_by_number", read_then_revoked_meanwhile)
        assert "Sertifikat ini sah." in client.get(url).content.decode()  # what this visitor read
    later = client.get(url).content.decode()
    assert "Sertifikat ini dicabut pada" in later and "Ijazah palsu" in later


def test_a_revocation_that_could_not_reach_redis_shows_after_the_next_sweep(
    client, certificate, organiser_jabar, monkeypatch
):
    if not isinstance(caches["default"], RedisCache):
        pytest.skip("the kept records live in Redis only when Redis is the cache")
    import redis

    from certificates import services as certificate_services
    from devtools.net import free_port
    from literasi import rate_limits

    url = reverse("certificates:verify", args=[certificate.number])
    assert "Sertifikat ini sah." in client.get(url).content.decode()
    with monkeypatch.context() as patched:  # Redis unreachable for the revocation's update only
        patched.setattr(rate_limits, "_client", lambda location: redis.Redis(port=free_port()))
        services.certificate_revoke(certificate=certificate, actor=organiser_jabar, reason="NIP keliru")
    assert "Sertifikat ini sah." in client.get(url).content.decode()  # the kept record is behind
    assert certificate_services.certificates_sweep()["verification"] == 1  # every minute, from the scheduler
    page = client.get(url).content.decode()
    assert "Sertifikat ini dicabut pada" in page and "NIP keliru" in page


def test_a_late_refresh_that_read_the_certificate_valid_does_not_undo_its_revocation(
    client, certificate, organiser_jabar, monkeypatch
):
    """The sweep's refresh (or any late one) read the certificate just before it was revoked, and
    stores what it read after the revocation's own refresh: the page must still say revoked."""
    from certificates import selectors, verification_page

    read_before = selectors.verification_by_number(number=certificate.number)
    url = reverse("certificates:verify", args=[certificate.number])
    services.certificate_revoke(certificate=certificate, actor=organiser_jabar, reason="Dicabut BKD")
    assert "Sertifikat ini dicabut pada" in client.get(url).content.decode()
    with monkeypatch.context() as patched:
        patched.setattr(verification_page, "verification_by_number", lambda *, number: read_before)
        verification_page.verification_refresh(number=certificate.number)
    page = client.get(url).content.decode()
    assert "Sertifikat ini dicabut pada" in page and "Dicabut BKD" in page


@pytest.fixture
def no_pdfs(monkeypatch):
    """No PDF is rendered (the verification page needs none). A transactional test runs after the
    browser tests (pytest-django orders them so), while Playwright's event loop runs in this
    thread for the session, and pyHanko's signing calls asyncio.run, which cannot run there."""
    from certificates import tasks

    monkeypatch.setattr(tasks.certificates_render_task, "delay", lambda *args, **kwargs: None)
    monkeypatch.setattr(tasks.certificates_render_task, "apply_async", lambda *args, **kwargs: None)


@pytest.mark.django_db(transaction=True)
def test_the_kept_record_follows_a_revocation_once_it_commits_and_never_one_rolled_back(
    no_pdfs, client, certificate, organiser_jabar, monkeypatch
):
    monkeypatch.setattr("django.db.transaction.on_commit", real_on_commit)  # real commits in this test
    url = reverse("certificates:verify", args=[certificate.number])
    assert "Sertifikat ini sah." in client.get(url).content.decode()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.certificate_revoke(certificate=certificate, actor=organiser_jabar, reason="Salah angkatan")
        raise RuntimeError("the organiser's request failed after the revocation")
    page = client.get(url).content.decode()
    assert "Sertifikat ini sah." in page and "Salah angkatan" not in page  # rolled back: still valid
    with transaction.atomic():
        services.certificate_revoke(certificate=certificate, actor=organiser_jabar, reason="NIP milik orang lain")
    page = client.get(url).content.decode()
    assert "Sertifikat ini dicabut pada" in page and "NIP milik orang lain" in page


def test_a_kept_certificate_record_expires_within_minutes(client, certificate):
    """Records kept for the verification page expire (certificates.verification_page), so even a
    revocation whose update could not reach Redis shows within minutes."""
    from certificates import verification_page

    client.get(reverse("certificates:verify", args=[certificate.number]))
    ttl = _redis_ttl(verification_page.kept_key(certificate.number))
    if ttl is None:
        pytest.skip("the expiry is read from Redis; without it Django's cache keeps the record")
    assert 0 < ttl <= verification_page.KEPT_SECONDS


def test_the_verification_page_is_never_shown_from_a_cache_without_asking(client, certificate):
    """A browser or proxy must ask again each time (the status can change), and a shared cache
    must not keep it (a signed-in visitor's page carries their menu)."""
    response = client.get(reverse("certificates:verify", args=[certificate.number]))
    assert {"no-cache", "private"} <= {part.strip() for part in response["Cache-Control"].split(",")}


def test_the_rate_limit_says_when_to_try_again_and_lets_the_visitor_back_after_the_minute(
    client, certificate, settings
):
    settings.CERTIFICATES_VERIFY_PER_MINUTE = 2
    url = reverse("certificates:verify", args=[certificate.number])
    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 429]
    refused = client.get(url)
    assert refused["Retry-After"] == "60"
    assert "Terlalu banyak pemeriksaan dari alamat Anda. Tunggu satu menit" in refused.content.decode()
    # The minute's counter expires with its minute, however often the visitor knocked (a
    # counter without an expiry would lock them out for good).
    ttl = _redis_ttl("verify-rate:127.0.0.1")
    assert ttl is None or 0 < ttl <= 60  # None: no Redis to read it from
    cache.delete("verify-rate:127.0.0.1")  # what the window's end does
    assert client.get(url).status_code == 200


def test_the_verification_page_stays_up_when_redis_is_away(client, certificate, settings):
    """The rate limit's counter lives in Redis; with Redis away the page still answers (unlimited
    until it is back) instead of a 500 for everyone checking a certificate."""
    from devtools.net import free_port

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": f"redis://127.0.0.1:{free_port()}/0"}}  # fmt: skip
    settings.CERTIFICATES_VERIFY_PER_MINUTE = 1
    url = reverse("certificates:verify", args=[certificate.number])
    responses = [client.get(url) for _ in range(2)]
    assert [r.status_code for r in responses] == [200, 200]
    assert certificate.number in responses[1].content.decode()


def test_a_cohorts_own_signing_official_signs_its_pdfs_instead_of_the_provinces(client, organiser_jabar, jabar, course):
    _login(client, organiser_jabar)
    client.post(reverse("certificates:officials"), {"province": "32", "name": "Dr. Ir. Bambang Sutrisno, M.T.",
                                                     "nip": "", "position": "Kepala BPSDM Provinsi Jawa Barat"})  # fmt: skip
    special, regular = (make_cohort(organiser_jabar, jabar, course, name=n) for n in ("Angkatan Khusus", "Angkatan I"))
    page = client.get(reverse("certificates:cohort", args=[special.pk])).content.decode()
    assert "Dr. Ir. Bambang Sutrisno, M.T., Kepala BPSDM Provinsi Jawa Barat" in page and "pejabat provinsi" in page

    url = reverse("certificates:cohort_official", args=[special.pk])
    refused = client.post(url, {"name": "Hj. Siti Nurhaliza", "nip": "197013121995032001", "position": "Sekretaris"})
    assert (
        refused.status_code == 400
        and "Tanggal lahir pada NIP (digit 1-8, TTTTBBHH) tidak valid." in refused.content.decode()
    )
    assert not SigningOfficial.objects.filter(cohort=special).exists()
    response = client.post(url, {"name": "Hj. Siti Nurhaliza, S.Sos., M.AP.", "nip": "19700512 199503 2 001",
                                 "position": "Sekretaris BPSDM Provinsi Jawa Barat"})  # fmt: skip
    assert response.status_code == 302
    assert "pejabat angkatan ini" in client.get(reverse("certificates:cohort", args=[special.pk])).content.decode()

    participants(special, 1)
    participants(regular, 1)
    for cohort in (special, regular):
        services.certificates_issue_for_cohort(cohort_id=cohort.pk, actor_id=organiser_jabar.pk)
    special_pdf = text(Certificate.objects.get(cohort=special).pdf.read())
    assert "Hj. Siti Nurhaliza, S.Sos., M.AP." in special_pdf and "NIP 197005121995032001" in special_pdf
    assert "Sekretaris BPSDM Provinsi Jawa Barat" in special_pdf and "Bambang" not in special_pdf
    assert "Dr. Ir. Bambang Sutrisno, M.T." in text(Certificate.objects.get(cohort=regular).pdf.read())
    verify = client.get(reverse("certificates:verify", args=[Certificate.objects.get(cohort=special).number]))
    assert "Hj. Siti Nurhaliza, S.Sos., M.AP., Sekretaris BPSDM Provinsi Jawa Barat" in verify.content.decode()

    client.post(url, {"clear": "1"})  # back to the province's official, for certificates issued from now on
    participants(special, 1)
    services.certificates_issue_for_cohort(cohort_id=special.pk, actor_id=organiser_jabar.pk)
    assert "Bambang" in text(Certificate.objects.get(cohort=special, sequence=2).pdf.read())
    assert "Hj. Siti Nurhaliza" in text(Certificate.objects.get(cohort=special, sequence=1).pdf.read())


def test_issuing_with_the_broker_away_says_so_and_changes_nothing(client, cohort_jabar, organiser_jabar, monkeypatch):
    from kombu.exceptions import OperationalError

    from certificates import tasks

    def broker_away(*args, **kwargs):
        raise OperationalError("Connection refused.")

    monkeypatch.setattr(tasks.certificates_issue_task, "apply_async", broker_away)
    participants(cohort_jabar, 2)
    _login(client, organiser_jabar)
    page = client.post(reverse("certificates:issue_all", args=[cohort_jabar.pk]), follow=True).content.decode()
    assert "Sertifikat belum dapat dimasukkan ke antrean" in page and 'id="issue-progress"></div>' in page
    assert not Certificate.objects.exists()


def test_choosing_the_issuing_and_setting_officials_is_in_the_audit_trail(client, cohort_jabar, organiser_jabar):
    _login(client, organiser_jabar)
    client.post(reverse("certificates:cohort", args=[cohort_jabar.pk]), {"mode": "organiser"})
    client.post(reverse("certificates:officials"), {"province": "32", "name": "Dr. Bambang", "nip": "",
                                                     "position": "Kepala BPSDM"})  # fmt: skip
    client.post(
        reverse("certificates:cohort_official", args=[cohort_jabar.pk]), {"name": "Hj. Siti", "position": "Sekretaris"}
    )
    history = (
        client.get(reverse("certificates:cohort", args=[cohort_jabar.pk])).content.decode().split("<h2>Riwayat</h2>")[1]
    )
    assert "Cara penerbitan dipilih · Agus Setiawan · Hanya saat diterbitkan oleh penyelenggara" in history
    assert "Pejabat penanda tangan diatur (provinsi) · Agus Setiawan · Dr. Bambang, Kepala BPSDM" in history
    assert "Pejabat penanda tangan diatur · Agus Setiawan · Hj. Siti, Sekretaris" in history
