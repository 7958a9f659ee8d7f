"""The lock file, `decks/cards.lock`: what every note looked like when it last changed, and when.

Anki's importer updates a note already in a learner's collection only when the package's note `mod` time is
newer than the collection's. So a note's `mod` must grow whenever the note changes, and must stay put when it
does not (otherwise two builds of the same sources differ). The lock records, per card, a digest of the exact
note that was built and the `mod` it was given. A build gives each note:

- the recorded `mod` when its digest is unchanged, so rebuilding the same sources gives the same bytes;
- otherwise `max(now, recorded + 1)`, which is newer than anything shipped before, where `now` is
  `SOURCE_DATE_EPOCH` when set (the reproducible-builds convention) and the clock otherwise.

The lock fails safe: a lost or stale lock only makes notes look changed (an import then logs them as updated),
and a git merge conflict in it needs no hand-editing, since conflict markers are skipped and two versions of
one entry count as a change. It also remembers each stage's deck name and each card's note type, which Anki
cannot change for notes already imported, so `check` can refuse a rename.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from .diagnostics import ContentError, Diagnostic, Diagnostics, UsageError

LOCK_FILE = "cards.lock"
HEADER = (
    "# roadmap-cards lock: each note's digest and the time (Unix seconds) it last changed, each deck's name.\n"
    "# Written by `roadmap-cards build`; commit it with the decks. On a merge conflict, keep either side\n"
    "# (or both) and build again.\n"
)
CONFLICT = "conflict"
_CONFLICT_MARKERS = ("<<<<<<<", "=======", ">>>>>>>", "|||||||")


@dataclass(frozen=True, slots=True)
class Stamp:
    """A note's (or note type's) recorded digest and modification time."""

    digest: str
    mod: int
    kind: str = ""
    """For a card: its note type (`basic` or `cloze`)."""


def clock() -> int:
    """Now, in Unix seconds: `SOURCE_DATE_EPOCH` when set, else the system clock."""
    value = os.environ.get("SOURCE_DATE_EPOCH")
    if value is None:
        return int(time.time())
    try:
        return int(value)
    except ValueError:
        raise UsageError(f"SOURCE_DATE_EPOCH must be a whole number of seconds, not {value!r}") from None


class Lock:
    """The recorded state of every card, note type and deck, and the new state of this build."""

    def __init__(self, path: Path, now: int) -> None:
        self.path = path
        self.now = now
        self.cards: dict[str, Stamp] = {}
        self.notetypes: dict[str, Stamp] = {}
        self.decks: dict[str, str] = {}
        self.deck_lines: dict[str, int] = {}
        self.card_lines: dict[str, int] = {}
        self.new_cards: dict[str, Stamp] = {}
        self.new_notetypes: dict[str, Stamp] = {}
        self.new_decks: dict[str, str] = {}

    @classmethod
    def read(cls, path: Path, now: int, diags: Diagnostics) -> Lock:
        lock = cls(path, now)
        if not path.is_file():
            return lock
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            diags.error(path, None, "not valid UTF-8; delete the file and build again")
            return lock
        for number, line in enumerate(text.split("\n"), start=1):
            if not line.strip() or line.startswith("#") or line.startswith(_CONFLICT_MARKERS):
                continue
            parts = line.split("\t")
            try:
                if parts[0] == "deck" and len(parts) == 3:
                    lock.decks.setdefault(parts[1], parts[2])
                    lock.deck_lines.setdefault(parts[1], number)
                elif parts[0] == "notetype" and len(parts) == 4:
                    _merge(lock.notetypes, parts[1], Stamp(parts[3], int(parts[2])))
                elif parts[0] == "card" and len(parts) == 5:
                    _merge(lock.cards, parts[1], Stamp(parts[4], int(parts[3]), parts[2]))
                    lock.card_lines.setdefault(parts[1], number)
                else:
                    raise ValueError
            except ValueError:
                diags.error(path, number, "cannot read this line of the lock file; delete it and build again")
        return lock

    def stamp_card(self, card_id: str, kind: str, digest: str) -> int:
        self.new_cards[card_id] = stamp = _next(self.cards.get(card_id), digest, self.now, kind)
        return stamp.mod

    def stamp_notetype(self, name: str, digest: str) -> int:
        self.new_notetypes[name] = stamp = _next(self.notetypes.get(name), digest, self.now)
        return stamp.mod

    def record_deck(self, slug: str, name: str) -> None:
        self.new_decks[slug] = name

    def require_current(self) -> None:
        """Raise ContentError unless this build leaves the lock file exactly as it is (for `build --locked`)."""
        current = self.path.read_text(encoding="utf-8") if self.path.is_file() else ""
        if current == self.text():
            return
        changed = sorted(i for i, stamp in self.new_cards.items() if i in self.cards and self.cards[i] != stamp)
        added = sorted(self.new_cards.keys() - self.cards.keys())
        removed = sorted(self.cards.keys() - self.new_cards.keys())
        parts = [
            f"{len(ids)} {what} ({', '.join(ids[:5])}{', …' if len(ids) > 5 else ''})"
            for what, ids in (("changed", changed), ("new", added), ("removed", removed))
            if ids
        ]
        if self.new_notetypes != self.notetypes or self.new_decks != self.decks:
            parts.append("note types or deck names changed")
        detail = "; ".join(parts) or "its text differs"
        message = f"{LOCK_FILE} is out of date ({detail}): run `roadmap-cards build` and commit it with the cards"
        raise ContentError([Diagnostic(self.path, None, message)])

    def text(self) -> str:
        lines = [HEADER]
        lines += [f"deck\t{slug}\t{name}\n" for slug, name in sorted(self.new_decks.items())]
        lines += [f"notetype\t{n}\t{s.mod}\t{s.digest}\n" for n, s in sorted(self.new_notetypes.items())]
        lines += [f"card\t{i}\t{s.kind}\t{s.mod}\t{s.digest}\n" for i, s in sorted(self.new_cards.items())]
        return "".join(lines)


def _merge(table: dict[str, Stamp], key: str, stamp: Stamp) -> None:
    """Two entries for one key (both sides of a merge): keep the later time, and count them as a change."""
    old = table.get(key)
    if old is None:
        table[key] = stamp
    else:
        digest = old.digest if old.digest == stamp.digest else CONFLICT
        table[key] = Stamp(digest, max(old.mod, stamp.mod), old.kind or stamp.kind)


def _next(old: Stamp | None, digest: str, now: int, kind: str = "") -> Stamp:
    if old is not None and old.digest == digest:
        return Stamp(digest, old.mod, kind)
    return Stamp(digest, now if old is None else max(now, old.mod + 1), kind)
