"""A topic file's bytes → its text, split into YAML front matter and the Markdown body."""

from __future__ import annotations

from dataclasses import dataclass

from .diagnostics import Diagnostics
from .load import SourceFile


@dataclass(frozen=True, slots=True)
class TopicText:
    """A topic file's decoded lines, split into its front matter and its Markdown body."""

    lines: list[str]
    front: str
    body: str
    offset: int
    """Number of file lines before the body."""


def decode(file: SourceFile, diags: Diagnostics) -> str | None:
    """The file's text with a BOM removed and line ends made `\\n`, or None when it is not UTF-8."""
    try:
        text = file.data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = file.data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (file.data.rfind(b"\n", 0, exc.start) + 1) + 1
        diags.error(
            file.path,
            line,
            f"not valid UTF-8 (byte 0x{file.data[exc.start]:02x} at column {column}); save the file as UTF-8",
        )
        return None
    text = text.removeprefix("\ufeff")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def read_topic_text(file: SourceFile, diags: Diagnostics) -> TopicText | None:
    """The file's front matter and body, or None after reporting why they cannot be told apart."""
    text = decode(file, diags)
    if text is None:
        return None
    lines = text.split("\n")
    if lines[0].rstrip() != "---":
        diags.error(file.path, 1, "a topic file starts with front matter: a '---' line, YAML (title: …), '---'")
        return None
    for index in range(1, len(lines)):
        if lines[index].rstrip() in ("---", "..."):
            return TopicText(lines, "\n".join(lines[1:index]), "\n".join(lines[index + 1 :]), index + 1)
    diags.error(file.path, 1, "front matter is not closed: add a '---' line after it")
    return None
