"""Step 4, plan: which notes, decks and note types go into each `.apkg`, each note stamped with its `mod`.

One package per stage with cards, and `all.apkg` with every stage. A note's `mod` comes from the lock (see
`lock.py`): unchanged notes keep theirs, so the same sources give the same bytes.
"""

from __future__ import annotations

import hashlib
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
    stage: Stage
    name: str
    notes: list[StampedNote] = field(default_factory=list)
    description: str = ""
    """HTML shown on the deck's overview screen in Anki."""


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
            sha.update(f"{deck.stage.deck_id}\t{deck.name}\t{deck.description}\n".encode())
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


def plan_packages(
    stages: list[StageNotes],
    roadmap: Roadmap,
    templates: Templates,
    models: dict[CardKind, BuiltModel],
    lock: Lock,
) -> tuple[list[PackagePlan], list[str]]:
    """The packages to write, and the stages skipped for having no cards. Records each note's new stamp, each
    note type's and each deck's name in `lock` (which the build writes once the packages are in place)."""
    model_mods = {kind: lock.stamp_notetype(kind.value, built.digest) for kind, built in models.items()}
    decks: list[DeckPlan] = []
    skipped = []
    for entry in stages:
        stage = entry.stage
        if not entry.notes:
            skipped.append(stage.slug)
            continue
        description = templates.render("anki/deck-description.html.j2", stage=stage, roadmap=roadmap)
        deck = DeckPlan(stage, stage.deck_name(roadmap), description=description)
        lock.record_deck(stage.slug, deck.name)
        for note in entry.notes:
            mod = lock.stamp_card(note.card_id, note.kind.value, note.digest)
            deck.notes.append(StampedNote(note, mod, note.digest))
        decks.append(deck)
    plans = [PackagePlan(deck.stage.slug, [deck], models, model_mods) for deck in decks]
    if decks:
        plans.append(PackagePlan(ALL_PACKAGE, decks, models, model_mods))
    return plans, skipped
