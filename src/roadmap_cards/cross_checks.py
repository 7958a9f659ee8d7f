"""What no single file can tell: card ids used twice, and changes Anki cannot apply to notes already shipped."""

from __future__ import annotations

from collections.abc import Sequence

from .diagnostics import Diagnostics, display_path
from .lock import LOCK_FILE, Lock
from .model import CardInfo, Roadmap, StageContent


def check_across_files(stages: Sequence[StageContent], roadmap: Roadmap | None, lock: Lock, diags: Diagnostics) -> None:
    seen: dict[str, CardInfo] = {}
    for stage_content in stages:
        for card in stage_content.cards:
            first = seen.setdefault(card.id, card)
            if first is not card:
                diags.error(first.path, first.line, f"duplicate card id {card.id!r} (also at {_where(card)})")
                diags.error(card.path, card.line, f"duplicate card id {card.id!r} (also at {_where(first)})")
    for card in seen.values():
        old = lock.cards.get(card.id)
        if old is not None and old.kind and old.kind != card.kind.value:
            diags.error(
                card.path,
                card.line,
                f"card {card.id!r} was shipped as a {old.kind} card and is now a {card.kind.value} card; "
                "Anki cannot change the type of a note learners already have: give the card a new id "
                f"(or, if it never shipped, delete its line {lock.card_lines.get(card.id)} in {LOCK_FILE})",
            )
    if roadmap is None:
        return
    for stage_content in stages:
        stage = stage_content.stage
        old_name = lock.decks.get(stage.slug)
        name = stage.deck_name(roadmap)
        if old_name is not None and old_name != name:
            diags.error(
                stage.path,
                None,
                f"the deck of {stage.slug} was shipped as {old_name!r}; renaming it to {name!r} would strand "
                "learners' cards in the old deck (Anki matches decks by name). If it never shipped, delete "
                f"line {lock.deck_lines[stage.slug]} of {LOCK_FILE}",
            )


def _where(card: CardInfo) -> str:
    return f"{display_path(card.path)}:{card.line}"
