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


class Invalid(Exception):
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
        raise Invalid("expected text (put it in quotes if it looks like a number or a date)", node)
    if not value.strip():
        raise Invalid("must not be empty", node)
    return value.strip()


def int_value(node: yaml.Node) -> int:
    value = _scalar(node) if isinstance(node, yaml.ScalarNode) else None
    if not isinstance(value, int) or isinstance(value, bool):
        raise Invalid("expected a whole number", node)
    return value


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
        key = _scalar(key_node)
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
        except Invalid as exc:
            diags.error(path, first_line + exc.node.start_mark.line, f"{key}: {exc}")
    for key, spec in schema.items():
        if spec.required and key not in lines:
            diags.error(path, first_line, f"{what} has no {key!r}")
    return values, lines
