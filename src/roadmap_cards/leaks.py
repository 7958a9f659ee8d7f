"""Lint rules for fronts that give the answer away: `reverse-leak` and `cloze-leak`.

What a learner sees on a front: for a reverse card, the stage and the definition (the topic title is hidden
there, since it often names the term); for a cloze card, the stage, the topic title, the card's title and its
text with only that card's deletions hidden.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from . import cloze
from .model import Card
from .tokens import plain_text

_MARKUP = re.compile(r"[`*_$\\]")
_PARENTHESES = re.compile(r"\s*[(（]([^()（）]+)[)）]\s*")
_LATIN = re.compile(r"[A-Za-z]")
_SEPARATORS = re.compile(r"[,，/、;；]")
_WORDISH = re.compile(r"^[a-z0-9]")


def front_leaks(card: Card) -> Iterator[tuple[str, int, str]]:
    """(rule, line, message) for each way the card's front shows its own answer."""
    if card.reverse:
        yield from _reverse_leaks(card)
    if card.cloze_numbers:
        yield from _cloze_leaks(card)


def term_parts(term: str) -> list[str]:
    """The ways a term can be named: `键值缓存 (KV cache)` → the whole, `键值缓存` and `KV cache`."""
    parts = [term.strip()]
    inside = [piece for group in _PARENTHESES.findall(term) for piece in _SEPARATORS.split(group)]
    outside = _PARENTHESES.sub(" ", term).strip()
    parts += [outside, *inside]
    return [part for part in dict.fromkeys(p.strip() for p in parts) if _long_enough(part)]


def _reverse_leaks(card: Card) -> Iterator[tuple[str, int, str]]:
    definition = _normal(plain_text(card.answer.tokens))
    for part in term_parts(plain_text(card.question.tokens)):
        if _contains(definition, _normal(part)):
            yield (
                "reverse-leak",
                card.answer.line,
                f"the definition names the term it defines ({part!r}), and it is the front of the reverse card: "
                "reword it without the term",
            )
            return


def _cloze_leaks(card: Card) -> Iterator[tuple[str, int, str]]:
    text = card.answer.text
    found = cloze.deletions(text)
    title = plain_text(card.question.tokens)
    shown_always = _normal(f"{title}\n{card.topic.title}\n{card.topic.stage.title}")
    for deletion in found:
        answer = _normal(cloze.strip(text[deletion.content_start : deletion.content_end]))
        if not _long_enough(answer):
            continue
        # on card N, the deletions of other numbers show their answers as plain text
        rest = "".join(_visible(text, other, deletion.number) for other in _spans(text, found))
        in_title = _contains(shown_always, answer)
        if in_title or _contains(_normal(rest), answer):
            where = "the title or topic" if in_title else "the rest of the card's text"
            line = card.answer.line + text.count("\n", 0, deletion.start)
            yield (
                "cloze-leak",
                line,
                f"deletion c{deletion.number} ({answer!r}) also shows in {where} on its own front: reword one of them",
            )


def _spans(text: str, found: list[cloze.Deletion]) -> Iterator[tuple[str, int | None]]:
    """The text as pieces: (plain text, None) between top-level deletions, (raw deletion, number) for each."""
    position = 0
    depth_end = -1
    for deletion in found:
        if deletion.start < depth_end:  # nested in the previous one: part of its piece
            continue
        yield text[position : deletion.start], None
        end = text.find("}}", deletion.content_end) + 2 if deletion.closed else len(text)
        yield text[deletion.start : end], deletion.number
        position = depth_end = end
    yield text[position:], None


def _visible(text: str, piece: tuple[str, int | None], hidden: int) -> str:
    chunk, number = piece
    if number is None:
        return chunk
    return " … " if number == hidden else cloze.strip(chunk)


def _contains(text: str, part: str) -> bool:
    """Whether `part` shows in `text`; Latin words and numbers only as whole words (32 is not in 320)."""
    before = r"(?<![a-z0-9])" if _WORDISH.match(part[:1]) else ""
    after = r"(?![a-z0-9])" if _WORDISH.match(part[-1:]) else ""
    return re.search(before + re.escape(part) + after, text) is not None


def _normal(text: str) -> str:
    return " ".join(_MARKUP.sub("", text).lower().split())


def _long_enough(text: str) -> bool:
    """Two characters or more (one letter or digit alone matches by chance)."""
    return len(text.strip()) >= 2 and (not _LATIN.fullmatch(text.strip()))
