"""What no single file can tell: card ids used twice, and changes Anki cannot apply to notes already shipped."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from .diagnostics import Diagnostics, display_path
from .lock import LOCK_FILE, Lock
from .model import CardInfo, Roadmap, Stage, StageContent


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
    _check_stage_identities([stage.stage for stage in stages], roadmap, diags)
    if roadmap is None:
        return
    old_parent = lock.decks.get("roadmap")
    if old_parent is not None and old_parent != roadmap.title:
        diags.error(
            roadmap.path,
            None,
            f"the parent deck was shipped as {old_parent!r}; renaming it to {roadmap.title!r} would strand every "
            f"learner's cards in the old decks (Anki matches decks by name). If it never shipped, delete line "
            f"{lock.deck_lines['roadmap']} of {LOCK_FILE}",
        )
    for stage in (stage_content.stage for stage_content in stages):
        if stage.deck_id == roadmap.deck_id:
            diags.error(
                stage.path,
                None,
                f"deck_id {stage.deck_id} is also the parent deck's (in {display_path(roadmap.path)}): every deck "
                "needs its own",
            )
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


def _check_stage_identities(stages: list[Stage], roadmap: Roadmap | None, diags: Diagnostics) -> None:
    """Two stages may share no deck id, no number and no deck name: Anki would merge or mangle their decks."""
    properties: list[tuple[str, Callable[[Stage], object]]] = [
        ("deck_id", lambda stage: stage.deck_id),
        ("number", lambda stage: stage.number),
    ]
    if roadmap is not None:
        properties.append(("deck name", lambda stage: stage.deck_name(roadmap)))
    for what, value in properties:
        first: dict[object, Stage] = {}
        for stage in stages:
            if stage.deck_id == 0:  # its stage.yaml has no usable deck_id: reported already
                continue
            other = first.setdefault(value(stage), stage)
            if other is not stage:
                for one, two in ((other, stage), (stage, other)):
                    diags.error(
                        one.path,
                        None,
                        f"{what} {value(one)!r} is also the {what} of {two.slug} ({display_path(two.path)}): "
                        "every stage needs its own, or Anki merges their decks",
                    )
