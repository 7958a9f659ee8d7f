"""Card-quality lint: warnings about cards that are hard to learn, run by `roadmap-cards check`.

Each rule has a short stable code (shown as `warning[code]`) that a card can opt out of with
`{#id lint-ignore="code"}`, and a topic with `lint-ignore: [code]` in its front matter. The rules follow the
project's card-writing guide: one short fact per card, no lists to recite, no yes/no questions, sources for
claims, each question asked once.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from markdown_it.token import Token

from . import cloze
from .diagnostics import Diagnostics
from .highlight import lexer_for
from .leaks import front_leaks
from .model import Card, CardKind, Segment, Topic
from .tokens import block_line, fence_language, is_comment, plain_text, walk

RULES: dict[str, str] = {
    "long-answer": "a basic card's answer is longer than about 60 Chinese characters or 40 English words",
    "multiple-questions": "the question holds more than one question mark",
    "yes-no-question": "a yes/no question invites guessing",
    "list-answer": "a basic card's answer is a list of 3 or more items to recite",
    "no-sources": "the topic lists no sources",
    "unsourced-number": "the card states a number but neither it nor its topic cites a source",
    "near-duplicate": "two questions read almost the same",
    "math-in-code": "`$…$` inside code is shown as is, not as math",
    "giant-cloze": "one cloze deletion hides most of the text",
    "unknown-language": "the code block's language is not known to the highlighter, so it is not coloured",
    "raw-html": "raw HTML is shown as text, not rendered (use Markdown, or backticks for code like `a<int>`)",
    "todo": "a TODO placeholder (from `roadmap-cards new`) is still there",
    "reverse-leak": "a reverse card's definition names the term it asks for",
    "cloze-leak": "a cloze deletion's answer also shows on that card's front (title, topic or other text)",
    "eaten-identifier": "Markdown emphasis ate an identifier's underscores (`__global__` shows as bold 'global')",
    "unbalanced-math": "a `$` opens math that never closes (or a dollar sign needs `\\$`)",
}

MAX_HAN = 60
MAX_WORDS = 40
GIANT_DELETION_SHARE = 0.6

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_WORD = re.compile(r"[A-Za-z0-9]+(?:['.\-][A-Za-z0-9]+)*")
_DIGIT = re.compile(r"\d")
_YES_NO_ZH = re.compile(r"是否|是不是|能不能|会不会|有没有|可不可以|对不对|吗\s*[？?]\s*$")
_YES_NO_EN = re.compile(
    r"^\s*(is|are|was|were|do|does|did|can|could|should|would|will|has|have|had|must)\b[^?？]*[?？]\s*$", re.I
)
_MATH_LIKE = re.compile(r"\$[^$\s](?:[^$\n]*[^$\s])?\$")
_PLAIN_FENCES = {"", "text", "txt", "plain", "math", "latex", "tex"}
_TODO = re.compile(r"\bTODO\b|\bFIXME\b")
_IDENTIFIER = re.compile(r"[A-Za-z0-9_]+")
_CODE_SPANS = re.compile(r"(`+).+?\1", re.S)
_MATH_SPANS = re.compile(r"\$\$.+?\$\$|\$[^\s$](?:[^$]*?[^\s$])?\$", re.S)
_LONE_DOLLAR = re.compile(r"\$(?![\d\s])")


def lint_topic(topic: Topic, cards: tuple[Card, ...], diags: Diagnostics) -> None:
    """Report the warnings of a topic and of each of its cards (and errors for unknown opt-out codes)."""
    for code in sorted(topic.lint_ignore - RULES.keys()):
        diags.error(topic.path, 1, f"lint-ignore: unknown lint rule {code!r} (rules: {', '.join(RULES)})")
    if not topic.sources and "no-sources" not in topic.lint_ignore:
        diags.warning(topic.path, 1, "no-sources", "topic has no sources: add `sources:` to its front matter")
    front = [topic.title, *(f"{s.title} {s.url or ''}" for s in topic.sources)]
    if "todo" not in topic.lint_ignore and any(_TODO.search(text) for text in front):
        diags.warning(topic.path, 2, "todo", "the front matter still holds a TODO placeholder")
    for card in cards:
        for code in sorted(card.lint_ignore - RULES.keys()):
            diags.error(card.path, card.line, f"lint-ignore: unknown lint rule {code!r} (rules: {', '.join(RULES)})")
        for code, line, message in _card_warnings(card):
            if code not in card.lint_ignore and code not in topic.lint_ignore:
                diags.warning(card.path, line, code, message)


# --- per card -----------------------------------------------------------------------------------------------


def _card_warnings(card: Card) -> Iterator[tuple[str, int, str]]:
    question = plain_text(card.question.tokens)
    marks = question.count("?") + question.count("？")
    if marks > 1:
        yield "multiple-questions", card.line, f"question has {marks} question marks: split it into two cards"
    if _YES_NO_ZH.search(question) or _YES_NO_EN.match(question):
        yield "yes-no-question", card.line, "yes/no question: ask what, why, how much or which instead"
    yield from front_leaks(card)
    if card.kind is CardKind.BASIC:
        han, words = measure(plain_text(card.answer.tokens))
        if han / MAX_HAN + words / MAX_WORDS > 1:
            yield (
                "long-answer",
                card.answer.line,
                f"answer is long ({han} Chinese characters, {words} words): keep one fact, "
                "and move details to a '补充：' paragraph",
            )
        for token in card.answer.tokens:
            if token.level == 0 and token.type in ("bullet_list_open", "ordered_list_open"):
                items = _list_items(card.answer.tokens, token)
                if items >= 3:
                    yield (
                        "list-answer",
                        block_line(card.answer, token),
                        f"answer is a list of {items} items: make a cloze card with a deletion per item, "
                        "or one question per item",
                    )
    else:
        yield from _giant_deletions(card)
    for segment in (card.question, card.answer, card.extra, card.source):
        if segment is not None and _TODO.search(segment.text):
            yield "todo", segment.line, "a TODO placeholder is still here: write the card, or delete it"
            break
    if not card.source and not card.topic.sources and _DIGIT.search(plain_text(card.answer.tokens)):
        yield "unsourced-number", card.line, "the answer states a number but no source is cited for it"
    for segment in (card.question, card.answer, card.extra):
        if segment is None:
            continue
        for token in walk(segment.tokens):
            yield from _token_warnings(token, segment)
    for segment in (card.question, card.answer, card.extra, card.source):
        if segment is not None:
            yield from _markup_warnings(segment)


def _markup_warnings(segment: Segment) -> Iterator[tuple[str, int, str]]:
    """Markdown that silently changes what is shown: emphasis made of an identifier's underscores, a lone `$`."""
    for token in segment.tokens:
        if token.type != "inline":
            continue
        line = block_line(segment, token) if token.map else segment.line
        children = token.children or []
        for before, inside, after in zip(children, children[1:], children[2:], strict=False):
            if (
                before.type in ("strong_open", "em_open")
                and before.markup.startswith("_")
                and inside.type == "text"
                and _IDENTIFIER.fullmatch(inside.content)
                and after.type in ("strong_close", "em_close")
            ):
                written = f"{before.markup}{inside.content}{after.markup}"
                yield (
                    "eaten-identifier",
                    line,
                    f"{written} shows as {'bold' if before.type == 'strong_open' else 'italic'} "
                    f"{inside.content!r}: put identifiers in backticks (`{written}`)",
                )
        rest = _MATH_SPANS.sub(" ", _CODE_SPANS.sub(" ", token.content.replace("\\$", "")))
        if _LONE_DOLLAR.search(rest):
            yield (
                "unbalanced-math",
                line,
                "a '$' opens math that is never closed: close it with '$', or write '\\$' for a dollar sign",
            )


def _token_warnings(token: Token, segment: Segment) -> Iterator[tuple[str, int, str]]:
    if token.type in ("html_inline", "html_block") and not is_comment(token.content):
        line = block_line(segment, token) if token.type == "html_block" else segment.line
        yield (
            "raw-html",
            line,
            f"raw HTML {token.content.strip()[:40]!r} is shown as text: use Markdown, or backticks",
        )
    elif token.type == "code_inline" and _MATH_LIKE.search(token.content):
        yield "math-in-code", segment.line, f"`{token.content}` is code, so its `$…$` is not rendered as math"
    elif token.type == "fence":
        lang = fence_language(token)
        if lang.lower() in _PLAIN_FENCES and _MATH_LIKE.search(token.content):
            yield "math-in-code", block_line(segment, token), "a code block's `$…$` is shown as is, not as math"
        elif lang and lexer_for(lang) is None:
            yield (
                "unknown-language",
                block_line(segment, token),
                f"code language {lang!r} is not known to Pygments",
            )


def _giant_deletions(card: Card) -> Iterator[tuple[str, int, str]]:
    text = card.answer.text
    total = _units(cloze.strip(text))
    if total < 10:
        return
    for deletion in cloze.deletions(text):
        hidden = _units(cloze.strip(text[deletion.content_start : deletion.content_end]))
        if hidden >= GIANT_DELETION_SHARE * total:
            line = card.answer.line + text.count("\n", 0, deletion.start)
            yield (
                "giant-cloze",
                line,
                f"one deletion hides {hidden / total:.0%} of the text: delete the key term or number only",
            )


def _units(text: str) -> float:
    han, words = measure(text)
    return han + 1.5 * words


def measure(text: str) -> tuple[int, int]:
    """(Chinese characters, Latin words) in plain text."""
    return len(_HAN.findall(text)), len(_WORD.findall(_HAN.sub(" ", text)))


def _list_items(tokens: tuple[Token, ...], opening: Token) -> int:
    start = tokens.index(opening)
    count = 0
    for token in tokens[start + 1 :]:
        if token.level == opening.level and token.nesting == -1:
            break
        if token.type == "list_item_open" and token.level == opening.level + 1:
            count += 1
    return count
