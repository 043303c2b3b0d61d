"""Helpers to read pages as a person (and a screen reader) would: the page-weight budget and labels,
for the tests and `make page-weight`."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from django.contrib.staticfiles import finders


class PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.labels_for: set[str] = set()
        self.fields: list[dict[str, str]] = []
        self.assets: list[str] = []
        self.external: list[str] = []
        self.lang: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "html":
            self.lang = a.get("lang")
        if tag == "label" and a.get("for"):
            self.labels_for.add(a["for"])
        if tag in {"input", "select", "textarea"} and a.get("type") not in {"hidden", "submit", "button"}:
            self.fields.append(a)
        url = a.get("src") if tag in {"script", "img"} else a.get("href") if tag == "link" else None
        if url:
            if url.startswith(("http://", "https://", "//")):
                self.external.append(url)
            elif tag in {"script", "link"}:
                self.assets.append(url)


def parse(html: str) -> PageParser:
    parser = PageParser()
    parser.feed(html)
    return parser


def unlabelled_fields(html: str) -> list[str]:
    page = parse(html)
    return [
        f.get("name", "?")
        for f in page.fields
        if f.get("id") not in page.labels_for and not f.get("aria-label") and not f.get("aria-labelledby")
    ]


# A page's own weight (HTML plus the CSS and JS it loads), before compression: the budget for
# learners on slow connections. Checked by tests/literasi/test_pages.py and make page-weight.
BUDGET = 100 * 1024


def asset_bytes(html: str) -> int:
    """Bytes of the CSS and JS the page loads."""
    total = 0
    for url in parse(html).assets:
        path = finders.find(url.removeprefix("/static/").split("?")[0])
        assert path, f"asset not found: {url}"
        with open(path, "rb") as fh:
            total += len(fh.read())
    return total


def page_weight(html: str) -> int:
    """Bytes of the page's own HTML plus the CSS and JS it loads, before compression."""
    return len(html.encode()) + asset_bytes(html)


def found(pattern: str, text: str, group: int = 1, flags: int = 0) -> str:
    """Group ``group`` of the first match of ``pattern`` in ``text``; fails when there is none."""
    match = re.search(pattern, text, flags)
    assert match, f"{pattern!r} not found in {text[:500]!r}"
    return match.group(group)
