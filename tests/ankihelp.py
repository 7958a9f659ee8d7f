"""Driving a real Anki collection (the `anki` package from PyPI, headless) the way the desktop app does."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from anki.collection import Collection, ImportAnkiPackageRequest
from anki.scheduler.v3 import CardAnswer


@dataclass(frozen=True)
class ImportLog:
    new: int
    updated: int
    duplicate: int
    conflicting: int


def open_collection(folder: Path, name: str = "collection.anki2") -> Collection:
    folder.mkdir(parents=True, exist_ok=True)
    return Collection(str(folder / name))


def import_package(col: Collection, package: Path) -> ImportLog:
    """Import with the options the desktop app offers by default ("update if newer", no scheduling)."""
    options = col._backend.get_import_anki_package_presets()
    response = col.import_anki_package(ImportAnkiPackageRequest(package_path=str(package), options=options))
    log = response.log
    return ImportLog(len(log.new), len(log.updated), len(log.duplicate), len(log.conflicting))


def notes_by_id(col: Collection) -> dict[str, int]:
    """Our card id (the note's `id` field) → Anki's note id."""
    return {col.get_note(nid)["id"]: nid for nid in col.find_notes("")}


def review(col: Collection, deck_name: str, count: int) -> list[int]:
    """Answer the next `count` cards of a deck with "Good", as a learner would; returns the card ids."""
    deck_id = col.decks.id_for_name(deck_name)
    assert deck_id is not None, deck_name
    col.decks.select(deck_id)
    answered = []
    for _ in range(count):
        queued = col.sched.get_queued_cards(fetch_limit=1)
        if not queued.cards:
            break
        top = queued.cards[0]
        card = col.get_card(top.card.id)
        card.start_timer()
        answer = col.sched.build_answer(card=card, states=top.states, rating=CardAnswer.GOOD)
        col.sched.answer_card(answer)
        answered.append(card.id)
    return answered


def scheduling(col: Collection) -> dict[int, tuple[int, int, int, int, int, int]]:
    """Per card: (type, queue, due, interval, ease factor, reviews)."""
    rows = col.db.all("select id, type, queue, due, ivl, factor, reps from cards")
    return {row[0]: tuple(row[1:]) for row in rows}


def revlog(col: Collection) -> list[tuple[int, ...]]:
    return [tuple(row) for row in col.db.all("select * from revlog order by id")]
