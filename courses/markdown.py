"""Markdown to safe HTML, once, when content is saved.

``markdown`` renders; ``nh3`` then keeps only an allow-list of tags and attributes, so raw HTML in
a lesson (scripts, event handlers, ``javascript:``/``data:`` URLs, SVG, styles, iframes) never
reaches a page. Links get ``rel="noopener noreferrer"``; images are lazy-loaded.
"""

from __future__ import annotations

import markdown as md
import nh3

ALLOWED_TAGS = {
    "h2", "h3", "h4", "h5", "h6", "p", "br", "hr", "ul", "ol", "li", "dl", "dt", "dd",
    "strong", "em", "b", "i", "code", "pre", "blockquote", "a", "img",
    "table", "thead", "tbody", "tr", "th", "td", "caption", "sup", "sub", "abbr",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "th": {"align", "scope"},
    "td": {"align"},
    "abbr": {"title"},
    "ol": {"start"},
}
# Removed with their content, not just unwrapped.
DROPPED_WITH_CONTENT = {"script", "style", "svg", "math", "iframe", "object", "embed", "template", "noscript"}
SAFE_URL_SCHEMES = {"http", "https", "mailto"}

_EXTENSIONS = ["tables", "fenced_code", "sane_lists", "smarty"]


def render_markdown(text: str) -> str:
    """Render ``text`` and sanitise the result against the allow-list. Pure: same input, same output."""
    html = md.markdown(text or "", extensions=_EXTENSIONS, output_format="html")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        clean_content_tags=DROPPED_WITH_CONTENT,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=SAFE_URL_SCHEMES,
        link_rel="noopener noreferrer",
        set_tag_attribute_values={"img": {"loading": "lazy", "decoding": "async"}},
        strip_comments=True,
    )
