from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable
from typing import Any

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from .selectors import user_has_staff_role

# Paths a person without two-factor authentication can still reach: setting it up, leaving,
# switching language, static files and the health check.
_ALWAYS_ALLOWED = ("/akun/", "/i18n/", "/static/", "/healthz")


class RequireStaffTwoFactorMiddleware:
    """With ``LITERASI_REQUIRE_STAFF_MFA``, organisers and national admins must set up TOTP first."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            settings.LITERASI_REQUIRE_STAFF_MFA
            and not request.path.startswith(_ALWAYS_ALLOWED)
            and user_has_staff_role(request.user)
            and not Authenticator.objects.filter(user=request.user, type=Authenticator.Type.TOTP).exists()
        ):
            messages.warning(
                request, _("Your role requires two-factor authentication. Set up an authenticator app to continue.")
            )
            return redirect(reverse("mfa_activate_totp"))
        return self.get_response(request)


class IndonesianFirstMiddleware:
    """Bahasa Indonesia unless the person chose English with the language switch.

    Many learners' phones are set to English; the browser's Accept-Language header would then
    pick English for them. Only the language cookie (set by the switch) decides.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


# WSGI's types, loosely: the environ, start_response and the response body.
Environ = dict[str, Any]
StartResponse = Callable[..., Any]
WsgiApp = Callable[[Environ, StartResponse], Iterable[bytes]]

_TOO_LARGE = (
    '<!DOCTYPE html><html lang="id"><meta charset="utf-8"><title>413</title>'
    "<h1>Data yang dikirim terlalu besar</h1><p>Batasnya {mb} MB per kiriman. "
    "Perkecil berkasnya atau bagi menjadi beberapa berkas, lalu coba lagi.</p>"
    '<p lang="en">The request is too large: at most {mb} MB per request.</p></html>'
)


class RequestBodyLimit:
    """WSGI middleware: refuse a request body over ``REQUEST_BODY_MAX_BYTES`` with 413 before
    anything reads it.

    Django caps form fields (``DATA_UPLOAD_MAX_MEMORY_SIZE``) but writes an uploaded file of any
    size to its temporary directory before a view can look at it, so an anonymous 500 MB POST
    filled the disk. A declared Content-Length over the cap is refused unread. A chunked body
    (no Content-Length) is read up to the cap, counting, and refused past it; one within the cap
    is passed on with its length, so Django reads it like any other (it ignores a body without
    one). The proxy in front has its own, equal limit (README, Deployment).
    """

    def __init__(self, app: WsgiApp) -> None:
        self.app = app

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        limit = settings.REQUEST_BODY_MAX_BYTES
        declared = environ.get("CONTENT_LENGTH") or ""
        if declared.strip():
            if not declared.strip().isdigit():
                return self._refuse(start_response, "400 Bad Request", b"Bad Content-Length")
            if int(declared) > limit:
                return self._too_large(start_response, limit)
        elif "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
            body = self._read_within(environ["wsgi.input"], limit)
            if body is None:
                return self._too_large(start_response, limit)
            environ["wsgi.input"], environ["CONTENT_LENGTH"] = body, str(body.tell())
            body.seek(0)
        return self.app(environ, start_response)

    @staticmethod
    def _read_within(stream: Any, limit: int) -> Any:
        """The body in a temporary file (in memory while small), or None once it passes ``limit``."""
        spool = tempfile.SpooledTemporaryFile(  # noqa: SIM115 - handed on as wsgi.input
            max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE, dir=settings.FILE_UPLOAD_TEMP_DIR
        )
        read = 0
        while chunk := stream.read(64 * 1024):
            read += len(chunk)
            if read > limit:
                spool.close()
                return None
            spool.write(chunk)
        return spool

    @staticmethod
    def _too_large(start_response: StartResponse, limit: int) -> Iterable[bytes]:
        page = _TOO_LARGE.format(mb=limit // (1024 * 1024)).encode()
        return RequestBodyLimit._refuse(start_response, "413 Content Too Large", page, "text/html; charset=utf-8")

    @staticmethod
    def _refuse(
        start_response: StartResponse, status: str, body: bytes, content_type: str = "text/plain"
    ) -> Iterable[bytes]:
        start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body)))])
        return [body]
