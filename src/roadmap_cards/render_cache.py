"""The render cache: each topic file's compile result from the last build, reused while nothing it depends on
changed (the file, its stage, the templates, the roadmap, this package's code, the images it shows).

It lives in the output folder (`dist/.cache/`); a missing or unreadable cache only makes a build slower.
"""

from __future__ import annotations

import hashlib
import pickle
from pathlib import Path

from . import __version__
from .load import SourceFile
from .media import is_current
from .model import Stage, TopicResult

CACHE_DIR = ".cache"
CACHE_FILE = "rendered.pickle"
_UNREADABLE = (pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError, IndexError)


class RenderCache:
    """Compile results keyed by a hash of everything they depend on."""

    def __init__(self, path: Path, entries: dict[str, bytes]) -> None:
        self.path = path
        self.entries = entries
        """Each entry is a pickled `TopicResult`."""
        self.fresh: dict[str, bytes] = {}
        self._salt = b""

    @classmethod
    def open(cls, out: Path) -> RenderCache:
        """The cache of the build that writes to `out`."""
        path = out / CACHE_DIR / CACHE_FILE
        try:
            with path.open("rb") as stream:
                loaded = pickle.load(stream)
        except (OSError, *_UNREADABLE):
            loaded = {}  # a missing or unreadable cache is only a slower build
        return cls(path, loaded if isinstance(loaded, dict) else {})

    def salt(self, *parts: str) -> None:
        """What every entry depends on besides its own file (the templates' digest, the roadmap, …)."""
        self._salt = "\n".join((__version__, _code_digest(), *parts)).encode()

    def key(self, stage: Stage, file: SourceFile) -> str:
        sha = hashlib.sha256(self._salt)
        sha.update(repr(stage).encode() + b"\0" + str(file.path).encode() + b"\0" + file.data)
        return sha.hexdigest()

    def get(self, stage: Stage, file: SourceFile) -> TopicResult | None:
        key = self.key(stage, file)
        blob = self.entries.get(key)
        if blob is None:
            return None
        try:
            result = pickle.loads(blob)
        except _UNREADABLE:
            return None
        if not all(is_current(ref) for note in result.notes for ref in note.media):
            return None
        self.fresh[key] = blob
        return result  # type: ignore[no-any-return]

    def put(self, stage: Stage, file: SourceFile, result: TopicResult, blob: bytes) -> None:
        """Keep `result`, whose pickled form is `blob`."""
        if not any(d.severity == "error" for d in result.diagnostics):
            self.fresh[self.key(stage, file)] = blob

    def files(self) -> list[tuple[Path, bytes]]:
        """The cache file to write, with this build's entries only (those of files since changed or removed are
        dropped); none when it would not change."""
        if self.fresh.keys() == self.entries.keys():
            return []
        return [(self.path, pickle.dumps(self.fresh, protocol=pickle.HIGHEST_PROTOCOL))]


def _code_digest() -> str:
    """Hash of this package's own code, so that a cache never outlives the code that filled it."""
    sha = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        sha.update(path.read_bytes())
    return sha.hexdigest()
