"""`build`: what it writes, what it leaves alone, and how note times move."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from roadmap_cards.apkg import write_package
from roadmap_cards.build import build
from roadmap_cards.diagnostics import ContentError
from roadmap_cards.lock import LOCK_FILE
from roadmap_cards.outputs import MANIFEST_FILE


def note_mods(apkg: Path, tmp_path: Path) -> dict[str, int]:
    """Card id → the note's `mod` inside a package."""
    with zipfile.ZipFile(apkg) as archive:
        db = tmp_path / f"{apkg.stem}-inspect.anki2"
        db.write_bytes(archive.read("collection.anki2"))
    with sqlite3.connect(db) as connection:
        rows = connection.execute("select flds, mod from notes").fetchall()
    db.unlink()
    return {fields.split("\x1f")[-1]: mod for fields, mod in rows}


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.iterdir() if p.is_file()}


def test_build_writes_one_package_per_stage_and_all(basic_decks, tmp_path):
    out = tmp_path / "dist"
    report = build(basic_decks.root, out)
    assert sorted(p.name for p in out.glob("*.apkg")) == ["01-lang.apkg", "06-llm.apkg", "all.apkg"]
    assert [(p.filename, p.cards, p.notes, p.media, p.written) for p in report.packages] == [
        ("01-lang", 5, 3, 0, True),
        ("06-llm", 1, 1, 0, True),
        ("all", 6, 4, 0, True),
    ]
    assert not [p for p in out.iterdir() if ".tmp-" in p.name]


def test_stage_without_cards_is_skipped(basic_decks, tmp_path):
    basic_decks.stage("02-empty", 1002, "空")
    report = build(basic_decks.root, tmp_path / "dist")
    assert report.skipped_stages == ["02-empty"]
    assert not (tmp_path / "dist" / "02-empty.apkg").exists()


def test_failed_build_leaves_previous_outputs_untouched(basic_decks, tmp_path):
    out = tmp_path / "dist"
    build(basic_decks.root, out)
    lock = (basic_decks.root / LOCK_FILE).read_bytes()
    before = snapshot(out)
    basic_decks.topic("06-llm/broken.md", "坏", "## 没有答案 {#broken-card}\n")
    with pytest.raises(ContentError) as caught:
        build(basic_decks.root, out)
    assert [d.message for d in caught.value.diagnostics] == ["card has an empty answer"]
    assert snapshot(out) == before
    assert (basic_decks.root / LOCK_FILE).read_bytes() == lock


def test_failure_while_writing_leaves_previous_outputs_untouched(basic_decks, tmp_path):
    out = tmp_path / "dist"
    build(basic_decks.root, out)
    before = snapshot(out)
    lock = (basic_decks.root / LOCK_FILE).read_bytes()
    basic_decks.topic("01-lang/more.md", "更多", "## 新问题 {#new-card}\n\n新答案。\n")
    basic_decks.topic("06-llm/more.md", "更多", "## 另一个新问题 {#new-card-2}\n\n新答案。\n")
    calls = []

    def failing_write(plan, target):
        calls.append(plan.filename)
        if len(calls) == 2:
            raise OSError(28, "No space left on device", str(target))
        write_package(plan, target)

    with pytest.raises(OSError):
        build(basic_decks.root, out, write=failing_write)
    assert calls == ["all", "01-lang"]  # the biggest package is written first
    assert snapshot(out) == before  # the first package was written to a temporary file only
    assert (basic_decks.root / LOCK_FILE).read_bytes() == lock


def test_unchanged_packages_are_not_rewritten(basic_decks, tmp_path):
    out = tmp_path / "dist"
    build(basic_decks.root, out)
    before = snapshot(out)
    basic_decks.topic("06-llm/kv-cache.md", "键值缓存 (KV cache)", "## 新的问题 {#kv-bytes}\n\n新的答案。\n")
    report = build(basic_decks.root, out)
    assert [(p.filename, p.written) for p in report.packages] == [
        ("01-lang", False),
        ("06-llm", True),
        ("all", True),
    ]
    after = snapshot(out)
    assert after["01-lang.apkg"] == before["01-lang.apkg"]
    assert after["06-llm.apkg"][0] != before["06-llm.apkg"][0]


def test_a_package_changed_by_hand_is_written_again(basic_decks, tmp_path):
    out = tmp_path / "dist"
    build(basic_decks.root, out)
    good = (out / "all.apkg").read_bytes()
    (out / "all.apkg").write_bytes(b"damaged")
    report = build(basic_decks.root, out)
    assert [p.filename for p in report.packages if p.written] == ["all"]
    assert (out / "all.apkg").read_bytes() == good


def test_packages_of_removed_stages_are_removed(basic_decks, tmp_path):
    out = tmp_path / "dist"
    build(basic_decks.root, out)
    (out / "mine.apkg").write_bytes(b"a learner's own file")
    for path in (basic_decks.root / "06-llm").iterdir():
        path.unlink()
    (basic_decks.root / "06-llm").rmdir()
    report = build(basic_decks.root, out)
    assert report.removed == ["06-llm.apkg"]
    assert sorted(p.name for p in out.glob("*.apkg")) == ["01-lang.apkg", "all.apkg", "mine.apkg"]


def test_zip_entries_have_fixed_times_and_permissions(basic_decks, tmp_path):
    build(basic_decks.root, tmp_path / "dist")
    with zipfile.ZipFile(tmp_path / "dist" / "all.apkg") as archive:
        infos = archive.infolist()
        assert [i.filename for i in infos] == ["collection.anki2", "media"]
        assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
        assert {i.external_attr >> 16 for i in infos} == {0o644}


def test_source_date_epoch_sets_the_time_of_new_notes(basic_decks, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    build(basic_decks.root, tmp_path / "dist")
    mods = note_mods(tmp_path / "dist" / "all.apkg", tmp_path)
    assert set(mods.values()) == {1700000000}
    assert set(mods) == {"warp-size", "warp-term", "launch-syntax", "kv-bytes"}


def test_an_edit_makes_only_that_note_newer(basic_decks, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    out = tmp_path / "dist"
    build(basic_decks.root, out)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1600000000")  # a clock that went backwards changes nothing
    cuda = basic_decks.root / "01-lang" / "cuda.md"
    cuda.write_text(cuda.read_text(encoding="utf-8").replace("\n32 个线程。", "\n32 个线程！"), encoding="utf-8")
    build(basic_decks.root, out)
    mods = note_mods(out / "all.apkg", tmp_path)
    assert mods == {
        "warp-size": 1700000001,
        "warp-term": 1700000000,
        "launch-syntax": 1700000000,
        "kv-bytes": 1700000000,
    }

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1800000000")
    cuda.write_text(cuda.read_text(encoding="utf-8").replace("\n32 个线程！", "\n32 个线程。"), encoding="utf-8")
    build(basic_decks.root, out)
    assert note_mods(out / "all.apkg", tmp_path)["warp-size"] == 1800000000


def test_moving_a_card_to_another_stage_keeps_its_identity(basic_decks, tmp_path):
    out = tmp_path / "dist"
    build(basic_decks.root, out)
    before = note_mods(out / "all.apkg", tmp_path)
    basic_decks.topic(
        "06-llm/kv-cache.md",
        "键值缓存 (KV cache)",
        "## 每个 token 的 KV cache 字节数公式是什么？ {#other}\n\n…\n",
    )
    basic_decks.topic(
        "01-lang/moved.md",
        "搬来的",
        "## 每个 token 的 KV cache 字节数公式是什么？ {#kv-bytes}\n\n$2 \\times L$ 字节。\n",
    )
    build(basic_decks.root, out)
    after = note_mods(out / "01-lang.apkg", tmp_path)
    assert after["kv-bytes"] > before["kv-bytes"]  # new tags and text: the note must update in place


def test_renaming_a_shipped_deck_is_refused(basic_decks, tmp_path, in_tmp):
    build(basic_decks.root, tmp_path / "dist")
    basic_decks.stage("06-llm", 1006, "推理（新名）")
    with pytest.raises(ContentError) as caught:
        build(basic_decks.root, tmp_path / "dist")
    [diagnostic] = caught.value.diagnostics
    assert diagnostic.format() == (
        "decks/06-llm/stage.yaml: error: the deck of 06-llm was shipped as '测试路线图::06 推理'; renaming it "
        "to '测试路线图::06 推理（新名）' would strand learners' cards in the old deck (Anki matches decks by "
        "name). If it never shipped, delete line 5 of cards.lock"
    )


def test_changing_a_shipped_card_from_basic_to_cloze_is_refused(basic_decks, tmp_path, in_tmp):
    build(basic_decks.root, tmp_path / "dist")
    basic_decks.topic("06-llm/kv-cache.md", "KV", "## 公式 {#kv-bytes}\n\n{{c1::2}} × L × H × d × b\n")
    with pytest.raises(ContentError) as caught:
        build(basic_decks.root, tmp_path / "dist")
    [diagnostic] = caught.value.diagnostics
    assert diagnostic.format() == (
        "decks/06-llm/kv-cache.md:7: error: card 'kv-bytes' was shipped as a basic card and is now a cloze "
        "card; Anki cannot change the type of a note learners already have: give the card a new id (or, if it "
        "never shipped, delete its line 9 in cards.lock)"
    )


def test_lock_with_merge_conflict_markers_builds_and_counts_as_changed(basic_decks, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    out = tmp_path / "dist"
    build(basic_decks.root, out)
    lock_path = basic_decks.root / LOCK_FILE
    lines = lock_path.read_text(encoding="utf-8").splitlines(keepends=True)
    [ours] = [line for line in lines if line.startswith("card\tkv-bytes\t")]
    theirs = ours.replace("1700000000", "1700000500").rsplit("\t", 1)[0] + "\tffffffffffffffff\n"
    conflicted = [line for line in lines if line != ours]
    conflicted += ["<<<<<<< HEAD\n", ours, "=======\n", theirs, ">>>>>>> branch\n"]
    lock_path.write_text("".join(conflicted), encoding="utf-8")
    build(basic_decks.root, out)
    assert note_mods(out / "all.apkg", tmp_path)["kv-bytes"] == 1700000501  # newer than either side
    assert "<<<<<<<" not in lock_path.read_text(encoding="utf-8")


def test_manifest_and_cache_live_in_the_output_folder(basic_decks, tmp_path):
    out = tmp_path / "dist"
    build(basic_decks.root, out)
    assert (out / MANIFEST_FILE).is_file()
    assert (out / ".cache").is_dir()
    assert sorted(p.name for p in basic_decks.root.iterdir()) == [
        "01-lang",
        "06-llm",
        LOCK_FILE,
        "roadmap.yaml",
    ]


def test_second_build_reuses_the_cache(basic_decks, tmp_path):
    out = tmp_path / "dist"
    assert build(basic_decks.root, out).parsed == 2
    report = build(basic_decks.root, out)
    assert report.parsed == 0
    assert not any(p.written for p in report.packages)
    (basic_decks.root / "06-llm" / "kv-cache.md").touch()  # the same bytes: still cached
    assert build(basic_decks.root, out).parsed == 0
    basic_decks.topic("06-llm/kv-cache.md", "键值缓存 (KV cache)", "## 新的问题 {#kv-bytes}\n\n新的答案。\n")
    assert build(basic_decks.root, out).parsed == 1
    assert build(basic_decks.root, out, use_cache=False).parsed == 2


def test_cache_notices_a_changed_image(decks, tmp_path):
    decks.stage("01-lang", 1001, "语言")
    image = decks.root / "01-lang" / "x.png"
    image.write_bytes(b"one")
    decks.topic("01-lang/a.md", "A", "## 图 {#img-card}\n\n![图](x.png)\n")
    out = tmp_path / "dist"
    build(decks.root, out)
    image.write_bytes(b"two")
    report = build(decks.root, out)
    assert all(p.written for p in report.packages)
    with zipfile.ZipFile(out / "01-lang.apkg") as archive:
        assert archive.read("0") == b"two"


PARALLEL_BUILD = """
import json, sys
from pathlib import Path
from roadmap_cards.build import build
from roadmap_cards.workers import Parallelism

parallel = Parallelism(jobs=int(sys.argv[3]), min_parse_bytes=0, min_write_notes=0)
report = build(Path(sys.argv[1]), Path(sys.argv[2]), parallel=parallel, use_cache=False)
print(json.dumps([report.parse_workers, report.write_workers]))
"""


def test_parallel_and_serial_builds_are_identical(basic_decks, tmp_path):
    # In a process of its own: this one may run other threads (a test browser), and then it never forks.
    def build_in_a_process(out: str, jobs: int) -> list[int]:
        command = [sys.executable, "-c", PARALLEL_BUILD, str(basic_decks.root), str(tmp_path / out), str(jobs)]
        result = subprocess.run(command, capture_output=True, text=True, check=True, env={"SOURCE_DATE_EPOCH": "1"})
        return json.loads(result.stdout)

    assert build_in_a_process("serial", 1) == [1, 1]
    assert build_in_a_process("parallel", 2) == [2, 2]  # parsing and writing both ran in two processes
    for name in ("01-lang.apkg", "06-llm.apkg", "all.apkg"):
        assert (tmp_path / "serial" / name).read_bytes() == (tmp_path / "parallel" / name).read_bytes()


def test_locked_build_fails_when_the_lock_is_stale(basic_decks, tmp_path, in_tmp, runner):
    from roadmap_cards.cli import main

    assert runner.invoke(main, ["build"]).exit_code == 0
    assert runner.invoke(main, ["build", "--locked"]).exit_code == 0
    before = snapshot(in_tmp / "dist")
    lock = (basic_decks.root / LOCK_FILE).read_bytes()
    cuda = basic_decks.root / "01-lang" / "cuda.md"
    cuda.write_text(cuda.read_text(encoding="utf-8").replace("\n32 个线程。", "\n32 个。"), encoding="utf-8")
    basic_decks.topic("06-llm/new.md", "新", "## 新问题 {#brand-new}\n\n新答案。\n")
    result = runner.invoke(main, ["build", "--locked"])
    assert result.exit_code == 1
    assert result.stderr == (
        "decks/cards.lock: error: cards.lock is out of date (1 changed (warp-size); 1 new (brand-new)): "
        "run `roadmap-cards build` and commit it with the cards\n"
        "roadmap-cards: 1 error; nothing was written\n"
    )
    assert snapshot(in_tmp / "dist") == before
    assert (basic_decks.root / LOCK_FILE).read_bytes() == lock


def test_the_shipped_lock_is_current(tmp_path):
    """Whoever edits a card commits the lock with it: otherwise learners would not get the edit."""
    shipped = tmp_path / "decks"
    shutil.copytree(Path(__file__).parents[1] / "decks", shipped)
    build(shipped, tmp_path / "dist", locked=True)


def test_two_builds_of_one_commit_give_identical_checksums(tmp_path, monkeypatch):
    """What the release workflow relies on: anyone building the tagged sources gets the published bytes."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764300000")
    sums = []
    for name in ("first", "second"):
        checkout = tmp_path / name
        shutil.copytree(Path(__file__).parents[1] / "decks", checkout / "decks")
        build(checkout / "decks", checkout / "dist", locked=True)
        sums.append(
            {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted((checkout / "dist").glob("*.apkg"))}
        )
    assert sums[0] == sums[1] and "all.apkg" in sums[0]
