"""Step 1, load: find the stage folders and topic files under `decks/` and read their bytes.

Nothing is interpreted here beyond the folder layout; decoding and parsing come next.
"""

from __future__ import annotations

import errno
import re
from dataclasses import dataclass
from pathlib import Path

from .diagnostics import Diagnostics, UsageError

ROADMAP_FILE = "roadmap.yaml"
STAGE_FILE = "stage.yaml"
STAGE_DIR_RE = re.compile(r"^([0-9]{2})-[a-z0-9]+(?:-[a-z0-9]+)*$")
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


def outside_reason(root: Path, path: Path) -> str | None:
    """Why `path` may not be read as part of the content under `root`, or None when it may.

    Every file the build reads goes through here: a link that leads outside `root` (whose target would ship in
    the decks), a loop of links or a name the system refuses are all refused."""
    try:
        real = path.resolve(strict=True)
    except (OSError, RuntimeError, ValueError) as exc:  # RuntimeError: a loop of links before Python 3.13
        if isinstance(exc, RuntimeError) or getattr(exc, "errno", None) == errno.ELOOP:
            return "cannot be opened (a loop of symbolic links)"
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return f"cannot be opened ({reason})"
    if not real.is_relative_to(root.resolve()):
        return f"leads outside {root.name}/ through a symbolic link; only files inside {root.name}/ are read"
    return None


def read_inside(root: Path, path: Path, diags: Diagnostics) -> SourceFile | None:
    """The file's bytes, or None after reporting why it may not or cannot be read."""
    reason = outside_reason(root, path)
    if reason is None:
        try:
            return read_source(path)
        except OSError as exc:
            reason = f"cannot be read ({exc.strerror or exc})"
    diags.error(path, None, reason)
    return None


def load_tree(root: Path, diags: Diagnostics) -> ContentTree:
    """Read every file the build needs under `root`, reporting layout problems into `diags`.

    A folder with Markdown files or a `stage.yaml` is a stage, and its name must look like `06-llm-inference`;
    other folders (shared images, say) are left alone. `README.md` files are for people browsing the repository
    and are not topics.
    """
    if not root.is_dir():
        raise UsageError(f"content folder {root} does not exist (use --decks to point at it)")
    roadmap_path = root / ROADMAP_FILE
    roadmap_yaml = read_inside(root, roadmap_path, diags) if roadmap_path.is_file() else None
    if not roadmap_path.is_file():
        diags.error(roadmap_path, None, "missing roadmap.yaml (it holds the roadmap's title, the parent deck name)")

    stages = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))):
        markdown = sorted(
            p for p in folder.glob("*.md") if (p.is_file() or p.is_symlink()) and p.name not in NOT_TOPICS
        )
        stage_path = folder / STAGE_FILE
        looks_like_stage = STAGE_DIR_RE.match(folder.name) is not None
        if not (markdown or stage_path.exists() or folder.name[:2].isdigit()):
            continue
        if not looks_like_stage:
            diags.error(folder, None, "stage folder names look like '06-llm-inference' (two digits, a dash, a slug)")
            continue
        folder_reason = outside_reason(root, folder)
        if folder_reason is not None:
            diags.error(folder, None, folder_reason)
            continue
        if not stage_path.is_file():
            diags.error(folder, None, f"stage folder has no {STAGE_FILE}")
            continue
        topics = []
        for path in markdown:
            if not TOPIC_FILE_RE.match(path.name):
                diags.error(path, None, "topic file names are lower-case words joined by '-', e.g. kv-cache.md")
                continue
            topic = read_inside(root, path, diags)
            if topic is not None:
                topics.append(topic)
        stage_yaml = read_inside(root, stage_path, diags)
        if stage_yaml is not None:
            stages.append(StageFiles(folder, stage_yaml, tuple(topics)))
    return ContentTree(root, roadmap_yaml, tuple(stages))
