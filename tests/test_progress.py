"""`progress`: a learner's standing per stage and topic, read from a real Anki collection that is never changed."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from ankihelp import CardAnswer, import_package, notes_by_id, open_collection
from roadmap_cards.build import build
from roadmap_cards.cli import main
from webhelp import contrast


def _answer(col, card, rating) -> None:
    card = col.get_card(card.id)
    card.start_timer()
    states = col._backend.get_scheduling_states(card.id)
    col.sched.answer_card(col.sched.build_answer(card=card, states=states, rating=rating))


@pytest.fixture
def studied(basic_decks, in_tmp):
    """A collection where warp-size lapsed ("Again" in review), warp-term passed a review, kv-bytes is mature,
    launch-syntax is new, and a topic (new.md) was never studied."""
    basic_decks.topic("06-llm/new.md", "新主题", "## 新问题是什么？ {#brand-new}\n\n新答案。\n")
    build(basic_decks.root, in_tmp / "dist")
    col = open_collection(in_tmp / "profile")
    import_package(col, in_tmp / "dist" / "all.apkg")
    ids = notes_by_id(col)

    def card(card_id):
        return min(col.get_note(ids[card_id]).cards(), key=lambda c: c.ord)

    lapsed, passed = card("warp-size"), card("warp-term")
    for studied_card, rating in ((lapsed, CardAnswer.AGAIN), (passed, CardAnswer.GOOD)):
        _answer(col, studied_card, CardAnswer.EASY)  # new → review
        col.sched.set_due_date([studied_card.id], "0")  # due today, then answered as a review
        _answer(col, studied_card, rating)
    col.sched.set_due_date([card("kv-bytes").id], "30!")  # an interval of 30 days: mature
    col.close()
    return in_tmp / "profile" / "collection.anki2"


def test_progress_as_text_and_the_collection_unchanged(studied, runner):
    before = studied.read_bytes()
    result = runner.invoke(main, ["progress", "--collection", str(studied)])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "stage / topic          cards  new  learning  young  mature  due  reviews 30d  retention",
        "01 语言                    5    3         1      1       0    1            2        50%",
        "  CUDA 基础                5    3         1      1       0    1            2        50%",
        "06 推理                    2    1         0      0       1    0            0",
        "  键值缓存 (KV cache)      1    0         0      0       1    0            0",
        "  新主题                   1    1         0      0       0    0            0",
        "total                      7    4         1      1       1    1            2        50%",
        "",
        "not started (1): 06 推理 › 新主题",
    ]
    assert studied.read_bytes() == before


def test_progress_as_json(studied, runner):
    data = json.loads(runner.invoke(main, ["progress", "--collection", str(studied), "--format", "json"]).stdout)
    total = data["total"]
    assert (total["cards"], total["mature"], total["reviews"], total["passed"], total["retention"]) == (7, 1, 2, 1, 0.5)
    assert [(t["slug"], t["started"]) for t in data["stages"][1]["topics"]] == [("kv-cache", True), ("new", False)]


HOLD_OPEN = """
import sys
from anki.collection import Collection
col = Collection(sys.argv[1])
print("open", flush=True)
sys.stdin.read()  # until the test is done
col.close()
"""


def test_progress_refuses_a_collection_anki_holds_open(studied, runner):
    # another process, as Anki desktop is (SQLite's locks tell processes apart)
    anki = subprocess.Popen(
        [sys.executable, "-c", HOLD_OPEN, str(studied)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert anki.stdout.readline() == "open\n"
        result = runner.invoke(main, ["progress", "--collection", str(studied)])
    finally:
        anki.communicate("")
    assert result.exit_code == 2
    assert result.stderr == "roadmap-cards: error: profile/collection.anki2 is open in Anki: close Anki and try again\n"


TILES = r"""
() => [...document.querySelectorAll('.pg-topic, .pg-legend span')].map(el => {
  const rgb = (t) => t.match(/\d+(\.\d+)?/g).slice(0, 3).map(Number);
  let ground = null;
  for (let node = el; node && !ground; node = node.parentElement) {
    const c = getComputedStyle(node).backgroundColor;
    if (c !== 'rgba(0, 0, 0, 0)') ground = rgb(c);
  }
  return {text: el.innerText.slice(0, 20), cls: el.className, fg: rgb(getComputedStyle(el).color), bg: ground || [255, 255, 255]};
})
"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_progress_map_reads_well_day_and_night_on_a_phone(studied, runner, in_tmp, browser, scheme):
    result = runner.invoke(main, ["progress", "--collection", str(studied), "--html", "map.html"])
    assert result.exit_code == 0 and result.stderr == "wrote map.html\n"
    page = browser.new_page(viewport={"width": 360, "height": 740}, color_scheme=scheme)
    page.goto((in_tmp / "map.html").as_uri())
    tiles = page.evaluate(TILES)
    topics = [t for t in tiles if "pg-topic" in t["cls"]]
    assert [t["text"].split("\n")[0] for t in topics] == ["CUDA 基础", "键值缓存 (KV cache)", "新主题"]
    assert [t["cls"].split()[-1] for t in topics] == ["pg-1", "pg-4", "pg-none"]
    assert [t["text"] for t in tiles if contrast(t["fg"], t["bg"]) < 4.5] == []
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.close()
