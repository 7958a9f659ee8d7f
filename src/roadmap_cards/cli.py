"""The `roadmap-cards` command: each subcommand parses its options and calls one function of the library.

Errors are the library's `RoadmapCardsError`s (click exceptions): click prints them and exits with their code,
1 for problems with the content (`path:line: error: message`, all of them) and 2 for a wrong call, never a
traceback. The library is imported inside each command, so that `--help` starts as fast as click itself.
"""

from __future__ import annotations

import errno
import json
import sys
from pathlib import Path
from typing import Any

import click

from . import __version__
from .cli_authoring import AUTHORING_COMMANDS
from .cli_learner import LEARNER_COMMANDS
from .cli_options import collection_option, decks_option, jobs_option, out_option, templates_option
from .diagnostics import Diagnostic, FileError, display_path, plural

INSTALL_HINT = "from the checkout: pip install -e '.[{extra}]'"


class _RoadmapCards(click.Group):
    """The command group; turns an error of the operating system (a full disk, a read-only folder) into a
    `FileError` with the file's name. A closed pipe (`roadmap-cards stats | head`) is left to click, which ends
    quietly."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except OSError as exc:
            if exc.errno == errno.EPIPE:
                raise
            raise FileError.from_os_error(exc) from None


def _print_version(ctx: click.Context) -> None:
    click.echo(f"roadmap-cards, version {__version__}")
    roadmap = Path("decks") / "roadmap.yaml"
    if roadmap.is_file():
        from .diagnostics import Diagnostics
        from .load import SourceFile
        from .metadata import parse_roadmap

        found = parse_roadmap(SourceFile(roadmap, roadmap.read_bytes()), Diagnostics())
        if found is not None and found.version:
            click.echo(f"decks {found.version} ({display_path(roadmap)})")
    ctx.exit()


def _print_diagnostics(diagnostics: list[Diagnostic]) -> None:
    for diagnostic in diagnostics:
        click.echo(diagnostic.format(), err=True)


@click.group(cls=_RoadmapCards, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=lambda ctx, _param, value: _print_version(ctx) if value else None,
    help="Show the tool's version and the content version of decks/roadmap.yaml, and exit.",
)
def main() -> None:
    """Build Anki decks from the roadmap's Markdown notes.

    The notes live in decks/, one folder per stage. `build` writes one .apkg per stage and all.apkg;
    re-importing a newer build updates cards in place and keeps every review.
    """


@main.command("build", short_help="Build one Anki package per stage, and all.apkg.")
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
def build_command(
    decks: Path, out: Path, templates: Path | None, jobs: int | None, no_cache: bool, timings: bool, locked: bool
) -> None:
    """Build one Anki package per stage, and all.apkg with every stage.

    Also updates decks/cards.lock, which records when each note last changed (commit it). Nothing is
    written when the notes have errors; packages whose content did not change are left as they are.
    """
    from .build import build
    from .workers import Parallelism

    report = build(decks, out, templates, parallel=Parallelism(jobs), use_cache=not no_cache, locked=locked)
    if timings:
        phases = " ".join(f"{name}={seconds:.3f}s" for name, seconds in report.timings.phases.items())
        click.echo(f"timings: {phases}", err=True)
        click.echo(
            f"timings: parsed {report.parsed} topic files in {report.parse_workers} process(es); "
            f"wrote packages in {report.write_workers} process(es)",
            err=True,
        )
    _print_diagnostics(report.warnings)
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


@main.command("check", short_help="Check and lint every note, writing nothing.")
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
def check_command(decks: Path, templates: Path | None, jobs: int | None, strict: bool, output_format: str) -> None:
    """Check every note, and lint it for card quality, without writing anything.

    Errors (the build cannot go on) and warnings (cards that are hard to learn, `warning[code]`) are
    printed as path:line. Exit 0 when there are no errors, or with --strict, no warnings either. A card
    opts out of one rule with {#id lint-ignore="code"}; `roadmap-cards rules` lists the rules.
    """
    from .build import check
    from .workers import Parallelism

    content = check(decks, templates, parallel=Parallelism(jobs))
    diagnostics = content.diagnostics.sorted()
    errors = sum(1 for d in diagnostics if d.severity == "error")
    warnings = len(diagnostics) - errors
    failed = errors > 0 or (strict and warnings > 0)
    if output_format == "json":
        click.echo(json.dumps([d.to_json() for d in diagnostics], ensure_ascii=False, indent=1))
        sys.exit(1 if failed else 0)
    _print_diagnostics(diagnostics)
    cards = sum(len(stage.cards) for stage in content.stages)
    topics = sum(len(stage.topics) for stage in content.stages)
    summary = f"{_count(errors, 'error')}, {_count(warnings, 'warning')}"
    if failed:
        click.echo(f"roadmap-cards: {summary}{' (--strict)' if strict and not errors else ''}", err=True)
        sys.exit(1)
    click.echo(f"checked {cards} cards in {topics} topics: {summary}")


def _count(number: int, noun: str) -> str:
    return f"no {noun}s" if number == 0 else plural(number, noun)


@main.command("preview", short_help="Write an HTML preview of every card.")
@decks_option
@out_option("preview", "the HTML site")
@templates_option
@click.option("--open", "open_browser", is_flag=True, help="Open the index page in a web browser.")
def preview_command(decks: Path, out: Path, templates: Path | None, open_browser: bool) -> None:
    """Write a static HTML preview of every card, front and back, as Anki will show it.

    The cards go through the same templates and stylesheet as the Anki note types; each reverse card and
    each cloze deletion is shown on its own. The site works offline: open OUT/index.html.
    """
    import webbrowser

    from .preview import build_preview

    report = build_preview(decks, out, templates)
    click.echo(f"wrote {report.cards} cards in {report.stages} stages to {display_path(report.index)}")
    if not report.mathjax:
        click.echo(
            f"notice: MathJax is not installed, so math shows as TeX; {INSTALL_HINT.format(extra='preview')}",
            err=True,
        )
    if open_browser and not webbrowser.open(report.index.resolve().as_uri()):
        click.echo(f"notice: no web browser could be opened; open {display_path(report.index)} yourself", err=True)


@main.command("import", short_help="Build, then import into an Anki collection.")
@decks_option
@collection_option("Anki closed")
@click.option("--deck-prefix", default=None, help="Put the decks under this parent deck, e.g. 'Study'.")
@out_option("dist", "the packages (built first)")
@templates_option
def import_command(
    decks: Path, collection_path: Path, deck_prefix: str | None, out: Path, templates: Path | None
) -> None:
    """Build, then import every stage straight into an Anki collection (needs the `anki` extra).

    Close Anki desktop first. Cards are updated in place and reviews kept, exactly as with File > Import.
    Notes whose card was removed from the sources are tagged roadmap::removed, never deleted.
    """
    from .anki_import import REMOVED_TAG, import_into_collection

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


for _command in (*AUTHORING_COMMANDS, *LEARNER_COMMANDS):
    main.add_command(_command)
