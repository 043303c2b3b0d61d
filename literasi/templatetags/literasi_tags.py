from __future__ import annotations

from django import template
from django.conf import settings
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from literasi.page_shells import nav_variant
from literasi.process_cache import ProcessCache

register = template.Library()

# The navigation depends only on nav_variant (the language and the person's roles), so each variant
# is rendered once per process: it is on every page, and rendering it each time cost more than the lesson.
_nav: ProcessCache[SafeString] = ProcessCache(ttl=3600)


@register.simple_tag(takes_context=True)
def site_nav(context: template.Context) -> SafeString:
    request = context["request"]
    return _nav.get_or_build(
        nav_variant(request),
        lambda: mark_safe(  # noqa: S308 - rendered from our own template
            render_to_string(
                "partials/nav.html", {"authenticated": request.user.is_authenticated, "roles": context["roles"]}
            )
        ),
    )


_language_options: ProcessCache[SafeString] = ProcessCache(ttl=3600)


@register.simple_tag
def language_options() -> SafeString:
    """The language switch's <option>s for the current language, rendered once per process."""
    current = get_language()
    return _language_options.get_or_build(
        current,
        lambda: mark_safe(  # noqa: S308 - rendered from our own template
            render_to_string("partials/language_options.html", {"current": current})
        ),
    )


_STATIC_URLS: dict[str, str] = {}


@register.simple_tag
def static_url(path: str) -> str:
    """``{% static %}``, remembered per process: the manifest never changes while a process runs."""
    url = _STATIC_URLS.get(path)
    if url is None:
        url = _STATIC_URLS[path] = static(path)
    return url


@register.simple_tag
def issuer_name(short: bool = False) -> str:
    """The issuing ministry's name from settings, for templates rendered without a request (emails)."""
    return settings.LITERASI_ISSUER_SHORT_NAME if short else settings.LITERASI_ISSUER_NAME
