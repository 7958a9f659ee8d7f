"""A `TopicResult` as plain JSON data and back, for the render cache.

The cache file lives in `dist/`, where anyone who can write there could put anything: so it holds only data
(JSON: strings, numbers, lists), which runs no code when read, and `from_json` checks every field on the way in,
raising `ValueError` on anything malformed (the cache then drops the entry).
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from .diagnostics import Diagnostic
from .model import CardInfo, CardKind, MediaRef, Note, Source, Stage, Topic, TopicResult


def to_json(result: TopicResult) -> bytes:
    topic = None if result.topic is None else _topic_data(result.topic)
    data = [
        str(result.path),
        topic,
        [_note_data(note) for note in result.notes],
        [_card_data(card) for card in result.cards],
        [[str(d.path), d.line, d.message, d.severity, d.code] for d in result.diagnostics],
    ]
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def from_json(text: bytes) -> TopicResult:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise ValueError(f"not JSON: {exc}") from None
    path, topic, notes, cards, diagnostics = _list(data, 5)
    return TopicResult(
        _path(_str(path)),
        None if topic is None else _topic(topic),
        tuple(_note(note) for note in _list(notes)),
        tuple(_card(card) for card in _list(cards)),
        tuple(_diagnostic(item) for item in _list(diagnostics)),
    )


def _topic_data(topic: Topic) -> list[Any]:
    stage = topic.stage
    stage_data = [stage.slug, stage.number, stage.deck_id, stage.title, stage.title_en, stage.order]
    stage_data += [_sources_data(stage.sources), stage.floor, str(stage.path)]
    topic_data = [topic.slug, topic.title, list(topic.tags), _sources_data(topic.sources), topic.lang]
    return [stage_data, *topic_data, str(topic.path), sorted(topic.lint_ignore), topic.order, topic.kind]


def _topic(data: Any) -> Topic:
    stage, slug, title, tags, sources, lang, path, lint_ignore, order, kind = _list(data, 10)
    s_slug, number, deck_id, s_title, title_en, s_order, s_sources, floor, s_path = _list(stage, 9)
    return Topic(
        stage=Stage(
            _str(s_slug),
            _str(number),
            _int(deck_id),
            _str(s_title),
            _str(title_en),
            _int(s_order),
            _sources(s_sources),
            None if floor is None else _int(floor),
            _path(_str(s_path)),
        ),
        slug=_str(slug),
        title=_str(title),
        tags=_strings(tags),
        sources=_sources(sources),
        lang=_str(lang),
        path=_path(_str(path)),
        lint_ignore=frozenset(_strings(lint_ignore)),
        order=None if order is None else _int(order),
        kind=None if kind is None else _str(kind),
    )


def _sources_data(sources: tuple[Source, ...]) -> list[list[str | None]]:
    return [[source.title, source.url] for source in sources]


def _sources(data: Any) -> tuple[Source, ...]:
    sources = []
    for item in _list(data):
        title, url = _list(item, 2)
        sources.append(Source(_str(title), None if url is None else _str(url)))
    return tuple(sources)


def _note_data(note: Note) -> list[Any]:
    media = [[ref.src, str(ref.path), ref.name, ref.line] for ref in note.media]
    head = [note.card_id, note.guid, note.kind.value, list(note.fields), list(note.tags)]
    return [*head, media, str(note.path), note.line, note.card_count, note.digest]


def _note(data: Any) -> Note:
    card_id, guid, kind, fields, tags, media, path, line, card_count, digest = _list(data, 10)
    refs = []
    for item in _list(media):
        src, ref_path, name, ref_line = _list(item, 4)
        refs.append(MediaRef(_str(src), _path(_str(ref_path)), _str(name), _int(ref_line)))
    return Note(
        _str(card_id),
        _str(guid),
        _kind(kind),
        _strings(fields),
        _strings(tags),
        tuple(refs),
        _path(_str(path)),
        _int(line),
        _int(card_count),
        _str(digest),
    )


def _card_data(card: CardInfo) -> list[Any]:
    head = [card.id, card.kind.value, card.reverse, list(card.cloze_numbers), str(card.path), card.line]
    tail = [card.has_source, sorted(card.lint_ignore), card.question, card.compare_text, card.source_digest]
    return [*head, *tail]


def _card(data: Any) -> CardInfo:
    card_id, kind, reverse, numbers, path, line, has_source, lint_ignore, question, compare, digest = _list(data, 11)
    if (
        not (type(card_id) is type(path) is type(question) is type(compare) is type(digest) is str)
        or type(reverse) is not bool
    ):
        raise ValueError("a card's id, path, texts and reverse flag must be strings and true or false")
    return CardInfo(
        id=card_id,
        kind=_kind(kind),
        reverse=reverse,
        cloze_numbers=tuple(_int(n) for n in _list(numbers)),
        path=_path(path),
        line=_int(line),
        has_source=_bool(has_source),
        lint_ignore=frozenset(_strings(lint_ignore)),
        question=question,
        compare_text=compare,
        source_digest=digest,
    )


def _diagnostic(data: Any) -> Diagnostic:
    path, line, message, severity, code = _list(data, 5)
    return Diagnostic(
        _path(_str(path)),
        None if line is None else _int(line),
        _str(message),
        _str(severity),
        None if code is None else _str(code),
    )


@functools.lru_cache(maxsize=1024)
def _path(text: str) -> Path:
    """Every card of a topic names the same file: make its Path once (it was most of the time of a read)."""
    return Path(text)


def _list(value: Any, length: int | None = None) -> list[Any]:
    if not isinstance(value, list) or (length is not None and len(value) != length):
        raise ValueError("expected a list" + ("" if length is None else f" of {length}"))
    return value


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("expected a string")
    return value


def _strings(value: Any) -> tuple[str, ...]:
    if type(value) is not list or any(type(item) is not str for item in value):
        raise ValueError("expected a list of strings")
    return tuple(value)


def _int(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError("expected a whole number")
    return value


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("expected true or false")
    return value


def _kind(value: Any) -> CardKind:
    try:
        return CardKind(value)
    except ValueError:
        raise ValueError("expected basic or cloze") from None
