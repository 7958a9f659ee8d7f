"""The commands for contributors: `new`, `ids`, `stats` and `rules` (added to the group in `cli.py`)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from .cli_options import decks_option, print_report, table_format_option, templates_option
from .diagnostics import ContentError, display_path


@click.command("new", short_help="Create a topic file with an example card.")
@decks_option
@click.argument("stage")
@click.argument("topic")
def new_command(decks: Path, stage: str, topic: str) -> None:
    """Create a topic file STAGE/TOPIC.md with front matter and one example card.

    STAGE is a stage folder (06-llm-inference) or its number (06); TOPIC is the file name without .md,
    lower-case words joined by '-'. An existing file is never overwritten. The placeholders say TODO,
    which `check` reports until they are replaced.
    """
    from .scaffold import new_topic

    path = new_topic(decks, stage, topic)
    click.echo(f"created {display_path(path)}")
    click.echo("next: write the cards (headings without ids), then run `roadmap-cards ids` and `roadmap-cards check`")


@click.command("stats", short_help="Count cards per stage and topic.")
@decks_option
@templates_option
@table_format_option
def stats_command(decks: Path, templates: Path | None, output_format: str | None) -> None:
    """Count cards per stage and topic: by type, with their own source, with lint warnings.

    Each stage's progress is shown against its floor (the cards the syllabus asks for, `floor` in
    stage.yaml).
    """
    from .stats import collect_stats, plain_table, rich_table

    stats = collect_stats(decks, templates)
    print_report(output_format, stats.to_json(), lambda: plain_table(stats), lambda: rich_table(stats))


@click.command("rules", short_help="List the lint rules of `check`.")
def rules_command() -> None:
    """List the lint rules of `check`, with the code that opts a card out of each."""
    from .lint import RULES

    width = max(len(code) for code in RULES)
    for code, description in RULES.items():
        click.echo(f"{code:<{width}}  {description}")


@click.command("ids", short_help="Give every card heading without an id a new one.")
@decks_option
@click.argument("files", nargs=-1, type=click.Path(path_type=Path, dir_okay=False))
def ids_command(decks: Path, files: tuple[Path, ...]) -> None:
    """Add a new unique id to every card heading that has none (in FILES, or in all topic files).

    Only those heading lines change; the rest of each file is left byte for byte as it was.
    New ids are unique across the whole content folder.
    """
    from .assign_ids import add_missing_ids
    from .diagnostics import Diagnostics

    diags = Diagnostics()
    added = add_missing_ids(decks, diags, list(files) if files else None)
    for item in added:
        click.echo(f"{display_path(item.path)}:{item.line}: added id {item.card_id}")
    if diags.has_errors:
        raise ContentError(diags.sorted())
    if not added:
        click.echo("every card has an id")


@click.command("changes", short_help="List cards changed since a git revision.")
@decks_option
@templates_option
@click.option("--since", "revision", required=True, help="A git revision: a tag, a branch or a commit.")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "markdown"]),
    default="text",
    show_default=True,
    help="markdown: release notes, grouped by stage and topic.",
)
def changes_command(decks: Path, templates: Path | None, revision: str, output_format: str) -> None:
    """List the cards added, changed and removed since the git revision REVISION (a tag, a branch, a commit).

    Cards are compared by id and by their own Markdown, so a new layout is not a change of every card.
    """
    from .changes import changes_since

    changes = changes_since(decks, revision, templates)
    if output_format == "json":
        click.echo(json.dumps(changes.to_json(), ensure_ascii=False, indent=1))
    else:
        click.echo(changes.markdown() if output_format == "markdown" else changes.text())


AUTHORING_COMMANDS = (new_command, ids_command, stats_command, rules_command, changes_command)
