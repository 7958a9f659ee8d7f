"""`roadmap-cards ids`: new ids where they are missing, and not one other byte changed."""

from __future__ import annotations

import re

from roadmap_cards.assign_ids import add_missing_ids, with_id
from roadmap_cards.cli import main
from roadmap_cards.diagnostics import Diagnostics
from roadmap_cards.identity import CARD_ID_RE

FRONT = "---\ntitle: A\nsources: [https://example.org]\n---\n\n"


def test_ids_are_added_only_where_missing(decks, runner, in_tmp):
    decks.stage("01-lang", 1001, "语言")
    path = decks.write(
        "01-lang/a.md",
        FRONT + "## 有 id {#has-id}\n\n答。\n\n## 没有 id\n\n答。\n\n## 反向 {.reverse}\n\n答。\n",
    )
    result = runner.invoke(main, ["ids"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert [re.sub(r"added id \S+", "added id X", line) for line in lines] == [
        "decks/01-lang/a.md:10: added id X",
        "decks/01-lang/a.md:14: added id X",
    ]
    new = [line.rsplit(" ", 1)[1] for line in lines]
    assert len(set(new)) == 2 and all(CARD_ID_RE.match(card_id) for card_id in new)
    text = path.read_text(encoding="utf-8")
    assert f"## 没有 id {{#{new[0]}}}\n" in text
    assert f"## 反向 {{#{new[1]} .reverse}}\n" in text
    assert runner.invoke(main, ["check"]).exit_code == 0
    again = runner.invoke(main, ["ids"])
    assert again.stdout == "every card has an id\n"


def test_ids_keep_every_other_byte(decks, runner, in_tmp):
    decks.stage("01-lang", 1001, "语言")
    original = ("\ufeff" + FRONT + "## 问题\u2028续\n\n答案  \n\n```\n## not a heading\n```\n").replace("\n", "\r\n")
    path = decks.root / "01-lang" / "a.md"
    path.write_bytes(original.encode("utf-8"))
    result = runner.invoke(main, ["ids"])
    assert result.exit_code == 0, result.output
    card_id = result.stdout.split()[-1]
    expected = original.replace("## 问题\u2028续\r\n", f"## 问题\u2028续 {{#{card_id}}}\r\n")
    assert path.read_bytes() == expected.encode("utf-8")


def test_new_ids_are_unique_across_all_decks(decks, in_tmp):
    decks.stage("01-lang", 1001, "语言")
    decks.write("01-lang/a.md", FRONT + "## 已有 {#aaaaaaaa}\n\n答。\n")
    decks.write("01-lang/b.md", FRONT + "## 新的\n\n答。\n")
    picks = iter("aaaaaaaa" + "bbbbbbbb")
    diags = Diagnostics()
    [added] = add_missing_ids(decks.root, diags, choose=lambda alphabet: next(picks))
    assert (added.path.name, added.line, added.card_id) == ("b.md", 6, "bbbbbbbb")  # aaaaaaaa is a.md's
    assert diags.items == []


def test_ids_for_named_files_only(decks, runner, in_tmp):
    decks.stage("01-lang", 1001, "语言")
    a = decks.write("01-lang/a.md", FRONT + "## 一\n\n答。\n")
    b = decks.write("01-lang/b.md", FRONT + "## 二\n\n答。\n")
    result = runner.invoke(main, ["ids", "decks/01-lang/b.md"])
    assert result.exit_code == 0
    assert a.read_text(encoding="utf-8") == FRONT + "## 一\n\n答。\n"
    assert "{#" in b.read_text(encoding="utf-8")
    missing = runner.invoke(main, ["ids", "decks/01-lang/none.md"])
    assert missing.exit_code == 1
    assert missing.stderr.startswith("decks/01-lang/none.md: error: not a topic file under decks\n")


def test_malformed_attribute_block_is_reported_not_guessed(decks, runner, in_tmp):
    decks.stage("01-lang", 1001, "语言")
    path = decks.write("01-lang/a.md", FRONT + "## 一 {.reverse\n\n答。\n")
    result = runner.invoke(main, ["ids"])
    assert result.exit_code == 1
    assert "decks/01-lang/a.md:6: error: cannot add an id: the attribute block is malformed" in result.stderr
    assert path.read_text(encoding="utf-8") == FRONT + "## 一 {.reverse\n\n答。\n"


def test_with_id():
    assert with_id("## Q\n", "abc12345") == "## Q {#abc12345}\n"
    assert with_id("## Q {.reverse}  \r\n", "abc12345") == "## Q {#abc12345 .reverse}\r\n"
    assert with_id("## f{x}", "abc12345") == "## f{x} {#abc12345}"
