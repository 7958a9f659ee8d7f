"""Code highlighting at build time with Pygments.

Colour comes from CSS classes in the card's stylesheet, so AnkiDroid and AnkiMobile show it with no JavaScript.
Cloze markers inside a code block (`{{c1::…}}`) are kept out of Pygments' spans: a marker split across two
`<span>`s would break Anki's cloze parser, so the code is lexed without them and they are put back between
spans afterwards.
"""

from __future__ import annotations

import functools
from html import escape

from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name
from pygments.styles import get_style_by_name
from pygments.token import STANDARD_TYPES, _TokenType
from pygments.util import ClassNotFound

from . import cloze

LIGHT_STYLE = "friendly"
DARK_STYLE = "github-dark"
CODE_CLASS = "rc-code"
LIGHT_BACKGROUND = "#f6f8fa"
DARK_BACKGROUND = "#161b22"
"""The code block backgrounds of `templates/anki/card.css.j2`: token colours are made readable on these."""
MIN_CONTRAST = 4.5
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
    """Token colours for the light theme and, under Anki's night-mode classes, the dark one.

    Each colour is made readable on its code background (WCAG AA, at least 4.5:1: the styles' own comment
    colours fall short), and nothing is set in italics: Chinese has no italic face, and a browser only slants
    it."""
    rules = []
    for style_name, background, scopes in (
        (LIGHT_STYLE, LIGHT_BACKGROUND, [f".{CODE_CLASS}"]),
        (DARK_STYLE, DARK_BACKGROUND, [f".nightMode .{CODE_CLASS}", f".night_mode .{CODE_CLASS}"]),
    ):
        style = get_style_by_name(style_name)
        for token_type, css_class in sorted(STANDARD_TYPES.items(), key=lambda item: item[1]):
            spec = style.style_for_token(token_type)
            declarations = []
            if css_class and spec["color"]:
                declarations.append(f"color: {readable_colour('#' + spec['color'], background)}")
            if css_class and spec["bold"]:
                declarations.append("font-weight: bold")
            if declarations:
                selectors = ", ".join(f"{scope} .{css_class}" for scope in scopes)
                rules.append(f"{selectors} {{ {'; '.join(declarations)} }}")
    return "\n".join(rules) + "\n"


def contrast(foreground: str, background: str) -> float:
    """WCAG contrast ratio of two `#rrggbb` colours (1 to 21)."""
    lighter, darker = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def readable_colour(colour: str, background: str, minimum: float = MIN_CONTRAST) -> str:
    """`colour`, darkened (on a light background) or lightened (on a dark one) just enough to reach `minimum`."""
    target = (0, 0, 0) if _luminance(background) > 0.5 else (255, 255, 255)
    rgb = _rgb(colour)
    for step in range(21):
        mixed = tuple(round(c + (t - c) * step / 20) for c, t in zip(rgb, target, strict=True))
        candidate = "#{:02x}{:02x}{:02x}".format(*mixed)
        if contrast(candidate, background) >= minimum:
            return candidate
    return "#{:02x}{:02x}{:02x}".format(*target)


def _rgb(colour: str) -> tuple[int, int, int]:
    value = colour.lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def _luminance(colour: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in _rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b
