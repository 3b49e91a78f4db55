"""Split a lesson's text into Markdown and directives (`::: kind name`, `key: value` lines, a body, `:::`).

Written by hand: the syntax is ours (docs/lessons.md). Directives are read from the raw lines, outside
fenced code blocks, so a `:::` inside code stays text, and a directive's body never passes through the
Markdown parser as HTML-producing input of its own.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

KINDS = ("widget", "exercise", "question")
OPENING = re.compile(r"^:::\s*([A-Za-z][\w-]*)(?:\s+([A-Za-z][\w-]*))?\s*$")
CLOSING = re.compile(r"^:::\s*$")
OPTION = re.compile(r"^([a-z][a-z0-9_-]*):\s*(.*?)\s*$")
FENCE = re.compile(r"^ {0,3}(```+|~~~+)")


@dataclass
class Problem:
    line: int
    message: str

    def __str__(self) -> str:
        return _("line %(line)s: %(message)s") % {"line": self.line, "message": self.message}


@dataclass
class Markdown:
    text: str
    line: int


@dataclass
class Directive:
    kind: str
    name: str
    line: int
    options: dict[str, str] = field(default_factory=dict)
    body: str = ""


def split(text: str) -> tuple[list[Markdown | Directive], list[Problem]]:
    """The lesson's blocks in order, and the problems found (each with its 1-based line)."""
    blocks: list[Markdown | Directive] = []
    problems: list[Problem] = []
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    markdown: list[str] = []
    markdown_start = 1
    fence = None
    number = 0
    while number < len(lines):
        line = lines[number]
        number += 1
        if fence is None and line.startswith(":::"):
            opening = OPENING.match(line)
            if markdown:
                blocks.append(Markdown("\n".join(markdown), markdown_start))
                markdown = []
            if opening is None or CLOSING.match(line):
                problems.append(Problem(number, _("a directive starts with “::: kind name”, e.g. “::: widget "
                                                  "analyze”, and ends with a line “:::”")))
                markdown_start = number + 1
                continue
            kind, name = opening.group(1), opening.group(2)
            start = number
            body, closed = [], False
            while number < len(lines):
                inner = lines[number]
                number += 1
                if CLOSING.match(inner):
                    closed = True
                    break
                if OPENING.match(inner):
                    problems.append(Problem(number, _("directives do not nest: close the one of line %(line)s "
                                                      "with “:::” first") % {"line": start}))
                body.append(inner)
            if not closed:
                problems.append(Problem(start, _("this directive is not closed: end it with a line “:::”")))
            if kind not in KINDS:
                problems.append(Problem(start, _("unknown directive “%(kind)s”: use widget, exercise or question")
                                        % {"kind": kind}))
            elif not name:
                problems.append(Problem(start, _("name the %(kind)s, e.g. “::: %(kind)s %(example)s”")
                                        % {"kind": kind, "example": _EXAMPLES[kind]}))
            else:
                blocks.append(_directive(kind, name, start, body))
            markdown_start = number + 1
            continue
        if FENCE.match(line):
            marker = FENCE.match(line).group(1)
            if fence is None:
                fence = marker
            elif marker[0] == fence[0] and len(marker) >= len(fence):
                fence = None
        if not markdown:
            markdown_start = number
        markdown.append(line)
    if markdown:
        blocks.append(Markdown("\n".join(markdown), markdown_start))
    return blocks, problems


_EXAMPLES = {"widget": "analyze", "exercise": "label", "question": "choice"}


def _directive(kind: str, name: str, line: int, body: list[str]) -> Directive:
    options, index = {}, 0
    while index < len(body):
        match = OPTION.match(body[index])
        if match is None:
            break
        options[match.group(1)] = match.group(2)
        index += 1
    rest = body[index:]
    while rest and not rest[0].strip():
        rest = rest[1:]
    return Directive(kind, name, line, options, "\n".join(rest).strip())
