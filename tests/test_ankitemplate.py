"""The preview's Anki template renderer draws every card exactly as the real Anki does."""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import pytest

from ankihelp import import_package, open_collection
from roadmap_cards.ankitemplate import AnkiTemplateError, render, render_cloze
from roadmap_cards.build import build
from roadmap_cards.content import compile_content
from roadmap_cards.notetypes import NOTE_TYPES

PROJECT = Path(__file__).parents[1]


def test_fields_sections_and_front_side():
    template = "{{#extra}}<i>{{extra}}</i>{{/extra}}{{^extra}}none{{/extra}}|{{FrontSide}}|{{q}}"
    assert render(template, {"extra": "", "q": "Q"}, front_side="F") == "none|F|Q"
    assert render(template, {"extra": "E", "q": "Q"}) == "<i>E</i>||Q"


def test_unknown_fields_and_unbalanced_sections_are_errors():
    with pytest.raises(AnkiTemplateError, match="unknown field 'nope'"):
        render("{{nope}}", {})
    with pytest.raises(AnkiTemplateError, match="never closed"):
        render("{{#a}}x", {"a": "1"})
    with pytest.raises(AnkiTemplateError, match="closes nothing"):
        render("x{{/a}}", {"a": "1"})


def test_cloze_front_and_back():
    text = "{{c1::grid}} of {{c2::blocks::hint}}"
    assert render_cloze(text, 1, answer=False) == (
        '<span class="cloze" data-cloze="grid" data-ordinal="1">[...]</span> of '
        '<span class="cloze-inactive" data-ordinal="2">blocks</span>'
    )
    assert render_cloze(text, 2, answer=False).endswith(
        '<span class="cloze" data-cloze="blocks" data-ordinal="2">[hint]</span>'
    )
    assert render_cloze(text, 2, answer=True).endswith('<span class="cloze" data-ordinal="2">blocks</span>')


def _without_style(side: str) -> str:
    return re.sub(r"^<style>.*?</style>", "", side, flags=re.S)


def _same_attribute_escaping(side: str) -> str:
    # Anki escapes the data-cloze attribute more eagerly (a space as &#x20;); the attribute's value is the same.
    return re.sub(r'data-cloze="([^"]*)"', lambda m: f'data-cloze="{html.escape(html.unescape(m.group(1)))}"', side)


@pytest.mark.parametrize("decks_dir", ["fixture", "shipped"])
def test_every_card_renders_like_anki(decks_dir, basic_decks, tmp_path):
    root = basic_decks.root
    if decks_dir == "shipped":  # a copy: the build writes cards.lock, and tests leave the checkout alone
        root = tmp_path / "shipped"
        shutil.copytree(PROJECT / "decks", root)
    build(root, tmp_path / "dist", use_cache=False)
    col = open_collection(tmp_path / "col")
    import_package(col, tmp_path / "dist" / "all.apkg")
    content = compile_content(root)
    models = content.models
    assert models is not None
    notes = {note.card_id: note for stage in content.stages for note in stage.notes}
    compared = 0
    for card_id in col.find_cards(""):
        card = col.get_card(card_id)
        note = notes[card.note()["id"]]
        fields = dict(zip(NOTE_TYPES[note.kind].fields, note.fields, strict=True))
        cloze = note.kind.value == "cloze"
        _, front_template, back_template = models[note.kind].templates[0 if cloze else card.ord]
        number = card.ord + 1 if cloze else None
        deck = col.decks.name(card.did)
        special = {"Deck": deck, "Subdeck": deck.rsplit("::", 1)[-1]}
        front = render(front_template, fields, cloze=number, special=special)
        back = render(back_template, fields, cloze=number, answer=True, front_side=front, special=special)
        assert _same_attribute_escaping(_without_style(card.question())) == _same_attribute_escaping(front)
        assert _same_attribute_escaping(_without_style(card.answer())) == _same_attribute_escaping(back)
        compared += 1
    assert compared == col.card_count() > 0
    col.close()
