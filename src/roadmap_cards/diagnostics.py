"""What users are told: problems in the content (errors and warnings with a file and a line), and the one family
of exceptions that ends a run.

Every step of the pipeline reports content problems into one `Diagnostics` collector instead of raising at the
first one, so that a contributor sees all of them in one run. A run that cannot go on raises a
`RoadmapCardsError`: a `click.ClickException`, so the CLI shows its message and exits with its code, never a
traceback. `ContentError` (exit 1) carries the diagnostics, printed in the compiler convention
`path:line: error: message` that editors and CI logs understand; `UsageError` (exit 2) is a problem with the call;
`FileError` (exit 1) a file the system would not read or write.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import click

ERROR = "error"
WARNING = "warning"
PROGRAM = "roadmap-cards"


def display_path(path: Path | str) -> str:
    """The path as a user would type it: relative to the working directory when it lies below it."""
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One problem found in the content."""

    path: Path
    """The file (or folder) the problem is in."""
    line: int | None
    """1-based line number, or None when the problem concerns the whole file or folder."""
    message: str
    severity: str = ERROR
    """`error` (the build cannot go on) or `warning` (a card-quality lint)."""
    code: str | None = None
    """Short stable name of the lint rule, for warnings and for opting out of one."""

    def format(self) -> str:
        where = display_path(self.path) if self.line is None else f"{display_path(self.path)}:{self.line}"
        kind = self.severity if self.code is None else f"{self.severity}[{self.code}]"
        return f"{where}: {kind}: {self.message}"

    def to_json(self) -> dict[str, object]:
        return {
            "path": display_path(self.path),
            "line": self.line,
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
        }

    def sort_key(self) -> tuple[str, int]:
        """By file and line; problems on one line keep the order they were found in (the sort is stable)."""
        return (str(self.path), self.line or 0)


@dataclass
class Diagnostics:
    """Collects every problem of a run, in the order found."""

    items: list[Diagnostic] = field(default_factory=list)

    def error(self, path: Path, line: int | None, message: str) -> None:
        self.items.append(Diagnostic(path, line, message))

    def warning(self, path: Path, line: int | None, code: str, message: str) -> None:
        self.items.append(Diagnostic(path, line, message, WARNING, code))

    def extend(self, other: Diagnostics | list[Diagnostic] | tuple[Diagnostic, ...]) -> None:
        self.items.extend(other.items if isinstance(other, Diagnostics) else other)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity == ERROR]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity == WARNING]

    @property
    def has_errors(self) -> bool:
        return any(d.severity == ERROR for d in self.items)

    def sorted(self) -> list[Diagnostic]:
        return sorted(self.items, key=Diagnostic.sort_key)

    def raise_for_errors(self) -> None:
        """Stop the run with every problem found so far, if any of them is an error."""
        if self.has_errors:
            raise ContentError(self.sorted())

    def __iter__(self) -> Iterator[Diagnostic]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


def plural(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


class RoadmapCardsError(click.ClickException):
    """Base of every error that ends a run: the CLI prints `show()` and exits with `exit_code`."""

    exit_code = 1

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"{PROGRAM}: error: {self.format_message()}", err=True)


class ContentError(RoadmapCardsError):
    """The content has errors: the run stops before writing anything."""

    exit_code = 1

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = diagnostics
        errors = sum(1 for d in diagnostics if d.severity == ERROR)
        super().__init__(f"{plural(errors, 'error')}; nothing was written")

    def show(self, file: IO[Any] | None = None) -> None:
        for diagnostic in self.diagnostics:
            click.echo(diagnostic.format(), err=True)
        click.echo(f"{PROGRAM}: {self.format_message()}", err=True)


class UsageError(RoadmapCardsError):
    """A problem with how the tool was called or with its environment (not with the content)."""

    exit_code = 2


class FileError(RoadmapCardsError):
    """The system refused to read or write a file (permissions, a full disk, a folder in the way)."""

    exit_code = 1

    @classmethod
    def from_os_error(cls, exc: OSError) -> FileError:
        reason = exc.strerror or str(exc)
        if exc.filename:
            return cls(f"{display_path(os.fsdecode(exc.filename))}: {reason}")
        return cls(reason)
