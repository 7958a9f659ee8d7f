"""The cloze syntax `{{c1::answer}}` / `{{c1::answer::hint}}`, read in one place.

The parser validates deletions with it, the highlighter keeps its markers out of colour spans, the lint measures
what a deletion hides, and the preview draws cards the way Anki does. The rules, as Anki reads them: `{{cN::`
opens a deletion (deletions may nest); inside an open deletion, the first `::` starts its hint, which runs up to
the `}}` that closes it; a `}}` with no deletion open is plain text (C++ and Jinja use it).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .diagnostics import Diagnostics
from .model import Segment
from .tokens import MATH_TOKENS, walk

OPEN = re.compile(r"\{\{c(\d+)::")
MAX_NUMBER = 99
_NEXT = re.compile(r"\{\{c(\d+)::|\}\}|::")


@dataclass(frozen=True, slots=True)
class Marker:
    """A piece of cloze markup: `open` (`{{cN::`), `hint` (`::…`, up to the closing braces) or `close` (`}}`)."""

    kind: str
    start: int
    end: int
    number: int = 0
    """For `open`: the deletion's number N."""


@dataclass(frozen=True, slots=True)
class Deletion:
    number: int
    start: int
    """Offset of its `{{cN::`."""
    content_start: int
    content_end: int
    """The answer is `text[content_start:content_end]` (nested markup included)."""
    hint: str | None
    closed: bool


def has_cloze(text: str) -> bool:
    return OPEN.search(text) is not None


def markers(text: str) -> Iterator[Marker]:
    depth = 0
    position = 0
    while True:
        match = _NEXT.search(text, position)
        if match is None:
            return
        position = match.end()
        if match.group(1) is not None:
            depth += 1
            digits = match.group(1)  # a number past MAX_NUMBER is reported, so it need not be exact
            yield Marker("open", match.start(), match.end(), int(digits) if len(digits) < 7 else 10**6)
        elif depth and match.group() == "}}":
            depth -= 1
            yield Marker("close", match.start(), match.end())
        elif depth and match.group() == "::":
            close = text.find("}}", match.start())
            end = len(text) if close == -1 else close
            yield Marker("hint", match.start(), end)
            position = end


def deletions(text: str) -> list[Deletion]:
    """Every deletion in order of its opening; unclosed ones run to the end of the text."""
    found: list[Deletion] = []
    stack: list[tuple[int, Marker, int | None, str | None]] = []  # (index in found, opening, content end, hint)
    for marker in markers(text):
        if marker.kind == "open":
            stack.append((len(found), marker, None, None))
            found.append(Deletion(marker.number, marker.start, marker.end, len(text), None, False))
        elif marker.kind == "hint" and stack:
            index, opening, _, _ = stack.pop()
            stack.append((index, opening, marker.start, text[marker.start + 2 : marker.end]))
        elif marker.kind == "close" and stack:
            index, opening, content_end, hint = stack.pop()
            end = marker.start if content_end is None else content_end
            found[index] = Deletion(opening.number, opening.start, opening.end, end, hint, True)
    return found


def strip(text: str) -> str:
    """The text as a learner reads it on the back: markers and hints removed, answers kept."""
    parts: list[str] = []
    position = 0
    for marker in markers(text):
        parts.append(text[position : marker.start])
        position = marker.end
    parts.append(text[position:])
    return "".join(parts)


def numbers(text: str) -> list[int]:
    """The distinct deletion numbers, in order."""
    return sorted({marker.number for marker in markers(text) if marker.kind == "open"})


_PLACES = ("the heading", "the '补充：' part", "the source")


def check_card(path: Path, text: Segment, others: list[Segment | None], diags: Diagnostics) -> tuple[int, ...]:
    """Check the deletions of a card's text (and that its heading, extra and source, `others`, have none).

    Returns the deletion numbers: empty for a question/answer card.
    """
    for segment, where in zip(others, _PLACES, strict=True):
        if segment is not None and has_cloze(segment.text):
            diags.error(path, segment.line, f"cloze deletions belong in the card's text, not in {where}")
    found = deletions(text.text)
    for deletion in found:
        line = text.line + text.text.count("\n", 0, deletion.content_start)
        if not deletion.closed:
            diags.error(path, line, f"cloze deletion c{deletion.number} is not closed with '}}}}'")
        elif not text.text[deletion.content_start : deletion.content_end].strip():
            diags.error(path, line, "empty cloze deletion")
    present = {deletion.number for deletion in found}
    if not present:
        return ()
    if 0 in present:
        diags.error(path, text.line, "cloze numbers start at c1 (c0 is not a deletion)")
        present.discard(0)
    if max(present, default=0) > MAX_NUMBER:
        diags.error(path, text.line, f"cloze numbers go up to c{MAX_NUMBER} (each number makes a card of its own)")
        return ()
    missing = sorted(set(range(1, max(present, default=0) + 1)) - present)
    if missing:
        have = ", ".join(f"c{n}" for n in sorted(present))
        gaps = ", ".join(f"c{n}" for n in missing)
        diags.error(path, text.line, f"cloze numbers must run from c1 without gaps: found {have}; missing {gaps}")
    for token in walk(text.tokens):
        if token.type in MATH_TOKENS and "}}" in token.content:
            diags.error(path, text.line, "'}}' inside math ends a cloze deletion early in Anki; write '} }' instead")
    return tuple(sorted(present))


_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*)[^>]*>")
_VOID = frozenset({"br", "hr", "img", "wbr"})


def html_problems(html: str) -> list[str]:
    """What Anki would get wrong in a rendered cloze field: markup inside an HTML tag (an image's alt text, a link's
    address), or a deletion whose `}}` falls inside code, math or a link, so that it ends early and shows part of
    its answer."""
    problems = []
    tags = [(match.start(), match.end()) for match in _TAG.finditer(html)]
    found = list(markers(html))
    if any(start < marker.start < end for marker in found for start, end in tags):
        problems.append(
            "a cloze deletion in an image's text or a link's address does not work in Anki: keep it in the text"
        )
    for deletion in deletions(html):
        if deletion.closed and not _balanced(html[deletion.content_start : deletion.content_end]):
            problems.append(
                f"cloze deletion c{deletion.number} is closed early by a '}}}}' inside code, math or a link, or "
                "spans two paragraphs: write '} }' in code, or keep the deletion within one piece of text"
            )
    return problems


def _balanced(html: str) -> bool:
    stack: list[str] = []
    for match in _TAG.finditer(html):
        closing, name = match.group(1), match.group(2).lower()
        if name in _VOID:
            continue
        if not closing:
            stack.append(name)
        elif not stack or stack.pop() != name:
            return False
    return not stack
