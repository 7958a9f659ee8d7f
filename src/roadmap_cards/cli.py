"""The `roadmap-cards` command: each subcommand parses its options and calls one function of the library.

Problems with the content are printed as `path:line: error: message` on stderr, all of them, and the exit
status is 1; a problem with the call or the environment is one `roadmap-cards: error: …` line and status 2.
"""

from __future__ import annotations

import functools
import json
import sys
import webbrowser
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from . import __version__
from .anki_import import REMOVED_TAG, import_into_collection
from .build import build, check
from .diagnostics import ContentError, Diagnostic, Diagnostics, UsageError, display_path
from .ids import add_missing_ids
from .lint import RULES
from .preview import build_preview
from .scaffold import new_topic
from .stats import COLUMNS as STATS_COLUMNS
from .stats import HEADERS as STATS_HEADERS
from .stats import Stats, collect_stats, plain_table, progress_text

F = TypeVar("F", bound=Callable[..., Any])

decks_option = click.option(
    "--decks",
    "decks",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("decks"),
    show_default=True,
    help="Folder of the Markdown notes, one sub-folder per stage.",
)
templates_option = click.option(
    "--templates",
    "templates",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    default=None,
    help="Folder of the Jinja card templates (default: the ones shipped with roadmap-cards).",
)


def out_option(default: str, what: str) -> Callable[[F], F]:
    return click.option(
        "--out",
        type=click.Path(path_type=Path, file_okay=False),
        default=Path(default),
        show_default=True,
        help=f"Folder to write {what} to.",
    )


jobs_option = click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes for parsing (default: one per core).",
)


def _print_diagnostics(diagnostics: list[Diagnostic]) -> None:
    for diagnostic in diagnostics:
        click.echo(diagnostic.format(), err=True)


def handle_errors(command: F) -> F:
    """Turn the library's exceptions into the messages and exit codes users see, never a traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except ContentError as exc:
            _print_diagnostics(exc.diagnostics)
            errors = sum(1 for d in exc.diagnostics if d.severity == "error")
            click.echo(f"roadmap-cards: {errors} error{'s' if errors != 1 else ''}; nothing was written", err=True)
            sys.exit(1)
        except UsageError as exc:
            click.echo(f"roadmap-cards: error: {exc}", err=True)
            sys.exit(2)
        except OSError as exc:
            where = f" {display_path(Path(exc.filename))}" if exc.filename else ""
            click.echo(f"roadmap-cards: error:{where}: {exc.strerror or exc}", err=True)
            sys.exit(1)

    return wrapper  # type: ignore[return-value]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="roadmap-cards")
def main() -> None:
    """Build Anki decks from the roadmap's Markdown notes.

    The notes live in decks/, one folder per stage. `build` writes one .apkg per stage and all.apkg;
    re-importing a newer build updates cards in place and keeps every review.
    """


@main.command("build")
@decks_option
@out_option("dist", "the .apkg files")
@templates_option
@jobs_option
@click.option("--no-cache", is_flag=True, help="Parse and render every file again, ignoring the cache.")
@click.option("--timings", is_flag=True, help="Print how long each step took, on stderr.")
@click.option(
    "--locked",
    is_flag=True,
    help="Fail, writing nothing, if decks/cards.lock would change (for CI: it was not committed).",
)
@handle_errors
def build_command(
    decks: Path, out: Path, templates: Path | None, jobs: int | None, no_cache: bool, timings: bool, locked: bool
) -> None:
    """Build one Anki package per stage, and all.apkg with every stage.

    Also updates decks/cards.lock, which records when each note last changed (commit it). Nothing is
    written when the notes have errors; packages whose content did not change are left as they are.
    """
    report = build(decks, out, templates, jobs=jobs, use_cache=not no_cache, locked=locked)
    if timings:
        phases = " ".join(f"{name}={seconds:.3f}s" for name, seconds in report.timings.phases.items())
        click.echo(f"timings: {phases}", err=True)
    for slug in report.skipped_stages:
        click.echo(f"notice: {slug} has no cards yet; skipped", err=True)
    if not report.packages:
        click.echo("no cards found: nothing to build")
        return
    width = max(len(p.filename) for p in report.packages) + 6
    click.echo(f"{'package':<{width}}{'cards':>7}{'notes':>7}{'media':>7}")
    for package in report.packages:
        name = f"{package.filename}.apkg"
        state = "" if package.written else "  (unchanged)"
        click.echo(f"{name:<{width}}{package.cards:>7}{package.notes:>7}{package.media:>7}{state}")
    written = sum(1 for p in report.packages if p.written)
    click.echo(f"wrote {written} of {len(report.packages)} packages to {display_path(out)}/")
    for name in report.removed:
        click.echo(f"removed {display_path(out / name)} (its stage is gone)")


@main.command("check")
@decks_option
@templates_option
@jobs_option
@click.option("--strict", is_flag=True, help="Treat lint warnings as errors (exit 1 when there are any).")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="json: one object per problem on stdout, for editors and CI.",
)
@handle_errors
def check_command(decks: Path, templates: Path | None, jobs: int | None, strict: bool, output_format: str) -> None:
    """Check every note, and lint it for card quality, without writing anything.

    Errors (the build cannot go on) and warnings (cards that are hard to learn, `warning[code]`) are
    printed as path:line. Exit 0 when there are no errors, or with --strict, no warnings either. A card
    opts out of one rule with {#id lint-ignore="code"}; `roadmap-cards rules` lists the rules.
    """
    content = check(decks, templates, jobs=jobs)
    diagnostics = content.diagnostics.sorted()
    errors = sum(1 for d in diagnostics if d.severity == "error")
    warnings = len(diagnostics) - errors
    failed = errors > 0 or (strict and warnings > 0)
    if output_format == "json":
        click.echo(json.dumps([d.to_json() for d in diagnostics], ensure_ascii=False, indent=1))
        sys.exit(1 if failed else 0)
    _print_diagnostics(diagnostics)
    cards = sum(len(result.cards or ()) for stage in content.stages for result in stage.topics)
    topics = sum(len(stage.topics) for stage in content.stages)
    summary = f"{_count(errors, 'error')}, {_count(warnings, 'warning')}"
    if failed:
        click.echo(f"roadmap-cards: {summary}{' (--strict)' if strict and not errors else ''}", err=True)
        sys.exit(1)
    click.echo(f"checked {cards} cards in {topics} topics: {summary}")


def _count(number: int, noun: str) -> str:
    if number == 0:
        return f"no {noun}s"
    return f"{number} {noun}{'s' if number != 1 else ''}"


@main.command("preview")
@decks_option
@out_option("preview", "the HTML site")
@templates_option
@click.option("--open", "open_browser", is_flag=True, help="Open the index page in a web browser.")
@handle_errors
def preview_command(decks: Path, out: Path, templates: Path | None, open_browser: bool) -> None:
    """Write a static HTML preview of every card, front and back, as Anki will show it.

    The cards go through the same templates and stylesheet as the Anki note types; each reverse card and
    each cloze deletion is shown on its own. The site works offline: open OUT/index.html.
    """
    report = build_preview(decks, out, templates)
    click.echo(f"wrote {report.cards} cards in {report.stages} stages to {display_path(report.index)}")
    if not report.mathjax:
        click.echo(
            "notice: MathJax is not installed, so math shows as TeX: pip install 'roadmap-cards[preview]'",
            err=True,
        )
    if open_browser:
        webbrowser.open(report.index.resolve().as_uri())


@main.command("new")
@decks_option
@click.argument("stage")
@click.argument("topic")
@handle_errors
def new_command(decks: Path, stage: str, topic: str) -> None:
    """Create a topic file STAGE/TOPIC.md with front matter and one example card.

    STAGE is a stage folder (06-llm-inference) or its number (06); TOPIC is the file name without .md,
    lower-case words joined by '-'. An existing file is never overwritten. The placeholders say TODO,
    which `check` reports until they are replaced.
    """
    path = new_topic(decks, stage, topic)
    click.echo(f"created {display_path(path)}")
    click.echo("next: write the cards (headings without ids), then run `roadmap-cards ids` and `roadmap-cards check`")


@main.command("stats")
@decks_option
@templates_option
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "text", "json"]),
    default=None,
    help="table (in a terminal), text (plain, the default when piped) or json.",
)
@handle_errors
def stats_command(decks: Path, templates: Path | None, output_format: str | None) -> None:
    """Count cards per stage and topic: by type, with their own source, with lint warnings.

    Each stage's progress is shown against its floor (the cards the syllabus asks for, `floor` in
    stage.yaml).
    """
    stats = collect_stats(decks, templates)
    output_format = output_format or ("table" if sys.stdout.isatty() else "text")
    if output_format == "json":
        click.echo(json.dumps(stats.to_json(), ensure_ascii=False, indent=1))
    elif output_format == "text":
        click.echo(plain_table(stats))
    else:
        print_rich_table(stats)


def print_rich_table(stats: Stats) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="roadmap-cards stats", show_footer=True)
    table.add_column("stage / topic", footer="total")
    for column, header in zip(STATS_COLUMNS, STATS_HEADERS, strict=True):
        table.add_column(header, justify="right", footer=str(getattr(stats.totals, column)))
    table.add_column("floor", justify="right")
    for stage in stats.stages:
        done = bool(stage.floor) and stage.counts.cards >= (stage.floor or 0)
        style = "green" if done else ("yellow" if stage.counts.cards else "dim")
        table.add_row(
            f"[bold]{stage.slug}[/bold] {stage.title}",
            *(str(getattr(stage.counts, column)) for column in STATS_COLUMNS),
            f"[{style}]{progress_text(stage)}[/{style}]",
        )
        for topic in stage.topics:
            warn = topic.counts.warnings
            table.add_row(
                f"  {topic.slug}",
                *(str(getattr(topic.counts, column)) for column in STATS_COLUMNS[:-1]),
                f"[red]{warn}[/red]" if warn else "0",
                "",
                style="dim" if not topic.counts.cards else None,
            )
    Console().print(table)


@main.command("import")
@decks_option
@click.option(
    "--collection",
    "collection_path",
    type=click.Path(path_type=Path, dir_okay=False),
    required=True,
    help="The Anki collection file, e.g. ~/.local/share/Anki2/'User 1'/collection.anki2 (Anki closed).",
)
@click.option("--deck-prefix", default=None, help="Put the decks under this parent deck, e.g. 'Study'.")
@out_option("dist", "the packages (built first)")
@templates_option
@handle_errors
def import_command(
    decks: Path, collection_path: Path, deck_prefix: str | None, out: Path, templates: Path | None
) -> None:
    """Build, then import every stage straight into an Anki collection (needs roadmap-cards[anki]).

    Close Anki desktop first. Cards are updated in place and reviews kept, exactly as with File > Import.
    Notes whose card was removed from the sources are tagged roadmap::removed, never deleted.
    """
    report = import_into_collection(decks, collection_path, out, templates, deck_prefix)
    click.echo(
        f"imported into {display_path(collection_path)}: {report.new} new, {report.updated} updated, "
        f"{report.unchanged} unchanged, {report.conflicting} conflicting"
    )
    if report.conflicting:
        click.echo(
            "warning: conflicting notes were not updated: their note type in the collection differs from ours "
            "(Anki made a copy named '… +'); see the README",
            err=True,
        )
    if report.removed:
        click.echo(f"{len(report.removed)} note(s) no longer in the sources, tagged {REMOVED_TAG}:")
        for card_id in report.removed:
            click.echo(f"  {card_id}")
    for card_id in report.restored:
        click.echo(f"back in the sources, {REMOVED_TAG} tag removed: {card_id}")


@main.command("rules")
def rules_command() -> None:
    """List the lint rules of `check`, with the code that opts a card out of each."""
    width = max(len(code) for code in RULES)
    for code, description in RULES.items():
        click.echo(f"{code:<{width}}  {description}")


@main.command("ids")
@decks_option
@click.argument("files", nargs=-1, type=click.Path(path_type=Path, dir_okay=False))
@handle_errors
def ids_command(decks: Path, files: tuple[Path, ...]) -> None:
    """Add a new unique id to every card heading that has none (in FILES, or in all topic files).

    Only those heading lines change; the rest of each file is left byte for byte as it was.
    New ids are unique across the whole content folder.
    """
    diags = Diagnostics()
    added = add_missing_ids(decks, diags, list(files) if files else None)
    for item in added:
        click.echo(f"{display_path(item.path)}:{item.line}: added id {item.card_id}")
    if diags.has_errors:
        raise ContentError(diags.sorted())
    if not added:
        click.echo("every card has an id")
