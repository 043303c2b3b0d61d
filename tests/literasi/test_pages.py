"""The base page: Indonesian first, English on every page, light, labelled, no external requests."""

from __future__ import annotations

import pytest
from django.test import Client

from devtools.pages import BUDGET, page_weight, parse, unlabelled_fields

pytestmark = pytest.mark.django_db

PUBLIC_PAGES = ["/", "/akun/login/", "/akun/signup/", "/akun/password/reset/"]
SIGNED_IN_PAGES = ["/", "/penyelenggara/", "/akun/email/", "/akun/password/change/", "/akun/2fa/"]


def signed_in_pages(client, user):
    client.force_login(user)
    return {url: client.get(url) for url in SIGNED_IN_PAGES}


def test_indonesian_is_the_default_language(client) -> None:
    html = client.get("/akun/login/").content.decode()
    assert parse(html).lang == "id"
    assert "Masuk" in html and "Kata sandi" in html


def test_english_is_selectable_from_every_page_and_sticks(client, organiser_jabar) -> None:
    pages = {url: client.get(url) for url in PUBLIC_PAGES} | signed_in_pages(client, organiser_jabar)
    for url, response in pages.items():
        assert response.status_code == 200, url
        assert 'action="/i18n/setlang/"' in response.content.decode(), url
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/akun/email/"})
    assert response["Location"] == "/akun/email/"
    html = client.get("/akun/email/").content.decode()
    assert parse(html).lang == "en" and "Email addresses" in html
    client.post("/i18n/setlang/", {"language": "id", "next": "/"})
    assert "Alamat email" in client.get("/akun/email/").content.decode()


def test_the_language_switch_needs_no_token_but_refuses_other_sites() -> None:
    """The switch carries no CSRF token (literasi.views.set_language): a form posted from this
    site switches the language; one posted from another site is refused and switches nothing."""
    browser = Client(enforce_csrf_checks=True)
    choose_english = {"language": "en", "next": "/akun/login/"}
    for refused in ({"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site"},
                    {"Origin": "https://penipu.example"}, {"Origin": "null"}):  # fmt: skip
        response = browser.post("/i18n/setlang/", choose_english, headers=refused)
        assert response.status_code == 403, refused
        assert "Permintaan dari situs lain ditolak" in response.text and response.cookies == {}, refused
        assert parse(browser.get("/akun/login/").text).lang == "id", refused
    response = browser.post("/i18n/setlang/", choose_english, headers={"Sec-Fetch-Site": "same-origin"})
    assert response.status_code == 302 and response["Location"] == "/akun/login/"
    assert parse(browser.get("/akun/login/").text).lang == "en"
    # A browser that sends no Sec-Fetch-Site but the page's own Origin, and a client that sends
    # neither (it can only change its own language), switch too.
    browser.post("/i18n/setlang/", {"language": "id", "next": "/"}, headers={"Origin": "http://testserver"})
    assert parse(browser.get("/akun/login/").text).lang == "id"
    browser.post("/i18n/setlang/", choose_english)
    assert parse(browser.get("/akun/login/").text).lang == "en"
    assert browser.get("/i18n/setlang/").status_code == 405


def test_every_field_has_a_label(client, organiser_jabar) -> None:
    pages = {url: client.get(url) for url in PUBLIC_PAGES} | signed_in_pages(client, organiser_jabar)
    for url, response in pages.items():
        assert unlabelled_fields(response.content.decode()) == [], url


def test_pages_stay_within_the_weight_budget_and_load_nothing_external(client, national_admin) -> None:
    pages = {url: client.get(url) for url in PUBLIC_PAGES} | signed_in_pages(client, national_admin)
    for url, response in pages.items():
        html = response.content.decode()
        assert parse(html).external == [], url
        assert page_weight(html) < BUDGET, (url, page_weight(html))


def test_signup_errors_are_tied_to_their_fields_for_screen_readers(client) -> None:
    html = client.post("/akun/signup/", {"email": "bukan-email", "nip": "123"}).content.decode()
    assert 'aria-invalid="true"' in html
    assert 'aria-describedby="id_nip_helptext id_nip_error"' in html
    assert 'id="id_nip_error"' in html


def test_an_english_browser_still_gets_indonesian_until_english_is_chosen(client) -> None:
    assert parse(client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()).lang == "id"
