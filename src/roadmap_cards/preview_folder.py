"""The preview's output folder: written only if it is new or an earlier preview's, and only inside itself."""

from __future__ import annotations

import json
from pathlib import Path

from .diagnostics import UsageError, display_path
from .files import atomic_write

MANIFEST_FILE = ".roadmap-cards-preview.json"


class PreviewFolder:
    """The preview folder: refuses a folder it did not write, and records what it writes in a manifest, so
    that a later preview removes only its own stale files."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.manifest = out / MANIFEST_FILE
        self.written: list[str] = []
        self.previous: list[str] = []
        if self.manifest.is_file():
            try:
                data = json.loads(self.manifest.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                data = []
            self.previous = [name for name in data if isinstance(name, str)] if isinstance(data, list) else []
        elif out.exists() and any(out.iterdir()):
            raise UsageError(
                f"{display_path(out)} is not empty and was not written by `roadmap-cards preview`: "
                "choose another --out, or empty it first"
            )

    def write(self, name: str, data: bytes) -> None:
        path = self.out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if not self._inside(path.parent):
            raise UsageError(f"{display_path(path.parent)} leads outside {display_path(self.out)} through a link")
        atomic_write(path, data)
        self.written.append(name)

    def finish(self) -> None:
        for name in sorted(set(self.previous) - set(self.written)):
            stale = self.out / name
            if stale.is_file() and not stale.is_symlink() and self._inside(stale):
                stale.unlink()
        atomic_write(self.manifest, (json.dumps(sorted(self.written), indent=0) + "\n").encode())

    def _inside(self, path: Path) -> bool:
        """Whether `path` is in the preview folder itself (names from the manifest could say anything)."""
        try:
            return path.resolve().is_relative_to(self.out.resolve())
        except (OSError, RuntimeError, ValueError):
            return False
