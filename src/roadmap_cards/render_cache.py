"""The render cache: each topic file's compile result from the last build, reused while nothing it depends on
changed (the file, its stage, the templates, the roadmap, this package's code, the images it shows).

It lives in the output folder (`dist/.cache/`). It holds data only, never code: a header line, then one record
per topic file (its key, the length of its JSON, the JSON; see `result_data.py`), read with every length and
field checked. An entry that does not read back, or that names an image outside the content folder, is dropped;
a missing, damaged or foreign cache only makes a build slower.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from . import __version__
from .load import SourceFile
from .media import is_current
from .model import Stage, TopicResult
from .result_data import from_json

CACHE_DIR = ".cache"
CACHE_FILE = "rendered.data"
RETIRED_FILES = ("rendered.pickle",)
"""Caches of earlier versions: never read (a pickle can run code), removed by the next build."""
HEADER = b"roadmap-cards render cache 3\n"
_RECORD = re.compile(rb"([0-9a-f]{64}) ([0-9]{1,10})\n")


class RenderCache:
    """Compile results keyed by a hash of everything they depend on."""

    def __init__(self, path: Path, root: Path, entries: dict[str, bytes]) -> None:
        self.path = path
        self.root = root.resolve()
        self.entries = entries
        """Each entry is a `TopicResult` as JSON."""
        self.fresh: dict[str, bytes] = {}
        self._salt = b""

    @classmethod
    def open(cls, out: Path, root: Path) -> RenderCache:
        """The cache of the build that writes to `out` from the content folder `root`."""
        path = out / CACHE_DIR / CACHE_FILE
        try:
            data = path.read_bytes()
        except OSError:
            data = b""
        return cls(path, root, _records(data))

    def salt(self, *parts: str) -> None:
        """What every entry depends on besides its own file (the templates' digest, the roadmap, …)."""
        self._salt = "\n".join((__version__, _code_digest(), *parts)).encode()

    def key(self, stage: Stage, file: SourceFile) -> str:
        sha = hashlib.sha256(self._salt)
        sha.update(repr(stage).encode() + b"\0" + str(file.path).encode() + b"\0" + file.data)
        return sha.hexdigest()

    def get(self, stage: Stage, file: SourceFile) -> TopicResult | None:
        key = self.key(stage, file)
        data = self.entries.get(key)
        if data is None:
            return None
        try:
            result = from_json(data)
        except ValueError:
            return None
        media = [ref for note in result.notes for ref in note.media]
        if result.path != file.path or not all(self._inside(ref.path) and is_current(ref) for ref in media):
            return None
        self.fresh[key] = data
        return result

    def put(self, stage: Stage, file: SourceFile, data: bytes) -> None:
        """Keep a result (without errors) given as JSON."""
        self.fresh[self.key(stage, file)] = data

    def files(self) -> list[tuple[Path, bytes]]:
        """The cache file to write, with this build's entries only (those of files since changed or removed are
        dropped); none when it would not change."""
        if self.fresh.keys() == self.entries.keys():
            return []
        parts = [HEADER]
        for key, data in self.fresh.items():
            parts += [f"{key} {len(data)}\n".encode(), data, b"\n"]
        return [(self.path, b"".join(parts))]

    def remove_retired(self) -> None:
        for name in RETIRED_FILES:
            retired = self.path.with_name(name)
            if retired.is_file() and not retired.is_symlink():
                retired.unlink()

    def _inside(self, path: Path) -> bool:
        try:
            return path.resolve().is_relative_to(self.root)
        except (OSError, RuntimeError, ValueError):
            return False


def _records(data: bytes) -> dict[str, bytes]:
    """The entries of a cache file; none at all if any part of it is not as this version writes it."""
    if not data.startswith(HEADER):
        return {}
    entries: dict[str, bytes] = {}
    position = len(HEADER)
    while position < len(data):
        match = _RECORD.match(data, position)
        if match is None:
            return {}
        start = match.end()
        end = start + int(match.group(2))
        if data[end : end + 1] != b"\n":
            return {}
        entries[match.group(1).decode()] = data[start:end]
        position = end + 1
    return entries


def _code_digest() -> str:
    """Hash of this package's own code, so that a cache never outlives the code that filled it."""
    sha = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        sha.update(path.read_bytes())
    return sha.hexdigest()
