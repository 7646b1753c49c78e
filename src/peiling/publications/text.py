"""An article's Markdown as safe HTML, and its lead (the first paragraph) as plain text.

Markdown with markdown-it-py (CommonMark; raw HTML in the text is shown as text, not markup),
then sanitised with nh3 (an allow-list of tags and attributes; links get
``rel="noopener noreferrer nofollow"``), so no script in an article ever runs, whatever
the editor typed. A reaction is plain text: the templates escape it.
"""

from __future__ import annotations

import re

import nh3
from markdown_it import MarkdownIt

__all__ = ["article_html", "lead_of"]

TAGS = {"p", "h2", "h3", "h4", "blockquote", "ul", "ol", "li", "strong", "em", "a", "br",
        "hr", "code", "pre", "table", "thead", "tbody", "tr", "th", "td"}
ATTRIBUTES = {"a": {"href", "title"}, "th": {"scope"}}
_MARKDOWN = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
_MARKUP = re.compile(r"[*_`>#\[\]\\]|\(http[^)]*\)")


def article_html(markdown: str) -> str:
    """The article body as HTML that is safe to put in a page. A heading of level 1 in the
    body becomes level 2: the page's own heading is the article's title."""
    html = _MARKDOWN.render(markdown)
    html = re.sub(r"<(/?)h1>", r"<\1h2>", html)
    return nh3.clean(html, tags=TAGS, attributes=ATTRIBUTES, url_schemes={"http", "https",
                                                                         "mailto"},
                     link_rel="noopener noreferrer nofollow")


def lead_of(markdown: str, limit: int = 400) -> str:
    """The first paragraph of the text, without markup, for lists and feeds."""
    for block in re.split(r"\n\s*\n", markdown.strip()):
        block = block.strip()
        if block and not block.startswith(("#", ">", "<!--")):
            text = " ".join(_MARKUP.sub("", block).split())
            return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " …"
    return ""
