"""Request bodies over the cap are refused before anything reads them (no 500 MB on the disk)."""

from __future__ import annotations

import io

import pytest
from django.conf import settings

from literasi.middleware import RequestBodyLimit
from literasi.wsgi import application

pytestmark = pytest.mark.django_db

MB = 1024 * 1024


class Zeros(io.RawIOBase):
    """A client's body of ``size`` bytes, made as it is read; counts what the server read."""

    def __init__(self, size: int) -> None:
        self.left, self.read_bytes = size, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = min(len(buffer), self.left)
        buffer[:n] = b"\0" * n
        self.left -= n
        self.read_bytes += n
        return n


def post(app, body, **environ: str) -> tuple[str, bytes]:
    result = {}

    def start_response(status: str, headers: list) -> None:
        result["status"] = status

    base = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/akun/signup/",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "REMOTE_ADDR": "203.0.113.5",
        "wsgi.url_scheme": "http",
        "wsgi.input": body,
        "CONTENT_TYPE": "multipart/form-data; boundary=batas",
    }
    content = b"".join(app({**base, **environ}, start_response))
    return result["status"], content


def test_a_body_declared_over_the_cap_is_refused_unread() -> None:
    body = Zeros(20 * MB)
    status, content = post(application, body, CONTENT_LENGTH=str(20 * MB))
    assert status.startswith("413")
    assert "Data yang dikirim terlalu besar" in content.decode() and "12 MB" in content.decode()
    assert body.read_bytes == 0


def test_a_chunked_body_is_counted_and_refused_past_the_cap() -> None:
    body = Zeros(20 * MB)
    status, _ = post(application, body, HTTP_TRANSFER_ENCODING="chunked")
    assert status.startswith("413")
    assert body.read_bytes <= settings.REQUEST_BODY_MAX_BYTES + 64 * 1024  # stopped at the cap


def test_bodies_within_the_cap_reach_the_site_whole() -> None:
    seen = {}

    def site(environ, start_response):
        seen["body"] = environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"]))
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    form = b"nama=Siti+Rahmawati&instansi=Pemerintah+Provinsi+Bali"
    for extra in ({"CONTENT_LENGTH": str(len(form))}, {"HTTP_TRANSFER_ENCODING": "chunked"}):
        status, _ = post(RequestBodyLimit(site), io.BytesIO(form), **extra)
        assert status == "200 OK" and seen["body"] == form
    # The real site answers an ordinary page as before.
    environ = {"REQUEST_METHOD": "GET", "CONTENT_LENGTH": ""}
    status, content = post(application, io.BytesIO(b""), PATH_INFO="/akun/login/", **environ)
    assert status == "200 OK" and "Masuk" in content.decode()
