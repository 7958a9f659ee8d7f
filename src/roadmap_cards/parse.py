"""Step 2, parse: YAML metadata and Markdown topic files → `Roadmap`, `Stage`, `Topic` and `Card`s.

Each topic file is parsed once by markdown-it; cards are slices of its token stream, so the renderer works on
the same tokens and every token's `map` gives the line a problem is on. Problems are reported, never raised.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

import yaml
from markdown_it.token import Token

from .diagnostics import Diagnostics, display_path
from .load import SourceFile, StageFiles
from .markdown import markdown
from .meta import Key, _Invalid, int_value, read_meta, sources_value, tags_value, text_value
from .model import Card, CardKind, MediaRef, Roadmap, Segment, Stage, Topic

CARD_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$")
CLOZE_OPEN_RE = re.compile(r"\{\{c(\d+)::")
CLOZE_TOKEN_RE = re.compile(r"\{\{c(\d+)::|\}\}")
SOURCE_MARKERS = ("来源：", "来源:", "Source:", "Sources:")
EXTRA_MARKERS = ("补充：", "补充:", "Extra:")
KNOWN_ATTRIBUTES = ("id", "class", "lint-ignore")
KNOWN_CLASSES = ("reverse",)
IMAGE_TYPES = {".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp"}
LANGUAGES = ("zh", "en")
MAX_DECK_ID = 2**63 - 1


def _lang_value(node: yaml.Node) -> str:
    lang = text_value(node)
    if lang not in LANGUAGES:
        raise _Invalid(f"expected one of {', '.join(LANGUAGES)}, got {lang!r}", node)
    return lang


ROADMAP_SCHEMA = {"title": Key(text_value, required=True), "title_en": Key(text_value, required=True)}
STAGE_SCHEMA = {
    "deck_id": Key(int_value, required=True),
    "title": Key(text_value, required=True),
    "title_en": Key(text_value, required=True),
    "order": Key(int_value, required=True),
    "sources": Key(sources_value, required=True),
    "floor": Key(int_value),
}
TOPIC_SCHEMA = {
    "title": Key(text_value, required=True),
    "tags": Key(tags_value),
    "sources": Key(sources_value),
    "lang": Key(_lang_value),
    "lint-ignore": Key(tags_value),
    "order": Key(int_value),
}


Blocks = list[list[Token]]
"""Top-level Markdown blocks, each the list of its tokens."""


@dataclass(frozen=True, slots=True)
class ParsedTopic:
    topic: Topic
    cards: tuple[Card, ...]


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


def parse_roadmap(file: SourceFile, diags: Diagnostics) -> Roadmap | None:
    text = decode(file, diags)
    if text is None:
        return None
    found = read_meta(text, file.path, 1, ROADMAP_SCHEMA, diags, "roadmap.yaml")
    if found is None or not {"title", "title_en"} <= found[0].keys():
        return None
    values, lines = found
    if "::" in values["title"]:
        diags.error(file.path, lines["title"], "title must not contain '::' (Anki reads it as a sub-deck)")
        return None
    return Roadmap(title=values["title"], title_en=values["title_en"], path=file.path)


def parse_stage(files: StageFiles, diags: Diagnostics) -> Stage:
    """The stage described by `stage.yaml`. Problems are reported; a stage is returned all the same (with
    placeholders for what is missing), so that its topic files are still checked in the same run."""
    file = files.stage_yaml
    text = decode(file, diags)
    found = read_meta(text, file.path, 1, STAGE_SCHEMA, diags, "stage.yaml") if text is not None else None
    values, lines = found if found is not None else ({}, {})
    if "deck_id" in values and not 1 <= values["deck_id"] <= MAX_DECK_ID:
        diags.error(file.path, lines["deck_id"], "deck_id must be a positive 63-bit number")
    if "::" in values.get("title", ""):
        diags.error(file.path, lines["title"], "title must not contain '::' (Anki reads it as a sub-deck)")
    if "floor" in values and values["floor"] < 0:
        diags.error(file.path, lines["floor"], "floor must not be negative")
    return Stage(
        slug=files.slug,
        number=files.slug[:2],
        deck_id=values.get("deck_id", 1),
        title=values.get("title", files.slug),
        title_en=values.get("title_en", files.slug),
        order=values.get("order", int(files.slug[:2])),
        sources=values.get("sources", ()),
        floor=values.get("floor"),
        path=file.path,
    )


@dataclass(frozen=True, slots=True)
class TopicText:
    """A topic file's decoded lines, split into its front matter and its Markdown body."""

    lines: list[str]
    front: str
    body: str
    offset: int
    """Number of file lines before the body."""


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


def parse_topic(file: SourceFile, stage: Stage, root: Path, diags: Diagnostics) -> ParsedTopic | None:
    """Parse one topic file into its `Topic` and `Card`s; None when its front matter is unusable."""
    split = read_topic_text(file, diags)
    if split is None:
        return None
    front, body, offset = split.front, split.body, split.offset
    found = read_meta(front, file.path, 2, TOPIC_SCHEMA, diags, "front matter")
    if found is None or "title" not in found[0]:
        return None
    values = found[0]
    topic = Topic(
        stage=stage,
        slug=file.path.stem,
        title=values["title"],
        tags=values.get("tags", ()),
        sources=values.get("sources", ()),
        lang=values.get("lang", "zh"),
        path=file.path,
        lint_ignore=frozenset(values.get("lint-ignore", ())),
        order=values.get("order"),
    )
    cards = _CardParser(topic, split.lines, body, offset, root, diags).parse()
    return ParsedTopic(topic, tuple(cards))


class _CardParser:
    """Cuts a topic's token stream into cards and checks each one."""

    def __init__(
        self, topic: Topic, file_lines: list[str], body: str, offset: int, root: Path, diags: Diagnostics
    ) -> None:
        self.topic = topic
        self.path = topic.path
        self.file_lines = file_lines
        self.body = body
        self.offset = offset  # file lines before the body
        self.root = root
        self.diags = diags

    def line(self, token_line: int) -> int:
        """1-based file line of a 0-based body line."""
        return self.offset + token_line + 1

    def text(self, start: int, end: int) -> str:
        """Body lines [start, end) as text."""
        return "\n".join(self.file_lines[self.offset + start : self.offset + end])

    def parse(self) -> list[Card]:
        tokens = markdown().parse(self.body, {})
        self.check_fences(tokens)
        starts = []
        for index, token in enumerate(tokens):
            if token.level != 0 or token.type != "heading_open":
                continue
            assert token.map is not None
            if token.tag == "h2" and token.markup == "##":
                starts.append(index)
            elif token.tag == "h2":
                self.diags.error(
                    self.path,
                    self.line(token.map[1] - 1),
                    "a line of '---' under text makes a heading; cards start with '## ', "
                    "and a horizontal rule needs a blank line above it",
                )
            elif token.tag == "h1" and starts:
                self.diags.error(
                    self.path, self.line(token.map[0]), "a '#' heading inside a card (cards start with '## ')"
                )
        cards = []
        for number, start in enumerate(starts):
            end = starts[number + 1] if number + 1 < len(starts) else len(tokens)
            card = self.parse_card(tokens, start, end)
            if card is not None:
                cards.append(card)
        return cards

    def check_fences(self, tokens: list[Token]) -> None:
        for token in tokens:
            if token.type != "fence" or token.map is None:
                continue
            first, end = token.map
            closing = self.file_lines[self.offset + end - 1].lstrip(" >\t") if end - 1 > first else ""
            fence_char = token.markup[0]
            if not (closing.startswith(token.markup) and closing.rstrip().strip(fence_char) == ""):
                self.diags.error(
                    self.path,
                    self.line(first),
                    f"code block is never closed: add a line with {token.markup} after the code",
                )

    def parse_card(self, tokens: list[Token], start: int, end: int) -> Card | None:
        heading, inline = tokens[start], tokens[start + 1]
        assert heading.map is not None  # block tokens always carry their lines
        line = self.line(heading.map[0])
        errors_before = len(self.diags.errors)
        attrs = dict(heading.meta.get("attrs", {}))
        if "attrs_error" in heading.meta:
            self.diags.error(self.path, line, heading.meta["attrs_error"])
        card_id = attrs.pop("id", None)
        classes = attrs.pop("class", "").split()
        lint_ignore = frozenset(filter(None, (c.strip() for c in attrs.pop("lint-ignore", "").split(","))))
        for key in attrs:
            self.diags.error(self.path, line, f"unknown attribute {key!r} (known: {', '.join(KNOWN_ATTRIBUTES)})")
        for name in classes:
            if name not in KNOWN_CLASSES:
                self.diags.error(self.path, line, f"unknown class '.{name}' (known: .reverse)")
        if card_id is None:
            self.diags.error(
                self.path, line, "card has no id: end the heading with {#some-id}, or run `roadmap-cards ids`"
            )
        elif not CARD_ID_RE.match(card_id):
            self.diags.error(
                self.path,
                line,
                f"card id {card_id!r} must be 3-64 characters of a-z, 0-9 and '-', "
                "starting and ending with a letter or digit",
            )
        question_text = inline.content.strip()
        if not question_text:
            self.diags.error(self.path, line, "card has an empty question")

        answer_blocks, extra_blocks, source_blocks = self.split_body(tokens[start + 3 : end], line)
        if not answer_blocks:
            self.diags.error(self.path, line, "card has an empty answer")
        question = Segment(question_text, line, (inline,))
        answer = self.segment(answer_blocks, line)
        extra = self.segment(extra_blocks, line) if extra_blocks else None
        source = self.segment(source_blocks, line) if source_blocks else None
        if source is not None and len(source_blocks) == 1 and source_blocks[0][0].type == "paragraph_open":
            # one paragraph is shown inline in the list of sources: keep its content only
            source = Segment(source.text, source.line, source.tokens[1:2])

        cloze_numbers = self.check_clozes(answer, question, extra, source)
        kind = CardKind.CLOZE if cloze_numbers else CardKind.BASIC
        reverse = "reverse" in classes
        if reverse and kind is CardKind.CLOZE:
            self.diags.error(
                self.path,
                line,
                "'.reverse' is for question/answer cards; a cloze card makes a card per deletion",
            )
        media = self.collect_media([question, answer, *(s for s in (extra, source) if s)])
        if len(self.diags.errors) > errors_before or card_id is None:
            return None
        return Card(
            id=card_id,
            kind=kind,
            reverse=reverse,
            question=question,
            answer=answer,
            extra=extra,
            source=source,
            topic=self.topic,
            line=line,
            media=media,
            lint_ignore=lint_ignore,
            cloze_numbers=cloze_numbers,
        )

    def split_body(self, tokens: list[Token], line: int) -> tuple[Blocks, Blocks, Blocks]:
        """Group a card's body into top-level blocks: the answer, the `补充：` extra, the `来源：` source.

        The source is a paragraph starting with the marker, or the marker alone followed by one list, and it
        comes last; the extra runs from its marker to the source (or the end).
        """
        blocks: list[list[Token]] = []
        current: list[Token] = []
        for token in tokens:
            current.append(token)
            if token.level == 0 and token.nesting <= 0:
                blocks.append(current)
                current = []
        parts: dict[str, list[list[Token]]] = {"answer": [], "extra": [], "source": []}
        state = "answer"
        source_marker_alone = False
        for block in blocks:
            kind = self.marker_kind(block)
            if state == "source" and (
                kind
                or not source_marker_alone
                or parts["source"]
                or block[0].type not in ("bullet_list_open", "ordered_list_open")
            ):
                self.diags.error(
                    self.path,
                    self.line(block[0].map[0] if block[0].map else 0),
                    "the '来源：'/'Source:' part must come last in its card",
                )
                break
            if kind == "source":
                state = "source"
                stripped = self.strip_marker(block, SOURCE_MARKERS)
                source_marker_alone = not stripped
                block = stripped
            elif kind == "extra" and state == "answer":
                state = "extra"
                block = self.strip_marker(block, EXTRA_MARKERS)
            if block:
                parts[state].append(block)
        return parts["answer"], parts["extra"], parts["source"]

    @staticmethod
    def marker_kind(block: list[Token]) -> str | None:
        if len(block) != 3 or block[0].type != "paragraph_open":
            return None
        content = block[1].content
        if content.startswith(SOURCE_MARKERS):
            return "source"
        if content.startswith(EXTRA_MARKERS):
            return "extra"
        return None

    @staticmethod
    def strip_marker(block: list[Token], markers: tuple[str, ...]) -> list[Token]:
        """The paragraph without its leading marker (tokens are copied: the parsed stream stays as it was)."""
        opening, inline, closing = block
        marker = next(m for m in markers if inline.content.startswith(m))
        children = [child.copy() for child in inline.children or []]
        if children and children[0].type == "text" and children[0].content.startswith(marker):
            children[0].content = children[0].content[len(marker) :].lstrip()
        rest = inline.content[len(marker) :].lstrip()
        if not rest:  # the marker stood alone: what follows is in the next blocks
            return []
        return [opening, inline.copy(content=rest, children=children), closing]

    def segment(self, blocks: list[list[Token]], card_line: int) -> Segment:
        tokens = tuple(token for block in blocks for token in block)
        maps = [block[0].map for block in blocks if block[0].map is not None]
        if not maps:
            return Segment("", card_line, tokens)
        first, last = maps[0][0], maps[-1][1]
        return Segment(self.text(first, last), self.line(first), tokens)

    def check_clozes(
        self, answer: Segment, question: Segment, extra: Segment | None, source: Segment | None
    ) -> tuple[int, ...]:
        """Check the cloze deletions of a card; returns their numbers (empty for a basic card)."""
        for segment, where in (
            (question, "the heading"),
            (extra, "the '补充：' part"),
            (source, "the source"),
        ):
            if segment is not None and CLOZE_OPEN_RE.search(segment.text):
                self.diags.error(self.path, segment.line, f"cloze deletions belong in the card's text, not in {where}")
        text = answer.text
        numbers: set[int] = set()
        open_at: list[tuple[int, int]] = []  # (offset of the marker's end, number)
        for match in CLOZE_TOKEN_RE.finditer(text):
            if match.group(1) is not None:
                open_at.append((match.end(), int(match.group(1))))
                numbers.add(int(match.group(1)))
            elif open_at:
                opened, _ = open_at.pop()
                if not text[opened : match.start()].strip():
                    self.diags.error(self.path, self.offset_line(answer, opened), "empty cloze deletion")
        for opened, number in open_at:
            self.diags.error(
                self.path,
                self.offset_line(answer, opened),
                f"cloze deletion c{number} is not closed with '}}}}'",
            )
        if not numbers:
            return ()
        if 0 in numbers:
            self.diags.error(self.path, answer.line, "cloze numbers start at c1 (c0 is not a deletion)")
            numbers.discard(0)
        missing = sorted(set(range(1, max(numbers, default=0) + 1)) - numbers)
        if missing:
            found = ", ".join(f"c{n}" for n in sorted(numbers))
            gaps = ", ".join(f"c{n}" for n in missing)
            self.diags.error(
                self.path,
                answer.line,
                f"cloze numbers must run from c1 without gaps: found {found}; missing {gaps}",
            )
        for token in _walk(answer.tokens):
            if token.type.startswith("math") and "}}" in token.content:
                self.diags.error(
                    self.path,
                    answer.line,
                    "'}}' inside math ends a cloze deletion early in Anki; write '} }' instead",
                )
        return tuple(sorted(numbers))

    @staticmethod
    def offset_line(segment: Segment, offset: int) -> int:
        return segment.line + segment.text.count("\n", 0, offset)

    def collect_media(self, segments: list[Segment]) -> tuple[MediaRef, ...]:
        media: dict[str, MediaRef] = {}
        for segment in segments:
            for token in _walk(segment.tokens):
                if token.type != "image":
                    continue
                src = str(token.attrGet("src") or "")
                if src in media:
                    continue
                ref = self.resolve_image(src, segment)
                if ref is not None:
                    media[src] = ref
        return tuple(media.values())

    def resolve_image(self, src: str, segment: Segment) -> MediaRef | None:
        name = unquote(src)
        line = segment.line
        for number, text in enumerate(segment.text.split("\n")):
            if name in text or src in text:
                line = segment.line + number
                break
        if not name or "://" in name or name.startswith(("//", "data:")):
            self.diags.error(self.path, line, f"image {name!r} is not a local file; put the image next to the notes")
            return None
        if os.path.isabs(name):
            self.diags.error(self.path, line, f"image {name!r}: use a path relative to the topic file")
            return None
        target = self.path.parent / name
        inside = Path(os.path.normpath(target.absolute())).is_relative_to(self.root.absolute())
        if not inside:
            self.diags.error(self.path, line, f"image {name!r} lies outside {self.root.name}/")
            return None
        if not target.resolve().is_relative_to(self.root.resolve()):
            self.diags.error(self.path, line, f"image {name!r} points outside {self.root.name}/ through a symlink")
            return None
        if not target.is_file():
            self.diags.error(self.path, line, f"image {name!r} not found (looked for {display_path(target)})")
            return None
        suffix = target.suffix.lower()
        if suffix not in IMAGE_TYPES:
            self.diags.error(
                self.path,
                line,
                f"image {name!r}: type {suffix or '(none)'} is not one of {sorted(IMAGE_TYPES)}",
            )
            return None
        digest = hashlib.sha256(target.read_bytes()).hexdigest()
        return MediaRef(src=src, path=target, name=f"rc-{digest[:20]}{suffix}", line=line)


def _walk(tokens: Iterable[Token]) -> Iterator[Token]:
    for token in tokens:
        yield token
        if token.children:
            yield from _walk(token.children)
