"""`roadmap-cards stats`: how much there is per stage and topic, and how far each stage is from its floor."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .build import checked_content
from .model import CardKind


@dataclass(slots=True)
class Counts:
    cards: int = 0
    """`##` cards written (notes)."""
    basic: int = 0
    reverse: int = 0
    """Basic cards that also make the reverse card."""
    cloze: int = 0
    anki_cards: int = 0
    """Cards a learner studies in Anki: one per note, plus reverse cards, one per cloze deletion."""
    sourced: int = 0
    """Cards that cite their own source."""
    warnings: int = 0

    def add(self, other: Counts) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass(slots=True)
class TopicStats:
    slug: str
    title: str
    counts: Counts


@dataclass(slots=True)
class StageStats:
    slug: str
    title: str
    floor: int | None
    counts: Counts = field(default_factory=Counts)
    topics: list[TopicStats] = field(default_factory=list)

    @property
    def progress(self) -> float | None:
        return None if not self.floor else self.counts.cards / self.floor


@dataclass(slots=True)
class Stats:
    stages: list[StageStats]
    totals: Counts

    def to_json(self) -> dict[str, object]:
        return {
            "stages": [
                {
                    "slug": stage.slug,
                    "title": stage.title,
                    "floor": stage.floor,
                    "progress": stage.progress,
                    **asdict(stage.counts),
                    "topics": [{"slug": t.slug, "title": t.title, **asdict(t.counts)} for t in stage.topics],
                }
                for stage in self.stages
            ],
            "totals": asdict(self.totals),
        }


def collect_stats(root: Path, templates_dir: Path | None = None) -> Stats:
    content = checked_content(root, templates_dir)
    warnings = Counter(d.path for d in content.diagnostics.warnings)
    totals = Counts()
    stages = []
    for stage_content in content.stages:
        stage = stage_content.stage
        stage_stats = StageStats(stage.slug, stage.title, stage.floor)
        for result in stage_content.topics:
            if result.topic is None:
                continue
            counts = Counts(warnings=warnings[result.path])
            for card in result.cards:
                counts.cards += 1
                if card.kind is CardKind.CLOZE:
                    counts.cloze += 1
                    counts.anki_cards += len(card.cloze_numbers)
                else:
                    counts.basic += 1
                    counts.reverse += card.reverse
                    counts.anki_cards += 2 if card.reverse else 1
                counts.sourced += card.has_source
            stage_stats.topics.append(TopicStats(result.topic.slug, result.topic.title, counts))
            stage_stats.counts.add(counts)
        totals.add(stage_stats.counts)
        stages.append(stage_stats)
    return Stats(stages, totals)


COLUMNS = ("cards", "basic", "reverse", "cloze", "anki_cards", "sourced", "warnings")
HEADERS = ("cards", "basic", "reverse", "cloze", "anki cards", "sourced", "warnings")


def progress_text(stage: StageStats) -> str:
    if not stage.floor:
        return ""
    mark = " ✓" if stage.counts.cards >= stage.floor else ""
    return f"{stage.counts.cards}/{stage.floor} ({stage.progress:.0%}){mark}"


def plain_table(stats: Stats) -> str:
    """The table as plain text, for pipes and files."""
    rows: list[tuple[str, ...]] = [("stage / topic", *HEADERS, "floor")]
    for stage in stats.stages:
        rows.append((f"{stage.slug}", *(str(getattr(stage.counts, c)) for c in COLUMNS), progress_text(stage)))
        for topic in stage.topics:
            rows.append((f"  {topic.slug}", *(str(getattr(topic.counts, c)) for c in COLUMNS), ""))
    rows.append(("total", *(str(getattr(stats.totals, c)) for c in COLUMNS), ""))
    widths = [max(display_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for row in rows:
        cells = [row[0] + " " * (widths[0] - display_width(row[0]))]
        cells += [" " * (widths[i] - display_width(cell)) + cell for i, cell in enumerate(row[1:], start=1)]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


SHORT_HEADERS = ("cards", "basic", "rev", "cloze", "anki", "src", "warn")
LEGEND = "rev: with a reverse card · anki: cards in Anki · src: citing their own source · warn: lint warnings"


def rich_table(stats: Stats) -> Any:
    """The table for a terminal (a `rich` Table), readable at 80 columns: short headers with a legend, topic
    names never cut."""
    from rich import box
    from rich.table import Table

    names = [stage.slug for stage in stats.stages] + [f"  {t.slug}" for s in stats.stages for t in s.topics]
    table = Table(title="roadmap-cards stats", caption=LEGEND, show_footer=True, box=box.SIMPLE_HEAD, padding=(0, 0))
    table.add_column("stage / topic", footer="total", no_wrap=True, min_width=max(map(len, names), default=5))
    for column, header in zip(COLUMNS, SHORT_HEADERS, strict=True):
        footer = str(getattr(stats.totals, column))
        table.add_column(header, justify="right", footer=footer, no_wrap=True, min_width=max(len(header), len(footer)))
    table.add_column("floor", justify="right", no_wrap=True)
    for stage in stats.stages:
        done = bool(stage.floor) and stage.counts.cards >= (stage.floor or 0)
        style = "green" if done else ("yellow" if stage.counts.cards else "dim")
        table.add_row(
            f"[bold]{stage.slug}[/bold]",
            *(str(getattr(stage.counts, column)) for column in COLUMNS),
            f"[{style}]{progress_text(stage)}[/{style}]",
        )
        for topic in stage.topics:
            warn = topic.counts.warnings
            table.add_row(
                f"  {topic.slug}",
                *(str(getattr(topic.counts, column)) for column in COLUMNS[:-1]),
                f"[red]{warn}[/red]" if warn else "0",
                "",
                style="dim" if not topic.counts.cards else None,
            )
    return table


def display_width(text: str) -> int:
    """Display width: CJK characters take two columns."""
    return sum(2 if "\u2e80" <= char <= "\u9fff" or "\uff00" <= char <= "\uffef" else 1 for char in text)
