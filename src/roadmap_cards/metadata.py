"""The metadata of the roadmap, its stages and its topics: `roadmap.yaml`, each `stage.yaml`, and each topic
file's front matter, each read against its schema (see `yaml_schema.py`).
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from .diagnostics import Diagnostics
from .load import SourceFile, StageFiles
from .model import Roadmap, Stage, Topic
from .topicfile import decode
from .yaml_schema import Invalid, Key, int_value, read_meta, sources_value, tags_value, text_value, url_value

LANGUAGES = ("zh", "en")
MIN_DECK_ID = 1000
MAX_DECK_ID = 2**63 - 1


def _lang_value(node: yaml.Node) -> str:
    lang = text_value(node)
    if lang not in LANGUAGES:
        raise Invalid(f"expected one of {', '.join(LANGUAGES)}, got {lang!r}", node)
    return lang


QUESTION_KINDS = ("concept", "term", "mechanism", "number", "formula", "paper-result", "api", "code")
"""The kinds of question a card may declare (`{#id kind="number"}`, or `kind:` for a whole topic)."""


def kind_value(node: yaml.Node) -> str:
    kind = text_value(node)
    if kind not in QUESTION_KINDS:
        raise Invalid(f"kind {kind!r} is not one of {', '.join(QUESTION_KINDS)}", node)
    return kind


CALVER_RE = re.compile(r"^20[0-9]{2}\.(?:[1-9]|1[0-2])\.(?:0|[1-9][0-9]*)$")


def version_value(node: yaml.Node) -> str:
    version = text_value(node)
    if not CALVER_RE.match(version):
        raise Invalid(f"expected a version such as 2026.11.0 (year, month, release), got {version!r}", node)
    return version


ROADMAP_SCHEMA = {
    "title": Key(text_value, required=True),
    "title_en": Key(text_value, required=True),
    "deck_id": Key(int_value, required=True),
    "report_url": Key(url_value),
    "version": Key(version_value),
}
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
    "kind": Key(kind_value),
}


def parse_roadmap(file: SourceFile, diags: Diagnostics) -> Roadmap | None:
    text = decode(file, diags)
    if text is None:
        return None
    found = read_meta(text, file.path, 1, ROADMAP_SCHEMA, diags, "roadmap.yaml")
    if found is None or not {"title", "title_en", "deck_id"} <= found[0].keys():
        return None
    values, lines = found
    if "::" in values["title"]:
        diags.error(file.path, lines["title"], "title must not contain '::' (Anki reads it as a sub-deck)")
        return None
    if not _deck_id_ok(values["deck_id"], file.path, lines["deck_id"], diags):
        return None
    return Roadmap(
        values["title"],
        values["title_en"],
        file.path,
        values["deck_id"],
        values.get("report_url"),
        values.get("version"),
    )


def parse_stage(files: StageFiles, diags: Diagnostics) -> Stage:
    """The stage described by `stage.yaml`. Problems are reported; a stage is returned all the same (with
    placeholders for what is missing), so that its topic files are still checked in the same run."""
    file = files.stage_yaml
    text = decode(file, diags)
    found = read_meta(text, file.path, 1, STAGE_SCHEMA, diags, "stage.yaml") if text is not None else None
    values, lines = found if found is not None else ({}, {})
    if "deck_id" in values:
        _deck_id_ok(values["deck_id"], file.path, lines["deck_id"], diags)
    if "::" in values.get("title", ""):
        diags.error(file.path, lines["title"], "title must not contain '::' (Anki reads it as a sub-deck)")
    if "floor" in values and values["floor"] < 0:
        diags.error(file.path, lines["floor"], "floor must not be negative")
    return Stage(
        slug=files.slug,
        number=files.slug[:2],
        deck_id=values.get("deck_id", 0),  # 0: missing, reported above
        title=values.get("title", files.slug),
        title_en=values.get("title_en", files.slug),
        order=values.get("order", int(files.slug[:2])),
        sources=values.get("sources", ()),
        floor=values.get("floor"),
        path=file.path,
    )


def _deck_id_ok(deck_id: int, path: Path, line: int, diags: Diagnostics) -> bool:
    if MIN_DECK_ID <= deck_id <= MAX_DECK_ID:
        return True
    diags.error(
        path,
        line,
        f"deck_id must be a number from {MIN_DECK_ID} to 2^63-1 (small ids are Anki's own: 1 is its Default "
        "deck); choose a large random one once, and never change it",
    )
    return False


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
        kind=values.get("kind"),
    )
