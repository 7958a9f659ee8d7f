"""The contributor commands: `new`, `stats` and `import` (into a real Anki collection)."""

from __future__ import annotations

import io
import json
import re
import time

from rich.console import Console

from ankihelp import notes_by_id, open_collection
from roadmap_cards.cli import main
from roadmap_cards.stats import collect_stats, rich_table

# --- new ----------------------------------------------------------------------------------------------------


def test_new_creates_a_topic_with_one_example_card(basic_decks, runner, in_tmp):
    result = runner.invoke(main, ["new", "06", "kv-quant"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == "created decks/06-llm/kv-quant.md"
    text = (basic_decks.root / "06-llm" / "kv-quant.md").read_text(encoding="utf-8")
    assert text.startswith("---\ntitle: TODO")
    assert re.search(r"^## .* \{#[a-z][a-z0-9]{7}\}$", text, re.M)
    check = runner.invoke(main, ["check"])
    assert check.exit_code == 0
    assert "decks/06-llm/kv-quant.md:2: warning[todo]: the front matter still holds a TODO placeholder" in check.stderr
    assert "decks/06-llm/kv-quant.md:8: warning[todo]" in check.stderr
    assert runner.invoke(main, ["check", "--strict"]).exit_code == 1


def test_new_refuses_to_overwrite_or_guess(basic_decks, runner, in_tmp):
    runner.invoke(main, ["new", "06-llm", "kv-quant"])
    before = (basic_decks.root / "06-llm" / "kv-quant.md").read_bytes()
    again = runner.invoke(main, ["new", "06-llm", "kv-quant"])
    assert again.exit_code == 2
    assert again.stderr == "roadmap-cards: error: decks/06-llm/kv-quant.md already exists; not overwriting it\n"
    assert (basic_decks.root / "06-llm" / "kv-quant.md").read_bytes() == before
    missing = runner.invoke(main, ["new", "99", "x"])
    assert missing.stderr == "roadmap-cards: error: no stage '99' under decks (stages: 01-lang, 06-llm)\n"
    bad = runner.invoke(main, ["new", "06", "KV_Quant"])
    assert bad.stderr == "roadmap-cards: error: topic 'KV_Quant': use lower-case words joined by '-', e.g. kv-cache\n"


# --- stats --------------------------------------------------------------------------------------------------


def test_stats_as_text_when_piped(basic_decks, runner, in_tmp):
    basic_decks.stage("02-empty", 1002, "空", floor=10)
    result = runner.invoke(main, ["stats"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "stage / topic  cards  basic  reverse  cloze  anki cards  sourced  warnings      floor",
        "01-lang            3      2        1      1           5        0         0",
        "  cuda             3      2        1      1           5        0         0",
        "02-empty           0      0        0      0           0        0         0  0/10 (0%)",
        "06-llm             1      1        0      0           1        1         0",
        "  kv-cache         1      1        0      0           1        1         0",
        "total              4      3        1      1           6        1         0",
    ]


def test_stats_as_json_with_floors_and_warnings(basic_decks, runner, in_tmp):
    basic_decks.stage("06-llm", 1006, "推理", floor=1)
    basic_decks.topic("06-llm/weak.md", "弱", "## vLLM 是否分页？ {#yes-no}\n\n是。\n")
    data = json.loads(runner.invoke(main, ["stats", "--format", "json"]).stdout)
    llm = data["stages"][1]
    assert (llm["slug"], llm["floor"], llm["cards"], llm["progress"], llm["warnings"]) == (
        "06-llm",
        1,
        2,
        2.0,
        1,
    )
    assert [(t["slug"], t["warnings"]) for t in llm["topics"]] == [("kv-cache", 0), ("weak", 1)]
    assert data["totals"]["anki_cards"] == 7


# --- import -------------------------------------------------------------------------------------------------


def test_import_refuses_a_missing_or_open_collection(basic_decks, runner, in_tmp):
    missing = runner.invoke(main, ["import", "--collection", "nowhere/collection.anki2"])
    assert missing.exit_code == 2
    assert missing.stderr.startswith("roadmap-cards: error: collection nowhere/collection.anki2 does not exist")
    col = open_collection(in_tmp / "profile")
    locked = runner.invoke(main, ["import", "--collection", "profile/collection.anki2"])
    col.close()
    assert locked.exit_code == 2
    assert locked.stderr.startswith("roadmap-cards: error: cannot open profile/collection.anki2: ")
    assert locked.stderr.endswith("Close Anki desktop and try again.\n")


def test_import_then_reimport_then_remove_a_card(basic_decks, runner, in_tmp):
    open_collection(in_tmp / "profile").close()
    args = ["import", "--collection", "profile/collection.anki2"]
    first = runner.invoke(main, args)
    assert first.exit_code == 0, first.output
    assert first.stdout == "imported into profile/collection.anki2: 4 new, 0 updated, 0 unchanged, 0 conflicting\n"
    again = runner.invoke(main, args)
    assert again.stdout == "imported into profile/collection.anki2: 0 new, 0 updated, 4 unchanged, 0 conflicting\n"

    basic_decks.topic("06-llm/kv-cache.md", "键值缓存 (KV cache)", "## 换了一张卡 {#kv-other}\n\n新的。\n")
    removed = runner.invoke(main, args)
    assert removed.stdout.splitlines() == [
        "imported into profile/collection.anki2: 1 new, 0 updated, 3 unchanged, 0 conflicting",
        "1 note(s) no longer in the sources, tagged roadmap::removed:",
        "  kv-bytes",
    ]
    col = open_collection(in_tmp / "profile")
    assert col.get_note(notes_by_id(col)["kv-bytes"]).has_tag("roadmap::removed")
    assert col.note_count() == 5  # nothing was deleted
    col.close()

    basic_decks.topic("06-llm/back.md", "回来", "## 每个 token 的 KV cache 字节数公式是什么？ {#kv-bytes}\n\n2LHdb。\n")
    restored = runner.invoke(main, args)
    assert "back in the sources, roadmap::removed tag removed: kv-bytes" in restored.stdout
    col = open_collection(in_tmp / "profile")
    note = col.get_note(notes_by_id(col)["kv-bytes"])
    assert not note.has_tag("roadmap::removed") and "2LHdb" in note["answer"]
    col.close()


def test_import_with_a_deck_prefix(basic_decks, runner, in_tmp):
    open_collection(in_tmp / "profile").close()
    result = runner.invoke(main, ["import", "--collection", "profile/collection.anki2", "--deck-prefix", "Study"])
    assert result.exit_code == 0, result.output
    col = open_collection(in_tmp / "profile")
    names = {deck.name for deck in col.decks.all_names_and_ids()}
    assert {"Study::测试路线图::01 语言", "Study::测试路线图::06 推理"} <= names
    assert "测试路线图::01 语言" not in names
    col.close()
    bad = runner.invoke(main, ["import", "--collection", "profile/collection.anki2", "--deck-prefix", "::Study"])
    assert bad.exit_code == 2


def test_stats_table_fits_80_columns_with_whole_topic_names(basic_decks):
    basic_decks.topic("06-llm/fp8-and-kv-quantization.md", "量化", "## 问题 {#q-card}\n\n答案。\n")
    console = Console(width=80, file=io.StringIO(), color_system=None)
    console.print(rich_table(collect_stats(basic_decks.root)))
    lines = console.file.getvalue().splitlines()
    assert max(len(line) for line in lines) <= 80
    assert lines[2].split() == ["stage", "/", "topic", "cards", "basic", "rev", "cloze", "anki", "src", "warn", "floor"]
    assert any(line.split()[:2] == ["fp8-and-kv-quantization", "1"] for line in lines)


def test_a_returning_card_is_reported_when_the_import_itself_untags_it(basic_decks, runner, in_tmp, monkeypatch):
    """The restored card's package copy is newer than the collection's, so Anki's import updates the note
    (dropping the tag) before roadmap-cards looks at it: it must still say the card is back."""
    open_collection(in_tmp / "profile").close()
    args = ["import", "--collection", "profile/collection.anki2"]
    assert runner.invoke(main, args).exit_code == 0
    basic_decks.topic("06-llm/kv-cache.md", "键值缓存 (KV cache)", "## 换了一张卡 {#kv-other}\n\n新的。\n")
    assert runner.invoke(main, args).stdout.splitlines()[1:] == [
        "1 note(s) no longer in the sources, tagged roadmap::removed:",
        "  kv-bytes",
    ]
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(time.time()) + 3600))  # an edit made an hour from now
    basic_decks.topic("06-llm/back.md", "回来", "## 每个 token 的 KV cache 字节数公式是什么？ {#kv-bytes}\n\n2LHdb。\n")
    restored = runner.invoke(main, args)
    assert restored.stdout.splitlines() == [
        "imported into profile/collection.anki2: 0 new, 1 updated, 4 unchanged, 0 conflicting",
        "back in the sources, roadmap::removed tag removed: kv-bytes",
    ]
    col = open_collection(in_tmp / "profile")
    note = col.get_note(notes_by_id(col)["kv-bytes"])
    assert not note.has_tag("roadmap::removed") and "2LHdb" in note["answer"]
    col.close()


def test_import_into_an_empty_file_is_refused(basic_decks, runner, in_tmp):
    (in_tmp / "collection.anki2").write_bytes(b"")
    result = runner.invoke(main, ["import", "--collection", "collection.anki2"])
    assert result.exit_code == 2
    assert result.stderr == (
        "roadmap-cards: error: collection.anki2 is empty, not an Anki collection; refusing to create a new one "
        "in its place\n"
    )
    assert (in_tmp / "collection.anki2").read_bytes() == b""


def test_import_after_the_learner_renamed_our_id_field(basic_decks, runner, in_tmp):
    open_collection(in_tmp / "profile").close()
    args = ["import", "--collection", "profile/collection.anki2"]
    assert runner.invoke(main, args).exit_code == 0
    col = open_collection(in_tmp / "profile")
    for name in ("roadmap-cards basic", "roadmap-cards cloze"):
        notetype = col.models.by_name(name)
        col.models.rename_field(notetype, next(f for f in notetype["flds"] if f["name"] == "id"), "卡片编号")
        col.models.update_dict(notetype)
    col.close()
    basic_decks.topic("06-llm/kv-cache.md", "键值缓存 (KV cache)", "## 换了一张卡 {#kv-other}\n\n新的。\n")
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1:] == [
        "1 note(s) no longer in the sources, tagged roadmap::removed:",
        "  kv-bytes",
    ]
