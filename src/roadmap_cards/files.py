"""Writing files so that a reader never sees half of one."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


def temporary_path(path: Path) -> Path:
    """A hidden sibling of `path` (same folder, so the final rename is atomic)."""
    return path.with_name(f".{path.name}.tmp-{os.getpid()}")


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


def sha256_file(path: Path) -> str | None:
    """Hex SHA-256 of a file's bytes, or None when it cannot be read."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None
