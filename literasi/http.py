"""What views share: the signed-in request's type, a selector's "not found" as a 404, and
sign-in for the addresses htmx polls."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.cache import patch_vary_headers

if TYPE_CHECKING:
    from literasi.models import User

T = TypeVar("T")


def or_404(found: T | None) -> T:
    """``found``, or Http404 when a selector found nothing (``None``)."""
    if found is None:
        raise Http404
    return found


class AuthenticatedRequest(HttpRequest):
    """The type of a request reaching a view behind ``login_required``: its user is signed in
    (django-stubs' recommended way to say so; nothing changes at run time)."""

    user: User


def reload_page(url: str) -> HttpResponse:
    """The answer to an htmx poll whose page must be loaded again as a whole: htmx goes to
    ``url`` (``HX-Redirect``, a GET), and the page gives its own answer, the login or a 404."""
    return HttpResponse(status=204, headers={"HX-Redirect": url})


def polled_login_required(page: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """``login_required`` for an address that htmx polls from the page named ``page`` (a URL
    name taking the same arguments as the poll's), a page that itself needs a signed-in person.

    Once the session has ended, a poll sends the browser to that page (``reload_page``), which
    asks the person to sign in and brings them back to it; answered with the redirect, htmx
    followed it and swapped the login page into the panel. The page's own address, not a
    reload of the current one: the panel can be part of a form's answer to a POST, which a
    reload would send again. Only for polls from pages behind a login: a public page would be
    loaded again on every poll."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        protected = login_required(view)

        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated and request.headers.get("HX-Request"):
                response = reload_page(reverse(page, args=args, kwargs=kwargs))
            else:
                response = protected(request, *args, **kwargs)
            patch_vary_headers(response, ["HX-Request"])  # the same address answers htmx otherwise
            return response

        return wrapper

    return decorator
