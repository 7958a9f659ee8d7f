"""`roadmap-cards import`: build, then import straight into an Anki collection file with Anki's own library.

Anki desktop must be closed (it locks the collection). The import uses the options the desktop app offers by
default ("update notes if newer", no scheduling), so reviews are never touched. Notes of ours whose card id
no longer exists in the sources are tagged `roadmap::removed`, never deleted: the learner decides.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .apkg import write_package
from .build import build
from .diagnostics import UsageError
from .identity import note_guid
from .notetypes import NOTE_TYPES
from .package_plan import ALL_PACKAGE, StampedNote

REMOVED_TAG = "roadmap::removed"


@dataclass(frozen=True, slots=True)
class ImportReport:
    new: int
    updated: int
    unchanged: int
    conflicting: int
    removed: list[str]
    """Card ids of notes in the collection that the sources no longer have (now tagged roadmap::removed)."""
    restored: list[str]
    """Card ids that came back and lost the roadmap::removed tag."""


def _anki() -> Any:
    try:
        from anki import collection
    except ImportError:
        raise UsageError("`import` needs Anki's library; from the checkout: pip install -e '.[anki]'") from None
    return collection


def import_into_collection(
    root: Path,
    collection_path: Path,
    out: Path,
    templates_dir: Path | None = None,
    deck_prefix: str | None = None,
) -> ImportReport:
    anki = _anki()
    if collection_path.suffix != ".anki2":
        raise UsageError(f"{collection_path}: expected an Anki collection file ending in .anki2")
    if not collection_path.is_file():
        raise UsageError(
            f"collection {collection_path} does not exist (Anki keeps it in its profile folder, e.g. "
            "~/.local/share/Anki2/<profile>/collection.anki2); refusing to create a new one"
        )
    if collection_path.stat().st_size == 0:
        raise UsageError(
            f"{collection_path} is empty, not an Anki collection; refusing to create a new one in its place"
        )
    if deck_prefix is not None and (not deck_prefix.strip() or deck_prefix.strip(":") != deck_prefix.strip()):
        raise UsageError("--deck-prefix is a deck name such as 'Study' (without leading or trailing '::')")

    report = build(root, out, templates_dir)
    plans = [plan for plan in report.plans if plan.filename == ALL_PACKAGE]
    if not plans:
        raise UsageError("there are no cards to import")
    plan = plans[0]
    try:
        col = anki.Collection(str(collection_path))
    except Exception as exc:  # anki.errors.DBError when Anki desktop has it open
        raise UsageError(f"cannot open {collection_path}: {exc} Close Anki desktop and try again.") from None
    try:
        with tempfile.TemporaryDirectory() as scratch:
            package = out / f"{ALL_PACKAGE}.apkg"
            decks = plan.decks
            if deck_prefix:
                prefix = deck_prefix.strip()
                decks = [replace(deck, name=f"{prefix}::{deck.name}") for deck in plan.decks]
                package = Path(scratch) / "prefixed.apkg"
                write_package(replace(plan, decks=decks), package)
            # A note is ours by its GUID, made from the card id (a learner may rename or drop the `id` field).
            current = {sn.note.guid: sn.note.card_id for deck in plan.decks for sn in deck.notes}
            # Notes tagged removed that are back: the import may update them (and so drop the tag) itself.
            returning = {current[guid] for guid in _tagged_removed(col) if guid in current}
            options = col._backend.get_import_anki_package_presets()
            response = col.import_anki_package(
                anki.ImportAnkiPackageRequest(package_path=str(package), options=options)
            )
            log = response.log
            removed, untagged = _mark_removed(col, current)
            restored = sorted(returning | set(untagged))
            if untagged:
                # Taking the tag off stamped those notes with the current time, newer than the package: import
                # them once more, stamped newer still, so that their text is the restored card's.
                newer, wanted = int(time.time()) + 1, set(untagged)
                again_decks = [
                    replace(
                        deck,
                        notes=[
                            StampedNote(sn.note, newer, sn.digest) for sn in deck.notes if sn.note.card_id in wanted
                        ],
                    )
                    for deck in decks
                ]
                again = Path(scratch) / "restored.apkg"
                write_package(replace(plan, decks=[deck for deck in again_decks if deck.notes]), again)
                col.import_anki_package(anki.ImportAnkiPackageRequest(package_path=str(again), options=options))
        return ImportReport(
            new=len(log.new),
            updated=len(log.updated),
            unchanged=len(log.duplicate),
            conflicting=len(log.conflicting),
            removed=removed,
            restored=restored,
        )
    finally:
        col.close()


def _our_notes(col: Any) -> list[int]:
    model_ids = [notetype.model_id for notetype in NOTE_TYPES.values()]
    return list(col.db.list(f"select id from notes where mid in ({', '.join('?' * len(model_ids))})", *model_ids))


def _tagged_removed(col: Any) -> list[str]:
    """GUIDs of our notes that carry the removed tag."""
    return [note.guid for note in map(col.get_note, _our_notes(col)) if note.has_tag(REMOVED_TAG)]


def _mark_removed(col: Any, current: dict[str, str]) -> tuple[list[str], list[str]]:
    """Tag our notes whose card is gone, untag those whose card is back; returns (gone, untagged) card ids.

    `current` maps the GUID of every note in the sources to its card id."""
    removed, restored, changed = [], [], []
    for note_id in _our_notes(col):
        note = col.get_note(note_id)
        # the card id is the field whose GUID is the note's, whatever the learner renamed it to
        card_id = current.get(note.guid) or next((v for _, v in note.items() if note_guid(v) == note.guid), note.guid)
        if note.guid not in current and not note.has_tag(REMOVED_TAG):
            note.add_tag(REMOVED_TAG)
            removed.append(card_id)
            changed.append(note)
        elif note.guid in current and note.has_tag(REMOVED_TAG):
            note.remove_tag(REMOVED_TAG)
            restored.append(card_id)
            changed.append(note)
        elif note.guid not in current:
            removed.append(card_id)
    if changed:
        col.update_notes(changed)
    return sorted(removed), sorted(restored)
