from __future__ import annotations

from collections.abc import Callable

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
