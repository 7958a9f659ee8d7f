"""Step 1, load: find the stage folders and topic files under `decks/` and read their bytes.

Nothing is interpreted here beyond the folder layout; decoding and parsing come next.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .diagnostics import Diagnostics, UsageError

ROADMAP_FILE = "roadmap.yaml"
STAGE_FILE = "stage.yaml"
STAGE_DIR_RE = re.compile(r"^(\d{2})-[a-z0-9]+(?:-[a-z0-9]+)*$")
TOPIC_FILE_RE = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*\.md$")
NOT_TOPICS = {"README.md"}


@dataclass(frozen=True, slots=True)
class SourceFile:
    path: Path
    data: bytes


@dataclass(frozen=True, slots=True)
class StageFiles:
    """A stage folder as found on disk."""

    dir: Path
    stage_yaml: SourceFile
    topics: tuple[SourceFile, ...]

    @property
    def slug(self) -> str:
        return self.dir.name


@dataclass(frozen=True, slots=True)
class ContentTree:
    root: Path
    roadmap_yaml: SourceFile | None
    stages: tuple[StageFiles, ...]


def read_source(path: Path) -> SourceFile:
    return SourceFile(path, path.read_bytes())


def load_tree(root: Path, diags: Diagnostics) -> ContentTree:
    """Read every file the build needs under `root`, reporting layout problems into `diags`.

    A folder with Markdown files or a `stage.yaml` is a stage, and its name must look like `06-llm-inference`;
    other folders (shared images, say) are left alone. `README.md` files are for people browsing the repository
    and are not topics.
    """
    if not root.is_dir():
        raise UsageError(f"content folder {root} does not exist (use --decks to point at it)")
    roadmap_path = root / ROADMAP_FILE
    roadmap_yaml = read_source(roadmap_path) if roadmap_path.is_file() else None
    if roadmap_yaml is None:
        diags.error(roadmap_path, None, "missing roadmap.yaml (it holds the roadmap's title, the parent deck name)")

    stages = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))):
        markdown = sorted(p for p in folder.glob("*.md") if p.is_file() and p.name not in NOT_TOPICS)
        stage_path = folder / STAGE_FILE
        looks_like_stage = STAGE_DIR_RE.match(folder.name) is not None
        if not (markdown or stage_path.exists() or folder.name[:2].isdigit()):
            continue
        if not looks_like_stage:
            diags.error(folder, None, "stage folder names look like '06-llm-inference' (two digits, a dash, a slug)")
            continue
        if not stage_path.is_file():
            diags.error(folder, None, f"stage folder has no {STAGE_FILE}")
            continue
        topics = []
        for path in markdown:
            if not TOPIC_FILE_RE.match(path.name):
                diags.error(path, None, "topic file names are lower-case words joined by '-', e.g. kv-cache.md")
                continue
            topics.append(read_source(path))
        stages.append(StageFiles(folder, read_source(stage_path), tuple(topics)))
    return ContentTree(root, roadmap_yaml, tuple(stages))
