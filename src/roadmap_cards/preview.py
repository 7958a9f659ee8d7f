"""`roadmap-cards preview`: a static HTML site of every card, front and back, as Anki will draw it.

The cards go through the very templates and stylesheet of the Anki note types (see `ankitemplate.py` for the
template language), one preview card per Anki card: a reverse card and each cloze deletion get their own.
Pages per stage, an index with counts, search by text or tag, and a night-mode toggle; MathJax comes from the
`django-static-mathjax` package when it is installed (the `preview` extra), so nothing is fetched online.
"""

from __future__ import annotations

import html
import importlib.util
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from markupsafe import Markup

from .ankitemplate import render
from .build import checked_content
from .content import Content
from .diagnostics import Diagnostics
from .model import CardInfo, CardKind, Note, Roadmap
from .notetypes import NOTE_TYPES
from .preview_folder import PreviewFolder
from .templating import BuiltModel

_TAGS = re.compile(r"<[^>]*>")
MATHJAX_FILE = Path("static") / "mathjax" / "es5" / "tex-svg.js"
STATIC_FILES = ("preview.css", "preview.js")


@dataclass(frozen=True, slots=True)
class PreviewCard:
    """One Anki card: a side pair to show."""

    anchor: str
    card_id: str
    label: str
    kind: str
    front: Markup
    back: Markup
    tags: tuple[str, ...]
    search_text: str
    question: str
    """The heading as plain text: a search result's title."""


@dataclass(slots=True)
class PreviewTopic:
    slug: str
    title: str
    cards: list[PreviewCard] = field(default_factory=list)


@dataclass(slots=True)
class PreviewStage:
    slug: str
    number: str
    title: str
    title_en: str
    floor: int | None
    topics: list[PreviewTopic] = field(default_factory=list)
    notes: int = 0
    counts: dict[str, int] = field(default_factory=lambda: {"basic": 0, "reverse": 0, "cloze": 0})

    @property
    def cards(self) -> int:
        return sum(len(topic.cards) for topic in self.topics)

    @property
    def filename(self) -> str:
        return f"{self.slug}.html"


@dataclass(frozen=True, slots=True)
class PreviewReport:
    index: Path
    stages: int
    cards: int
    mathjax: bool


def mathjax_source() -> Path | None:
    """MathJax's single-file TeX-to-SVG build from the installed `django-static-mathjax` package, if any."""
    spec = importlib.util.find_spec("mathjax")
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        candidate = Path(location) / MATHJAX_FILE
        if candidate.is_file():
            return candidate
    return None


def build_preview(root: Path, out: Path, templates_dir: Path | None = None) -> PreviewReport:
    """Write the preview site into `out`: a new folder, or one an earlier preview wrote (whose files are
    replaced; files of its own that are no longer part of the site are removed, nothing else is touched)."""
    content = checked_content(root, templates_dir)
    assert content.roadmap is not None and content.templates is not None and content.models is not None
    diags = Diagnostics()
    content.templates.compile_all(diags, ("preview",))
    diags.raise_for_errors()
    stages = _preview_stages(content, content.roadmap, content.models)
    site = PreviewFolder(out)
    static = content.templates.folder / "preview"
    for name in STATIC_FILES:
        site.write(f"assets/{name}", (static / name).read_bytes())
    site.write("assets/card.css", content.models[CardKind.BASIC].css.encode())
    mathjax = mathjax_source()
    if mathjax is not None:
        site.write("assets/tex-svg.js", mathjax.read_bytes())
    for stage_content in content.stages:
        for note in stage_content.notes:
            for ref in note.media:
                site.write(ref.name, ref.path.read_bytes())

    search = [
        {
            "href": f"{stage.filename}#{card.anchor}",
            "id": card.card_id,
            "stage": f"{stage.number} {stage.title}",
            "topic": topic.title,
            "label": card.label,
            "question": card.question,
            "tags": list(card.tags),
            "text": card.search_text,
        }
        for stage in stages
        for topic in stage.topics
        for card in topic.cards
    ]
    site.write("assets/search-index.js", f"window.RC_SEARCH = {json.dumps(search, ensure_ascii=False)};\n".encode())
    context = {"roadmap": content.roadmap, "stages": stages, "mathjax": mathjax is not None}
    for stage in (stage for stage in stages if stage.cards):
        html = content.templates.render("preview/stage.html.j2", stage=stage, **context)
        site.write(stage.filename, (html + "\n").encode())
    site.write("index.html", (content.templates.render("preview/index.html.j2", **context) + "\n").encode())
    site.finish()
    return PreviewReport(out / "index.html", len(stages), sum(stage.cards for stage in stages), mathjax is not None)


def _preview_stages(content: Content, roadmap: Roadmap, models: dict[CardKind, BuiltModel]) -> list[PreviewStage]:
    stages = []
    for stage_content in content.stages:
        stage = stage_content.stage
        preview = PreviewStage(stage.slug, stage.number, stage.title, stage.title_en, stage.floor)
        deck = stage.deck_name(roadmap)
        for result in stage_content.topics:
            if result.topic is None:
                continue
            topic = PreviewTopic(result.topic.slug, result.topic.title)
            notes = {note.card_id: note for note in result.notes}
            for card in result.cards:
                note = notes[card.id]
                preview.notes += 1
                for item in _anki_cards(card, note, models[card.kind], deck):
                    topic.cards.append(item)
                    preview.counts[item.kind] += 1
            preview.topics.append(topic)
        stages.append(preview)
    return stages


def _anki_cards(card: CardInfo, note: Note, model: BuiltModel, deck: str) -> list[PreviewCard]:
    """The Anki cards a note makes, each rendered front and back through the note type's own templates."""
    fields = dict(zip(NOTE_TYPES[card.kind].fields, note.fields, strict=True))
    special = {
        "Tags": " ".join(note.tags),
        "Type": model.notetype.name,
        "Deck": deck,
        "Subdeck": deck.rsplit("::", 1)[-1],
        "CardFlag": "",
        "CardID": "",
    }
    words = _TAGS.sub(" ", " ".join(fields.get(name, "") for name in ("question", "answer", "extra", "text", "title")))
    search_text = " ".join(f"{card.id} {html.unescape(words)} {' '.join(note.tags)}".lower().split())
    question = card.question
    cards = []
    for template_name, front_template, back_template in model.templates:
        special["Card"] = template_name
        if card.kind is CardKind.CLOZE:
            for number in card.cloze_numbers:
                front = render(front_template, fields, cloze=number, special=special)
                back = render(back_template, fields, cloze=number, answer=True, front_side=front, special=special)
                cards.append(
                    PreviewCard(
                        f"card-{card.id}-c{number}",
                        card.id,
                        f"填空 c{number}",
                        "cloze",
                        Markup(front),
                        Markup(back),
                        note.tags,
                        search_text,
                        question,
                    )
                )
        else:
            if template_name == "reverse" and not card.reverse:
                continue
            front = render(front_template, fields, special=special)
            back = render(back_template, fields, answer=True, front_side=front, special=special)
            kind = "reverse" if template_name == "reverse" else "basic"
            label = "反向" if kind == "reverse" else "问答"
            cards.append(
                PreviewCard(
                    f"card-{card.id}" + ("-reverse" if kind == "reverse" else ""),
                    card.id,
                    label,
                    kind,
                    Markup(front),
                    Markup(back),
                    note.tags,
                    search_text,
                    question,
                )
            )
    return cards
