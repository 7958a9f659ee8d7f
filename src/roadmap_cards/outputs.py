"""Writing a build's outputs all-or-nothing: the packages, `cards.lock` and the manifest of `dist/`.

Every package whose inputs changed is written to a temporary file beside its target; only when all are written
are they renamed into place, one atomic rename each. Packages whose inputs did not change are left alone, and
packages of stages that no longer exist are removed, but only files this tool wrote (the manifest records them
with their hashes).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .diagnostics import UsageError
from .files import atomic_write, sha256_file, temporary_path
from .lock import Lock
from .package_plan import PackagePlan
from .workers import Parallelism, map_in_workers

MANIFEST_FILE = ".roadmap-cards-manifest.json"

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
    out: Path, plans: list[PackagePlan], lock: Lock, write: PackageWriter | None, parallel: Parallelism
) -> OutputReport:
    """Write the packages that changed, then the lock and the manifest; on failure nothing is replaced."""
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create the output folder {out}: {exc.strerror}") from None
    manifest_path = out / MANIFEST_FILE
    manifest = _read_manifest(manifest_path)
    new_manifest: dict[str, dict[str, str]] = {}
    staged: list[tuple[PackagePlan, Path, Path]] = []
    reports = []
    for plan in plans:
        target = out / f"{plan.filename}.apkg"
        digest = plan.digest()
        previous = manifest.get(target.name, {})
        unchanged = previous.get("inputs") == digest and sha256_file(target) == previous.get("sha256")
        if unchanged:
            new_manifest[target.name] = {"inputs": digest, "sha256": previous["sha256"]}
        else:
            staged.append((plan, temporary_path(target), target))
            new_manifest[target.name] = {"inputs": digest, "sha256": ""}
        reports.append(PackageReport(plan.filename, plan.card_count, plan.note_count, len(plan.media()), not unchanged))
    if staged and write is None:  # genanki (and the asyncio it loads) only when a package is to be written
        from .apkg import write_package as write
    try:
        workers = _write_packages([(plan, temporary) for plan, temporary, _ in staged], write, parallel)
        for _, temporary, target in staged:
            new_manifest[target.name]["sha256"] = sha256_file(temporary) or ""
    except BaseException:
        for _, temporary, _ in staged:
            temporary.unlink(missing_ok=True)
        raise

    # Everything is written: now put it in place, each file by an atomic rename.
    for _, temporary, target in staged:
        os.replace(temporary, target)
    removed = []
    for name in sorted(manifest.keys() - new_manifest.keys()):  # packages of stages that are gone
        stale = out / name
        if stale.is_file() and sha256_file(stale) == manifest[name].get("sha256"):
            stale.unlink()
            removed.append(name)
    lock_text = lock.text()
    if not lock.path.is_file() or lock.path.read_text(encoding="utf-8") != lock_text:
        atomic_write(lock.path, lock_text.encode())
    atomic_write(manifest_path, (json.dumps(new_manifest, indent=1, sort_keys=True) + "\n").encode())
    return OutputReport(reports, removed, workers)


def _write_packages(work: list[tuple[PackagePlan, Path]], write: PackageWriter | None, parallel: Parallelism) -> int:
    """Write packages to their temporary paths, in worker processes when there is enough to write; returns
    the number of processes that wrote them."""
    if write is None or not work:
        return 1
    notes = sum(plan.note_count for plan, _ in work)
    workers = parallel.workers if notes >= parallel.min_write_notes else 1
    work = sorted(work, key=lambda item: -item[0].note_count)  # the biggest (all.apkg) first

    def write_one(item: tuple[PackagePlan, Path]) -> None:
        write(*item)

    _, used = map_in_workers(write_one, work, workers)
    return used


def _read_manifest(path: Path) -> dict[str, dict[str, str]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
