"""`roadmap-cards changes --since REF`: the cards added, changed and removed since a git revision.

Both versions of `decks/` are parsed and compared card by card: by id, and by a digest of each card's own
Markdown (question, answer, 补充, source), so that a new layout or a renamed topic is not reported as a change of
every card, and the list does not depend on how the diff looks. The Markdown form is written to be pasted as
release notes.
"""

from __future__ import annotations

import io
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .content import Content, compile_content
from .diagnostics import UsageError, display_path
from .model import CardInfo

KINDS = ("added", "changed", "removed")
HEADINGS = {"added": "新增 (added)", "changed": "修改 (changed)", "removed": "删除 (removed)"}


@dataclass(frozen=True, slots=True)
class CardChange:
    kind: str
    """`added`, `changed` or `removed`."""
    card_id: str
    question: str
    stage: str
    """The stage's number and title, e.g. `06 领域知识：大模型推理`."""
    topic: str


@dataclass(slots=True)
class Changes:
    since: str
    items: list[CardChange] = field(default_factory=list)

    def count(self, kind: str) -> int:
        return sum(1 for item in self.items if item.kind == kind)

    def to_json(self) -> dict[str, object]:
        return {
            "since": self.since,
            **{kind: self.count(kind) for kind in KINDS},
            "cards": [
                {"change": c.kind, "id": c.card_id, "question": c.question, "stage": c.stage, "topic": c.topic}
                for c in self.items
            ],
        }

    def text(self) -> str:
        lines = [f"since {self.since}: " + ", ".join(f"{self.count(kind)} {kind}" for kind in KINDS)]
        marks = {"added": "+", "changed": "~", "removed": "-"}
        lines += [f"{marks[c.kind]} {c.card_id}  {c.stage} › {c.topic}: {c.question}" for c in self.items]
        return "\n".join(lines)

    def markdown(self) -> str:
        summary = "，".join(f"{HEADINGS[kind]} {self.count(kind)} 张" for kind in KINDS)
        lines = [f"自 `{self.since}` 以来的卡片变化：{summary}。"]
        stage = topic = None
        for change in sorted(self.items, key=lambda c: (c.stage, c.topic, KINDS.index(c.kind), c.card_id)):
            if change.stage != stage:
                stage, topic = change.stage, None
                lines += ["", f"### {stage}"]
            if change.topic != topic:
                topic = change.topic
                lines += ["", f"**{topic}**", ""]
            lines.append(f"- {HEADINGS[change.kind].split()[0]} `{change.card_id}`：{change.question}")
        return "\n".join(lines)


def changes_since(root: Path, revision: str, templates_dir: Path | None = None) -> Changes:
    """Compare the decks under `root` with the same folder at git `revision`."""
    top = _git(root, "rev-parse", "--show-toplevel").strip()
    if not top:
        raise UsageError(f"{display_path(root)} is not in a git checkout: `changes` compares with a git revision")
    if _git(root, "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}") == "":
        raise UsageError(f"unknown git revision {revision!r}")
    relative = root.resolve().relative_to(Path(top).resolve()).as_posix()
    archive = subprocess.run(
        ["git", "-C", top, "archive", "--format=tar", revision, "--", relative],
        capture_output=True,
        check=False,
    )
    with tempfile.TemporaryDirectory() as scratch:
        old_root = Path(scratch) / relative
        if archive.returncode == 0:
            with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
                tar.extractall(scratch, filter="data")
        if not old_root.is_dir():  # the folder did not exist then: every card is new
            old_root.mkdir(parents=True)
        # What was committed may not meet today's rules: its cards are compared all the same.
        old = compile_content(old_root, templates_dir) if (old_root / "roadmap.yaml").is_file() else None
        new = compile_content(root, templates_dir)
    new.diagnostics.raise_for_errors()
    return _compare(revision, old, new)


def _cards(content: Content | None) -> dict[str, tuple[CardInfo, str, str]]:
    found: dict[str, tuple[CardInfo, str, str]] = {}
    if content is None:
        return found
    for stage in content.stages:
        label = f"{stage.stage.number} {stage.stage.title}"
        for result in stage.topics:
            topic = result.topic.title if result.topic else result.path.stem
            for card in result.cards:
                found[card.id] = (card, label, topic)
    return found


def _compare(revision: str, old: Content | None, new: Content) -> Changes:
    before, after = _cards(old), _cards(new)
    changes = Changes(revision)
    for card_id, (card, stage, topic) in after.items():
        if card_id not in before:
            changes.items.append(CardChange("added", card_id, card.question, stage, topic))
        elif before[card_id][0].source_digest != card.source_digest:
            changes.items.append(CardChange("changed", card_id, card.question, stage, topic))
    for card_id, (card, stage, topic) in before.items():
        if card_id not in after:
            changes.items.append(CardChange("removed", card_id, card.question, stage, topic))
    changes.items.sort(key=lambda c: (KINDS.index(c.kind), c.stage, c.topic, c.card_id))
    return changes


def _git(root: Path, *args: str) -> str:
    """What git printed, or "" when it failed."""
    try:
        result = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise UsageError("`changes` needs git, which is not installed") from None
    if result.returncode != 0:
        return ""
    return result.stdout
