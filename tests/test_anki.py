"""The built packages in a real Anki collection: what learners see, and what happens to their reviews."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ankihelp import import_package, notes_by_id, open_collection, review, revlog, scheduling
from roadmap_cards.build import build

ROADMAP = "测试路线图"


def test_every_package_imports_with_its_decks_notes_and_cards(basic_decks, tmp_path):
    out = tmp_path / "dist"
    build(basic_decks.root, out)
    expected = {
        "01-lang.apkg": ({f"{ROADMAP}::01 语言"}, 3, 5),  # warp-size, warp-term + reverse, cloze c1 + c2
        "06-llm.apkg": ({f"{ROADMAP}::06 推理"}, 1, 1),
        "all.apkg": ({f"{ROADMAP}::01 语言", f"{ROADMAP}::06 推理"}, 4, 6),
    }
    for name, (deck_names, notes, cards) in expected.items():
        col = open_collection(tmp_path / name)
        log = import_package(col, out / name)
        assert (log.new, log.updated, log.conflicting) == (notes, 0, 0)
        names = {d.name for d in col.decks.all_names_and_ids()}
        assert deck_names | {ROADMAP} <= names
        assert col.note_count() == notes
        assert col.card_count() == cards
        col.close()


def _card(col, card_id: str, template: str | None = None):
    nid = notes_by_id(col)[card_id]
    cards = [col.get_card(cid) for cid in col.find_cards(f"nid:{nid}")]
    if template is not None:
        cards = [c for c in cards if c.template()["name"] == template]
    return sorted(cards, key=lambda c: c.ord)[0]


def test_cards_render_question_answer_code_and_math(basic_decks, tmp_path):
    out = tmp_path / "dist"
    build(basic_decks.root, out)
    col = open_collection(tmp_path / "col")
    import_package(col, out / "all.apkg")

    card = _card(col, "warp-size")
    assert "一个 warp 有多少个线程？" in card.question()
    assert "32 个线程。" not in card.question()
    assert "32 个线程。" in card.answer()
    assert "CUDA 基础" in card.answer() and "01 语言" in card.answer()  # topic and stage on the back
    assert 'href="https://example.org/topic"' in card.answer()  # the topic's sources as links

    reverse = _card(col, "warp-term", "reverse")
    assert "一组同时调度的 32 个线程。" in reverse.question()
    assert "线程束 (warp)" not in reverse.question()
    assert "线程束 (warp)" in reverse.answer()

    cloze1 = _card(col, "launch-syntax")
    assert cloze1.ord == 0
    question = cloze1.question()
    assert '<span class="cloze" data-cloze=' in question and "[...]" in question
    assert '<span class="n">kernel</span>' in question  # Pygments highlighting, done at build time
    assert '<span class="n">block</span>' in question  # the other deletion is shown
    assert '<span class="cloze" data-ordinal="1"><span class="n">grid</span></span>' in cloze1.answer()

    math = _card(col, "kv-bytes")
    assert r"\(2 \times L \times H_{kv} \times d \times b\)" in math.answer()
    assert "$2" not in math.answer()
    assert 'href="https://arxiv.org/abs/2309.06180"' in math.answer()  # the card's own source
    col.close()


def test_media_is_packed_and_referenced_by_a_bare_name(decks, tmp_path):
    decks.stage("01-lang", 1001, "语言")
    (decks.root / "01-lang" / "assets").mkdir()
    (decks.root / "01-lang" / "assets" / "warp.png").write_bytes(b"\x89PNG fake image one")
    decks.topic("01-lang/a.md", "A", "## 图 {#img-card}\n\n![一个 warp](assets/warp.png)\n")
    out = tmp_path / "dist"
    build(decks.root, out)
    col = open_collection(tmp_path / "col")
    import_package(col, out / "01-lang.apkg")
    answer = _card(col, "img-card").answer()
    media = Path(col.media.dir())
    [name] = [p.name for p in media.iterdir()]
    assert name.startswith("rc-") and name.endswith(".png")
    assert f'<img src="{name}" alt="一个 warp">' in answer
    assert (media / name).read_bytes() == b"\x89PNG fake image one"
    col.close()


def test_upgrade_keeps_reviews_updates_edits_and_adds_new_cards(basic_decks, tmp_path, monkeypatch):
    """The learner's story: import v1, study, then import v2 with edits, a move and additions."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # even a frozen clock must give edits a newer mod
    decks = basic_decks
    decks.topic(
        "06-llm/batching.md",
        "批处理 (batching)",
        """
        ## Orca 提出的迭代级调度叫什么？ {#orca-iteration}

        迭代级调度 (iteration-level scheduling)。

        ## 连续批处理的英文名是什么？ {#cb-name}

        continuous batching。
        """,
    )
    out = tmp_path / "dist"
    build(decks.root, out)
    v1 = tmp_path / "v1"
    shutil.copytree(out, v1)

    col = open_collection(tmp_path / "col")
    for package in ("01-lang.apkg", "06-llm.apkg"):
        assert import_package(col, v1 / package).new > 0
    reviewed = review(col, f"{ROADMAP}::01 语言", 3) + review(col, f"{ROADMAP}::06 推理", 2)
    assert len(reviewed) == 5
    history = revlog(col)
    assert len(history) == 5
    before = scheduling(col)
    note_ids = notes_by_id(col)

    # v2: edit an answer, move a card to another topic, add a card, add a cloze deletion.
    decks.topic(
        "01-lang/cuda.md",
        "CUDA 基础",
        """
        ## 一个 warp 有多少个线程？ {#warp-size}

        32 个线程（所有现有 NVIDIA GPU）。

        ## 线程束 (warp) {#warp-term .reverse}

        一组同时调度的 32 个线程。

        ## 核函数的启动语法 {#launch-syntax}

        ```cuda
        kernel<<<{{c1::grid}}, {{c2::block}}, {{c3::sharedBytes}}>>>(args);
        ```

        ## 每个线程块最多多少线程？ {#max-threads}

        1024。
        """,
    )
    decks.topic(
        "06-llm/batching.md",
        "批处理 (batching)",
        """
        ## Orca 提出的迭代级调度叫什么？ {#orca-iteration}

        迭代级调度 (iteration-level scheduling)。
        """,
    )
    decks.topic(
        "06-llm/serving.md",
        "推理服务 (serving)",
        """
        ## 连续批处理的英文名是什么？ {#cb-name}

        continuous batching。
        """,
    )
    build(decks.root, out)

    logs = [import_package(col, out / package) for package in ("01-lang.apkg", "06-llm.apkg")]
    assert sum(log.new for log in logs) == 1  # max-threads
    assert sum(log.conflicting for log in logs) == 0
    assert sum(log.updated for log in logs) == 3  # warp-size edited, launch-syntax grew, cb-name moved

    after_ids = notes_by_id(col)
    assert len(after_ids) == len(note_ids) + 1, "a note was duplicated"
    assert {k: v for k, v in after_ids.items() if k in note_ids} == note_ids  # same notes, same Anki ids

    edited = _card(col, "warp-size")
    assert "32 个线程（所有现有 NVIDIA GPU）。" in edited.answer()
    moved = col.get_note(after_ids["cb-name"])
    assert "roadmap::06-llm::serving" in moved.tags and "roadmap::06-llm::batching" not in moved.tags
    assert len(col.find_cards(f"nid:{after_ids['launch-syntax']}")) == 3  # the new deletion made a card

    assert revlog(col) == history  # every review is still there
    after = scheduling(col)
    for card_id in reviewed:
        assert after[card_id] == before[card_id], "a reviewed card's scheduling changed"
    assert all(after[cid] == state for cid, state in before.items())  # no card lost or reset
    col.close()


def test_rebuild_is_byte_identical_and_reimport_changes_nothing(basic_decks, tmp_path):
    out = tmp_path / "dist"
    build(basic_decks.root, out)
    first = {p.name: p.read_bytes() for p in out.glob("*.apkg")}
    shutil.rmtree(out)  # no cache, no manifest: everything is written again
    build(basic_decks.root, out)
    second = {p.name: p.read_bytes() for p in out.glob("*.apkg")}
    assert first == second

    col = open_collection(tmp_path / "col")
    import_package(col, out / "all.apkg")
    review(col, f"{ROADMAP}::01 语言", 2)
    state, history, mods = scheduling(col), revlog(col), col.db.all("select id, mod from notes order by id")
    log = import_package(col, out / "all.apkg")
    assert (log.new, log.updated, log.conflicting, log.duplicate) == (0, 0, 0, 4)
    assert scheduling(col) == state and revlog(col) == history
    assert col.db.all("select id, mod from notes order by id") == mods
    col.close()


def test_template_change_updates_the_note_type_in_place(basic_decks, tmp_path):
    templates = tmp_path / "templates"
    shutil.copytree(Path(__file__).parents[1] / "templates", templates)
    out = tmp_path / "dist"
    build(basic_decks.root, out, templates)
    col = open_collection(tmp_path / "col")
    import_package(col, out / "all.apkg")

    back = templates / "anki" / "basic-back.html.j2"
    back.write_text(back.read_text(encoding="utf-8").replace("rc-answer", "rc-answer rc-v2"), encoding="utf-8")
    build(basic_decks.root, out, templates)
    log = import_package(col, out / "all.apkg")
    assert log.conflicting == 0
    names = sorted(m["name"] for m in col.models.all())
    assert names.count("roadmap-cards basic") == 1 and not any(n.endswith("+") for n in names)
    assert "rc-v2" in _card(col, "warp-size").answer()
    col.close()


@pytest.mark.parametrize("order", [("01-lang.apkg", "all.apkg"), ("all.apkg", "01-lang.apkg")])
def test_stage_package_and_all_package_share_notes(basic_decks, tmp_path, order):
    out = tmp_path / "dist"
    build(basic_decks.root, out)
    col = open_collection(tmp_path / "col")
    for name in order:
        import_package(col, out / name)
    assert col.note_count() == 4
    col.close()


def test_every_package_ships_the_parent_deck_and_one_line_descriptions(basic_decks, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    out = tmp_path / "dist"
    build(basic_decks.root, out)
    col = open_collection(tmp_path / "col")
    import_package(col, out / "06-llm.apkg")
    stage = col.decks.by_name(f"{ROADMAP}::06 推理")
    assert stage["desc"] == (
        "<p><b>06 推理</b> · 推理 (en)</p><p>本牌组有 1 张卡片（1 条笔记），主题：键值缓存 (KV cache)。</p>"
        "<p>路线图为本阶段推荐的课程与参考 (courses and references)：</p><ul>"
        '<li><a href="https://example.org/stage">Stage source</a></li></ul>'
        "<p>每张卡片的背面都有它的出处和编号 (id)；报告错误时请附上编号。</p>"
    )
    parent = col.decks.by_name(ROADMAP)
    assert parent["id"] != 1 and "\n" not in parent["desc"]
    assert parent["desc"].startswith(
        "<p><b>测试路线图</b> · Test roadmap</p><p>这一版（2023-11-14，最后一次修改的日期）共有 6 张卡片，"
        "按路线图的阶段分成子牌组：</p><ul><li>01 语言：5 张</li><li>06 推理：1 张</li></ul>"
    )
    assert "勾选“搁置新的关联卡片到次日”“搁置待复习的关联卡片到次日”和" in parent["desc"]  # no stray spaces
    assert "次日” (bury siblings)，同一条笔记的几张卡片就不会在同一天出现；每天的新卡" in parent["desc"]
    assert not parent.get("collapsed") and not parent.get("browserCollapsed")
    col.close()


def test_the_report_address_comes_from_roadmap_yaml(basic_decks, tmp_path):
    roadmap = basic_decks.root / "roadmap.yaml"
    roadmap.write_text(roadmap.read_text(encoding="utf-8") + "report_url: https://example.org/issues\n")
    build(basic_decks.root, tmp_path / "dist")
    col = open_collection(tmp_path / "col")
    import_package(col, tmp_path / "dist" / "all.apkg")
    assert col.decks.by_name(ROADMAP)["desc"].endswith(
        '发现错误时，请附上编号报告：<a href="https://example.org/issues">https://example.org/issues</a>。</p>'
    )
    col.close()


def test_a_card_s_kind_is_a_tag_a_learner_can_search(decks, tmp_path):
    decks.stage("06-llm", 1006, "推理")
    decks.topic(
        "06-llm/kinds.md",
        "论文",
        '## 某论文报告的加速是多少？ {#headline kind="paper-result"}\n\n约 2 倍。\n\n'
        "## 为什么 decode 受带宽限制？ {#why-decode}\n\n每个 token 都要读一遍权重。\n",
        front="kind: mechanism\n",
    )
    build(decks.root, tmp_path / "dist")
    col = open_collection(tmp_path / "col")
    import_package(col, tmp_path / "dist" / "all.apkg")
    found = {col.get_note(n)["id"] for n in col.find_notes("tag:roadmap::kind::paper-result")}
    assert found == {"headline"}
    assert {col.get_note(n)["id"] for n in col.find_notes("tag:roadmap::kind::mechanism")} == {"why-decode"}
    col.close()


def test_a_question_can_carry_code_or_a_table(decks, tmp_path):
    decks.stage("01-lang", 1001, "语言")
    decks.topic(
        "01-lang/rich.md",
        "富正面",
        "## 这段代码打印什么？ {#prints-what}\n\n```python\nprint(2 ** 10)\n```\n\n答：`1024`。\n\n补充：`**` 是乘方。\n\n"
        "## 表中哪一行的带宽最高？ {#which-row}\n\n| 芯片 | 带宽 |\n|---|---|\n| A | 1 TB/s |\n| B | 3 TB/s |\n\n答：B。\n",
    )
    build(decks.root, tmp_path / "dist")
    col = open_collection(tmp_path / "col")
    import_package(col, tmp_path / "dist" / "all.apkg")
    cards = {col.get_card(c).note()["id"]: col.get_card(c) for c in col.find_cards("")}
    front, back = cards["prints-what"].question(), cards["prints-what"].answer()
    assert "这段代码打印什么？" in front and '<pre class="rc-code"><code class="language-python">' in front
    assert "1024" not in front and "<code>1024</code>" in back and "乘方" in back
    table_front = cards["which-row"].question()
    assert "<table>" in table_front and "3 TB/s" in table_front and "答" not in table_front
    assert "<p>B。</p>" in cards["which-row"].answer()
    col.close()
