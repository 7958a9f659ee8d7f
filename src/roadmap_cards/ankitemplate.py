"""A small renderer for Anki's card templates, so the preview shows cards the way Anki draws them.

Anki's template language is Mustache-like: `{{Field}}`, `{{#Field}}…{{/Field}}` (shown when the field is not
empty), `{{^Field}}…{{/Field}}` (when it is), `{{FrontSide}}`, and filters such as `{{cloze:Text}}`. Only what
our note types use is supported; anything else is an error rather than a silent blank.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import escape

from . import cloze

_TAG = re.compile(r"\{\{([#^/]?)\s*([^{}]+?)\s*\}\}")


class AnkiTemplateError(ValueError):
    """The template uses something this renderer does not know."""


@dataclass
class _Section:
    name: str
    inverted: bool
    children: list[object] = field(default_factory=list)


@dataclass(frozen=True)
class _Variable:
    name: str


def _parse(template: str) -> list[object]:
    root: list[object] = []
    stack: list[tuple[_Section | None, list[object]]] = [(None, root)]
    position = 0
    for match in _TAG.finditer(template):
        children = stack[-1][1]
        if match.start() > position:
            children.append(template[position : match.start()])
        position = match.end()
        kind, name = match.group(1), match.group(2)
        if kind in ("#", "^"):
            section = _Section(name, inverted=kind == "^")
            children.append(section)
            stack.append((section, section.children))
        elif kind == "/":
            open_section = stack[-1][0]
            if open_section is None or open_section.name != name:
                raise AnkiTemplateError(f"{{{{/{name}}}}} closes nothing")
            stack.pop()
        else:
            children.append(_Variable(name))
    if len(stack) > 1:
        raise AnkiTemplateError(f"{{{{#{stack[-1][0].name}}}}} is never closed")  # type: ignore[union-attr]
    if position < len(template):
        root.append(template[position:])
    return root


def check_template(template: str) -> None:
    """Raise AnkiTemplateError when the template's sections do not nest (Anki would refuse it too)."""
    _parse(template)


_TAGS_RE = re.compile(r"<[^>]*>")


def render(
    template: str,
    fields: dict[str, str],
    *,
    cloze: int | None = None,
    answer: bool = False,
    front_side: str = "",
    special: dict[str, str] | None = None,
) -> str:
    """One side of a card: `cloze` is the card's cloze number (1-based) for cloze note types; `special` holds
    Anki's built-in fields (`Tags`, `Deck`, `Type`, `Card`, …)."""
    special = special or {}

    def value(expression: str) -> str:
        *filters, name = expression.split(":")
        if name == "FrontSide" and not filters:
            return front_side
        if name in fields:
            text = fields[name]
        elif name in special:
            text = special[name]
        else:
            raise AnkiTemplateError(f"unknown field {name!r}")
        for applied in reversed(filters):  # Anki applies a chain of filters from the field outwards
            if applied == "cloze":
                if cloze is None:
                    raise AnkiTemplateError(f"{{{{{expression}}}}} on a card without a cloze number")
                text = render_cloze(text, cloze, answer=answer)
            elif applied == "text":
                text = _TAGS_RE.sub("", text)
        return text

    def walk(nodes: list[object]) -> str:
        parts = []
        for node in nodes:
            if isinstance(node, str):
                parts.append(node)
            elif isinstance(node, _Variable):
                parts.append(value(node.name))
            elif isinstance(node, _Section):
                filled = bool(value(node.name).strip())
                if filled != node.inverted:
                    parts.append(walk(node.children))
        return "".join(parts)

    return walk(_parse(template))


def render_cloze(text: str, number: int, *, answer: bool) -> str:
    """The cloze field as Anki shows card `number`: its deletions hidden (front) or marked (back)."""
    output: list[str] = []
    stack: list[dict[str, object]] = []  # open deletions: number, content, hint
    position = 0

    def emit(piece: str) -> None:
        if stack:
            stack[-1]["content"] = str(stack[-1]["content"]) + piece
        else:
            output.append(piece)

    for marker in cloze.markers(text):
        emit(text[position : marker.start])
        position = marker.end
        if marker.kind == "open":
            stack.append({"number": marker.number, "content": "", "hint": ""})
        elif marker.kind == "hint":
            stack[-1]["hint"] = text[marker.start + 2 : marker.end]
        else:
            emit(_deletion_html(stack.pop(), number, answer))
    emit(text[position:])
    while stack:  # unclosed deletions are shown as written (the parser reports them as errors)
        deletion = stack.pop()
        emit(f"{{{{c{deletion['number']}::{deletion['content']}")
    return "".join(output)


def _deletion_html(deletion: dict[str, object], number: int, answer: bool) -> str:
    ordinal = deletion["number"]
    content = str(deletion["content"])
    if ordinal != number:
        return f'<span class="cloze-inactive" data-ordinal="{ordinal}">{content}</span>'
    if answer:
        return f'<span class="cloze" data-ordinal="{ordinal}">{content}</span>'
    hint = str(deletion["hint"]) or "..."
    return f'<span class="cloze" data-cloze="{escape(content)}" data-ordinal="{ordinal}">[{hint}]</span>'
