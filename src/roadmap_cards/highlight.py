"""Code highlighting at build time with Pygments.

Colour comes from CSS classes in the card's stylesheet, so AnkiDroid and AnkiMobile show it with no JavaScript.
Cloze markers inside a code block (`{{c1::…}}`) are kept out of Pygments' spans: a marker split across two
`<span>`s would break Anki's cloze parser, so the code is lexed without them and they are put back between
spans afterwards.
"""

from __future__ import annotations

import functools
from html import escape

from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name
from pygments.token import STANDARD_TYPES, _TokenType
from pygments.util import ClassNotFound

from . import cloze

LIGHT_STYLE = "friendly"
DARK_STYLE = "github-dark"
CODE_CLASS = "rc-code"
MAX_LINE = 2000
"""Code with a longer line is shown without colour: a lexer's time on one giant line can grow without bound."""


@functools.cache
def lexer_for(lang: str) -> Lexer | None:
    """The Pygments lexer for a fence's language name, or None when Pygments does not know it."""
    if not lang:
        return None
    try:
        return get_lexer_by_name(lang, stripnl=False, ensurenl=False)
    except ClassNotFound:
        return None


@functools.cache
def _css_class(ttype: _TokenType) -> str:
    current: _TokenType | None = ttype
    while current is not None and current not in STANDARD_TYPES:
        current = current.parent
    return STANDARD_TYPES.get(current, "") if current is not None else ""


def split_cloze_markers(code: str) -> tuple[str, list[tuple[int, str]]]:
    """Take the cloze markup out of code: the bare code, and each marker's offset in it with its raw text."""
    bare: list[str] = []
    found: list[tuple[int, str]] = []
    position = removed = 0
    for marker in cloze.markers(code):
        bare.append(code[position : marker.start])
        found.append((marker.start - removed, code[marker.start : marker.end]))
        removed += marker.end - marker.start
        position = marker.end
    bare.append(code[position:])
    return "".join(bare), found


def highlight_code(code: str, lang: str) -> str:
    """HTML for a fenced code block: `<pre class="rc-code"><code>…</code></pre>` with Pygments' classes."""
    lexer = lexer_for(lang) if max(map(len, code.split("\n"))) <= MAX_LINE else None
    bare, markers = split_cloze_markers(code) if "{{c" in code else (code, [])
    lang_class = f' class="language-{escape(lang)}"' if lang else ""
    if lexer is None:
        tokens: list[tuple[str, str]] = [("", bare)]
    else:
        tokens = [(_css_class(ttype), text) for _, ttype, text in lexer.get_tokens_unprocessed(bare)]
    parts: list[str] = []
    pending = iter(markers)
    marker = next(pending, None)
    offset = 0
    for css, text in tokens:
        start = 0
        while marker is not None and marker[0] < offset + len(text):
            cut = marker[0] - offset
            _emit(parts, css, text[start:cut])
            parts.append(escape(marker[1], quote=False))
            start = cut
            marker = next(pending, None)
        _emit(parts, css, text[start:])
        offset += len(text)
    while marker is not None:
        parts.append(escape(marker[1], quote=False))
        marker = next(pending, None)
    return f'<pre class="{CODE_CLASS}"><code{lang_class}>{"".join(parts)}</code></pre>\n'


def _emit(parts: list[str], css: str, text: str) -> None:
    if not text:
        return
    if css and css != "w":  # whitespace needs no colour, and a span for each gap would bloat the field
        parts.append(f'<span class="{css}">{escape(text, quote=False)}</span>')
    else:
        parts.append(escape(text, quote=False))


def pygments_css() -> str:
    """Token colours for the light theme and, under Anki's night-mode classes, the dark one."""
    light = HtmlFormatter(style=LIGHT_STYLE).get_token_style_defs(f".{CODE_CLASS}")  # type: ignore[no-untyped-call]
    dark = HtmlFormatter(style=DARK_STYLE).get_token_style_defs(  # type: ignore[no-untyped-call]
        [f".nightMode .{CODE_CLASS}", f".night_mode .{CODE_CLASS}"]
    )
    return "\n".join([*light, *dark]) + "\n"
