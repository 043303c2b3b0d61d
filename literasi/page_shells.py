"""Busy pages rendered once per variant, with holes for what differs from one request to the next.

A lesson page is the same for every learner in the same situation: the same lesson, language and
navigation, and the lesson done or not. Only a few pieces differ per request: the CSRF token, the
address the language switch returns to, the learner's progress bar. The page's template prints a
marker (a *hole*) for each of them; the first request of a variant renders the template and keeps
the result in the process, and every request fills the holes of that string.

Rendering with holes is the only path: a page with messages to show is rendered afresh, not kept,
and its holes are filled the same way. So a kept page and a fresh render cannot differ.

Everything the page's template reads must either be in the variant's key or be a hole. Templates
used this way print ``{% csrf_token %}`` and ``{{ next_path }}`` as usual: the context gives them
their markers.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping

from django.contrib.messages import get_messages
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from .process_cache import ProcessCache
from .roles import roles_of

# Random per process, so no lesson text or user input can contain a marker.
_NONCE = secrets.token_hex(8)


def hole(name: str) -> SafeString:
    """The marker a template prints where ``name`` goes; it survives HTML escaping unchanged."""
    return mark_safe(f"@@{name}-{_NONCE}@@")  # noqa: S308 - letters, digits and @ only


_CSRF, _NEXT = hole("csrf"), hole("next")

shells: ProcessCache[str] = ProcessCache(ttl=300)


def nav_variant(request: HttpRequest) -> tuple[str, bool, bool, bool]:
    """What the site's header depends on: the language and who is looking (never their name)."""
    user = request.user
    roles = roles_of(user)
    return (get_language(), user.is_authenticated, roles.is_organiser, roles.is_national_admin)


def render_shell(
    request: HttpRequest,
    template_name: str,
    context: Mapping[str, object],
    *,
    variant: str,
    holes: Mapping[str, str],
) -> HttpResponse:
    """Render ``template_name`` for ``request``, reusing this process's copy of the variant.

    ``variant`` names everything in ``context`` that changes the output; the language and the
    navigation are added here. ``holes`` maps each hole's name to its HTML for this request
    (the template prints it as ``{{ holes.<name> }}``).
    """
    markers = {name: hole(name) for name in holes}
    full_context = {**context, "holes": markers, "csrf_token": _CSRF, "next_path": _NEXT}
    if len(get_messages(request)):
        # Messages are shown once, to one person: never kept.
        html = render_to_string(template_name, full_context, request)
    else:
        key = f"{template_name}|{variant}|{nav_variant(request)}"
        html = shells.get_or_build(key, lambda: render_to_string(template_name, full_context, request))
    if _CSRF in html:
        html = html.replace(_CSRF, get_token(request))  # also tells the middleware to set the cookie
    html = html.replace(_NEXT, escape(request.get_full_path()))
    for name, value in holes.items():
        html = html.replace(markers[name], value)
    return HttpResponse(html)
