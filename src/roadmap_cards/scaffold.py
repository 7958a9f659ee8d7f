"""`roadmap-cards new`: a new topic file with its front matter and one example card, ready to fill in.

The placeholders say TODO, which `check` warns about (`todo`), so a forgotten one cannot ship past
`check --strict`.
"""

from __future__ import annotations

from pathlib import Path

from .assign_ids import card_headings
from .diagnostics import Diagnostics, UsageError
from .files import atomic_write
from .identity import new_card_id
from .load import STAGE_DIR_RE, STAGE_FILE, TOPIC_FILE_RE, load_tree

TEMPLATE = """\
---
title: TODO 主题名称 (English term)
sources:
  - title: "TODO primary source: paper (arXiv id) or official documentation page"
    url: https://example.org/TODO
---

## TODO 一个只有一个答案的具体问题？ {{#{card_id}}}

TODO 答案：一个数字（带单位）、一个术语或一句话。

来源：TODO 这张卡的出处（论文的节或表，或文档页）
"""


def find_stage(root: Path, stage: str) -> Path:
    """The stage folder named by its slug (`06-llm-inference`) or its number (`06`, `6`)."""
    if not root.is_dir():
        raise UsageError(f"content folder {root} does not exist (use --decks to point at it)")
    stages = sorted(p for p in root.iterdir() if p.is_dir() and STAGE_DIR_RE.match(p.name))
    for folder in stages:
        if stage == folder.name or (stage.isdigit() and int(stage) == int(folder.name[:2])):
            if not (folder / STAGE_FILE).is_file():
                raise UsageError(f"{folder} has no {STAGE_FILE}")
            return folder
    names = ", ".join(p.name for p in stages) or "none"
    raise UsageError(f"no stage {stage!r} under {root} (stages: {names})")


def new_topic(root: Path, stage: str, topic: str) -> Path:
    """Create `<stage>/<topic>.md`; refuses to overwrite anything."""
    folder = find_stage(root, stage)
    name = topic if topic.endswith(".md") else f"{topic}.md"
    if not TOPIC_FILE_RE.match(name):
        raise UsageError(f"topic {topic!r}: use lower-case words joined by '-', e.g. kv-cache")
    path = folder / name
    if path.exists():
        raise UsageError(f"{path} already exists; not overwriting it")
    diags = Diagnostics()
    tree = load_tree(root, diags)
    taken = {
        heading.card_id
        for stage_files in tree.stages
        for file in stage_files.topics
        for heading in card_headings(file, Diagnostics()) or ()
        if heading.card_id
    }
    atomic_write(path, TEMPLATE.format(card_id=new_card_id(taken)).encode("utf-8"))
    return path
