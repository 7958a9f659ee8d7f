"""The pipeline: load → parse → render → package → write, and `check`, which stops before writing.

Reading top to bottom: `compile_content` loads the files, parses and renders every topic (from the cache when a
file is unchanged, in parallel when there is much to do), then checks what spans files (card ids, the lock);
`build` plans one package per stage plus `all.apkg`, writes those whose inputs changed to temporary files,
and only when all are written renames them into place and updates the lock, the manifest and the cache.
"""

from __future__ import annotations

import gc
import hashlib
import json
import multiprocessing
import os
import pickle
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from . import __version__
from .diagnostics import ContentError, Diagnostic, Diagnostics, UsageError, display_path
from .files import atomic_write, sha256_file, temporary_path
from .lint import TopicCards, lint
from .load import SourceFile, load_tree
from .lock import LOCK_FILE, Lock, clock
from .model import Card, CardKind, Note, Roadmap, Stage, Topic
from .package import BuiltModel, DeckPlan, PackagePlan, StampedNote, build_models, note_digest, write_package
from .parse import parse_roadmap, parse_stage, parse_topic
from .render import TemplateError, Templates, default_templates_dir, render_topic

ALL_PACKAGE = "all"
MANIFEST_FILE = ".roadmap-cards-manifest.json"
CACHE_DIR = ".cache"
CACHE_FILE = "rendered.pickle"
PARALLEL_MIN_BYTES = 256 * 1024
"""Below this much Markdown to parse, starting worker processes costs more than it saves."""


@dataclass(slots=True)
class Timings:
    """Seconds spent in each step; parse and render are summed over worker processes when parallel."""

    phases: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def measure(self, phase: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.add(phase, time.perf_counter() - start)

    def add(self, phase: str, seconds: float) -> None:
        self.phases[phase] = self.phases.get(phase, 0.0) + seconds


@dataclass(frozen=True, slots=True)
class TopicResult:
    """One topic file, parsed and rendered."""

    path: Path
    topic: Topic | None
    notes: tuple[Note, ...]
    diagnostics: tuple[Diagnostic, ...]
    cards: tuple[Card, ...] | None
    """The parsed cards, kept only when asked for (the lint needs them; the cache does not store them)."""
    parse_seconds: float = 0.0
    render_seconds: float = 0.0


@dataclass(slots=True)
class StageContent:
    stage: Stage
    topics: list[TopicResult] = field(default_factory=list)

    @property
    def notes(self) -> list[Note]:
        return [note for result in self.topics for note in result.notes]


@dataclass(slots=True)
class Content:
    """Everything compiled from `decks/`: what `check`, `build` and the other commands work from."""

    root: Path
    roadmap: Roadmap | None
    stages: list[StageContent]
    templates: Templates
    diagnostics: Diagnostics
    lock: Lock
    timings: Timings
    cache: _RenderCache | None = None


@dataclass(frozen=True, slots=True)
class PackageReport:
    filename: str
    cards: int
    notes: int
    media: int
    written: bool


@dataclass(slots=True)
class BuildReport:
    packages: list[PackageReport]
    skipped_stages: list[str]
    removed: list[str]
    warnings: list[Diagnostic]
    timings: Timings
    plans: list[PackagePlan] = field(default_factory=list)
    """What went into each package (for `import`, which may rename the decks)."""


# --- compile: load, parse, render ---------------------------------------------------------------------------


def compile_content(
    root: Path,
    templates_dir: Path | None = None,
    *,
    cache_dir: Path | None = None,
    keep_cards: bool = False,
    jobs: int | None = None,
) -> Content:
    """Load, parse and render everything under `root`, collecting every problem into `Content.diagnostics`."""
    timings = Timings()
    diags = Diagnostics()
    try:
        templates = Templates(templates_dir or default_templates_dir())
    except TemplateError as exc:
        raise ContentError([exc.diagnostic]) from None

    with timings.measure("load"):
        tree = load_tree(root, diags)
        roadmap = parse_roadmap(tree.roadmap_yaml, diags) if tree.roadmap_yaml else None
        stages = [(parse_stage(files, diags), files.topics) for files in tree.stages]
        stages.sort(key=lambda pair: (pair[0].order, pair[0].slug))
        lock = Lock.read(root / LOCK_FILE, clock(), diags)

    contents: list[StageContent] = []
    cache = None
    if roadmap is not None:
        if cache_dir is not None and not keep_cards:
            cache = _RenderCache.open(cache_dir, templates, roadmap)
        jobs_list = [(stage, file) for stage, files in stages for file in files]
        results = _compile_topics(jobs_list, roadmap, root, templates, cache, keep_cards, jobs, timings)
        by_path = {result.path: result for result in results}
        for stage, files in stages:
            stage_content = StageContent(stage)
            for file in files:
                result = by_path[file.path]
                diags.extend(list(result.diagnostics))
                stage_content.topics.append(result)
            stage_content.topics.sort(key=_topic_order)
            contents.append(stage_content)

    content = Content(root, roadmap, contents, templates, diags, lock, timings, cache)
    _check_across_files(content)
    return content


def _topic_order(result: TopicResult) -> tuple[bool, int, str]:
    """Topics with an `order` first, by it; then the rest by file name."""
    order = result.topic.order if result.topic is not None else None
    return (order is None, order or 0, result.path.name)


def _compile_topics(
    jobs_list: list[tuple[Stage, SourceFile]],
    roadmap: Roadmap,
    root: Path,
    templates: Templates,
    cache: _RenderCache | None,
    keep_cards: bool,
    jobs: int | None,
    timings: Timings,
) -> list[TopicResult]:
    results: list[TopicResult] = []
    todo: list[tuple[Stage, SourceFile]] = []
    with timings.measure("cache"):
        for stage, file in jobs_list:
            hit = cache.get(stage, file) if cache else None
            if hit is not None:
                results.append(hit)
            else:
                todo.append((stage, file))

    workers = jobs if jobs is not None else (os.cpu_count() or 1)
    size = sum(len(file.data) for _, file in todo)
    start = time.perf_counter()
    if workers > 1 and len(todo) > 1 and size >= PARALLEL_MIN_BYTES and _can_fork():
        chunks = [todo[i::workers] for i in range(workers)]
        context = multiprocessing.get_context("fork")
        _WORKER_STATE.update(roadmap=roadmap, root=root, templates=templates, keep_cards=keep_cards)
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            for chunk_results in pool.map(_compile_chunk, chunks):
                results.extend(chunk_results)
        fresh = results[len(results) - len(todo) :]
    else:
        fresh = [compile_topic(stage, file, roadmap, root, templates, keep_cards) for stage, file in todo]
        results.extend(fresh)
    elapsed = time.perf_counter() - start
    # Parse and render interleave per file (and per process): split the wall time between them by CPU share.
    parse_cpu = sum(r.parse_seconds for r in fresh)
    render_cpu = sum(r.render_seconds for r in fresh)
    share = parse_cpu / (parse_cpu + render_cpu) if parse_cpu + render_cpu else 0.5
    timings.add("parse", elapsed * share)
    timings.add("render", elapsed * (1 - share))

    if cache is not None:
        cache.update(jobs_list, results)
    return results


_WORKER_STATE: dict[str, object] = {}


def _can_fork() -> bool:
    """Forked workers share the parent's memory for free; but forking a process that runs other threads can
    deadlock the child, so a caller with threads (an embedding application, a test browser) gets one process."""
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


def _compile_chunk(chunk: list[tuple[Stage, SourceFile]]) -> list[TopicResult]:
    """Runs in a forked worker: the templates and roadmap come from the parent's memory."""
    state = _WORKER_STATE
    return [
        compile_topic(stage, file, state["roadmap"], state["root"], state["templates"], state["keep_cards"])  # type: ignore[arg-type]
        for stage, file in chunk
    ]


def compile_topic(
    stage: Stage, file: SourceFile, roadmap: Roadmap, root: Path, templates: Templates, keep_cards: bool
) -> TopicResult:
    """Parse and render one topic file."""
    diags = Diagnostics()
    start = time.perf_counter()
    parsed = parse_topic(file, stage, root, diags)
    parsed_at = time.perf_counter()
    notes: list[Note] = []
    if parsed is not None:
        try:
            notes = render_topic(templates, roadmap, parsed.topic, parsed.cards)
        except TemplateError as exc:
            diags.extend([exc.diagnostic])
    rendered_at = time.perf_counter()
    return TopicResult(
        path=file.path,
        topic=parsed.topic if parsed else None,
        notes=tuple(notes),
        diagnostics=tuple(diags),
        cards=parsed.cards if (parsed and keep_cards) else None,
        parse_seconds=parsed_at - start,
        render_seconds=rendered_at - parsed_at,
    )


class _RenderCache:
    """Rendered topics from the last build, keyed by a hash of everything their rendering depends on."""

    def __init__(self, path: Path, salt: bytes, entries: dict[str, TopicResult]) -> None:
        self.path = path
        self.salt = salt
        self.entries = entries
        self.fresh: dict[str, TopicResult] = {}

    @classmethod
    def open(cls, folder: Path, templates: Templates, roadmap: Roadmap) -> _RenderCache:
        salt = f"{__version__}\n{_code_digest()}\n{templates.digest()}\n{roadmap!r}\n".encode()
        path = folder / CACHE_FILE
        entries: dict[str, TopicResult] = {}
        try:
            with path.open("rb") as stream:
                loaded = pickle.load(stream)
            if isinstance(loaded, dict):
                entries = loaded
        except (
            OSError,
            pickle.UnpicklingError,
            EOFError,
            AttributeError,
            ImportError,
            TypeError,
            ValueError,
        ):
            entries = {}  # a missing or unreadable cache is only a slower build
        return cls(path, salt, entries)

    def key(self, stage: Stage, file: SourceFile) -> str:
        sha = hashlib.sha256(self.salt)
        sha.update(repr(stage).encode() + b"\0" + str(file.path).encode() + b"\0" + file.data)
        return sha.hexdigest()

    def get(self, stage: Stage, file: SourceFile) -> TopicResult | None:
        result = self.entries.get(self.key(stage, file))
        if result is None:
            return None
        for note in result.notes:  # images are outside the topic file: check they are what was rendered
            for ref in note.media:
                try:
                    digest = hashlib.sha256(ref.path.read_bytes()).hexdigest()
                except OSError:
                    return None
                if not ref.name.startswith(f"rc-{digest[:20]}"):
                    return None
        return result

    def update(self, jobs_list: list[tuple[Stage, SourceFile]], results: list[TopicResult]) -> None:
        by_path = {r.path: r for r in results}
        for stage, file in jobs_list:
            result = by_path[file.path]
            if not any(d.severity == "error" for d in result.diagnostics):
                self.fresh[self.key(stage, file)] = result

    def save(self) -> None:
        if self.fresh.keys() == self.entries.keys():
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(self.path, pickle.dumps(self.fresh, protocol=pickle.HIGHEST_PROTOCOL))


def _code_digest() -> str:
    """Hash of this package's own code, so that a cache never outlives the code that filled it."""
    sha = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        sha.update(path.read_bytes())
    return sha.hexdigest()


def _check_across_files(content: Content) -> None:
    """What no single file can tell: card ids used twice, and changes Anki cannot apply to shipped notes."""
    diags = content.diagnostics
    seen: dict[str, Note] = {}
    for stage_content in content.stages:
        for note in stage_content.notes:
            first = seen.setdefault(note.card_id, note)
            if first is note:
                continue
            diags.error(
                first.path,
                first.line,
                f"duplicate card id {note.card_id!r} (also at {_where(note)})",
            )
            diags.error(note.path, note.line, f"duplicate card id {note.card_id!r} (also at {_where(first)})")
    lock = content.lock
    for note in seen.values():
        old = lock.cards.get(note.card_id)
        if old is not None and old.kind and old.kind != note.kind.value:
            diags.error(
                note.path,
                note.line,
                f"card {note.card_id!r} was shipped as a {old.kind} card and is now a {note.kind.value} card; "
                "Anki cannot change the type of a note learners already have: give the card a new id "
                f"(or, if it never shipped, delete its line {lock.card_lines.get(note.card_id)} in {LOCK_FILE})",
            )
    if content.roadmap is not None:
        for stage_content in content.stages:
            stage = stage_content.stage
            old_name = lock.decks.get(stage.slug)
            name = stage.deck_name(content.roadmap)
            if old_name is not None and old_name != name:
                diags.error(
                    stage.path,
                    None,
                    f"the deck of {stage.slug} was shipped as {old_name!r}; renaming it to {name!r} would strand "
                    "learners' cards in the old deck (Anki matches decks by name). If it never shipped, delete "
                    f"line {lock.deck_lines[stage.slug]} of {LOCK_FILE}",
                )


def _where(note: Note) -> str:
    return f"{display_path(note.path)}:{note.line}"


# --- build: package and write -------------------------------------------------------------------------------


def build(
    root: Path,
    out: Path,
    templates_dir: Path | None = None,
    *,
    jobs: int | None = None,
    use_cache: bool = True,
    locked: bool = False,
) -> BuildReport:
    """Build `out/<stage>.apkg` for every stage with cards and `out/all.apkg`; raise ContentError on errors.

    With `locked`, a build that would change `cards.lock` is an error instead (for CI: the lock was not
    committed with the cards it describes).
    """
    with _no_cyclic_gc():
        return _build(root, out, templates_dir, jobs=jobs, use_cache=use_cache, locked=locked)


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Pause Python's cycle collector: a build makes millions of short-lived objects and few cycles, and the
    collector's passes over them cost a quarter of a large build (measured at 30k cards); memory is unchanged."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _build(
    root: Path, out: Path, templates_dir: Path | None, *, jobs: int | None, use_cache: bool, locked: bool
) -> BuildReport:
    cache_dir = out / CACHE_DIR if use_cache else None
    content = compile_content(root, templates_dir, cache_dir=cache_dir, jobs=jobs)
    if content.diagnostics.has_errors:
        raise ContentError(content.diagnostics.sorted())
    timings = content.timings
    assert content.roadmap is not None

    with timings.measure("package"):
        try:
            models = build_models(content.templates)
        except TemplateError as exc:
            raise ContentError([exc.diagnostic]) from None
        plans, skipped = plan_packages(content, models)
        if locked:
            _require_current_lock(content.lock)

    with timings.measure("write"):
        report = _write_outputs(out, plans, content, jobs)
        if content.cache is not None:
            content.cache.save()
    report.skipped_stages = skipped
    report.timings = timings
    report.plans = plans
    return report


def _require_current_lock(lock: Lock) -> None:
    current = lock.path.read_text(encoding="utf-8") if lock.path.is_file() else ""
    if current == lock.text():
        return
    changed = sorted(i for i, stamp in lock.new_cards.items() if i in lock.cards and lock.cards[i] != stamp)
    added = sorted(lock.new_cards.keys() - lock.cards.keys())
    removed = sorted(lock.cards.keys() - lock.new_cards.keys())
    parts = [
        f"{len(ids)} {what} ({', '.join(ids[:5])}{', …' if len(ids) > 5 else ''})"
        for what, ids in (("changed", changed), ("new", added), ("removed", removed))
        if ids
    ]
    if lock.new_notetypes != lock.notetypes or lock.new_decks != lock.decks:
        parts.append("note types or deck names changed")
    detail = "; ".join(parts) or "its text differs"
    raise ContentError(
        [
            Diagnostic(
                lock.path,
                None,
                (f"{LOCK_FILE} is out of date ({detail}): run `roadmap-cards build` and commit it with the cards"),
            )
        ]
    )


def plan_packages(content: Content, models: dict[CardKind, BuiltModel]) -> tuple[list[PackagePlan], list[str]]:
    """Give every note and note type its `mod` from the lock, and group them into packages."""
    lock = content.lock
    assert content.roadmap is not None
    model_mods = {kind: lock.stamp_notetype(kind.value, built.digest) for kind, built in models.items()}
    decks: list[DeckPlan] = []
    skipped = []
    for stage_content in content.stages:
        stage = stage_content.stage
        notes = stage_content.notes
        if not notes:
            skipped.append(stage.slug)
            continue
        description = content.templates.render("anki/deck-description.html.j2", stage=stage, roadmap=content.roadmap)
        deck = DeckPlan(stage, stage.deck_name(content.roadmap), description=description)
        lock.record_deck(stage.slug, deck.name)
        for note in notes:
            digest = note_digest(note)
            deck.notes.append(StampedNote(note, lock.stamp_card(note.card_id, note.kind.value, digest), digest))
        decks.append(deck)
    plans = [PackagePlan(deck.stage.slug, [deck], models, model_mods) for deck in decks]
    if decks:
        plans.append(PackagePlan(ALL_PACKAGE, decks, models, model_mods))
    return plans, skipped


PARALLEL_MIN_NOTES = 3000
"""Below this many notes to write, one process writes faster than two."""


def _write_packages(work: list[tuple[PackagePlan, Path]], jobs: int | None) -> None:
    """Write packages to their temporary paths: in worker processes when there is enough to write."""
    workers = min(jobs if jobs is not None else (os.cpu_count() or 1), len(work))
    notes = sum(plan.note_count for plan, _ in work)
    if workers < 2 or notes < PARALLEL_MIN_NOTES or not _can_fork():
        for plan, temporary in work:
            write_package(plan, temporary)
        return
    work = sorted(work, key=lambda item: -item[0].note_count)  # the biggest (all.apkg) first
    _WORKER_STATE["packages"] = work
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            list(pool.map(_write_package_at, range(len(work))))
    finally:
        _WORKER_STATE.pop("packages", None)


def _write_package_at(index: int) -> None:
    """Runs in a forked worker: the plans come from the parent's memory, not through a pipe."""
    plan, temporary = _WORKER_STATE["packages"][index]  # type: ignore[index]
    write_package(plan, temporary)


def _write_outputs(out: Path, plans: list[PackagePlan], content: Content, jobs: int | None) -> BuildReport:
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create the output folder {out}: {exc.strerror}") from None
    manifest_path = out / MANIFEST_FILE
    manifest = _read_manifest(manifest_path)
    new_manifest: dict[str, dict[str, str]] = {}
    staged: list[tuple[PackagePlan, Path, Path]] = []
    reports = []
    for plan in plans:
        target = out / f"{plan.filename}.apkg"
        digest = plan.digest()
        previous = manifest.get(target.name, {})
        unchanged = previous.get("inputs") == digest and sha256_file(target) == previous.get("sha256")
        if unchanged:
            new_manifest[target.name] = {"inputs": digest, "sha256": previous["sha256"]}
        else:
            staged.append((plan, temporary_path(target), target))
            new_manifest[target.name] = {"inputs": digest, "sha256": ""}
        reports.append(PackageReport(plan.filename, plan.card_count, plan.note_count, len(plan.media()), not unchanged))
    try:
        _write_packages([(plan, temporary) for plan, temporary, _ in staged], jobs)
        for _, temporary, target in staged:
            new_manifest[target.name]["sha256"] = sha256_file(temporary) or ""
    except BaseException:
        for _, temporary, _ in staged:
            temporary.unlink(missing_ok=True)
        raise

    # Everything is written: now put it in place, each file by an atomic rename.
    for _, temporary, target in staged:
        os.replace(temporary, target)
    removed = []
    for name in sorted(manifest.keys() - new_manifest.keys()):  # packages of stages that are gone
        stale = out / name
        if stale.is_file() and sha256_file(stale) == manifest[name].get("sha256"):
            stale.unlink()
            removed.append(name)
    lock = content.lock
    lock_text = lock.text()
    if not lock.path.is_file() or lock.path.read_text(encoding="utf-8") != lock_text:
        atomic_write(lock.path, lock_text.encode())
    atomic_write(manifest_path, (json.dumps(new_manifest, indent=1, sort_keys=True) + "\n").encode())
    return BuildReport(reports, [], removed, content.diagnostics.warnings, Timings())


def _read_manifest(path: Path) -> dict[str, dict[str, str]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def check(root: Path, templates_dir: Path | None = None, *, jobs: int | None = None) -> Content:
    """Parse and render everything without writing; the diagnostics say what is wrong."""
    with _no_cyclic_gc():
        content = compile_content(root, templates_dir, keep_cards=True, jobs=jobs)
        try:
            build_models(content.templates)
        except TemplateError as exc:
            content.diagnostics.extend([exc.diagnostic])
        lint(
            (
                TopicCards(result.topic, result.cards or ())
                for stage in content.stages
                for result in stage.topics
                if result.topic is not None
            ),
            content.diagnostics,
        )
    return content
