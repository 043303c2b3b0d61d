"""Busy pages rendered once per variant, with holes for what differs from one request to the next.

A lesson page is the same for every learner in the same situation: the same lesson, language and
navigation, and the lesson done or not. Only a few pieces differ per request: the CSRF token, the
address the language switch returns to, the learner's progress bar. The page's template prints a
marker (a *hole*) for each of them; the first request of a variant renders the template and keeps
the result, and every request fills the holes of that string.

Rendering with holes is the only path: a page with messages to show is rendered afresh, not kept,
and its holes are filled the same way. So a kept page and a fresh render cannot differ.

Measured with ``make bench-lesson`` (2026-12-03, two cores): the lesson page at 71% and 77% of
the bare view with its pages kept, 49% with the template rendered on every request (the target
is 60%); the verification page 347-371 req/s kept against 235-249 req/s rendered each time.

Everything the page's template reads must either be in the variant's key or be a hole. Templates
used this way print ``{% csrf_token %}`` and ``{{ next_path }}`` as usual: the context gives them
their markers.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping, MutableMapping

from django.contrib.messages import get_messages
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from .roles import roles_of

# Random per process, so no lesson text or user input can contain a marker.
_NONCE = secrets.token_hex(8)
_MARKER = re.compile(rf"@@([a-z_]+)-{_NONCE}@@")


def hole(name: str) -> SafeString:
    """The marker a template prints where ``name`` goes; it survives HTML escaping unchanged."""
    return mark_safe(f"@@{name}-{_NONCE}@@")  # noqa: S308 - letters, digits, _ and @ only


def nav_variant(request: HttpRequest) -> str:
    """What the site's header depends on: the language and who is looking (never their name)."""
    user = request.user
    roles = roles_of(user)
    return f"{get_language()}|{user.is_authenticated:d}{roles.is_organiser:d}{roles.is_national_admin:d}"


def render_shell(
    request: HttpRequest,
    template_name: str,
    context: Mapping[str, object],
    *,
    kept: MutableMapping[str, str],
    variant: str,
    holes: Mapping[str, str],
) -> HttpResponse:
    """Render ``template_name`` for ``request``, reusing the page kept in ``kept`` for the variant.

    ``kept`` is where pages are kept: an object that lives as long as what they show (a course's
    structure keeps its lesson pages, so they go when it does). ``variant`` names everything in
    ``context`` that changes the output; the language and the navigation are added here.
    ``holes`` maps each hole's name to its HTML for this request (the template prints it as
    ``{{ holes.<name> }}``).
    """
    full_context = {
        **context,
        "holes": {name: hole(name) for name in holes},
        "csrf_token": hole("csrf"),
        "next_path": hole("next"),
    }
    html: str
    if len(get_messages(request)):
        # Messages are shown once, to one person: never kept.
        html = render_to_string(template_name, full_context, request)
    else:
        key = f"{template_name}|{variant}|{nav_variant(request)}"
        kept_html = kept.get(key)
        if kept_html is None:
            kept_html = kept[key] = render_to_string(template_name, full_context, request)
        html = kept_html

    filled = dict(holes)

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in filled:
            if name == "csrf":  # one token for every form, as a fresh render gives
                filled[name] = get_token(request)  # also tells the middleware to set the cookie
            elif name == "next":
                filled[name] = escape(request.get_full_path())
        return filled[name]

    # One pass, so nothing filled in (the address, say) is ever searched for markers.
    return HttpResponse(_MARKER.sub(fill, html))
