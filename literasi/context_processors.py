from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .roles import roles_of


def roles(request: HttpRequest) -> dict:
    """``roles`` in every template, looked up only if a template uses it."""
    return {"roles": SimpleLazyObject(lambda: roles_of(request.user))}


def issuer(request: HttpRequest) -> dict:
    """``issuer.name`` and ``issuer.short_name``: the ministry that issues the training (settings)."""
    return {"issuer": {"name": settings.LITERASI_ISSUER_NAME, "short_name": settings.LITERASI_ISSUER_SHORT_NAME}}
