"""Minutes are written in Markdown and shown as HTML cleaned by nh3: no script, no
event handler, no style, links only to http(s) and mailto."""

import re

import nh3
from markdown_it import MarkdownIt

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    "table"
)

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "ul", "ol", "li", "a", "h2", "h3", "h4", "h5", "h6",
    "blockquote", "code", "pre", "hr", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"scope"}, "ol": {"start"}}


def sanitize(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )


def render_markdown(text: str) -> str:
    """Markdown -> safe HTML (raw HTML in the source is shown as text, then the
    result is sanitised again, so nothing executable can come through)."""
    if not text.strip():
        return ""
    return sanitize(_md.render(text))


HTML_TAG = re.compile(r"<\s*/?\s*[a-zA-Z][a-zA-Z0-9-]*(\s[^<>]*)?/?\s*>")


def html_tags(text: str) -> list[str]:
    """The HTML tags written in a text (refused in minutes: they would not be kept)."""
    return [m.group(0) for m in HTML_TAG.finditer(text or "")]
