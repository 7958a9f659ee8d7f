"""Step 4, package: notes → genanki decks → `.apkg` bytes that are the same for the same input.

genanki stamps every note and card with one `mod` time and writes zip entries with clock times. Here each note
gets its own `mod` from the lock file, the package's timestamp is the newest of them (so ids derived from it are
stable), and the zip is written with fixed entry times and permissions.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import os
import sqlite3
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import genanki

from .model import CardKind, MediaRef, Note, Stage
from .notetypes import NOTE_TYPES, NoteType
from .render import Templates

ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True, slots=True)
class BuiltModel:
    """A note type rendered from the templates, ready for genanki, with the digest of its content."""

    notetype: NoteType
    fields: tuple[str, ...]
    templates: tuple[tuple[str, str, str], ...]
    css: str
    digest: str

    @functools.lru_cache(maxsize=8)  # noqa: B019 - a handful of models per build; genanki caches work in them
    def genanki_model(self, mod: int) -> genanki.Model:
        kind = genanki.Model.CLOZE if self.notetype.kind is CardKind.CLOZE else genanki.Model.FRONT_BACK
        return _StampedModel(
            mod,
            self.notetype.model_id,
            self.notetype.name,
            fields=[{"name": name} for name in self.fields],
            templates=[{"name": n, "qfmt": q, "afmt": a} for n, q, a in self.templates],
            css=self.css,
            model_type=kind,
        )


def build_models(templates: Templates) -> dict[CardKind, BuiltModel]:
    css = templates.css()
    models = {}
    for kind, notetype in NOTE_TYPES.items():
        sides = tuple(
            (t.name, templates.card_side(notetype, t.front), templates.card_side(notetype, t.back))
            for t in notetype.templates
        )
        content = json.dumps([notetype.name, notetype.fields, sides, css], ensure_ascii=False)
        digest = hashlib.sha256(content.encode()).hexdigest()[:16]
        models[kind] = BuiltModel(notetype, notetype.fields, sides, css, digest)
    return models


def note_digest(note: Note) -> str:
    """What the learner's copy of the note is compared against: everything that goes into the package."""
    sha = hashlib.sha256()
    for part in (note.guid, str(NOTE_TYPES[note.kind].model_id), *note.fields, " ".join(note.tags)):
        sha.update(part.encode())
        sha.update(b"\x1f")
    return sha.hexdigest()[:16]


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


class _StampedModel(genanki.Model):  # type: ignore[misc]
    """A genanki model whose `mod` is its own, not the package's."""

    def __init__(self, mod: int, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.mod = mod

    def to_json(self, timestamp: float, deck_id: int) -> dict[str, Any]:
        result: dict[str, Any] = super().to_json(timestamp, deck_id)
        result["mod"] = self.mod
        return result


class _StampedNote(genanki.Note):  # type: ignore[misc]
    """A genanki note (and its cards) with its own `mod` from the lock file."""

    def __init__(self, mod: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.mod = mod

    def write_to_db(self, cursor: sqlite3.Cursor, timestamp: float, deck_id: int, id_gen: Any) -> None:
        super().write_to_db(cursor, self.mod, deck_id, id_gen)

    def _check_invalid_html_tags_in_fields(self) -> None:
        """Skipped: every field is HTML we rendered ourselves from escaped Markdown and autoescaped templates."""


def write_package(plan: PackagePlan, target: Path) -> None:
    """Write the plan as an `.apkg` at `target` (a temporary path: the caller renames it into place)."""
    timestamp = plan.timestamp
    models = {kind: built.genanki_model(plan.model_mods[kind]) for kind, built in plan.models.items()}
    decks = []
    position = itertools.count()
    for deck_plan in plan.decks:
        deck = genanki.Deck(deck_plan.stage.deck_id, deck_plan.name, description=deck_plan.description)
        for model in models.values():
            deck.add_model(model)
        for sn in deck_plan.notes:
            note = sn.note
            deck.add_note(
                _StampedNote(
                    sn.mod,
                    model=models[note.kind],
                    fields=list(note.fields),
                    tags=list(note.tags),
                    guid=note.guid,
                    due=next(position),  # new cards come in the order of the notes
                )
            )
        decks.append(deck)
    media = plan.media()

    fd, db_path = tempfile.mkstemp(suffix=".anki2", dir=target.parent)
    os.close(fd)
    try:
        connection = sqlite3.connect(db_path)
        try:
            genanki.Package(decks).write_to_db(connection.cursor(), timestamp, itertools.count(timestamp * 1000))
            connection.commit()
        finally:
            connection.close()
        with zipfile.ZipFile(target, "w", zipfile.ZIP_STORED) as archive:
            _add(archive, "collection.anki2", Path(db_path).read_bytes())
            _add(archive, "media", json.dumps({str(i): ref.name for i, ref in enumerate(media)}).encode())
            for index, ref in enumerate(media):
                _add(archive, str(index), ref.path.read_bytes())
    finally:
        os.unlink(db_path)


def _add(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    """Add an entry with a fixed time and permissions, so equal content gives equal bytes."""
    info = zipfile.ZipInfo(name, date_time=ZIP_EPOCH)
    info.create_system = 3
    info.external_attr = 0o644 << 16
    info.compress_type = zipfile.ZIP_STORED
    archive.writestr(info, data)
