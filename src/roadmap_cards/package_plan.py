"""Step 4, plan: which notes, decks and note types go into each `.apkg`, each note stamped with its `mod`.

One package per stage with cards, and `all.apkg` with every stage. A note's `mod` comes from the lock (see
`lock.py`): unchanged notes keep theirs, so the same sources give the same bytes.
"""

from __future__ import annotations

import hashlib
import time
import unicodedata
from dataclasses import dataclass, field

from .lock import Lock
from .model import CardKind, MediaRef, Note, Roadmap, Stage
from .templating import BuiltModel, Templates

ALL_PACKAGE = "all"


@dataclass(slots=True)
class StampedNote:
    note: Note
    mod: int
    digest: str


@dataclass(slots=True)
class DeckPlan:
    deck_id: int
    name: str
    key: str
    """The deck's name in the lock: its stage's folder name, or `roadmap` for the parent deck."""
    notes: list[StampedNote] = field(default_factory=list)
    description: str = ""
    """HTML shown on the deck's overview screen in Anki, on one line (Anki shows every newline in it)."""


@dataclass(slots=True)
class PackagePlan:
    """Everything one `.apkg` holds."""

    filename: str
    decks: list[DeckPlan]
    models: dict[CardKind, BuiltModel]
    model_mods: dict[CardKind, int]

    @property
    def timestamp(self) -> int:
        """The newest `mod` inside: the package's own time, and the seed of its note and card ids."""
        mods = [sn.mod for deck in self.decks for sn in deck.notes]
        return max([*mods, *self.model_mods.values()])

    def media(self) -> list[MediaRef]:
        unique = {ref.name: ref for deck in self.decks for sn in deck.notes for ref in sn.note.media}
        return [unique[name] for name in sorted(unique)]

    def digest(self) -> str:
        """Hash of the inputs: when it matches the last build's, the file on disk is already right."""
        sha = hashlib.sha256()
        sha.update(f"{self.timestamp}\n".encode())
        for kind in sorted(self.models, key=lambda k: k.value):
            sha.update(f"{self.models[kind].digest}\n".encode())
        for deck in self.decks:
            sha.update(f"{deck.deck_id}\t{deck.name}\t{deck.description}\n".encode())
            for sn in deck.notes:
                sha.update(f"{sn.digest}\t{sn.mod}\n".encode())
        for ref in self.media():
            sha.update(f"{ref.name}\n".encode())
        return sha.hexdigest()

    @property
    def note_count(self) -> int:
        return sum(len(deck.notes) for deck in self.decks)

    @property
    def card_count(self) -> int:
        return sum(sn.note.card_count for deck in self.decks for sn in deck.notes)


@dataclass(frozen=True, slots=True)
class StageNotes:
    stage: Stage
    notes: list[Note]
    topics: list[str]
    """The titles of the stage's topics, in order."""


ROADMAP_KEY = "roadmap"


def plan_packages(
    stages: list[StageNotes],
    roadmap: Roadmap,
    templates: Templates,
    models: dict[CardKind, BuiltModel],
    lock: Lock,
) -> tuple[list[PackagePlan], list[str]]:
    """The packages to write, and the stages skipped for having no cards. Records each note's new stamp, each
    note type's and each deck's name in `lock` (which the build writes once the packages are in place).

    Every package also holds the parent deck, with a description of the whole roadmap: shipped, it arrives
    expanded, and greets the learner."""
    model_mods = {kind: lock.stamp_notetype(kind.value, built.digest) for kind, built in models.items()}
    decks: list[DeckPlan] = []
    skipped = []
    for entry in stages:
        stage = entry.stage
        if not entry.notes:
            skipped.append(stage.slug)
            continue
        deck = DeckPlan(stage.deck_id, stage.deck_name(roadmap), stage.slug)
        for note in entry.notes:
            mod = lock.stamp_card(note.card_id, note.kind.value, note.digest)
            deck.notes.append(StampedNote(note, mod, note.digest))
        deck.description = one_line(
            templates.render(
                "anki/deck-description.html.j2",
                stage=stage,
                roadmap=roadmap,
                topics=entry.topics,
                notes=len(deck.notes),
                cards=sum(sn.note.card_count for sn in deck.notes),
            )
        )
        decks.append(deck)
    for deck in decks:
        lock.record_deck(deck.key, deck.name)
    if not decks:
        return [], skipped
    newest = max(sn.mod for deck in decks for sn in deck.notes)
    parent = DeckPlan(roadmap.deck_id, roadmap.title, ROADMAP_KEY)
    parent.description = one_line(
        templates.render(
            "anki/roadmap-description.html.j2",
            roadmap=roadmap,
            decks=[(deck, sum(sn.note.card_count for sn in deck.notes)) for deck in decks],
            cards=sum(sn.note.card_count for deck in decks for sn in deck.notes),
            date=time.strftime("%Y-%m-%d", time.gmtime(newest)),
        )
    )
    lock.record_deck(ROADMAP_KEY, parent.name)
    plans = [PackagePlan(deck.key, [parent, deck], models, model_mods) for deck in decks]
    plans.append(PackagePlan(ALL_PACKAGE, [parent, *decks], models, model_mods))
    return plans, skipped


def one_line(html: str) -> str:
    """The HTML with its line breaks removed (Anki's deck overview shows a description's every newline): lines
    join with a space only between Latin text, never next to Chinese (where a space shows) or a tag."""
    joined = ""
    for line in (line.strip() for line in html.splitlines()):
        if not line:
            continue
        tight = not joined or joined.endswith(">") or line.startswith("<") or _wide(joined[-1]) or _wide(line[0])
        joined += ("" if tight else " ") + line
    return joined


def _wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")
