"""Markdown to safe HTML: markdown-it-py with raw HTML off, then the nh3 sanitiser, whoever wrote the text.

Images may only come from the lesson's own files (`lesson:NAME`) or the reader's class (`dataset:ID`):
`resolve_image(src)` turns such a reference into an app URL, or returns None with the reason as a problem.
"""
from __future__ import annotations

from collections.abc import Callable

import nh3
from django.utils.translation import gettext as _
from markdown_it import MarkdownIt
from markdown_it.token import Token

from lessons.directives import Problem

# js-default: CommonMark with raw HTML off and links checked (no javascript:, vbscript:, file:, data: except
# images); tables and strikethrough on
_md = MarkdownIt("js-default").enable(["table", "strikethrough"])

ALLOWED_TAGS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "em", "strong", "del", "s", "code", "pre", "blockquote",
                "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr", "th", "td", "hr", "br", "sup", "sub",
                "span"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "ol": {"start"}}
APP_IMAGE_PREFIXES = ("/lessons/", "/classes/")
MISSING_IMAGE_CLASS = "lesson-missing-image"


def _only_app_images(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src" and not value.startswith(APP_IMAGE_PREFIXES):
        return None
    return value


_cleaner = nh3.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    tag_attribute_values={"span": {"class": {MISSING_IMAGE_CLASS}}},
    url_schemes={"http", "https", "mailto"},
    link_rel="noopener noreferrer nofollow",
    attribute_filter=_only_app_images,
    strip_comments=True,
)

ImageResolver = Callable[[str], tuple[str | None, str | None]]  # src -> (url, problem)


def sanitise(html: str) -> str:
    return _cleaner.clean(html)


def render(text: str, *, resolve_image: ImageResolver, first_line: int = 1,
           problems: list[Problem] | None = None) -> str:
    """Safe HTML for a Markdown block; unresolvable images become a short note and a problem."""
    tokens = _md.parse(text)
    for token in tokens:
        if token.type != "inline" or not token.children:
            continue
        line = first_line + (token.map[0] if token.map else 0)
        children = []
        for child in token.children:
            if child.type == "image":
                url, problem = resolve_image(str(child.attrs.get("src", "")))
                if url is None:
                    if problems is not None:
                        problems.append(Problem(line, problem))
                    child = _missing_image_note(child, problem)
                else:
                    child.attrSet("src", url)
            children.append(child)
        token.children = children
    return sanitise(_md.renderer.render(tokens, _md.options, {}))


def render_inline(text: str) -> str:
    """Safe HTML for one line of text (a question, an option, a feedback)."""
    return sanitise(_md.renderInline(text))


def _missing_image_note(image_token, problem: str) -> Token:
    note = Token("html_inline", "", 0)
    alt = nh3.clean_text(image_token.content or "")
    note.content = f'<span class="{MISSING_IMAGE_CLASS}">[{alt}: {nh3.clean_text(problem)}]</span>'
    return note


def image_problem(kind: str) -> str:
    return {
        "scheme": _("images come from the lesson's files (lesson:NAME) or the class's pictures (dataset:ID)"),
        "missing_file": _("the lesson has no file with this name: upload it under Files"),
        "not_in_class": _("this picture is not in your class"),
    }[kind]
