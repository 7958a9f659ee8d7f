"""How `roadmap-cards progress` shows a learner's standing: a table (rich or plain) and a one-page map in HTML."""

from __future__ import annotations

from typing import Any

from .progress import Progress, Standing
from .stats import display_width
from .templating import Templates

HEADERS = ("stage / topic", "cards", "new", "learning", "young", "mature", "due", "reviews 30d", "retention")


def _cells(standing: Standing) -> tuple[str, ...]:
    retention = "" if standing.retention is None else f"{standing.retention:.0%}"
    values = (standing.cards, standing.new, standing.learning, standing.young, standing.mature, standing.due)
    return (*(str(v) for v in values), str(standing.reviews), retention)


def rows(progress: Progress) -> list[tuple[str, ...]]:
    table: list[tuple[str, ...]] = [HEADERS]
    for stage in progress.stages:
        table.append((stage.label, *_cells(stage.standing)))
        table += [(f"  {topic.title}", *_cells(topic.standing)) for topic in stage.topics]
    table.append(("total", *_cells(progress.total)))
    return table


def plain_text(progress: Progress) -> str:
    table = rows(progress)
    widths = [max(display_width(row[i]) for row in table) for i in range(len(HEADERS))]
    lines = []
    for row in table:
        cells = [row[0] + " " * (widths[0] - display_width(row[0]))]
        cells += [" " * (widths[i] - display_width(cell)) + cell for i, cell in enumerate(row[1:], start=1)]
        lines.append("  ".join(cells).rstrip())
    not_started = progress.not_started
    if not_started:
        lines += ["", f"not started ({len(not_started)}): " + "; ".join(not_started)]
    return "\n".join(lines)


def rich_table(progress: Progress) -> Any:
    from rich import box
    from rich.table import Table

    table = Table(title=f"roadmap-cards progress: {progress.collection}", box=box.SIMPLE_HEAD, padding=(0, 0))
    for index, header in enumerate(HEADERS):
        table.add_column(header, justify="left" if index == 0 else "right", no_wrap=index == 0)
    for row in rows(progress)[1:]:
        table.add_row(*row, style=None if row[0].startswith("  ") else "bold")
    return table


def html_page(progress: Progress, templates: Templates) -> str:
    """The roadmap as a map: every stage and topic coloured by mastery."""
    return templates.render("progress/page.html.j2", progress=progress, shade=shade)


def shade(standing: Standing) -> str:
    """A CSS class for how far a topic is: not started, started, a quarter, half, most of it mature."""
    if not standing.started:
        return "pg-none"
    if standing.mastery >= 0.75:
        return "pg-4"
    if standing.mastery >= 0.5:
        return "pg-3"
    if standing.mastery >= 0.25:
        return "pg-2"
    return "pg-1"
