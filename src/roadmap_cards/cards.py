"""Step 2, parse: a topic file → its `Topic` and `Card`s.

Each topic file is parsed once by markdown-it; a card is a slice of its token stream from one `##` heading to the
next, so the renderer works on the same tokens and every token's `map` gives the line a problem is on. The body
of a card splits into its answer, an optional `补充：` part and an optional `来源：` part. Problems are reported,
never raised, and a card with a problem is still returned (when it has an id), so that the checks across files
and the lint see it in the same run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from markdown_it.token import Token

from . import cloze
from .diagnostics import Diagnostics
from .identity import CARD_ID_RULE, is_card_id
from .load import SourceFile
from .markdown import markdown
from .media import image_line, resolve_image
from .metadata import QUESTION_KINDS, parse_topic_meta
from .model import Card, CardKind, MediaRef, Segment, Stage, Topic
from .sections import Block, split_sections
from .tokens import MATH_TOKENS, block_line, walk
from .topicfile import read_topic_text

KNOWN_ATTRIBUTES = ("id", "class", "lint-ignore", "kind")
KNOWN_CLASSES = ("reverse",)
HTML_MACROS = re.compile(
    r"\\(?:href|class|cssId|style|data|html|require|unicode|mmlToken|toggle|mathtip|texttip|bbox|url)(?![A-Za-z])"
)


@dataclass(frozen=True, slots=True)
class ParsedTopic:
    topic: Topic
    cards: tuple[Card, ...]
    """Every card with an id, including those with errors (the diagnostics say which)."""


def parse_topic(file: SourceFile, stage: Stage, root: Path, diags: Diagnostics) -> ParsedTopic | None:
    """Parse one topic file into its `Topic` and `Card`s; None when its front matter is unusable."""
    split = read_topic_text(file, diags)
    if split is None:
        return None
    topic = parse_topic_meta(split.front, stage, file.path, diags)
    if topic is None:
        return None
    parser = _CardParser(topic, split.lines, split.offset, root, diags)
    return ParsedTopic(topic, tuple(parser.parse(split.body)))


class _CardParser:
    """Cuts a topic's token stream into cards and checks each one."""

    def __init__(self, topic: Topic, file_lines: list[str], offset: int, root: Path, diags: Diagnostics) -> None:
        self.topic = topic
        self.path = topic.path
        self.file_lines = file_lines
        self.offset = offset  # file lines before the body
        self.root = root
        self.diags = diags

    def line(self, token_line: int) -> int:
        """1-based file line of a 0-based body line."""
        return self.offset + token_line + 1

    def parse(self, body: str) -> list[Card]:
        md = markdown()
        tokens = md.parse(body, {})
        self.check_fences(tokens)
        self.check_nesting(tokens, md.options["maxNesting"])
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

    def check_nesting(self, tokens: list[Token], max_nesting: int) -> None:
        """markdown-it stops reading a file where blocks nest `max_nesting` deep, silently dropping the rest (later
        cards included): refuse such nesting instead."""
        line = 0
        for token in tokens:
            if token.map is not None:
                line = token.map[0]
            if token.level >= max_nesting - 1:
                self.diags.error(
                    self.path,
                    self.line(line),
                    "lists or quotes nested this deeply are more than the Markdown parser reads (it would drop the "
                    "rest of the file): nest them less",
                )
                return

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
        attrs = dict(heading.meta.get("attrs", {}))
        if "attrs_error" in heading.meta:
            self.diags.error(self.path, line, heading.meta["attrs_error"])
        card_id = attrs.pop("id", None)
        classes = attrs.pop("class", "").split()
        lint_ignore = frozenset(filter(None, (c.strip() for c in attrs.pop("lint-ignore", "").split(","))))
        question_kind = attrs.pop("kind", None) or self.topic.kind
        if question_kind not in (None, *QUESTION_KINDS):
            self.diags.error(self.path, line, f"kind {question_kind!r} is not one of {', '.join(QUESTION_KINDS)}")
        for key in attrs:
            self.diags.error(self.path, line, f"unknown attribute {key!r} (known: {', '.join(KNOWN_ATTRIBUTES)})")
        for name in dict.fromkeys(classes):
            if name not in KNOWN_CLASSES:
                self.diags.error(self.path, line, f"unknown class '.{name}' (known: .reverse)")
        if card_id is None:
            self.diags.error(
                self.path, line, "card has no id: end the heading with {#some-id}, or run `roadmap-cards ids`"
            )
        elif not is_card_id(card_id):
            self.diags.error(self.path, line, f"card id {card_id!r} {CARD_ID_RULE}")
        question_text = inline.content.strip()
        if not question_text:
            self.diags.error(self.path, line, "card has an empty question")

        sections = split_sections(tokens[start + 3 : end], self.path, self.line, self.diags)
        answer_blocks, extra_blocks, source_blocks = sections.answer, sections.extra, sections.source
        if not answer_blocks:
            self.diags.error(self.path, line, "card has an empty answer")
        question = Segment(question_text, line, (inline,))
        if sections.prompt:  # the question goes on below its heading: a table, a figure, code
            prompt = self.segment(sections.prompt, line)
            question = Segment(f"{question_text}\n{prompt.text}", line, (inline, *prompt.tokens))
        answer = self.segment(answer_blocks, line)
        extra = self.segment(extra_blocks, line) if extra_blocks else None
        source = self.segment(source_blocks, line) if source_blocks else None
        if source is not None and len(source_blocks) == 1 and source_blocks[0][0].type == "paragraph_open":
            # one paragraph is shown inline in the list of sources: keep its content only
            source = Segment(source.text, source.line, source.tokens[1:2])

        cloze_numbers = cloze.check_card(self.path, answer, [question, extra, source], self.diags)
        kind = CardKind.CLOZE if cloze_numbers else CardKind.BASIC
        reverse = "reverse" in classes
        if sections.prompt and kind is CardKind.CLOZE:
            self.diags.error(
                self.path, line, "'答：' is for question/answer cards; a cloze card's text is all on its front"
            )
        if reverse and kind is CardKind.CLOZE:
            self.diags.error(
                self.path, line, "'.reverse' is for question/answer cards; a cloze card makes a card per deletion"
            )
        segments = [question, answer, *(s for s in (extra, source) if s)]
        self.check_math(segments)
        media = self.collect_media(segments)
        if card_id is None:
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
            question_kind=question_kind,
            cloze_numbers=cloze_numbers,
        )

    def segment(self, blocks: list[Block], card_line: int) -> Segment:
        tokens = tuple(token for block in blocks for token in block)
        maps = [block[0].map for block in blocks if block[0].map is not None]
        if not maps:
            return Segment("", card_line, tokens)
        first, last = maps[0][0], maps[-1][1]
        text = "\n".join(self.file_lines[self.offset + first : self.offset + last])
        return Segment(text, self.line(first), tokens)

    def check_math(self, segments: list[Segment]) -> None:
        """MathJax turns some TeX macros into HTML (`\\href` a link, `\\style` CSS, …): refuse them in cards."""
        for segment in segments:
            for token in walk(segment.tokens):
                found = HTML_MACROS.search(token.content) if token.type in MATH_TOKENS else None
                if found:
                    self.diags.error(
                        self.path,
                        block_line(segment, token) if token.map else segment.line,
                        f"math may not use {found.group()} (MathJax would turn it into HTML in the card)",
                    )

    def collect_media(self, segments: list[Segment]) -> tuple[MediaRef, ...]:
        media: dict[str, MediaRef] = {}
        for segment in segments:
            for token in walk(segment.tokens):
                if token.type != "image":
                    continue
                src = str(token.attrGet("src") or "")
                if src in media:
                    continue
                ref = resolve_image(src, self.path, self.root, image_line(segment, src), self.diags)
                if ref is not None:
                    media[src] = ref
        return tuple(media.values())
