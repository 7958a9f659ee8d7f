"""The metadata of the roadmap, its stages and its topics: `roadmap.yaml`, each `stage.yaml`, and each topic
file's front matter, read key by key against a small schema, with the line of every problem.

PyYAML alone would take the last of two equal keys and give no line for a value of the wrong type, so the text
is composed into nodes (which keep their marks) and each key is checked against its schema.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .diagnostics import Diagnostics
from .load import SourceFile, StageFiles
from .model import Roadmap, Source, Stage, Topic
from .topicfile import decode

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

TAG_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")
URL_RE = re.compile(r"^https?://[^\s]+$")


class _Invalid(Exception):
    """A value of the wrong shape; the message says what was expected."""

    def __init__(self, message: str, node: yaml.Node) -> None:
        super().__init__(message)
        self.node = node


def _scalar(node: yaml.Node) -> Any:
    loader = _Loader("")
    try:
        return loader.construct_object(node, deep=True)
    finally:
        loader.dispose()


def text_value(node: yaml.Node) -> str:
    """A non-empty string (numbers and dates are refused rather than silently turned into text)."""
    value = _scalar(node) if isinstance(node, yaml.ScalarNode) else None
    if not isinstance(value, str):
        raise _Invalid("expected text (put it in quotes if it looks like a number or a date)", node)
    if not value.strip():
        raise _Invalid("must not be empty", node)
    return value.strip()


def int_value(node: yaml.Node) -> int:
    value = _scalar(node) if isinstance(node, yaml.ScalarNode) else None
    if not isinstance(value, int) or isinstance(value, bool):
        raise _Invalid("expected a whole number", node)
    return value


def tags_value(node: yaml.Node) -> tuple[str, ...]:
    if not isinstance(node, yaml.SequenceNode):
        raise _Invalid("expected a list of tags, e.g. [kv-cache, memory]", node)
    tags = []
    for item in node.value:
        tag = text_value(item)
        if not TAG_RE.match(tag):
            raise _Invalid(
                f"tag {tag!r} may use only letters, digits, '_', '.' and '-' (Anki tags cannot hold spaces)",
                item,
            )
        tags.append(tag)
    return tuple(tags)


def sources_value(node: yaml.Node) -> tuple[Source, ...]:
    """A list of sources; each is a URL, a plain title, or a mapping with `title` and `url`."""
    if not isinstance(node, yaml.SequenceNode):
        raise _Invalid("expected a list of sources", node)
    sources = []
    for item in node.value:
        if isinstance(item, yaml.MappingNode):
            fields = _mapping(item, {"title": text_value, "url": url_value}, required={"title"})
            sources.append(Source(title=fields["title"], url=fields.get("url")))
        else:
            text = text_value(item)
            sources.append(Source(title=text, url=text if URL_RE.match(text) else None))
    return tuple(sources)


def url_value(node: yaml.Node) -> str:
    url = text_value(node)
    if not URL_RE.match(url):
        raise _Invalid(f"expected an http(s) URL, got {url!r}", node)
    return url


def _mapping(
    node: yaml.MappingNode, schema: dict[str, Callable[[yaml.Node], Any]], required: set[str]
) -> dict[str, Any]:
    """Check one nested mapping; the first problem raises (nested mappings are small)."""
    values: dict[str, Any] = {}
    for key_node, value_node in node.value:
        key = _scalar(key_node)
        if key not in schema:
            raise _Invalid(f"unknown key {key!r} (expected one of: {', '.join(schema)})", key_node)
        if key in values:
            raise _Invalid(f"duplicate key {key!r}", key_node)
        values[key] = schema[key](value_node)
    missing = sorted(required - values.keys())
    if missing:
        raise _Invalid(f"missing {missing[0]!r}", node)
    return values


@dataclass(frozen=True, slots=True)
class Key:
    """One allowed top-level key: how to read its value and whether it must be there."""

    read: Callable[[yaml.Node], Any]
    required: bool = False


def read_meta(
    text: str,
    path: Path,
    first_line: int,
    schema: dict[str, Key],
    diags: Diagnostics,
    what: str,
) -> tuple[dict[str, Any], dict[str, int]] | None:
    """Read a YAML mapping against `schema`, reporting every problem into `diags`.

    `first_line` is the file line (1-based) where `text` begins. Returns the values found and the line of each
    key, or None when the YAML cannot be read at all.
    """
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        last_line = first_line + max(text.count("\n") - (1 if text.endswith("\n") else 0), 0)
        mark = exc.problem_mark or exc.context_mark
        line = min(first_line + mark.line, last_line) if mark is not None else first_line
        message = f"invalid YAML in {what}: {exc.problem or exc.context or 'cannot be read'}"
        if exc.context and exc.context_mark is not None and exc.context_mark is not mark:
            message += f" ({exc.context} that starts at line {first_line + exc.context_mark.line})"
        diags.error(path, line, message)
        return None
    except yaml.YAMLError as exc:  # pragma: no cover - every PyYAML error we know carries a mark
        diags.error(path, first_line, f"invalid YAML in {what}: {exc}")
        return None
    if root is None:
        root = yaml.MappingNode("tag:yaml.org,2002:map", [], yaml.Mark("", 0, 0, 0, "", 0))
    if not isinstance(root, yaml.MappingNode):
        diags.error(path, first_line + root.start_mark.line, f"{what} must be a mapping of keys to values")
        return None

    values: dict[str, Any] = {}
    lines: dict[str, int] = {}
    for key_node, value_node in root.value:
        line = first_line + key_node.start_mark.line
        key = _scalar(key_node)
        if not isinstance(key, str) or key not in schema:
            known = ", ".join(schema)
            diags.error(path, line, f"unknown key {key!r} in {what} (expected one of: {known})")
            continue
        if key in lines:
            diags.error(path, line, f"duplicate key {key!r} in {what} (first at line {lines[key]})")
            continue
        lines[key] = line
        try:
            values[key] = schema[key].read(value_node)
        except _Invalid as exc:
            diags.error(path, first_line + exc.node.start_mark.line, f"{key}: {exc}")
    for key, spec in schema.items():
        if spec.required and key not in lines:
            diags.error(path, first_line, f"{what} has no {key!r}")
    return values, lines


# --- the three schemas --------------------------------------------------------------------------------------

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


def parse_topic_meta(front: str, stage: Stage, path: Path, diags: Diagnostics) -> Topic | None:
    """The topic described by a file's front matter (which starts on line 2), or None when it has no title."""
    found = read_meta(front, path, 2, TOPIC_SCHEMA, diags, "front matter")
    if found is None or "title" not in found[0]:
        return None
    values = found[0]
    return Topic(
        stage=stage,
        slug=path.stem,
        title=values["title"],
        tags=values.get("tags", ()),
        sources=values.get("sources", ()),
        lang=values.get("lang", "zh"),
        path=path,
        lint_ignore=frozenset(values.get("lint-ignore", ())),
        order=values.get("order"),
    )
