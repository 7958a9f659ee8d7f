"""Card-quality lint: warnings about cards that are hard to learn, run by `roadmap-cards check`.

Each rule has a short stable code (shown as `warning[code]`) that a card can opt out of with
`{#id lint-ignore="code"}`, and a topic with `lint-ignore: [code]` in its front matter. The rules follow the
project's card-writing guide: one short fact per card, no lists to recite, no yes/no questions, sources for
claims, each question asked once.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from markdown_it.token import Token

from .diagnostics import Diagnostics, display_path
from .highlight import lexer_for
from .markdown import is_comment
from .model import Card, CardKind, Segment, Topic

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
}

MAX_HAN = 60
MAX_WORDS = 40
DUPLICATE_SIMILARITY = 0.7
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
_CLOZE_DELETION = re.compile(r"\{\{c\d+::(.*?)(?:::[^}]*)?\}\}", re.S)
_TODO = re.compile(r"\bTODO\b|\bFIXME\b")
_NORMALISE = re.compile(r"[\s\W_]+", re.U)
_ENTITY = re.compile(r"[a-z]*\d[a-z0-9]*")


@dataclass(frozen=True, slots=True)
class TopicCards:
    topic: Topic
    cards: tuple[Card, ...]


def lint(topics: Iterable[TopicCards], diags: Diagnostics) -> None:
    """Report every warning of every card and topic into `diags` (and errors for unknown opt-out codes)."""
    topics = list(topics)
    for entry in topics:
        _check_opt_outs(entry, diags)
        topic = entry.topic
        if not topic.sources and "no-sources" not in topic.lint_ignore:
            diags.warning(topic.path, 1, "no-sources", "topic has no sources: add `sources:` to its front matter")
        front = [topic.title, *(f"{s.title} {s.url or ''}" for s in topic.sources)]
        if "todo" not in topic.lint_ignore and any(_TODO.search(text) for text in front):
            diags.warning(topic.path, 2, "todo", "the front matter still holds a TODO placeholder")
        for card in entry.cards:
            for code, line, message in _card_warnings(card):
                if code not in card.lint_ignore and code not in card.topic.lint_ignore:
                    diags.warning(card.path, line, code, message)
    for first, second, similarity in _near_duplicates(topics):
        for card, other in ((first, second), (second, first)):
            if "near-duplicate" not in card.lint_ignore and "near-duplicate" not in card.topic.lint_ignore:
                diags.warning(
                    card.path,
                    card.line,
                    "near-duplicate",
                    f"question reads almost like {other.id!r} at {_where(other)} ({similarity:.0%} alike): "
                    "ask each fact once",
                )


def _where(card: Card) -> str:
    return f"{display_path(card.path)}:{card.line}"


def _check_opt_outs(entry: TopicCards, diags: Diagnostics) -> None:
    for code in sorted(entry.topic.lint_ignore - RULES.keys()):
        diags.error(entry.topic.path, 1, f"lint-ignore: unknown lint rule {code!r} (rules: {', '.join(RULES)})")
    for card in entry.cards:
        for code in sorted(card.lint_ignore - RULES.keys()):
            diags.error(card.path, card.line, f"lint-ignore: unknown lint rule {code!r} (rules: {', '.join(RULES)})")


# --- per card -----------------------------------------------------------------------------------------------


def _card_warnings(card: Card) -> Iterator[tuple[str, int, str]]:
    question = plain_text(card.question.tokens)
    marks = question.count("?") + question.count("？")
    if marks > 1:
        yield "multiple-questions", card.line, f"question has {marks} question marks: split it into two cards"
    if _YES_NO_ZH.search(question) or _YES_NO_EN.match(question):
        yield "yes-no-question", card.line, "yes/no question: ask what, why, how much or which instead"
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
                        _line(card.answer, token),
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
        for token in _walk(segment.tokens):
            yield from _token_warnings(token, segment)


def _token_warnings(token: Token, segment: Segment) -> Iterator[tuple[str, int, str]]:
    if token.type in ("html_inline", "html_block") and not is_comment(token.content):
        line = _line(segment, token) if token.type == "html_block" else segment.line
        yield (
            "raw-html",
            line,
            f"raw HTML {token.content.strip()[:40]!r} is shown as text: use Markdown, or backticks",
        )
    elif token.type == "code_inline" and _MATH_LIKE.search(token.content):
        yield "math-in-code", segment.line, f"`{token.content}` is code, so its `$…$` is not rendered as math"
    elif token.type == "fence":
        lang = token.info.strip().split(maxsplit=1)[0] if token.info.strip() else ""
        if lang.lower() in _PLAIN_FENCES and _MATH_LIKE.search(token.content):
            yield "math-in-code", _line(segment, token), "a code block's `$…$` is shown as is, not as math"
        elif lang and lexer_for(lang) is None:
            yield (
                "unknown-language",
                _line(segment, token),
                f"code language {lang!r} is not known to Pygments",
            )


def _giant_deletions(card: Card) -> Iterator[tuple[str, int, str]]:
    text = card.answer.text
    total = _units(_CLOZE_DELETION.sub(lambda m: m.group(1), text))
    if total < 10:
        return
    for match in _CLOZE_DELETION.finditer(text):
        hidden = _units(match.group(1))
        if hidden >= GIANT_DELETION_SHARE * total:
            line = card.answer.line + text.count("\n", 0, match.start())
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


def plain_text(tokens: Iterable[Token]) -> str:
    """The words a learner reads: text and inline code, without code blocks, math, link targets or markup."""
    parts: list[str] = []
    for token in tokens:
        if token.type in ("fence", "code_block", "math_block", "math_inline", "math_inline_double"):
            continue
        if token.type == "inline":
            parts.append(plain_text(token.children or []))
        elif token.type in ("text", "code_inline") or (token.type == "html_inline" and not is_comment(token.content)):
            parts.append(token.content)
        elif token.type in ("softbreak", "hardbreak", "paragraph_close", "list_item_close"):
            parts.append(" ")
    return "".join(parts)


def _list_items(tokens: tuple[Token, ...], opening: Token) -> int:
    start = tokens.index(opening)
    count = 0
    for token in tokens[start + 1 :]:
        if token.level == opening.level and token.nesting == -1:
            break
        if token.type == "list_item_open" and token.level == opening.level + 1:
            count += 1
    return count


def _line(segment: Segment, token: Token) -> int:
    """A block token's file line, from its offset within the segment's text."""
    if token.map is None:
        return segment.line
    first = next((t.map[0] for t in segment.tokens if t.map is not None), token.map[0])
    return segment.line + token.map[0] - first


def _walk(tokens: Iterable[Token]) -> Iterator[Token]:
    for token in tokens:
        yield token
        if token.children:
            yield from _walk(token.children)


# --- across cards -------------------------------------------------------------------------------------------


def normalise(text: str) -> str:
    return _NORMALISE.sub("", text.lower())


def _bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)} if len(text) > 1 else {text}


def _near_duplicates(topics: list[TopicCards]) -> list[tuple[Card, Card, float]]:
    """Pairs of cards whose questions (for cloze cards: texts) are alike, by character-bigram Jaccard similarity.

    Candidates come from an inverted index over each question's rarer bigrams, so the work stays near-linear
    in the number of cards. Questions naming different numbers or models (A100 / H100, E4M3 / E5M2, 7B / 70B)
    ask different facts however alike they read. A reverse card's other side (its answer) is never compared:
    asking a term and its definition from both directions is intended.
    """
    entries: list[tuple[Card, set[str]]] = []
    entities: list[set[str]] = []
    for entry in topics:
        for card in entry.cards:
            text = (
                card.question.text
                if card.kind is CardKind.BASIC
                else _CLOZE_DELETION.sub(lambda m: m.group(1), card.answer.text)
            )
            key = normalise(text)
            if len(key) >= 6:
                entries.append((card, _bigrams(key)))
                entities.append(set(_ENTITY.findall(key)))
    frequency: Counter[str] = Counter(gram for _, grams in entries for gram in grams)
    common = max(20, len(entries) // 20)
    index: dict[str, list[int]] = defaultdict(list)
    pairs: list[tuple[Card, Card, float]] = []
    rare_counts: list[int] = []
    for number, (card, grams) in enumerate(entries):
        rare = [gram for gram in grams if frequency[gram] <= common] or list(grams)
        rare_counts.append(len(rare))
        shared: Counter[int] = Counter()
        for gram in rare:
            shared.update(index[gram])
        for other_number, count in shared.items():
            if count < 0.5 * min(len(rare), rare_counts[other_number]):
                continue
            other, other_grams = entries[other_number]
            if other.kind is not card.kind or entities[other_number] != entities[number]:
                continue
            similarity = len(grams & other_grams) / len(grams | other_grams)
            if similarity >= DUPLICATE_SIMILARITY:
                pairs.append((other, card, similarity))
        for gram in rare:
            index[gram].append(number)
    return pairs
