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
import re
import time
from dataclasses import dataclass
from pathlib import Path

from .diagnostics import WARNING, ContentError, Diagnostic, Diagnostics, UsageError
from .identity import is_card_id
from .load import read_inside

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


MAX_TIME = 2**32 - 1
"""The latest time a note may carry (in 2106): beyond it, Anki and SQLite may not agree on the number."""
FUTURE_SLACK = 24 * 3600
_KINDS = ("basic", "cloze")
_DIGEST_RE = re.compile(r"^[0-9a-f]{16}$")
_SECONDS_RE = re.compile(r"[0-9]{1,10}")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]")


def clock() -> int:
    """Now, in Unix seconds: `SOURCE_DATE_EPOCH` when set, else the system clock."""
    value = os.environ.get("SOURCE_DATE_EPOCH")
    if value is None:
        return int(time.time())
    if not _SECONDS_RE.fullmatch(value.strip()) or not 0 < int(value) <= MAX_TIME:
        raise UsageError(f"SOURCE_DATE_EPOCH must be a whole number of seconds between 1 and {MAX_TIME}, not {value!r}")
    return int(value)


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
    def read(cls, path: Path, root: Path, now: int, diags: Diagnostics) -> Lock:
        """The lock at `path` (inside the content folder `root`), every unreadable line reported with its number."""
        lock = cls(path, now)
        if not path.exists() and not path.is_symlink():
            return lock
        source = read_inside(root, path, diags)
        if source is None:
            return lock
        try:
            text = source.data.decode("utf-8")
        except UnicodeDecodeError:
            diags.error(path, None, "not valid UTF-8; delete the file and build again")
            return lock
        for number, line in enumerate(text.split("\n"), start=1):
            if not line.strip() or line.startswith("#") or line.startswith(_CONFLICT_MARKERS):
                continue
            parts = line.split("\t")
            problem = lock._read_line(parts, number)
            if problem:
                diags.error(path, number, f"{problem}; delete this line and build again")
                continue
            table = {"card": lock.cards, "notetype": lock.notetypes}.get(parts[0], {})
            stamp = table.get(parts[1])
            if stamp is not None and stamp.mod > now + FUTURE_SLACK:
                when = time.strftime("%Y-%m-%d", time.gmtime(stamp.mod))
                message = (
                    f"this time is in the future ({when}): until then, learners' own edits of the note are "
                    "overwritten by every import; if it is a mistake, delete the line and build again"
                )
                diags.items.append(Diagnostic(path, number, message, WARNING))
        return lock

    def _read_line(self, parts: list[str], number: int) -> str | None:
        """Record one line; returns what is wrong with it, if anything."""
        kind = parts[0]
        if kind == "deck" and len(parts) == 3:
            slug, name = parts[1], parts[2]
            if not name or _CONTROL_RE.search(name):
                return "cannot read this line of the lock file (a deck name must be one line)"
            self.decks.setdefault(slug, name)
            self.deck_lines.setdefault(slug, number)
            return None
        if kind == "notetype" and len(parts) == 4:
            name, mod, digest = parts[1], _time(parts[2]), parts[3]
            if name not in _KINDS or mod is None or not _DIGEST_RE.match(digest):
                return "cannot read this line of the lock file (expected: notetype, basic or cloze, a time, a digest)"
            _merge(self.notetypes, name, Stamp(digest, mod))
            return None
        if kind == "card" and len(parts) == 5:
            card_id, card_kind, mod, digest = parts[1], parts[2], _time(parts[3]), parts[4]
            if not is_card_id(card_id) or card_kind not in _KINDS or mod is None or not _DIGEST_RE.match(digest):
                return (
                    "cannot read this line of the lock file (expected: card, an id, basic or cloze, a time, a digest)"
                )
            _merge(self.cards, card_id, Stamp(digest, mod, card_kind))
            self.card_lines.setdefault(card_id, number)
            return None
        return "cannot read this line of the lock file"

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


def _time(text: str) -> int | None:
    """A time in the lock: whole seconds between 1 and MAX_TIME, or None."""
    if not _SECONDS_RE.fullmatch(text) or not 0 < int(text) <= MAX_TIME:
        return None
    return int(text)
