"""What views share: the signed-in request's type, and a selector's "not found" as a 404."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from django.http import Http404, HttpRequest

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
