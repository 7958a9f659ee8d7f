"""Steps 1-3, compile: load every file under `decks/`, parse and render every topic, and check what spans files.

`compile_content` is what `build`, `check`, `preview` and `stats` all start from. It collects every problem of
the run into `Content.diagnostics` instead of stopping at the first, and checks every card it can: a broken
`roadmap.yaml` or template does not hide the topics' own errors, and a card with an error still takes part in
the checks across files (duplicate ids) and in the lint.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from pathlib import Path

from . import cloze
from .cards import parse_topic
from .cross_checks import check_across_files
from .diagnostics import Diagnostic, Diagnostics
from .identity import note_guid
from .lint import lint_topic
from .load import SourceFile, load_tree
from .lock import LOCK_FILE, Lock, clock
from .metadata import parse_roadmap, parse_stage
from .model import Card, CardInfo, CardKind, Note, Roadmap, Stage, StageContent, TopicResult
from .near_duplicates import lint_near_duplicates
from .render import render_topic
from .render_cache import RenderCache
from .result_data import to_json
from .templating import BuiltModel, TemplateError, Templates, default_templates_dir, load_templates
from .timings import Timings
from .tokens import plain_text
from .workers import SERIAL_WHEN_SMALL, Parallelism, map_in_workers


@dataclass(slots=True)
class Content:
    """Everything compiled from `decks/`: what `check`, `build` and the other commands work from."""

    root: Path
    roadmap: Roadmap | None
    stages: list[StageContent]
    templates: Templates | None
    models: dict[CardKind, BuiltModel] | None
    diagnostics: Diagnostics
    lock: Lock
    timings: Timings
    parsed: int = 0
    """Topic files parsed in this run (the others came from the render cache)."""
    parse_workers: int = 1


@dataclass(frozen=True, slots=True)
class TopicJob:
    """What every topic's compile needs besides its file: the same for all of them, shared with the workers."""

    roadmap: Roadmap
    root: Path
    templates: Templates | None
    lint: bool

    def compile(self, item: tuple[Stage, SourceFile]) -> TopicResult:
        stage, file = item
        diags = Diagnostics()
        start = time.perf_counter()
        parsed = parse_topic(file, stage, self.root, diags)
        parsed_at = time.perf_counter()
        if parsed is None:
            return TopicResult(file.path, None, (), (), tuple(diags), parsed_at - start)
        if self.lint:
            lint_topic(parsed.topic, parsed.cards, diags)
        notes: list[Note] = []
        if self.templates is not None and not diags.has_errors:
            try:
                notes = render_topic(self.templates, self.roadmap, parsed.topic, parsed.cards)
            except TemplateError as exc:
                diags.extend([exc.diagnostic])
            for note in notes:
                if note.kind is CardKind.CLOZE:
                    for problem in cloze.html_problems(note.fields[0]):  # its `text` field
                        diags.error(note.path, note.line, problem)
        cards = tuple(card_info(card) for card in parsed.cards)
        rendered_at = time.perf_counter()
        return TopicResult(
            file.path, parsed.topic, tuple(notes), cards, tuple(diags), parsed_at - start, rendered_at - parsed_at
        )

    def compile_for_cache(self, item: tuple[Stage, SourceFile]) -> tuple[TopicResult, bytes | None]:
        """The result and, when it has no errors, the JSON the render cache keeps of it: made here, where it runs
        in the worker processes, rather than all in the parent afterwards."""
        result = self.compile(item)
        clean = not any(d.severity == "error" for d in result.diagnostics)
        return result, to_json(result) if clean else None

    def compile_without_cache(self, item: tuple[Stage, SourceFile]) -> tuple[TopicResult, None]:
        return self.compile(item), None


def card_info(card: Card) -> CardInfo:
    compare = cloze.strip(card.answer.text) if card.kind is CardKind.CLOZE else card.question.text
    question = plain_text(card.question.tokens, math=True)
    return CardInfo(
        id=card.id,
        kind=card.kind,
        reverse=card.reverse,
        cloze_numbers=card.cloze_numbers,
        path=card.path,
        line=card.line,
        has_source=card.source is not None,
        lint_ignore=card.lint_ignore | card.topic.lint_ignore,
        question=question,
        compare_text=compare,
        source_digest=_source_digest(card),
    )


def _source_digest(card: Card) -> str:
    sha = hashlib.sha256()
    for segment in (card.question, card.answer, card.extra, card.source):
        sha.update((segment.text if segment else "").encode() + b"\x1f")
    sha.update(f"{card.kind.value}\x1f{card.reverse}\x1f{card.question_kind}".encode())
    return sha.hexdigest()[:16]


def compile_content(
    root: Path,
    templates_dir: Path | None = None,
    *,
    cache: RenderCache | None = None,
    lint: bool = False,
    parallel: Parallelism = SERIAL_WHEN_SMALL,
) -> Content:
    """Load, parse and render everything under `root`, collecting every problem into `Content.diagnostics`."""
    timings = Timings()
    diags = Diagnostics()

    # 1. load: the files, the roadmap's and the stages' metadata, the lock, the templates
    with timings.measure("load"):
        tree = load_tree(root, diags)
        roadmap = parse_roadmap(tree.roadmap_yaml, diags) if tree.roadmap_yaml else None
        stages = sorted(
            ((parse_stage(files, diags), files.topics) for files in tree.stages),
            key=lambda pair: (pair[0].order, pair[0].slug),
        )
        lock = Lock.read(root / LOCK_FILE, root, clock(), diags)
        templates, models = load_templates(templates_dir or default_templates_dir(), diags)

    # 2. parse and render each topic file: from the cache when unchanged, in workers when there is much to do
    stand_in = Roadmap(title="?", title_en="?", path=root / "roadmap.yaml")  # its errors are reported already
    job = TopicJob(roadmap or stand_in, root, templates, lint)
    items = [(stage, file) for stage, files in stages for file in files]
    if cache is not None and templates is not None and roadmap is not None:
        cache.salt(templates.digest(), repr(roadmap), str(lint))
    else:
        cache = None
    results, parsed, workers = _compile_topics(job, items, cache, parallel, timings)
    contents = []
    for stage, files in stages:
        stage_content = StageContent(stage, [results[file.path] for file in files])
        stage_content.topics.sort(key=_topic_order)
        contents.append(stage_content)
    _merge_diagnostics(contents, diags)
    content = Content(root, roadmap, contents, templates, models, diags, lock, timings, parsed, workers)

    # 3. what spans files: card ids used twice, changes Anki cannot apply, questions asked twice
    check_across_files(content.stages, roadmap, lock, diags)
    if lint:
        lint_near_duplicates([card for stage in contents for card in stage.cards], diags)
    return content


def _compile_topics(
    job: TopicJob,
    items: list[tuple[Stage, SourceFile]],
    cache: RenderCache | None,
    parallel: Parallelism,
    timings: Timings,
) -> tuple[dict[Path, TopicResult], int, int]:
    results: dict[Path, TopicResult] = {}
    todo = []
    with timings.measure("cache"):
        for stage, file in items:
            hit = cache.get(stage, file) if cache is not None else None
            if hit is not None:
                results[file.path] = hit
            else:
                todo.append((stage, file))
    if todo:
        note_guid("")  # loads genanki here, once: forked workers inherit it instead of each loading it again
    size = sum(len(file.data) for _, file in todo)
    workers = parallel.workers if size >= parallel.min_parse_bytes else 1
    start = time.perf_counter()
    function = job.compile_for_cache if cache is not None else job.compile_without_cache
    compiled, used = map_in_workers(function, todo, workers)
    fresh = [result for result, _ in compiled]
    elapsed = time.perf_counter() - start
    # Parse and render interleave per file (and per process): split the wall time between them by CPU share.
    parse_cpu = sum(r.parse_seconds for r in fresh)
    render_cpu = sum(r.render_seconds for r in fresh)
    share = parse_cpu / (parse_cpu + render_cpu) if parse_cpu + render_cpu else 0.5
    timings.add("parse", elapsed * share)
    timings.add("render", elapsed * (1 - share))
    for (stage, file), (result, data) in zip(todo, compiled, strict=True):
        results[file.path] = result
        if cache is not None and data is not None:
            cache.put(stage, file, data)
    return results, len(todo), used


def _topic_order(result: TopicResult) -> tuple[bool, int, str]:
    """Topics with an `order` first, by it; then the rest by file name."""
    order = result.topic.order if result.topic is not None else None
    return (order is None, order or 0, result.path.name)


def _merge_diagnostics(stages: list[StageContent], diags: Diagnostics) -> None:
    """Every topic's problems, in order; a template problem, which every topic meets alike, only once."""
    seen_template_problems: set[Diagnostic] = set()
    for stage in stages:
        for result in stage.topics:
            for diagnostic in result.diagnostics:
                if diagnostic.path.suffix == ".j2":
                    if diagnostic in seen_template_problems:
                        continue
                    seen_template_problems.add(diagnostic)
                diags.items.append(diagnostic)
