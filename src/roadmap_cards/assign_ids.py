"""`roadmap-cards ids`: give every card heading that lacks one a fresh, unique id, touching nothing else.

Ids are the notes' identity in every learner's collection (`identity.py`), so contributors should never have to
invent them. A new id is unique across all of `decks/`.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from mdit_py_plugins.attrs.parse import ParseError, parse

from .diagnostics import Diagnostics
from .files import atomic_write
from .identity import new_card_id
from .load import SourceFile, load_tree
from .markdown import markdown
from .topicfile import read_topic_text

_LINE_RE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


@dataclass(frozen=True, slots=True)
class Heading:
    """A card heading: its 0-based line in the file and the id it has, if any."""

    line: int
    card_id: str | None
    malformed: bool


def card_headings(file: SourceFile, diags: Diagnostics) -> list[Heading] | None:
    """The `##` card headings of a topic file, or None when the file cannot be read as a topic."""
    split = read_topic_text(file, diags)
    if split is None:
        return None
    body, offset = split.body, split.offset
    headings = []
    for token in markdown().parse(body, {}):
        if token.type == "heading_open" and token.tag == "h2" and token.markup == "##" and token.level == 0:
            assert token.map is not None
            attrs = token.meta.get("attrs", {})
            headings.append(Heading(offset + token.map[0], attrs.get("id"), "attrs_error" in token.meta))
    return headings


def with_id(line: str, card_id: str) -> str:
    """The heading line with `#card_id` added: into its attribute block, or as a new block at its end."""
    body = line.rstrip("\r\n")
    ending = line[len(body) :]
    stripped = body.rstrip()
    for brace in reversed([m.start() for m in re.finditer(r"\{", stripped)]):
        try:
            end, _ = parse(stripped[brace:])
        except ParseError:
            continue
        if brace + end == len(stripped) - 1:
            return f"{stripped[: brace + 1]}#{card_id} {stripped[brace + 1 :]}{ending}"
    return f"{stripped} {{#{card_id}}}{ending}"


@dataclass(frozen=True, slots=True)
class AddedId:
    path: Path
    line: int
    card_id: str


def add_missing_ids(
    root: Path, diags: Diagnostics, only: list[Path] | None = None, choose: Callable[[str], str] = secrets.choice
) -> list[AddedId]:
    """Write an id into every card heading under `root` that has none (only in the files `only`, if given).

    New ids are unique across all of `root`. Returns what was added.
    """
    tree = load_tree(root, diags)
    files = [file for stage in tree.stages for file in stage.topics]
    headings = {file.path: card_headings(file, diags) for file in files}
    taken = {h.card_id for found in headings.values() if found for h in found if h.card_id}
    if only is not None:
        wanted = {path.resolve() for path in only}
        known = {file.path.resolve() for file in files}
        for path in only:
            if path.resolve() not in known:
                diags.error(path, None, f"not a topic file under {root}")
        files = [file for file in files if file.path.resolve() in wanted]
    added = []
    for file in files:
        found = headings[file.path]
        missing = [h for h in found or () if h.card_id is None]
        for heading in missing:
            if heading.malformed:
                diags.error(file.path, heading.line + 1, "cannot add an id: the attribute block is malformed")
        missing = [h for h in missing if not h.malformed]
        if not missing:
            continue
        text = file.data.decode("utf-8")
        lines = list(_lines(text))
        for heading in missing:
            card_id = new_card_id(taken, choose)
            lines[heading.line] = with_id(lines[heading.line], card_id)
            added.append(AddedId(file.path, heading.line + 1, card_id))
        atomic_write(file.path, "".join(lines).encode("utf-8"))
    return added


def _lines(text: str) -> Iterator[str]:
    """Lines with their own endings, split only where markdown-it splits (not at U+2028 and the like)."""
    for match in _LINE_RE.finditer(text):
        if match.group():
            yield match.group()
