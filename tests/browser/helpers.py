"""What the browser tests share."""

from __future__ import annotations

from ..factories import PASSWORD


def sign_in(page, email: str) -> None:
    """Sign in through the site's own login page, as a person does, and wait until it has let them in."""
    page.goto("/akun/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Kata sandi:", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_url(lambda url: "/akun/login/" not in url)
