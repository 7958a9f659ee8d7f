"""The identities that tie a card to every learner's copy of it: the card id and the note GUID made from it.

A card id is written once into its heading (`{#kv-bytes}`) and never changes while the card asks the same thing;
the note's GUID is a hash of the id alone, so editing, moving or retitling a card updates the learner's note in
place. New ids are random, not derived from the question, which will be edited.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable

CARD_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$")
CARD_ID_RULE = "must be 3-64 characters of a-z, 0-9 and '-', starting and ending with a letter or digit"
GUID_NAMESPACE = "roadmap-cards"
ID_LETTERS = "abcdefghijklmnopqrstuvwxyz"
ID_ALPHABET = ID_LETTERS + "0123456789"
ID_LENGTH = 8


def is_card_id(text: str) -> bool:
    return CARD_ID_RE.match(text) is not None


def note_guid(card_id: str) -> str:
    """The note's permanent identity in every learner's collection: a hash of the card id and nothing else."""
    import genanki  # here, not above: a rebuild that renders nothing never needs genanki (nor the asyncio it loads)

    return str(genanki.guid_for(GUID_NAMESPACE, card_id))


def new_card_id(taken: set[str], choose: Callable[[str], str] = secrets.choice) -> str:
    """A fresh random id (a letter, then letters and digits) not in `taken`, which it is added to.

    `choose` picks one character of a string (a parameter for tests)."""
    while True:
        candidate = choose(ID_LETTERS) + "".join(choose(ID_ALPHABET) for _ in range(ID_LENGTH - 1))
        if candidate not in taken:
            taken.add(candidate)
            return candidate
