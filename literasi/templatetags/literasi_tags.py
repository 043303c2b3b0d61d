from __future__ import annotations

import functools

from django import template
from django.conf import settings
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from literasi.roles import Roles, roles_of

register = template.Library()


@register.simple_tag(takes_context=True)
def site_nav(context: template.Context) -> SafeString:
    """The site's navigation, which depends only on the language and the person's roles."""
    user = context["request"].user
    return _nav(get_language(), user.is_authenticated, roles_of(user))


# Each variant of the navigation and of the language switch is rendered once per process: they
# are on every page, and rendering them each time cost more than the lesson page's own content.
@functools.lru_cache(maxsize=64)
def _nav(language: str, authenticated: bool, roles: Roles) -> SafeString:
    html = render_to_string("partials/nav.html", {"authenticated": authenticated, "roles": roles})
    return mark_safe(html)  # noqa: S308 - rendered from our own template


@register.simple_tag
def language_options() -> SafeString:
    """The language switch's <option>s for the current language."""
    return _language_options(get_language())


@functools.lru_cache(maxsize=16)
def _language_options(current: str) -> SafeString:
    html = render_to_string("partials/language_options.html", {"current": current})
    return mark_safe(html)  # noqa: S308 - rendered from our own template


@register.simple_tag
def issuer_name(short: bool = False) -> str:
    """The issuing ministry's name from settings, for templates rendered without a request (emails)."""
    return settings.LITERASI_ISSUER_SHORT_NAME if short else settings.LITERASI_ISSUER_NAME
