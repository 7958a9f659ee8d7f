"""The one Markdown dialect of the cards, built on markdown-it-py.

CommonMark with tables and strikethrough; raw HTML is not passed through (Anki runs scripts in cards, so
`<x>` in a note shows as text, and an HTML comment is dropped, as GitHub hides it); `$…$` and `$$…$$` become
Anki's MathJax delimiters `\\(…\\)` and `\\[…\\]`, never inside code; fenced code is highlighted by Pygments;
images are rewritten to the bare media names Anki needs; a line break between two Chinese characters joins the
lines without a space; and a `##` heading may end with an attribute block `{#card-id .reverse}` (the syntax of
mdit-py-plugins' attrs).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from mdit_py_plugins.attrs.parse import ParseError, parse
from mdit_py_plugins.dollarmath import dollarmath_plugin

from .highlight import highlight_code
from .tokens import fence_language, is_comment

_OPEN_BRACE = re.compile(r"\{")
MAX_HEADING = 1000
_SIMPLE_ATTRS = re.compile(r"(?:^|(?<=\s))\{#([a-z0-9-]+)((?:\s+\.[a-z][a-z0-9-]*)*)\s*\}$")
_LOOKS_LIKE_ATTRS = re.compile(r"(?:^|\s)\{[#.][^{}]*$")


def _heading_attributes(state: StateCore) -> None:
    """Move a trailing `{#id .class key=value}` of each `##` heading from its text into `meta["attrs"]`.

    A malformed block is left in the text and described in `meta["attrs_error"]` for the parser to report.
    """
    tokens = state.tokens
    for index, token in enumerate(tokens):
        if token.type != "heading_open" or token.tag != "h2" or token.level != 0:
            continue
        inline = tokens[index + 1]
        content = inline.content.rstrip()
        if len(content) > MAX_HEADING:  # not read at all: the attribute parser's time grows with the square
            token.meta["attrs_error"] = f"the heading is {len(content)} characters long: keep a question to one line"
            continue
        simple = _SIMPLE_ATTRS.search(content)
        if simple:  # the common `{#id}` / `{#id .reverse}`, without the general parser's cost
            attrs = {"id": simple.group(1)}
            if simple.group(2):
                attrs["class"] = " ".join(simple.group(2).replace(".", " ").split())
            token.meta["attrs"] = attrs
            inline.content = content[: simple.start()].rstrip()
            continue
        if not content.endswith("}"):
            if _LOOKS_LIKE_ATTRS.search(content):
                token.meta["attrs_error"] = "the attribute block is not closed with '}'"
            continue
        error = None
        for brace in reversed([m.start() for m in _OPEN_BRACE.finditer(content)]):
            if brace > 0 and not content[brace - 1].isspace():
                continue
            try:
                end, attrs = parse(content[brace:])
            except ParseError as exc:
                if content[brace + 1 : brace + 2] in ("#", "."):
                    error = f"cannot read the attribute block {content[brace:]!r}: {exc}"
                continue
            if brace + end == len(content) - 1:
                token.meta["attrs"] = attrs
                inline.content = content[:brace].rstrip()
                error = None
                break
        if error:
            token.meta["attrs_error"] = error


def _join_cjk_lines(state: StateCore) -> None:
    """Drop a soft line break between two East Asian wide characters (CJK text and punctuation).

    Markdown turns a line break inside a paragraph into a space, and a space between two Chinese characters
    shows on every screen ("写代码，␣分歧"); Chinese is written without spaces, so such a break joins the lines
    directly. A break next to Latin text stays a space ("block\n的" → "block 的")."""
    for token in state.tokens:
        children = token.children
        if token.type != "inline" or not children:
            continue
        for index, child in enumerate(children):
            if child.type != "softbreak":
                continue
            before = next((c.content[-1] for c in reversed(children[:index]) if c.content), "")
            after = next((c.content[0] for c in children[index + 1 :] if c.content), "")
            if _wide(before) and _wide(after):
                children[index] = Token("text", "", 0)


def _wide(char: str) -> bool:
    return bool(char) and unicodedata.east_asian_width(char) in ("W", "F")


def _render_html_inline(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    content = tokens[idx].content
    return "" if is_comment(content) else escapeHtml(content)


def _render_html_block(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    content = tokens[idx].content
    return "" if is_comment(content) else f"<p>{escapeHtml(content.rstrip())}</p>\n"


def _render_fence(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    token = tokens[idx]
    return highlight_code(token.content, fence_language(token))


def _render_code_block(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    return highlight_code(tokens[idx].content, "")


def _render_image(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    token = tokens[idx]
    src = str(token.attrGet("src") or "")
    name = env.get("media", {}).get(src)
    alt = escapeHtml(self.renderInlineAsText(token.children or [], options, env))
    if name is None:  # the parser reported the image already; keep the card readable
        return alt
    return f'<img src="{escapeHtml(name)}" alt="{alt}">'


def _render_math_inline(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    return "\\(" + escapeHtml(tokens[idx].content.strip()) + "\\)"


def _render_math_display(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    return "\\[" + escapeHtml(tokens[idx].content.strip()) + "\\]"


def _render_math_block(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    return '<div class="rc-math">\\[' + escapeHtml(tokens[idx].content.strip()) + "\\]</div>\n"


@functools.lru_cache(maxsize=1)
def markdown() -> MarkdownIt:
    """The shared parser and renderer (built once per process)."""
    # html=True only so that HTML is recognised: the render rules below escape it (or drop comments).
    md = MarkdownIt("commonmark", {"html": True, "typographer": False})
    md.enable(["table", "strikethrough"])
    dollarmath_plugin(md, allow_labels=False, allow_space=True, allow_digits=False, double_inline=True)
    md.core.ruler.after("block", "heading_attributes", _heading_attributes)
    md.core.ruler.push("join_cjk_lines", _join_cjk_lines)
    md.add_render_rule("html_inline", _render_html_inline)
    md.add_render_rule("html_block", _render_html_block)
    md.add_render_rule("fence", _render_fence)
    md.add_render_rule("code_block", _render_code_block)
    md.add_render_rule("image", _render_image)
    md.add_render_rule("math_inline", _render_math_inline)
    md.add_render_rule("math_inline_double", _render_math_display)
    md.add_render_rule("math_block", _render_math_block)
    return md


def render_tokens(tokens: Sequence[Token], env: dict[str, Any]) -> str:
    """HTML for a slice of parsed tokens (blocks, or a heading's inline token)."""
    md = markdown()
    return str(md.renderer.render(tokens, md.options, env))
