"""Step 3, render: cards → the HTML of each Anki field of their notes.

All HTML layout lives in Jinja files under `templates/` (see `templating.py`); this module only fills them in.
"""

from __future__ import annotations

import hashlib
from typing import Any

from markdown_it.token import Token
from markupsafe import Markup

from .identity import note_guid
from .markdown import render_tokens
from .model import Card, CardKind, Note, Roadmap, Topic
from .notetypes import NOTE_TYPES
from .templating import Templates

LANG_TAGS = {"zh": "zh-Hans", "en": "en"}
_PLACEHOLDER = "\x00roadmap-cards-html\x00"


class TopicRenderer:
    """Renders the cards of one topic; the parts shared by all of a topic's cards are rendered once."""

    def __init__(self, templates: Templates, roadmap: Roadmap, topic: Topic) -> None:
        self.templates = templates
        self.topic = topic
        self.lang = LANG_TAGS[topic.lang]
        self.context = templates.render("fields/context.html.j2", roadmap=roadmap, stage=topic.stage, topic=topic)
        self.tags = (topic.tag, *(f"roadmap::tag::{tag}" for tag in topic.tags))
        self.topic_sources = templates.render("fields/sources.html.j2", card_sources=[], topic=topic)
        # The text wrapper is the same for every card of the topic: render it once around a placeholder.
        wrapper = templates.render("fields/text.html.j2", html=Markup(_PLACEHOLDER), lang=self.lang)
        self.text_before, _, self.text_after = wrapper.partition(_PLACEHOLDER)

    def text(self, html: str) -> str:
        return self.text_before + html + self.text_after

    def note(self, card: Card) -> Note:
        env = {"media": {ref.src: ref.name for ref in card.media}}
        question = render_tokens(card.question.tokens, env)
        answer = self.text(render_tokens(card.answer.tokens, env))
        extra = self.text(render_tokens(card.extra.tokens, env)) if card.extra else ""
        if card.source:
            card_sources = [Markup(html) for html in _source_items(card.source.tokens, env)]
            sources = self.templates.render("fields/sources.html.j2", card_sources=card_sources, topic=self.topic)
        else:
            sources = self.topic_sources
        if card.kind is CardKind.CLOZE:
            values = {"text": answer, "title": self.text(question), "extra": extra}
            count = len(card.cloze_numbers)
        else:
            reverse = "y" if card.reverse else ""
            values = {"question": self.text(question), "answer": answer, "extra": extra, "reverse": reverse}
            count = 2 if card.reverse else 1
        values.update(context=self.context, sources=sources, id=card.id)
        notetype = NOTE_TYPES[card.kind]
        guid = note_guid(card.id)
        tags = self.tags if card.question_kind is None else (*self.tags, f"roadmap::kind::{card.question_kind}")
        fields = tuple(values[name] for name in notetype.fields)
        return Note(
            card_id=card.id,
            guid=guid,
            kind=card.kind,
            fields=fields,
            tags=tags,
            media=card.media,
            path=card.path,
            line=card.line,
            card_count=count,
            digest=note_digest(guid, notetype.model_id, fields, tags),
        )


def _source_items(tokens: tuple[Token, ...], env: dict[str, Any]) -> list[str]:
    """A card's source as list items: one paragraph's content, or each item of a list."""
    items: list[list[Token]] = []
    depth = 0
    for token in tokens:
        if token.type == "list_item_open":
            depth += 1
            if depth == 1:
                items.append([])
        elif token.type == "list_item_close":
            depth -= 1
        elif token.type == "inline" and (depth or not items):
            if not items:
                items.append([])
            items[-1].append(token)
    return [" ".join(render_tokens([t], env) for t in item) for item in items if item]


def render_topic(templates: Templates, roadmap: Roadmap, topic: Topic, cards: tuple[Card, ...]) -> list[Note]:
    renderer = TopicRenderer(templates, roadmap, topic)
    return [renderer.note(card) for card in cards]


def note_digest(guid: str, model_id: int, fields: tuple[str, ...], tags: tuple[str, ...]) -> str:
    """What the learner's copy of a note is compared against: everything of it that goes into the package."""
    sha = hashlib.sha256()
    for part in (guid, str(model_id), *fields, " ".join(tags)):
        sha.update(part.encode())
        sha.update(b"\x1f")
    return sha.hexdigest()[:16]
