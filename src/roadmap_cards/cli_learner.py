"""The command for learners: `progress` (added to the group in `cli.py`)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from .cli_options import decks_option, templates_option
from .diagnostics import display_path


@click.command("progress", short_help="Show where an Anki collection stands on the roadmap.")
@decks_option
@templates_option
@click.option(
    "--collection",
    "collection_path",
    type=click.Path(path_type=Path, dir_okay=False),
    required=True,
    help="The Anki collection file, e.g. ~/.local/share/Anki2/'User 1'/collection.anki2 (read, never written).",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "text", "json"]),
    default=None,
    help="table (in a terminal), text (plain, the default when piped) or json.",
)
@click.option("--html", "html_path", type=click.Path(path_type=Path, dir_okay=False), help="Also write a map page.")
def progress_command(
    decks: Path, templates: Path | None, collection_path: Path, output_format: str | None, html_path: Path | None
) -> None:
    """For each stage and topic: cards in the collection, new / learning / young / mature (interval of 21 days
    or more), due today, reviews and retention (answers other than "Again") over the last 30 days, and the
    topics not started yet (needs the `anki` extra).

    The collection is only read, from a snapshot: it works while Anki is closed, and says so while Anki has it
    open.
    """
    from .files import atomic_write
    from .progress import measure_progress
    from .progress_views import html_page, plain_text, rich_table
    from .templating import Templates, default_templates_dir

    progress = measure_progress(decks, collection_path, templates)
    output_format = output_format or ("table" if sys.stdout.isatty() else "text")
    if output_format == "json":
        click.echo(json.dumps(progress.to_json(), ensure_ascii=False, indent=1))
    elif output_format == "text":
        click.echo(plain_text(progress))
    else:
        from rich.console import Console

        Console().print(rich_table(progress))
    if html_path is not None:
        page = html_page(progress, Templates(templates or default_templates_dir()))
        atomic_write(html_path, (page + "\n").encode())
        click.echo(f"wrote {display_path(html_path)}", err=True)


LEARNER_COMMANDS = (progress_command,)
