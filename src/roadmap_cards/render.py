"""Step 3, render: cards → the HTML of each Anki field, and the note types' templates and CSS.

All HTML layout lives in Jinja files under `templates/`; this module only fills them in. One Jinja Environment,
with autoescaping and StrictUndefined, serves both the fields and the card templates.
"""

from __future__ import annotations

import hashlib
import json
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from markdown_it.token import Token
from markupsafe import Markup

from .diagnostics import Diagnostic, Diagnostics
from .highlight import pygments_css
from .identity import note_guid
from .markdown import render_tokens
from .model import Card, CardKind, Note, Roadmap, Topic
from .notetypes import ANKI_FILTERS, ANKI_SPECIAL_FIELDS, NOTE_TYPES, NoteType

LANG_TAGS = {"zh": "zh-Hans", "en": "en"}
_PLACEHOLDER = "\x00roadmap-cards-html\x00"


class TemplateError(Exception):
    """A template cannot be read or rendered; carries the diagnostic that says where."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.format())
        self.diagnostic = diagnostic


def default_templates_dir() -> Path:
    """The templates shipped in the wheel, or the project's `templates/` in an editable checkout."""
    packaged = Path(__file__).parent / "templates"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "templates"


class Templates:
    """The Jinja templates of the fields, the card sides and the stylesheet."""

    def __init__(self, folder: Path) -> None:
        if not folder.is_dir():
            raise TemplateError(Diagnostic(folder, None, "templates folder not found"))
        self.folder = folder
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(folder),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
            auto_reload=False,  # templates do not change during a build; skip a stat() per render
        )
        self._compiled: dict[str, jinja2.Template] = {}

    def compile_all(self, diags: Diagnostics) -> None:
        """Compile every template now, so that a syntax error is reported once, not once per topic."""
        for path in sorted(self.folder.rglob("*.j2")):
            name = path.relative_to(self.folder).as_posix()
            try:
                self._compiled[name] = self.env.get_template(name)
            except jinja2.TemplateSyntaxError as exc:
                where = Path(exc.filename) if exc.filename else path
                diags.error(where, exc.lineno, f"template syntax: {exc.message}")

    def digest(self) -> str:
        """Hash of every template file: part of the key of cached renders."""
        sha = hashlib.sha256()
        for path in sorted(self.folder.rglob("*")):
            if path.is_file():
                sha.update(path.relative_to(self.folder).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
        return sha.hexdigest()

    def render(self, name: str, **context: Any) -> str:
        try:
            template = self._compiled.get(name)
            if template is None:
                template = self._compiled[name] = self.env.get_template(name)
            return template.render(**context).strip()
        except jinja2.TemplateSyntaxError as exc:
            path = Path(exc.filename) if exc.filename else self.folder / name
            raise TemplateError(Diagnostic(path, exc.lineno, f"template syntax: {exc.message}")) from None
        except jinja2.TemplateNotFound as exc:
            raise TemplateError(Diagnostic(self.folder / str(exc.name), None, "template not found")) from None
        except jinja2.TemplateError as exc:  # UndefinedError and friends: find the template frame for its line
            path, line = self._template_frame(exc, name)
            raise TemplateError(Diagnostic(path, line, f"template: {exc.message or exc}")) from None

    def _template_frame(self, exc: BaseException, name: str) -> tuple[Path, int | None]:
        for frame in reversed(traceback.extract_tb(exc.__traceback__)):
            if frame.filename.endswith(".j2"):
                return Path(frame.filename), frame.lineno
        return self.folder / name, None

    def card_side(self, notetype: NoteType, name: str) -> str:
        """An Anki front or back template; `anki("field")` writes Anki's `{{field}}` after checking the name."""
        return self.render(name, anki=_anki_helper(notetype, self.folder / name))

    def css(self) -> str:
        return self.render(NOTE_TYPES[CardKind.BASIC].css, pygments_css=Markup(pygments_css()))


@dataclass(frozen=True, slots=True)
class BuiltModel:
    """A note type with its card templates and stylesheet rendered, and the digest of all of it."""

    notetype: NoteType
    templates: tuple[tuple[str, str, str], ...]
    """(Anki template name, front, back) for each card template."""
    css: str
    digest: str


def build_models(templates: Templates) -> dict[CardKind, BuiltModel]:
    """Render both note types; raises TemplateError when a template is broken."""
    css = templates.css()
    models = {}
    for kind, notetype in NOTE_TYPES.items():
        sides = tuple(
            (t.name, templates.card_side(notetype, t.front), templates.card_side(notetype, t.back))
            for t in notetype.templates
        )
        content = json.dumps([notetype.name, notetype.fields, sides, css], ensure_ascii=False)
        models[kind] = BuiltModel(notetype, sides, css, hashlib.sha256(content.encode()).hexdigest()[:16])
    return models


def _anki_helper(notetype: NoteType, path: Path) -> Callable[[str], Markup]:
    def anki(expression: str) -> Markup:
        name = expression.lstrip("#^/")
        for prefix in ANKI_FILTERS:
            name = name.removeprefix(prefix)
        if name not in notetype.fields and name not in ANKI_SPECIAL_FIELDS:
            raise TemplateError(
                Diagnostic(
                    path,
                    None,
                    f"anki({expression!r}): {notetype.name} has no field {name!r} "
                    f"(fields: {', '.join(notetype.fields)})",
                )
            )
        return Markup("{{" + expression + "}}")

    return anki


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
        return Note(
            card_id=card.id,
            guid=note_guid(card.id),
            kind=card.kind,
            fields=tuple(values[name] for name in notetype.fields),
            tags=self.tags,
            media=card.media,
            path=card.path,
            line=card.line,
            card_count=count,
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
