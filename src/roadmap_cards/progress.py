"""`roadmap-cards progress`: where a learner stands on the roadmap, measured from their own Anki collection.

The collection is never modified: it is opened read-only with SQLite (which fails at once while Anki desktop
holds it open), copied into a snapshot through SQLite's backup API, and only the snapshot is opened with Anki's
library. Cards are matched to the roadmap's stages and topics by our notes' GUIDs, which come from the card ids.
"""

from __future__ import annotations

import sqlite3
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .build import checked_content
from .diagnostics import UsageError, display_path

MATURE_DAYS = 21
"""Anki's own threshold: a review card with an interval of 21 days or more is mature."""
RECENT_DAYS = 30


@dataclass(slots=True)
class Standing:
    """How one topic (or a stage, or the whole roadmap) stands in a collection."""

    cards: int = 0
    """Anki cards of ours in the collection."""
    new: int = 0
    learning: int = 0
    young: int = 0
    mature: int = 0
    due: int = 0
    """Due today (reviews and learning cards)."""
    reviews: int = 0
    """Review answers in the last 30 days."""
    passed: int = 0
    """Of those, the answers that were not "Again"."""

    def add(self, other: Standing) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def started(self) -> bool:
        return self.cards > self.new

    @property
    def retention(self) -> float | None:
        return self.passed / self.reviews if self.reviews else None

    @property
    def mastery(self) -> float:
        """Share of the cards that are mature."""
        return self.mature / self.cards if self.cards else 0.0


@dataclass(slots=True)
class TopicProgress:
    slug: str
    title: str
    standing: Standing = field(default_factory=Standing)


@dataclass(slots=True)
class StageProgress:
    slug: str
    label: str
    """Number and title, e.g. `06 领域知识：大模型推理`."""
    topics: list[TopicProgress] = field(default_factory=list)
    standing: Standing = field(default_factory=Standing)


@dataclass(slots=True)
class Progress:
    collection: str
    stages: list[StageProgress]
    total: Standing

    def to_json(self) -> dict[str, Any]:
        def standing(s: Standing) -> dict[str, Any]:
            return {**asdict(s), "retention": s.retention, "mastery": s.mastery, "started": s.started}

        return {
            "collection": self.collection,
            "total": standing(self.total),
            "stages": [
                {
                    "slug": stage.slug,
                    "stage": stage.label,
                    **standing(stage.standing),
                    "topics": [{"slug": t.slug, "topic": t.title, **standing(t.standing)} for t in stage.topics],
                }
                for stage in self.stages
            ],
        }

    @property
    def not_started(self) -> list[str]:
        return [f"{s.label} › {t.title}" for s in self.stages for t in s.topics if not t.standing.started]


def measure_progress(root: Path, collection_path: Path, templates_dir: Path | None = None) -> Progress:
    """Read the learner's collection (never writing to it) and measure each stage and topic of `root`."""
    content = checked_content(root, templates_dir)
    topic_of: dict[str, tuple[int, int]] = {}  # note GUID → (stage index, topic index)
    stages = []
    for stage_index, stage_content in enumerate(content.stages):
        stage = stage_content.stage
        entry = StageProgress(stage.slug, f"{stage.number} {stage.title}")
        for result in stage_content.topics:
            if result.topic is None or not result.notes:
                continue
            for note in result.notes:
                topic_of[note.guid] = (stage_index, len(entry.topics))
            entry.topics.append(TopicProgress(result.topic.slug, result.topic.title))
        stages.append(entry)
    with tempfile.TemporaryDirectory() as scratch:
        snapshot = Path(scratch) / "collection.anki2"
        _snapshot(collection_path, snapshot)
        rows = _read(snapshot)
    for guid, standing in rows.items():
        if guid in topic_of:
            stage_index, topic_index = topic_of[guid]
            stages[stage_index].topics[topic_index].standing.add(standing)
    total = Standing()
    for stage_progress in stages:
        for topic in stage_progress.topics:
            stage_progress.standing.add(topic.standing)
        total.add(stage_progress.standing)
    return Progress(display_path(collection_path), [s for s in stages if s.topics], total)


def _snapshot(source: Path, target: Path) -> None:
    """Copy a consistent snapshot of the collection, opening the original read-only."""
    if collection_problem := _problem(source):
        raise UsageError(collection_problem)
    try:
        original = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True, timeout=0.5)
        try:
            original.execute("select count() from notes").fetchone()
            copy = sqlite3.connect(target)
            try:
                original.backup(copy)
            finally:
                copy.close()
        finally:
            original.close()
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc):
            raise UsageError(f"{display_path(source)} is open in Anki: close Anki and try again") from None
        raise UsageError(f"cannot read {display_path(source)} as an Anki collection: {exc}") from None
    except sqlite3.DatabaseError as exc:
        raise UsageError(f"cannot read {display_path(source)} as an Anki collection: {exc}") from None


def _problem(path: Path) -> str | None:
    if path.suffix != ".anki2":
        return f"{display_path(path)}: expected an Anki collection file ending in .anki2"
    if not path.is_file():
        return f"collection {display_path(path)} does not exist"
    if path.stat().st_size == 0:
        return f"{display_path(path)} is empty, not an Anki collection"
    return None


def _read(snapshot: Path) -> dict[str, Standing]:
    """Per note GUID, how its cards stand, read with Anki's own library from the snapshot."""
    try:
        from anki.collection import Collection
    except ImportError:
        raise UsageError("`progress` needs Anki's library; from the checkout: pip install -e '.[anki]'") from None
    col = Collection(str(snapshot))
    try:
        db = col.db
        assert db is not None  # an open collection has its database
        since = int((time.time() - RECENT_DAYS * 86400) * 1000)
        standings: dict[str, Standing] = {}
        rows = db.all("select n.guid, c.id, c.type, c.ivl from cards c join notes n on c.nid = n.id")
        due_ids = set(col.find_cards("is:due"))
        reviews: dict[int, tuple[int, int]] = {}
        for card_id, ease in db.all("select cid, ease from revlog where type = 1 and id > ?", since):
            done, passed = reviews.get(card_id, (0, 0))
            reviews[card_id] = (done + 1, passed + (ease > 1))
        for guid, card_id, card_type, interval in rows:  # card types: 0 new, 1 learning, 2 review, 3 relearning
            standing = standings.setdefault(guid, Standing())
            standing.cards += 1
            if card_type == 0:
                standing.new += 1
            elif card_type in (1, 3):
                standing.learning += 1
            elif interval >= MATURE_DAYS:
                standing.mature += 1
            else:
                standing.young += 1
            standing.due += card_id in due_ids
            done, passed = reviews.get(card_id, (0, 0))
            standing.reviews += done
            standing.passed += passed
        return standings
    finally:
        col.close()
