"""Writing files so that a reader never sees half of one, and a set of files so that either all change or none.

Every file is first written to a hidden temporary sibling (`.NAME.tmp-PID`), so that the final rename is atomic.
A build killed half-way leaves such files behind; `remove_leftovers` clears those whose process is gone.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable
from pathlib import Path

SCRATCH_PREFIX = ".rc-scratch-"
_LEFTOVER = re.compile(r"^\.(?:.+\.(?:tmp|bak)|rc-scratch)-(\d+)(?:-.*)?$")


def temporary_path(path: Path) -> Path:
    """A hidden sibling of `path` (same folder, so the final rename is atomic)."""
    return path.with_name(f".{path.name}.tmp-{os.getpid()}")


def final_path(path: Path) -> Path:
    """The file a temporary path stands for (`.x.apkg.tmp-123` → `x.apkg`); other paths as they are."""
    match = re.match(r"^\.(.+)\.tmp-\d+$", path.name)
    return path.with_name(match.group(1)) if match else path


def _backup_path(path: Path) -> Path:
    return path.with_name(f".{path.name}.bak-{os.getpid()}")


def atomic_write(path: Path, data: bytes) -> None:
    """Replace `path` with `data` in one rename: readers see the old file or the new one, never a mix."""
    temporary = temporary_path(path)
    try:
        temporary.write_bytes(data)
        if path.exists():
            os.chmod(temporary, path.stat().st_mode & 0o777)
        os.replace(temporary, path)
    except OSError as exc:  # name the file the user knows, not the temporary one
        raise OSError(exc.errno, exc.strerror, str(path)) from None
    finally:
        temporary.unlink(missing_ok=True)


def check_replaceable(path: Path) -> None:
    """Raise OSError (naming `path`) unless a new file can take its place: nothing there, or a regular file."""
    if path.is_symlink() or (path.exists() and not path.is_file()):
        raise OSError(21, "in the way: not a regular file (move it elsewhere and build again)", str(path))


def replace_all(pairs: Iterable[tuple[Path, Path]]) -> None:
    """Rename each temporary file onto its target: all of them, or, if one rename fails, none (the targets renamed
    so far get their old files back, and every temporary file is removed)."""
    pairs = list(pairs)
    done: list[tuple[Path, Path, Path | None]] = []  # (temporary, target, backup of the old target)
    try:
        for temporary, target in pairs:
            backup = None
            if target.exists():
                backup = _backup_path(target)
                os.replace(target, backup)
            done.append((temporary, target, backup))
            os.replace(temporary, target)
    except BaseException:
        for _temporary, target, backup in reversed(done):
            if backup is not None:
                os.replace(backup, target)
            elif target.exists():
                target.unlink()
        for temporary, _ in pairs:
            temporary.unlink(missing_ok=True)
        raise
    for _, _, backup in done:
        if backup is not None:
            backup.unlink(missing_ok=True)


def remove_leftovers(folder: Path) -> list[Path]:
    """Remove the temporary files that killed runs left in `folder` (those whose process no longer runs)."""
    removed: list[Path] = []
    try:
        entries = list(folder.iterdir())
    except OSError:
        return removed
    for path in entries:
        match = _LEFTOVER.match(path.name)
        if match and path.is_file() and not path.is_symlink() and not _running(int(match.group(1))):
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except PermissionError:  # another user's process
        return True
    except (ProcessLookupError, OverflowError, ValueError):
        return False
    return True


def sha256_file(path: Path) -> str | None:
    """Hex SHA-256 of a file's bytes, or None when it cannot be read."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None
