"""Reading YAML against a small schema, key by key, with the line of every problem.

PyYAML alone would take the last of two equal keys and give no line for a value of the wrong type, so the text
is composed into nodes (which keep their marks) and each key is checked by its own reader.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .diagnostics import Diagnostics
from .model import Source

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

TAG_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")
URL_RE = re.compile(r"^https?://[^\s]+$")
WHOLE_NUMBER_RE = re.compile(r"^[-+]?[0-9]{1,18}$")
CONTROL_RE = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]")
STANDARD_TAG = "tag:yaml.org,2002:"
STR_TAG = STANDARD_TAG + "str"


class Invalid(Exception):
    """A value of the wrong shape; the message says what was expected."""

    def __init__(self, message: str, node: yaml.Node) -> None:
        super().__init__(message)
        self.node = node


# Values are read straight from the composed nodes, never constructed by PyYAML: the constructor would turn
# `2024-02-30` into a date (and fail), run the tag of `!foo`, expand `<<` merge keys and aliases, and convert
# digits of any length. Here a scalar is text unless the schema asks for a whole number.


def text_value(node: yaml.Node) -> str:
    """A non-empty one-line string (numbers and dates are refused rather than silently turned into text)."""
    if not isinstance(node, yaml.ScalarNode) or node.tag != STR_TAG:
        raise Invalid("expected text (put it in quotes if it looks like a number or a date)", node)
    value = str(node.value).strip()
    if not value:
        raise Invalid("must not be empty", node)
    if CONTROL_RE.search(value):
        raise Invalid("must be one line of text, without tabs or other control characters", node)
    return value


def int_value(node: yaml.Node) -> int:
    if not isinstance(node, yaml.ScalarNode) or not WHOLE_NUMBER_RE.match(str(node.value)) or node.style:
        raise Invalid("expected a whole number, written in decimal digits", node)
    return int(node.value)


def tags_value(node: yaml.Node) -> tuple[str, ...]:
    if not isinstance(node, yaml.SequenceNode):
        raise Invalid("expected a list of tags, e.g. [kv-cache, memory]", node)
    tags = []
    for item in node.value:
        tag = text_value(item)
        if not TAG_RE.match(tag):
            raise Invalid(
                f"tag {tag!r} may use only letters, digits, '_', '.' and '-' (Anki tags cannot hold spaces)",
                item,
            )
        tags.append(tag)
    return tuple(tags)


def sources_value(node: yaml.Node) -> tuple[Source, ...]:
    """A list of sources; each is a URL, a plain title, or a mapping with `title` and `url`."""
    if not isinstance(node, yaml.SequenceNode):
        raise Invalid("expected a list of sources", node)
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
        raise Invalid(f"expected an http(s) URL, got {url!r}", node)
    return url


def _mapping(
    node: yaml.MappingNode, schema: dict[str, Callable[[yaml.Node], Any]], required: set[str]
) -> dict[str, Any]:
    """Check one nested mapping; the first problem raises (nested mappings are small)."""
    values: dict[str, Any] = {}
    for key_node, value_node in node.value:
        key = _key(key_node)
        if key not in schema:
            raise Invalid(f"unknown key {key!r} (expected one of: {', '.join(schema)})", key_node)
        if key in values:
            raise Invalid(f"duplicate key {key!r}", key_node)
        values[key] = schema[key](value_node)
    missing = sorted(required - values.keys())
    if missing:
        raise Invalid(f"missing {missing[0]!r}", node)
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

    def line_of(mark: yaml.Mark) -> int:  # YAML also breaks lines at U+2028 and U+0085; files break at '\n' only
        return first_line + text.count("\n", 0, mark.index)

    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        last_line = first_line + max(text.count("\n") - (1 if text.endswith("\n") else 0), 0)
        mark = exc.problem_mark or exc.context_mark
        line = min(line_of(mark), last_line) if mark is not None else first_line
        message = f"invalid YAML in {what}: {exc.problem or exc.context or 'cannot be read'}"
        if exc.context and exc.context_mark is not None and exc.context_mark is not mark:
            message += f" ({exc.context} that starts at line {line_of(exc.context_mark)})"
        diags.error(path, line, message)
        return None
    except (yaml.YAMLError, RecursionError) as exc:
        diags.error(path, first_line, f"invalid YAML in {what}: {exc}")
        return None
    if root is None:
        root = yaml.MappingNode("tag:yaml.org,2002:map", [], yaml.Mark("", 0, 0, 0, "", 0))
    try:
        _refuse_yaml_extras(root)
    except Invalid as exc:
        diags.error(path, line_of(exc.node.start_mark), f"in {what}: {exc}")
        return None
    if not isinstance(root, yaml.MappingNode):
        diags.error(path, line_of(root.start_mark), f"{what} must be a mapping of keys to values")
        return None

    values: dict[str, Any] = {}
    lines: dict[str, int] = {}
    for key_node, value_node in root.value:
        line = line_of(key_node.start_mark)
        try:
            key = _key(key_node)
        except Invalid as exc:
            diags.error(path, line, f"in {what}: {exc}")
            continue
        if key not in schema:
            known = ", ".join(schema)
            diags.error(path, line, f"unknown key {key!r} in {what} (expected one of: {known})")
            continue
        if key in lines:
            diags.error(path, line, f"duplicate key {key!r} in {what} (first at line {lines[key]})")
            continue
        lines[key] = line
        try:
            values[key] = schema[key].read(value_node)
        except Invalid as exc:
            diags.error(path, line_of(exc.node.start_mark), f"{key}: {exc}")
    for key, spec in schema.items():
        if spec.required and key not in lines:
            diags.error(path, first_line, f"{what} has no {key!r}")
    return values, lines


def _key(node: yaml.Node) -> str:
    if not isinstance(node, yaml.ScalarNode) or node.tag != STR_TAG:
        raise Invalid("keys must be plain names, such as title", node)
    return str(node.value)


def _refuse_yaml_extras(root: yaml.Node) -> None:
    """Raise Invalid at the first anchor used twice (`*alias`), `<<` merge key or non-standard `!tag`: a topic's
    metadata needs none of them, and aliases let a few lines stand for an exponential amount of data."""
    seen: set[int] = set()
    pending = [root]
    while pending:
        node = pending.pop()
        if id(node) in seen:
            raise Invalid("anchors and aliases (&name, *name) are not supported", node)
        seen.add(id(node))
        if node.tag == STANDARD_TAG + "merge":
            raise Invalid("merge keys (<<) are not supported", node)
        if not str(node.tag).startswith(STANDARD_TAG):
            raise Invalid(f"YAML tags such as {node.tag} are not supported", node)
        if isinstance(node, yaml.SequenceNode):
            pending.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                pending.extend((key, value))
