"""What views share: turning a selector's "not found" into the 404 a visitor sees."""

from __future__ import annotations

from typing import TypeVar

from django.http import Http404

T = TypeVar("T")


def or_404(found: T | None) -> T:
    """``found``, or Http404 when a selector found nothing (``None``)."""
    if found is None:
        raise Http404
    return found
