"""User-facing problems with the content: errors and warnings that name a file and a line.

Every step of the pipeline reports into one `Diagnostics` collector instead of raising at the first problem,
so that a contributor sees all of them in one run. The CLI prints them in the compiler convention
`path:line: error: message`, which editors and CI logs understand.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ERROR = "error"
WARNING = "warning"


def display_path(path: Path) -> str:
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

    def extend(self, other: Diagnostics | list[Diagnostic]) -> None:
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

    def __iter__(self) -> Iterator[Diagnostic]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


class ContentError(Exception):
    """The content has errors: the run stops before writing anything."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        super().__init__(f"{len(diagnostics)} error(s) in the content")
        self.diagnostics = diagnostics


class UsageError(Exception):
    """A problem with how the tool was called or with its environment (not with the content)."""
