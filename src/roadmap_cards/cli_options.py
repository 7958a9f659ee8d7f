"""The options several commands share."""

from __future__ import annotations

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
