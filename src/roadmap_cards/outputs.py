"""Writing a build's outputs all-or-nothing: the packages, the manifest of `dist/`, `cards.lock` and the cache.

Everything that changed is first written to a temporary file beside its target; only when all are written are
they renamed into place, and if one rename fails, those done are undone. So a full disk, a read-only folder or a
folder in the way leaves the last good build exactly as it was. Packages whose inputs did not change are left
alone; packages of stages that no longer exist are removed, but only files this tool wrote (the manifest names
them, with their hashes). Temporary files that a killed build left behind are cleared first.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .diagnostics import UsageError
from .files import check_replaceable, remove_leftovers, replace_all, sha256_file, temporary_path
from .package_plan import PackagePlan
from .workers import Parallelism, map_in_workers

MANIFEST_FILE = ".roadmap-cards-manifest.json"
_PACKAGE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*\.apkg$")

PackageWriter = Callable[[PackagePlan, Path], None]
"""Writes a plan as an `.apkg` at a path (`apkg.write_package`)."""


@dataclass(frozen=True, slots=True)
class PackageReport:
    filename: str
    cards: int
    notes: int
    media: int
    written: bool


@dataclass(frozen=True, slots=True)
class OutputReport:
    packages: list[PackageReport]
    removed: list[str]
    """File names of packages removed because their stage is gone."""
    write_workers: int


def write_outputs(
    out: Path,
    plans: list[PackagePlan],
    state_files: list[tuple[Path, bytes]],
    write: PackageWriter | None,
    parallel: Parallelism,
) -> OutputReport:
    """Write the packages whose inputs changed and the `state_files` (path, content) that changed, then the
    manifest: all of them, or nothing (on failure the exception propagates and every old file is in place)."""
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create the output folder {out}: {exc.strerror}") from None
    for folder in {out, *(path.parent for path, _ in state_files)}:
        remove_leftovers(folder)
    manifest_path = out / MANIFEST_FILE
    manifest = _read_manifest(manifest_path)
    new_manifest: dict[str, dict[str, str]] = {}
    staged: list[tuple[PackagePlan, Path]] = []
    reports = []
    for plan in plans:
        target = out / f"{plan.filename}.apkg"
        digest = plan.digest()
        previous = manifest.get(target.name, {})
        unchanged = previous.get("inputs") == digest and sha256_file(target) == previous.get("sha256")
        new_manifest[target.name] = {"inputs": digest, "sha256": previous.get("sha256", "") if unchanged else ""}
        if not unchanged:
            staged.append((plan, target))
        reports.append(PackageReport(plan.filename, plan.card_count, plan.note_count, len(plan.media()), not unchanged))
    changed_files = [(path, data) for path, data in state_files if _differs(path, data)]
    for path in [target for _, target in staged] + [path for path, _ in changed_files] + [manifest_path]:
        check_replaceable(path)

    # 1. everything new, into temporary files beside the targets
    pending: list[tuple[Path, Path]] = [(temporary_path(target), target) for _, target in staged]
    try:
        workers = _write_packages(
            [(plan, temporary) for (plan, _), (temporary, _) in zip(staged, pending, strict=True)], write, parallel
        )
        for temporary, target in pending:
            new_manifest[target.name]["sha256"] = sha256_file(temporary) or ""
        manifest_text = json.dumps(new_manifest, indent=1, sort_keys=True) + "\n"
        if _differs(manifest_path, manifest_text.encode()):
            changed_files.append((manifest_path, manifest_text.encode()))
        for path, data in changed_files:
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = temporary_path(path)
            pending.append((temporary, path))
            temporary.write_bytes(data)
    except BaseException:
        for temporary, _ in pending:
            temporary.unlink(missing_ok=True)
        raise

    # 2. all of it into place, or none
    replace_all(pending)
    removed = []
    for name in sorted(manifest.keys() - new_manifest.keys()):  # packages of stages that are gone
        stale = out / name
        if stale.is_file() and not stale.is_symlink() and sha256_file(stale) == manifest[name].get("sha256"):
            stale.unlink()
            removed.append(name)
    return OutputReport(reports, removed, workers)


def _differs(path: Path, data: bytes) -> bool:
    try:
        return path.read_bytes() != data
    except OSError:
        return True


def _write_packages(work: list[tuple[PackagePlan, Path]], write: PackageWriter | None, parallel: Parallelism) -> int:
    """Write packages to their temporary paths, in worker processes when there is enough to write; returns
    the number of processes that wrote them."""
    if not work:
        return 1
    if write is None:  # genanki (and the asyncio it loads) only when a package is to be written
        from .apkg import write_package

        writer: PackageWriter = write_package
    else:
        writer = write
    notes = sum(plan.note_count for plan, _ in work)
    workers = parallel.workers if notes >= parallel.min_write_notes else 1
    work = sorted(work, key=lambda item: -item[0].note_count)  # the biggest (all.apkg) first

    def write_one(item: tuple[PackagePlan, Path]) -> None:
        writer(*item)

    _, used = map_in_workers(write_one, work, workers)
    return used


def _read_manifest(path: Path) -> dict[str, dict[str, str]]:
    """The last build's manifest: only entries naming a package in this folder, with string values."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {
        name: {key: value for key, value in entry.items() if isinstance(value, str)}
        for name, entry in data.items()
        if isinstance(name, str) and _PACKAGE_NAME.match(name) and isinstance(entry, dict)
    }
