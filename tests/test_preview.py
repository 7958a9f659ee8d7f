"""`roadmap-cards preview`: the files it writes, and the pages as a real headless Chromium shows them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from roadmap_cards.cli import main
from roadmap_cards.content import compile_content
from webhelp import VIEWPORT, PageWatch, contrast

PROJECT = Path(__file__).parents[1]


@pytest.fixture
def preview_decks(basic_decks):
    (basic_decks.root / "06-llm" / "assets").mkdir()
    (basic_decks.root / "06-llm" / "assets" / "dot.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><circle cx="4" cy="4" r="4"/></svg>'
    )
    basic_decks.topic(
        "06-llm/figure.md",
        "图",
        "## 这个图标是什么形状？ {#dot-shape}\n\n![圆点](assets/dot.svg)\n\n圆形。\n",
    )
    return basic_decks


def test_preview_writes_a_page_per_stage_an_index_and_assets(preview_decks, runner, in_tmp):
    result = runner.invoke(main, ["preview", "--out", "site"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "wrote 7 cards in 2 stages to site/index.html\n"
    site = in_tmp / "site"
    assert sorted(p.name for p in site.iterdir()) == [
        ".roadmap-cards-preview.json",
        "01-lang.html",
        "06-llm.html",
        "assets",
        "index.html",
        "rc-" + _media_name(preview_decks),
    ]
    assert sorted(p.name for p in (site / "assets").iterdir()) == [
        "card.css",
        "preview.css",
        "preview.js",
        "search-index.js",
        "tex-svg.js",
    ]
    assert (site / "01-lang.html").read_text(encoding="utf-8").count('class="pv-card"') == 5
    index = json.loads(
        (site / "assets" / "search-index.js").read_text(encoding="utf-8")[len("window.RC_SEARCH = ") : -2]
    )
    assert len(index) == 7
    assert {entry["href"] for entry in index} >= {
        "01-lang.html#card-warp-term-reverse",
        "01-lang.html#card-launch-syntax-c2",
    }


def _media_name(decks) -> str:
    content = compile_content(decks.root)
    [name] = {ref.name for stage in content.stages for note in stage.notes for ref in note.media}
    return name.removeprefix("rc-")


def test_preview_never_deletes_what_it_did_not_write(preview_decks, runner, in_tmp):
    mine = in_tmp / "mine"
    (mine / "assets").mkdir(parents=True)
    (mine / "assets" / "photo.jpg").write_bytes(b"a learner's own file")
    refused = runner.invoke(main, ["preview", "--out", "mine"])
    assert refused.exit_code == 2
    assert refused.stderr == (
        "roadmap-cards: error: mine is not empty and was not written by `roadmap-cards preview`: "
        "choose another --out, or empty it first\n"
    )
    assert [p.relative_to(mine).as_posix() for p in sorted(mine.rglob("*"))] == ["assets", "assets/photo.jpg"]

    assert runner.invoke(main, ["preview", "--out", "site"]).exit_code == 0
    (in_tmp / "site" / "assets" / "notes.txt").write_text("mine too")
    shutil.rmtree(preview_decks.root / "06-llm")  # a stage goes: its page and its image go with it
    assert runner.invoke(main, ["preview", "--out", "site"]).exit_code == 0
    site = in_tmp / "site"
    assert sorted(p.name for p in site.iterdir()) == [
        ".roadmap-cards-preview.json",
        "01-lang.html",
        "assets",
        "index.html",
    ]
    assert (site / "assets" / "notes.txt").read_text() == "mine too"


def test_preview_draws_anki_built_in_fields(basic_decks, runner, in_tmp, tmp_path):
    templates = tmp_path / "templates"
    shutil.copytree(PROJECT / "templates", templates)
    back = templates / "anki" / "basic-back.html.j2"
    back.write_text(
        back.read_text(encoding="utf-8")
        + '<p class="x">{{ anki("Tags") }}|{{ anki("Deck") }}|{{ anki("text:answer") }}</p>\n',
        encoding="utf-8",
    )
    result = runner.invoke(main, ["preview", "--templates", str(templates)])
    assert result.exit_code == 0, result.output
    page = (in_tmp / "preview" / "01-lang.html").read_text(encoding="utf-8")
    assert '<p class="x">roadmap::01-lang::cuda|测试路线图::01 语言|32 个线程。\n</p>' in page


def test_a_broken_preview_template_is_an_error_of_preview_only(basic_decks, runner, in_tmp, tmp_path):
    templates = tmp_path / "templates"
    shutil.copytree(PROJECT / "templates", templates)
    (templates / "preview" / "stage.html.j2").write_text("{% for %}\n", encoding="utf-8")
    result = runner.invoke(main, ["preview", "--templates", str(templates)])
    assert result.exit_code == 1
    assert result.stderr == (
        f"{templates.relative_to(in_tmp)}/preview/stage.html.j2:1: error: template syntax: "
        "Expected an expression, got 'end of statement block'\n"
        "roadmap-cards: 1 error; nothing was written\n"
    )
    assert not (in_tmp / "preview").exists()
    assert runner.invoke(main, ["build", "--templates", str(templates)]).exit_code == 0


def test_preview_refuses_content_with_errors(basic_decks, runner, in_tmp):
    basic_decks.topic("06-llm/bad.md", "坏", "## 无答案 {#no-answer}\n")
    result = runner.invoke(main, ["preview"])
    assert result.exit_code == 1
    assert "decks/06-llm/bad.md:7: error: card has an empty answer" in result.stderr
    assert not (in_tmp / "preview").exists()


# --- in a real browser --------------------------------------------------------------------------------------


def screenshot_stats(path: Path) -> tuple[tuple[int, int], int, float]:
    """(size, distinct colours, share of pixels that differ from the most common one)."""
    from PIL import Image

    with Image.open(path) as image:
        rgb = image.convert("RGB")
        colours = rgb.getcolors(maxcolors=1 << 24) or []
        background = max(colours)[0]
        total = rgb.width * rgb.height
        return rgb.size, len(colours), 1 - background / total


def test_pages_in_chromium(preview_decks, runner, in_tmp, browser):
    assert runner.invoke(main, ["preview"]).exit_code == 0
    site = in_tmp / "preview"
    watch = PageWatch(browser)

    watch.open(site / "index.html")
    assert watch.page.locator(".pv-stages tbody tr").count() == 2
    watch.page.fill(".pv-search", "tag:kv-cache")
    assert watch.page.locator(".pv-result-list li").count() == 1
    watch.page.fill(".pv-search", "warp")
    assert watch.page.locator(".pv-result-list li").count() == 3  # warp-size, and warp-term both ways

    watch.open(site / "01-lang.html")
    assert watch.page.locator(".pv-card").count() == 5
    assert watch.page.locator(".pv-card .card .cloze").count() == 4  # the active deletion, front and back
    watch.page.fill(".pv-search", "launch-syntax")
    assert watch.page.locator(".pv-card:visible").count() == 2
    assert watch.page.locator(".pv-shown").inner_text() == "2"

    watch.open(site / "06-llm.html")
    assert watch.page.locator("mjx-container").count() >= 1  # the formula was typeset
    assert watch.page.locator("img[alt='圆点']").evaluate("img => img.naturalWidth") == 8
    watch.page.click(".pv-night")
    assert watch.page.locator(".card.nightMode.night_mode").count() == 2 * watch.page.locator(".pv-card").count()
    shot = in_tmp / "06-llm-night.png"
    watch.page.screenshot(path=str(shot))
    size, colours, ink = screenshot_stats(shot)
    assert size == (VIEWPORT["width"], VIEWPORT["height"])
    assert colours > 50 and ink > 0.02, "the screenshot is blank"
    assert watch.problems == []


def test_shipped_decks_preview_without_errors(browser, runner, tmp_path, monkeypatch):
    monkeypatch.chdir(PROJECT)
    site = tmp_path / "site"
    result = runner.invoke(main, ["preview", "--out", str(site)])
    assert result.exit_code == 0, result.output
    content = compile_content(PROJECT / "decks")
    watch = PageWatch(browser, {"width": 420, "height": 800})  # a phone
    for stage in content.stages:
        notes = stage.notes
        if not notes:
            continue
        watch.open(site / f"{stage.stage.slug}.html")
        assert watch.page.locator(".pv-card").count() == sum(note.card_count for note in notes)
        assert watch.page.locator("mjx-merror").count() == 0, "some TeX does not parse"
        overflowing = watch.page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
        assert not overflowing, f"{stage.stage.slug} is wider than a phone screen"
        shot = tmp_path / f"{stage.stage.slug}.png"
        watch.page.screenshot(path=str(shot))
        size, colours, ink = screenshot_stats(shot)
        assert size == (420, 800) and colours > 50 and ink > 0.02
    assert watch.problems == []


def test_a_crafted_preview_manifest_or_link_touches_nothing_outside(basic_decks, runner, in_tmp):
    victim = in_tmp / "precious.txt"
    victim.write_text("mine")
    assert runner.invoke(main, ["preview", "--out", "site"]).exit_code == 0
    manifest = in_tmp / "site" / ".roadmap-cards-preview.json"
    manifest.write_text(json.dumps(["../precious.txt", str(victim), "assets/../../precious.txt"]))
    assert runner.invoke(main, ["preview", "--out", "site"]).exit_code == 0
    assert victim.read_text() == "mine"

    elsewhere = in_tmp / "elsewhere"
    elsewhere.mkdir()
    shutil.rmtree(in_tmp / "site" / "assets")
    (in_tmp / "site" / "assets").symlink_to(elsewhere, target_is_directory=True)
    result = runner.invoke(main, ["preview", "--out", "site"])
    assert result.exit_code == 2
    assert result.stderr == "roadmap-cards: error: site/assets leads outside site through a link\n"
    assert list(elsewhere.iterdir()) == []


READABILITY = r"""
() => {
  const rgb = (text) => text.match(/\d+(\.\d+)?/g).slice(0, 3).map(Number);
  const ground = (el) => {
    for (let node = el; node; node = node.parentElement) {
      const colour = getComputedStyle(node).backgroundColor;
      if (colour !== "rgba(0, 0, 0, 0)" && colour !== "transparent") return rgb(colour);
    }
    return [255, 255, 255];
  };
  const pairs = [];
  for (const el of document.querySelectorAll(".pv-card .card pre.rc-code span, .pv-card .card pre.rc-code .cloze")) {
    if (!el.textContent.trim()) continue;
    pairs.push({text: el.textContent.slice(0, 30), cloze: !!el.closest(".cloze"), italic: getComputedStyle(el).fontStyle,
                fg: rgb(getComputedStyle(el).color), bg: ground(el)});
  }
  return pairs;
}
"""


@pytest.fixture
def code_decks(basic_decks):
    long_line = "x = compute(" + ", ".join(f"argument_{i}" for i in range(40)) + ")  # 中文注释\n"
    basic_decks.topic(
        "06-llm/code.md",
        "代码",
        "## Python 里怎样取得最后一个元素？ {#code-cloze}\n\n"
        '```python\n# 注释：取最后一个元素\nvalue = items[{{c1::-1}}]  # 负下标\nname = "{{c2::text}}"\n'
        + long_line
        + "```\n\n"
        "## 宽表格与长公式 {#wide-card}\n\n"
        "| "
        + " | ".join(f"列{i}" for i in range(30))
        + " |\n|"
        + "---|" * 30
        + "\n| "
        + " | ".join("值" for _ in range(30))
        + " |\n\n"
        "长公式 $" + " + ".join(f"a_{{{i}}} b_{{{i}}}" for i in range(40)) + "$ 结束。\n",
    )
    return basic_decks


@pytest.mark.parametrize("night", [False, True], ids=["day", "night"])
def test_code_and_a_revealed_cloze_in_code_are_readable(code_decks, runner, in_tmp, browser, night):
    assert runner.invoke(main, ["preview"]).exit_code == 0
    watch = PageWatch(browser)
    watch.open(in_tmp / "preview" / "06-llm.html")
    if night:
        watch.page.click(".pv-night")
    pairs = watch.page.evaluate(READABILITY)
    tokens = [p for p in pairs if not p["cloze"]]
    clozes = [p for p in pairs if p["cloze"]]
    assert len(tokens) > 20 and len(clozes) >= 4
    too_faint = [(p["text"], round(contrast(p["fg"], p["bg"]), 2)) for p in pairs if contrast(p["fg"], p["bg"]) < 4.5]
    assert too_faint == []
    assert {p["italic"] for p in pairs} == {"normal"}
    # the revealed answer stands apart from the code around it: all of it in one colour, on its own ground
    assert len({tuple(p["fg"]) for p in clozes}) == 1
    assert not {tuple(p["bg"]) for p in clozes} & {tuple(p["bg"]) for p in tokens}
    assert watch.problems == []


def test_nothing_makes_a_card_scroll_sideways_on_a_phone(code_decks, runner, in_tmp, browser):
    assert runner.invoke(main, ["preview"]).exit_code == 0
    watch = PageWatch(browser, {"width": 360, "height": 740})
    watch.open(in_tmp / "preview" / "06-llm.html")
    widths = watch.page.evaluate(
        "[...document.querySelectorAll('.pv-card .card')].map(c => [c.scrollWidth, c.clientWidth])"
    )
    assert widths and all(scroll <= client for scroll, client in widths), widths
    assert watch.page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    table = watch.page.locator(".pv-card .card table").first
    assert table.evaluate("t => t.scrollWidth > t.clientWidth")  # the table scrolls inside its own box
    assert watch.problems == []


def test_the_index_reads_well_at_night_and_on_a_phone(preview_decks, runner, in_tmp, browser):
    assert runner.invoke(main, ["preview"]).exit_code == 0
    watch = PageWatch(browser, {"width": 360, "height": 740})
    watch.open(in_tmp / "preview" / "index.html")
    assert watch.page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    for night in (False, True):
        if night:
            watch.page.click(".pv-night")
        pairs = watch.page.evaluate(
            READABILITY.replace(".pv-card .card pre.rc-code span, .pv-card .card pre.rc-code .cloze", ".pv-stages th")
        )
        assert [p["text"] for p in pairs] == ["阶段", "笔记", "卡片", "问答", "反向", "填空", "目标"]
        assert [p["text"] for p in pairs if contrast(p["fg"], p["bg"]) < 4.5] == []
    assert watch.problems == []
