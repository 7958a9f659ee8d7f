"""The Jinja templates of `templates/`: compiled once, with autoescaping and StrictUndefined, and the two Anki note
types rendered from them.

Problems are reported with the template file and line: a syntax error once for the whole run, before any topic
is rendered; a card template naming a field its note type lacks, or whose Anki sections do not nest, as an error
of `check`.
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
from markupsafe import Markup

from .ankitemplate import AnkiTemplateError, check_template
from .diagnostics import Diagnostic, Diagnostics
from .highlight import pygments_css
from .model import CardKind
from .notetypes import ANKI_FILTERS, ANKI_SPECIAL_FIELDS, NOTE_TYPES, NoteType


class TemplateError(Exception):
    """A template cannot be read or rendered; carries the diagnostic that says where."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.format())
        self.diagnostic = diagnostic


BUILD_PARTS = ("anki", "fields")
"""The template folders a build uses; `preview/` is the preview's own."""


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

    def compile_all(self, diags: Diagnostics, parts: tuple[str, ...] = BUILD_PARTS) -> None:
        """Compile the templates of the folders `parts` now, so that a syntax error is reported once, not once
        per topic (or, for the preview's, not as a crash half-way)."""
        for path in sorted(p for part in parts for p in (self.folder / part).rglob("*.j2")):
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


def load_templates(folder: Path, diags: Diagnostics) -> tuple[Templates | None, dict[CardKind, BuiltModel] | None]:
    """The templates, compiled, and the note types made from them; (None, None) after reporting why not."""
    try:
        templates = Templates(folder)
    except TemplateError as exc:
        diags.extend([exc.diagnostic])
        return None, None
    errors_before = len(diags.errors)
    templates.compile_all(diags)
    if len(diags.errors) > errors_before:
        return None, None
    try:
        models = build_models(templates)
    except TemplateError as exc:
        diags.extend([exc.diagnostic])
        return None, None
    for kind, model in models.items():
        for card_template, (_, front, back) in zip(NOTE_TYPES[kind].templates, model.templates, strict=True):
            for file, side in ((card_template.front, front), (card_template.back, back)):
                try:
                    check_template(side)
                except AnkiTemplateError as exc:
                    diags.error(folder / file, None, f"as an Anki card template: {exc}")
    return (templates, models) if len(diags.errors) == errors_before else (None, None)
