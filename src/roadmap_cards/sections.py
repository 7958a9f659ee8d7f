"""The sections of a card's body: the answer, then an optional `补充：` (extra) part, then an optional `来源：`
(source) part, each a run of top-level Markdown blocks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from markdown_it.token import Token

from .diagnostics import Diagnostics

SOURCE_MARKERS = ("来源：", "来源:", "Source:", "Sources:")
EXTRA_MARKERS = ("补充：", "补充:", "Extra:")
ANSWER_MARKERS = ("答：", "答:", "Answer:")

Block = list[Token]
"""A top-level Markdown block: its tokens."""


@dataclass(frozen=True, slots=True)
class Sections:
    prompt: list[Block]
    """Blocks that belong to the question (a table, a figure, code), when a `答：` paragraph starts the answer."""
    answer: list[Block]
    extra: list[Block]
    source: list[Block]


def split_sections(tokens: list[Token], path: Path, line: Callable[[int], int], diags: Diagnostics) -> Sections:
    """Group a card's body into top-level blocks: the answer, the `补充：` extra, the `来源：` source, and, when
    a paragraph starting with `答：` begins the answer, the blocks before it, which belong to the question.

    The source is a paragraph starting with the marker, or the marker alone followed by one list, and it
    comes last; the extra runs from its marker to the source (or the end). `line` turns a 0-based body line
    into the file line, for the problems reported into `diags`.
    """
    blocks: list[Block] = []
    current: Block = []
    for token in tokens:
        current.append(token)
        if token.level == 0 and token.nesting <= 0:
            blocks.append(current)
            current = []
    parts: dict[str, list[Block]] = {"prompt": [], "answer": [], "extra": [], "source": []}
    state = "answer"
    source_marker_alone = False
    answer_marked = False
    for block in blocks:
        kind = _marker_kind(block)
        if kind == "answer":
            if state != "answer" or answer_marked:
                diags.error(
                    path,
                    line(block[0].map[0] if block[0].map else 0),
                    "'答：'/'Answer:' starts the answer once, after the question's table, figure or code",
                )
                continue
            answer_marked = True
            parts["prompt"], parts["answer"] = parts["answer"], []
            block = _strip_marker(block, ANSWER_MARKERS)
        if state == "source" and (
            kind
            or not source_marker_alone
            or parts["source"]
            or block[0].type not in ("bullet_list_open", "ordered_list_open")
        ):
            diags.error(
                path,
                line(block[0].map[0] if block[0].map else 0),
                "the '来源：'/'Source:' part must come last in its card",
            )
            break
        if kind == "source":
            state = "source"
            block = _strip_marker(block, SOURCE_MARKERS)
            source_marker_alone = not block
        elif kind == "extra" and state == "answer":
            state = "extra"
            block = _strip_marker(block, EXTRA_MARKERS)
        if block:
            parts[state].append(block)
    return Sections(parts["prompt"], parts["answer"], parts["extra"], parts["source"])


def _marker_kind(block: Block) -> str | None:
    if len(block) != 3 or block[0].type != "paragraph_open":
        return None
    content = block[1].content
    if content.startswith(SOURCE_MARKERS):
        return "source"
    if content.startswith(EXTRA_MARKERS):
        return "extra"
    if content.startswith(ANSWER_MARKERS):
        return "answer"
    return None


def _strip_marker(block: Block, markers: tuple[str, ...]) -> Block:
    """The paragraph without its leading marker (tokens are copied: the parsed stream stays as it was)."""
    opening, inline, closing = block
    marker = next(m for m in markers if inline.content.startswith(m))
    children = list(inline.children or [])  # shared: only the first child changes, and it is copied
    if children and children[0].type == "text" and children[0].content.startswith(marker):
        children[0] = children[0].copy(content=children[0].content[len(marker) :].lstrip())
    rest = inline.content[len(marker) :].lstrip()
    if not rest:  # the marker stood alone: what follows is in the next blocks
        return []
    return [opening, inline.copy(content=rest, children=children), closing]
