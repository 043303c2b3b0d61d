"""The progress panels that htmx polls (a cohort's certificates being issued, an upload being
checked, a quiz being graded, an export being written) after the person's session has ended."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

POLLS = [
    "/penyelenggara/angkatan/1/sertifikat/status/",
    "/penyelenggara/unggahan/1/status/",
    "/kuis/percobaan/1/status/",
    "/pemantauan/ekspor/status/?menunggu=1",
]


@pytest.mark.parametrize("url", POLLS)
def test_a_poll_after_the_session_ended_reloads_the_page_instead_of_showing_the_login_inside_it(client, url):
    response = client.get(url, headers={"HX-Request": "true"})
    # htmx loads the whole page again; the page asks the person to sign in and brings them back.
    assert response.status_code == 204 and response["HX-Refresh"] == "true" and response.content == b""
    response = client.get(url)  # the same address opened by hand: the login, as everywhere
    assert response.status_code == 302 and response["Location"].startswith("/akun/login/?next=")
