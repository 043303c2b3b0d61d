"""The progress panels that htmx polls (a cohort's certificates being issued, an upload being
checked, a quiz being graded, an export being written) after the person's session has ended."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

POLLS = {  # the polled address: the page it is polled from
    "/penyelenggara/angkatan/7/sertifikat/status/": "/penyelenggara/angkatan/7/sertifikat/",
    "/penyelenggara/unggahan/7/status/": "/penyelenggara/unggahan/7/",
    "/kuis/percobaan/7/status/": "/kuis/percobaan/7/hasil/",
    "/pemantauan/ekspor/status/?menunggu=7": "/pemantauan/ekspor/",
}


@pytest.mark.parametrize(("poll", "page"), POLLS.items())
def test_a_poll_after_the_session_ended_loads_its_page_instead_of_showing_the_login_inside_it(client, poll, page):
    response = client.get(poll, headers={"HX-Request": "true"})
    # htmx goes to the page (a GET, even when the panel came with a form's answer to a POST);
    # the page asks the person to sign in and brings them back to it.
    assert response.status_code == 204 and response["HX-Redirect"] == page and response.content == b""
    assert client.get(page)["Location"] == f"/akun/login/?next={page}"
    response = client.get(poll)  # the same address opened by hand: the login, as everywhere
    assert response.status_code == 302 and response["Location"].startswith("/akun/login/?next=")
    assert "HX-Request" in response["Vary"]  # a cache in between keeps the two answers apart
