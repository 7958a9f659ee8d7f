"""Golden tests: small topic files under fixtures/golden/decks, and what the parser and renderer make of them.

Each `<topic>.md` has a reviewed `expected/<topic>.json`. After an intended change, regenerate with
`UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py`, then read the diff before committing it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from roadmap_cards.build import check
from roadmap_cards.cards import parse_topic
from roadmap_cards.diagnostics import Diagnostics
from roadmap_cards.load import read_source
from roadmap_cards.notetypes import NOTE_TYPES

HERE = Path(__file__).parent / "fixtures" / "golden"
DECKS = HERE / "decks"
TOPICS = sorted(p.stem for p in (DECKS / "01-demo").glob("*.md"))


def describe(root: Path) -> dict[str, list[dict]]:
    content = check(root)
    assert not content.diagnostics.errors, [d.format() for d in content.diagnostics.errors]
    result: dict[str, list[dict]] = {}
    for stage in content.stages:
        for topic_result in stage.topics:
            notes = {note.card_id: note for note in topic_result.notes}
            cards = []
            parsed = parse_topic(read_source(topic_result.path), stage.stage, root, Diagnostics())
            assert parsed is not None
            for card in parsed.cards:
                note = notes[card.id]
                cards.append(
                    {
                        "id": card.id,
                        "line": card.line,
                        "kind": card.kind.value,
                        "reverse": card.reverse,
                        "question": card.question.text,
                        "answer": card.answer.text,
                        "extra": card.extra.text if card.extra else None,
                        "source": card.source.text if card.source else None,
                        "cloze_numbers": list(card.cloze_numbers),
                        "lint_ignore": sorted(card.lint_ignore),
                        "media": [ref.name for ref in card.media],
                        "anki_cards": note.card_count,
                        "tags": list(note.tags),
                        "fields": dict(zip(NOTE_TYPES[note.kind].fields, note.fields, strict=True)),
                    }
                )
            result[topic_result.path.stem] = cards
    return result


@pytest.fixture(scope="module")
def described() -> dict[str, list[dict]]:
    return describe(DECKS)


@pytest.mark.parametrize("topic", TOPICS)
def test_golden(topic, described):
    expected_path = HERE / "expected" / f"{topic}.json"
    actual = described[topic]
    if os.environ.get("UPDATE_GOLDEN"):
        expected_path.parent.mkdir(exist_ok=True)
        expected_path.write_text(json.dumps(actual, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    expected = json.loads(expected_path.read_text(encoding="utf-8"))
    assert actual == expected
