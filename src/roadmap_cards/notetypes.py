"""The two Anki note types every card belongs to.

Anki keeps a learner's notes attached to a note type by its id, and forks the note type (making "Name+" and
leaving the notes un-updated as "conflicting") when a package brings the same id with other fields or other
template names. So the ids, field names and template names below are permanent: never rename, reorder or
remove one. A new field may only be added together with a new note type id, which is a migration for every
learner. The fields were chosen to last: the text of the card, a reserved `extra`, the context it is shown in,
its sources, and its id. Template *contents* (in `templates/anki/`) may change freely.
"""

from __future__ import annotations

from dataclasses import dataclass

from .model import CardKind


@dataclass(frozen=True, slots=True)
class CardTemplate:
    name: str
    """Anki's name for the card type: permanent."""
    front: str
    """Jinja file (under `templates/`) of the front side."""
    back: str


@dataclass(frozen=True, slots=True)
class NoteType:
    model_id: int
    name: str
    kind: CardKind
    fields: tuple[str, ...]
    templates: tuple[CardTemplate, ...]
    css: str = "anki/card.css.j2"


BASIC = NoteType(
    model_id=1842707301,
    name="roadmap-cards basic",
    kind=CardKind.BASIC,
    # `reverse` is non-empty when the note also makes the answer → question card.
    fields=("question", "answer", "extra", "reverse", "context", "sources", "id"),
    templates=(
        CardTemplate("forward", "anki/basic-front.html.j2", "anki/basic-back.html.j2"),
        CardTemplate("reverse", "anki/reverse-front.html.j2", "anki/reverse-back.html.j2"),
    ),
)

CLOZE = NoteType(
    model_id=1842707302,
    name="roadmap-cards cloze",
    kind=CardKind.CLOZE,
    # `text` holds the {{c1::…}} deletions; `title` is the card's heading, shown as its context.
    fields=("text", "title", "extra", "context", "sources", "id"),
    templates=(CardTemplate("cloze", "anki/cloze-front.html.j2", "anki/cloze-back.html.j2"),),
)

NOTE_TYPES = {CardKind.BASIC: BASIC, CardKind.CLOZE: CLOZE}

# Anki's built-in fields and filters, accepted by the `anki()` helper of the card templates.
ANKI_SPECIAL_FIELDS = ("FrontSide", "Tags", "Type", "Deck", "Subdeck", "Card", "CardFlag", "CardID")
ANKI_FILTERS = ("cloze:", "text:", "hint:", "type:", "furigana:", "kana:", "kanji:", "tts:")
