"""Step 5, write: a package plan → genanki decks → `.apkg` bytes that are the same for the same input.

genanki stamps every note and card with one `mod` time and writes zip entries with clock times. Here each note
gets its own `mod` from the lock file, the package's timestamp is the newest of them (so ids derived from it are
stable), and the zip is written with fixed entry times and permissions.
"""

from __future__ import annotations

import functools
import itertools
import json
import os
import sqlite3
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import genanki

from .diagnostics import FileError, display_path
from .files import SCRATCH_PREFIX, final_path
from .model import CardKind
from .package_plan import PackagePlan
from .templating import BuiltModel

ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


@functools.lru_cache(maxsize=8)
def genanki_model(built: BuiltModel, mod: int) -> genanki.Model:
    """The note type as genanki writes it, with its own `mod` (genanki caches work in it: built once)."""
    kind = genanki.Model.CLOZE if built.notetype.kind is CardKind.CLOZE else genanki.Model.FRONT_BACK
    return _StampedModel(
        mod,
        built.notetype.model_id,
        built.notetype.name,
        fields=[{"name": name} for name in built.notetype.fields],
        templates=[{"name": n, "qfmt": q, "afmt": a} for n, q, a in built.templates],
        css=built.css,
        model_type=kind,
    )


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
    models = {kind: genanki_model(built, plan.model_mods[kind]) for kind, built in plan.models.items()}
    decks = []
    position = itertools.count()
    for deck_plan in plan.decks:
        deck = genanki.Deck(deck_plan.deck_id, deck_plan.name, description=deck_plan.description)
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

    fd, db_path = tempfile.mkstemp(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-", suffix=".anki2", dir=target.parent)
    os.close(fd)
    try:
        connection = sqlite3.connect(db_path)
        # A scratch file, read once into the zip and deleted: no journal and no disk syncs (genanki creates its
        # tables one statement at a time, and each would otherwise sync the disk).
        connection.execute("PRAGMA journal_mode = OFF")
        connection.execute("PRAGMA synchronous = OFF")
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
    except (sqlite3.Error, OSError) as exc:  # a full disk shows up as either
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise FileError(f"{display_path(final_path(target))}: cannot be written ({reason})") from None
    finally:
        os.unlink(db_path)


def _add(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    """Add an entry with a fixed time and permissions, so equal content gives equal bytes."""
    info = zipfile.ZipInfo(name, date_time=ZIP_EPOCH)
    info.create_system = 3
    info.external_attr = 0o644 << 16
    info.compress_type = zipfile.ZIP_STORED
    archive.writestr(info, data)
