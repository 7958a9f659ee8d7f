"""The options several commands share."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

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
jobs_option = click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes for parsing and writing (default: one per core).",
)


def out_option(default: str, what: str) -> Callable[[F], F]:
    return click.option(
        "--out",
        type=click.Path(path_type=Path, file_okay=False),
        default=Path(default),
        show_default=True,
        help=f"Folder to write {what} to.",
    )


def collection_option(note: str) -> Callable[[F], F]:
    return click.option(
        "--collection",
        "collection_path",
        type=click.Path(path_type=Path, dir_okay=False),
        required=True,
        help=f"The Anki collection file, e.g. ~/.local/share/Anki2/'User 1'/collection.anki2 ({note}).",
    )


table_format_option = click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "text", "json"]),
    default=None,
    help="table (in a terminal), text (plain, the default when piped) or json.",
)


def print_report(output_format: str | None, data: Any, plain: Callable[[], str], table: Callable[[], Any]) -> None:
    """Print a report as `--format` asks: JSON, plain text, or (in a terminal, by default) a rich table."""
    output_format = output_format or ("table" if sys.stdout.isatty() else "text")
    if output_format == "json":
        click.echo(json.dumps(data, ensure_ascii=False, indent=1))
    elif output_format == "text":
        click.echo(plain())
    else:
        from rich.console import Console

        Console().print(table())
