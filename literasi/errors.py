"""The one application error: a refusal with a message for the person who asked."""

from __future__ import annotations

from django.utils.functional import Promise


class Refusal(Exception):
    """A service refuses a request; ``message`` is shown to the user (already translated).

    Views turn it into a form error or a message. Permission failures (a province the user does
    not manage) are not refusals: they stay ``PermissionDenied``/404 so nothing is confirmed.
    """

    def __init__(self, message: str | Promise) -> None:
        super().__init__(message)
        self.message = str(message)  # in the language of the request that was refused
