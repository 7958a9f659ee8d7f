"""Small helpers over markdown-it tokens, shared by the parser, the renderer and the lint."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from markdown_it.token import Token

from .model import Segment

MATH_TOKENS = ("math_inline", "math_inline_double", "math_block")


def is_comment(html: str) -> bool:
    text = html.strip()
    return text.startswith("<!--") and text.endswith("-->")


def plain_text(tokens: Iterable[Token], *, math: bool = False) -> str:
    """The words a learner reads: text and inline code, without code blocks, math, link targets or markup.

    With `math`, inline math stays as its TeX source between dollars: what a list of cards shows for a heading."""
    parts: list[str] = []
    for token in tokens:
        if math and token.type in ("math_inline", "math_inline_double"):
            fence = token.markup or "$"
            parts.append(f"{fence}{token.content}{fence}")
            continue
        if token.type in ("fence", "code_block", *MATH_TOKENS):
            continue
        if token.type == "inline":
            parts.append(plain_text(token.children or [], math=math))
        elif token.type in ("text", "code_inline") or (token.type == "html_inline" and not is_comment(token.content)):
            parts.append(token.content)
        elif token.type in ("softbreak", "hardbreak", "paragraph_close", "list_item_close"):
            parts.append(" ")
    return "".join(parts)


def walk(tokens: Iterable[Token]) -> Iterator[Token]:
    """Every token, and the children of inline tokens after their parent, depth first."""
    for token in tokens:
        yield token
        if token.children:
            yield from walk(token.children)


def fence_language(token: Token) -> str:
    """The language of a fenced code block: the first word of its info string (`cuda` in ```` ```cuda ````)."""
    info = token.info.strip()
    return info.split(maxsplit=1)[0] if info else ""


def block_line(segment: Segment, token: Token) -> int:
    """A block token's file line, from its offset within the segment (inline tokens: the segment's line)."""
    if token.map is None:
        return segment.line
    first = next((t.map[0] for t in segment.tokens if t.map is not None), token.map[0])
    return segment.line + token.map[0] - first
