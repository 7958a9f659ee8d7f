"""The small data model in the middle of the pipeline.

load → `SourceFile`s; parse → `Roadmap`, `Stage`, `Topic`, `Card`; render → `Note`; package → `.apkg` bytes.
A compiled topic file is a `TopicResult` (its notes, a `CardInfo` per card, its problems), grouped by stage.
Every piece remembers the file and line it came from, so any later step can report a problem precisely.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import Path

from markdown_it.token import Token

from .diagnostics import Diagnostic


@dataclass(frozen=True, slots=True)
class Source:
    """A reference a fact can be checked against: a paper, an official page, a course."""

    title: str
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Roadmap:
    """The whole roadmap (`decks/roadmap.yaml`); its title is the parent of every deck name."""

    title: str
    title_en: str
    path: Path
    deck_id: int = 0
    """The parent deck's permanent id (every package ships the parent deck, with its description)."""
    report_url: str | None = None
    """Where learners report a mistake (shown in the parent deck's description)."""
    version: str | None = None
    """The content's release, a CalVer such as `2026.11.0` (the release tag is `v` and this)."""


@dataclass(frozen=True, slots=True)
class Stage:
    """One stage of the roadmap: one folder under `decks/` and one Anki deck."""

    slug: str
    """Folder name, e.g. `06-llm-inference`. Permanent: it appears in tags."""
    number: str
    """The two digits the folder name starts with, e.g. `06`."""
    deck_id: int
    title: str
    """Chinese title, e.g. `领域知识：大模型推理`. Part of the deck name, so permanent once shipped."""
    title_en: str
    order: int
    sources: tuple[Source, ...]
    floor: int | None
    """How many cards the syllabus asks of this stage at least (shown by `stats`)."""
    path: Path
    """The stage's `stage.yaml`."""

    def deck_name(self, roadmap: Roadmap) -> str:
        return f"{roadmap.title}::{self.number} {self.title}"


@dataclass(frozen=True, slots=True)
class Topic:
    """One Markdown file of cards within a stage."""

    stage: Stage
    slug: str
    """File name without `.md`; part of the topic's tag."""
    title: str
    tags: tuple[str, ...]
    sources: tuple[Source, ...]
    lang: str
    """Language the cards are written in: `zh` (default) or `en`."""
    path: Path
    lint_ignore: frozenset[str] = frozenset()
    """Lint rules switched off for every card of the topic."""
    order: int | None = None
    """Where the topic comes in its stage (new cards are introduced in this order); None sorts last."""
    kind: str | None = None
    """The kind of question its cards ask, unless a card says otherwise (see `Card.question_kind`)."""

    @property
    def tag(self) -> str:
        return f"roadmap::{self.stage.slug}::{self.slug}"


class CardKind(enum.Enum):
    BASIC = "basic"
    CLOZE = "cloze"


@dataclass(frozen=True, slots=True)
class Segment:
    """A piece of a card's Markdown: its text, where it starts, and the tokens markdown-it made of it."""

    text: str
    line: int
    """1-based line in the topic file where the piece starts."""
    tokens: tuple[Token, ...] = field(repr=False)


@dataclass(frozen=True, slots=True)
class MediaRef:
    """An image a card shows: the file next to the notes and the bare name it gets inside Anki."""

    src: str
    """The reference as markdown-it normalised it (what the renderer sees)."""
    path: Path
    name: str
    line: int


@dataclass(frozen=True, slots=True)
class Card:
    """One `##` section of a topic file: a question and its answer, or a cloze text with its title."""

    id: str
    kind: CardKind
    reverse: bool
    """Also make the answer → question card (terminology)."""
    question: Segment
    """The heading text (the question; for a cloze card, its title)."""
    answer: Segment
    """The body (for a cloze card, the text with the deletions)."""
    extra: Segment | None
    """Optional details shown smaller under the answer (a paragraph starting with `补充：` or `Extra:`)."""
    source: Segment | None
    """Optional source of this card (a paragraph starting with `来源：` or `Source:`)."""
    topic: Topic
    line: int
    """Line of the heading."""
    media: tuple[MediaRef, ...] = ()
    lint_ignore: frozenset[str] = frozenset()
    cloze_numbers: tuple[int, ...] = ()
    question_kind: str | None = None
    """What sort of question it is (`number`, `paper-result`, …): the tag `roadmap::kind::…`, so that a learner
    can find or suspend a whole kind at once."""

    @property
    def path(self) -> Path:
        return self.topic.path


@dataclass(frozen=True, slots=True)
class CardInfo:
    """What the steps after parsing need of a card: plain data, kept in the render cache (tokens are not)."""

    id: str
    kind: CardKind
    reverse: bool
    cloze_numbers: tuple[int, ...]
    path: Path
    line: int
    has_source: bool
    lint_ignore: frozenset[str]
    """Lint rules switched off for this card, by itself or by its topic."""
    question: str
    """The heading as plain text."""
    compare_text: str
    """What near-duplicate detection compares: the question, or for a cloze card its text without markup."""
    source_digest: str
    """Hash of the card's own Markdown (question, answer, extra, source, reverse): what `changes` compares."""


@dataclass(frozen=True, slots=True)
class Note:
    """A card rendered to exactly what goes into the Anki package."""

    card_id: str
    guid: str
    kind: CardKind
    fields: tuple[str, ...]
    tags: tuple[str, ...]
    media: tuple[MediaRef, ...]
    path: Path
    line: int
    card_count: int
    """How many Anki cards the note makes (2 with a reverse card; one per cloze number)."""
    digest: str
    """Hash of everything of the note that goes into the package: what the lock compares (`render.note_digest`)."""


@dataclass(frozen=True, slots=True)
class TopicResult:
    """One topic file, parsed and rendered: plain data, which the render cache keeps between builds."""

    path: Path
    topic: Topic | None
    notes: tuple[Note, ...]
    """The rendered notes (none when the topic has errors or the templates are broken)."""
    cards: tuple[CardInfo, ...]
    """Every card with an id, including those with errors."""
    diagnostics: tuple[Diagnostic, ...]
    parse_seconds: float = field(default=0.0, compare=False)
    render_seconds: float = field(default=0.0, compare=False)


@dataclass(slots=True)
class StageContent:
    stage: Stage
    topics: list[TopicResult] = field(default_factory=list)

    @property
    def notes(self) -> list[Note]:
        return [note for result in self.topics for note in result.notes]

    @property
    def cards(self) -> list[CardInfo]:
        return [card for result in self.topics for card in result.cards]
