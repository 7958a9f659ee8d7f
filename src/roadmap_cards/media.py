"""Images: where a card's image reference may point, and the name the file gets inside Anki.

Anki keeps every media file of a collection in one flat folder, so each image is shipped under a name made from
its content (`rc-<hash>.png`): two different files can never collide, and an edited image gets a new name (an
old one would stay cached on learners' devices).
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from urllib.parse import unquote

from .diagnostics import Diagnostics, display_path
from .load import outside_reason
from .model import MediaRef, Segment

IMAGE_TYPES = (".gif", ".jpeg", ".jpg", ".png", ".svg", ".webp")
_NAME_PREFIX = "rc-"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
MAX_NAME = 200
_HASH_CHARS = 20


def media_name(data: bytes, suffix: str) -> str:
    return f"{_NAME_PREFIX}{hashlib.sha256(data).hexdigest()[:_HASH_CHARS]}{suffix}"


def is_current(ref: MediaRef) -> bool:
    """Whether the image file still has the content its shipped name was made from."""
    try:
        data = ref.path.read_bytes()
    except OSError:
        return False
    return ref.name == media_name(data, ref.path.suffix.lower())


def resolve_image(src: str, topic_path: Path, root: Path, line: int, diags: Diagnostics) -> MediaRef | None:
    """The image `src` of a card in `topic_path`, or None after reporting why it cannot be shipped."""
    name = unquote(src)
    if not name or "://" in name or name.startswith(("//", "data:")):
        diags.error(topic_path, line, f"image {name!r} is not a local file; put the image next to the notes")
        return None
    if _CONTROL.search(name) or len(name) > MAX_NAME:
        diags.error(topic_path, line, f"image {name[:60]!r}: use a short file name without control characters")
        return None
    if os.path.isabs(name):
        diags.error(topic_path, line, f"image {name!r}: use a path relative to the topic file")
        return None
    target = topic_path.parent / name
    if not Path(os.path.normpath(target.absolute())).is_relative_to(root.absolute()):
        diags.error(topic_path, line, f"image {name!r} lies outside {root.name}/")
        return None
    try:
        found = target.is_file() or target.is_symlink()
    except OSError as exc:
        found, problem = False, exc.strerror
    else:
        problem = None
    if not found:
        looked = f"looked for {display_path(target)}"
        diags.error(topic_path, line, f"image {name!r} not found ({problem + '; ' if problem else ''}{looked})")
        return None
    reason = outside_reason(root, target)
    if reason is not None:
        diags.error(topic_path, line, f"image {name!r} {reason}")
        return None
    suffix = target.suffix.lower()
    if suffix not in IMAGE_TYPES:
        diags.error(topic_path, line, f"image {name!r}: type {suffix or '(none)'} is not one of {sorted(IMAGE_TYPES)}")
        return None
    try:
        data = target.read_bytes()
    except OSError as exc:
        diags.error(topic_path, line, f"image {name!r} cannot be read ({exc.strerror or exc})")
        return None
    return MediaRef(src=src, path=target, name=media_name(data, suffix), line=line)


def image_line(segment: Segment, src: str) -> int:
    """The line of the segment that names the image (its first line when none does, as after an escape)."""
    name = unquote(src)
    for number, text in enumerate(segment.text.split("\n")):
        if name in text or src in text:
            return segment.line + number
    return segment.line
