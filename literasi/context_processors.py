from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .roles import roles_of


def roles(request: HttpRequest) -> dict:
    """``roles`` in every template, looked up only if a template uses it."""
    return {"roles": SimpleLazyObject(lambda: roles_of(request.user))}
