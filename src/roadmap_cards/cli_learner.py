"""The command for learners: `progress` (added to the group in `cli.py`)."""

from __future__ import annotations

from pathlib import Path

import click

from .cli_options import collection_option, decks_option, print_report, table_format_option, templates_option
from .diagnostics import display_path


@click.command("progress", short_help="Show where an Anki collection stands on the roadmap.")
@decks_option
@templates_option
@collection_option("read, never written")
@table_format_option
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
    print_report(output_format, progress.to_json(), lambda: plain_text(progress), lambda: rich_table(progress))
    if html_path is not None:
        page = html_page(progress, Templates(templates or default_templates_dir()))
        atomic_write(html_path, (page + "\n").encode())
        click.echo(f"wrote {display_path(html_path)}", err=True)


LEARNER_COMMANDS = (progress_command,)
