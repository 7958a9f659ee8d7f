"""Card-quality lint: each rule fires on a bad card, stays quiet on a good one, and can be opted out of."""

from __future__ import annotations

import json

import pytest

from roadmap_cards.build import check
from roadmap_cards.cli import main
from roadmap_cards.lint import RULES, measure

GOOD = "## H100 SXM 的 HBM3 带宽约为多少？ {#good-card}\n\n约 3.35 TB/s。\n"


def warnings(decks) -> list[str]:
    content = check(decks.root)
    assert not content.diagnostics.errors, [d.format() for d in content.diagnostics.errors]
    return [d.format() for d in content.diagnostics.sorted() if d.severity == "warning"]


@pytest.fixture
def stage(decks, in_tmp):
    decks.stage("01-lang", 1001, "语言")
    return decks


def test_a_good_card_raises_no_warning(stage):
    stage.topic("01-lang/a.md", "A", GOOD)
    assert warnings(stage) == []


def test_long_answer(stage):
    long_zh = "这是一个很长的答案，" * 7
    stage.topic("01-lang/a.md", "A", f"## 问题一是什么？ {{#long-zh}}\n\n{long_zh}\n\n补充：{long_zh}\n")
    stage.topic("01-lang/b.md", "B", "## What is it? {#long-en}\n\n" + "word " * 41 + "\n", front="lang: en\n")
    assert warnings(stage) == [
        "decks/01-lang/a.md:9: warning[long-answer]: answer is long (63 Chinese characters, 0 words): "
        "keep one fact, and move details to a '补充：' paragraph",
        "decks/01-lang/b.md:10: warning[long-answer]: answer is long (0 Chinese characters, 41 words): "
        "keep one fact, and move details to a '补充：' paragraph",
    ]


def test_extra_code_and_math_do_not_count_towards_length():
    assert measure("KV cache 的大小") == (3, 2)


def test_multiple_questions_and_yes_no(stage):
    stage.topic(
        "01-lang/a.md",
        "A",
        "## 什么是 warp？有多少线程？ {#two-q}\n\n32 个线程的一组。\n\n"
        "## vLLM 是否使用分页？ {#yes-no-zh}\n\n使用 PagedAttention。\n\n"
        "## Is FlashAttention exact? {#yes-no-en}\n\nExact.\n",
    )
    assert warnings(stage) == [
        "decks/01-lang/a.md:7: warning[multiple-questions]: question has 2 question marks: split it into two cards",
        "decks/01-lang/a.md:11: warning[yes-no-question]: yes/no question: ask what, why, how much or which instead",
        "decks/01-lang/a.md:15: warning[yes-no-question]: yes/no question: ask what, why, how much or which instead",
    ]


def test_list_answer_on_basic_cards_only(stage):
    stage.topic(
        "01-lang/a.md",
        "A",
        "## CUDA 有哪些内存？ {#list-card}\n\n内存：\n\n- 寄存器\n- shared memory\n- global memory\n\n"
        "## 两项 {#two-items}\n\n- 一\n- 二\n",
    )
    assert warnings(stage) == [
        "decks/01-lang/a.md:11: warning[list-answer]: answer is a list of 3 items: make a cloze card with a "
        "deletion per item, or one question per item",
    ]


def test_no_sources_and_unsourced_number(decks, in_tmp):
    decks.stage("01-lang", 1001, "语言")
    decks.write("01-lang/a.md", "---\ntitle: A\n---\n\n" + GOOD + "\n## 没有数字 {#no-number}\n\n没有。\n")
    assert warnings(decks) == [
        "decks/01-lang/a.md:1: warning[no-sources]: topic has no sources: add `sources:` to its front matter",
        "decks/01-lang/a.md:5: warning[unsourced-number]: the answer states a number but no source is cited for it",
    ]
    decks.write(
        "01-lang/a.md",
        "---\ntitle: A\nlint-ignore: [no-sources]\n---\n\n" + GOOD.replace("。\n", "。\n\n来源：H100 datasheet\n"),
    )
    assert warnings(decks) == []


def test_near_duplicates_across_the_decks(stage):
    stage.stage("02-more", 1002, "更多")
    stage.topic("01-lang/a.md", "A", "## 一个 warp 有多少个线程？ {#warp-a}\n\n32。\n")
    stage.topic("02-more/b.md", "B", "## 一个 warp 有多少个线程 {#warp-b}\n\n32 个。\n")
    assert warnings(stage) == [
        "decks/01-lang/a.md:7: warning[near-duplicate]: question reads almost like 'warp-b' at "
        "decks/02-more/b.md:7 (100% alike): ask each fact once",
        "decks/02-more/b.md:7: warning[near-duplicate]: question reads almost like 'warp-a' at "
        "decks/01-lang/a.md:7 (100% alike): ask each fact once",
    ]


def test_questions_about_different_models_are_not_duplicates(stage):
    stage.topic(
        "01-lang/a.md",
        "A",
        "## A100 的 BF16 峰值算力是多少（稠密）？ {#a100-bf16}\n\n312 TFLOPS。\n\n"
        "## H100 的 BF16 峰值算力是多少（稠密）？ {#h100-bf16}\n\n989 TFLOPS。\n",
    )
    assert warnings(stage) == []


def test_a_reverse_card_and_a_question_about_its_answer_are_not_duplicates(stage):
    stage.topic(
        "01-lang/a.md",
        "A",
        "## 线程束 (warp) {#warp-term .reverse}\n\n一组同时调度的 32 个线程。\n\n"
        "## 一组同时调度的 32 个线程叫什么？ {#warp-name}\n\nwarp。\n",
    )
    assert warnings(stage) == []


def test_math_in_code_and_unknown_language(stage):
    stage.topic(
        "01-lang/a.md",
        "A",
        "## 公式 {#math-code}\n\n`$x^2$` 的值。\n\n```\n$y$\n```\n\n```pyhton\nx = 1\n```\n\n"
        "## Shell {#shell}\n\n```bash\necho $HOME $PATH\n```\n",
    )
    assert warnings(stage) == [
        "decks/01-lang/a.md:9: warning[math-in-code]: `$x^2$` is code, so its `$…$` is not rendered as math",
        "decks/01-lang/a.md:11: warning[math-in-code]: a code block's `$…$` is shown as is, not as math",
        "decks/01-lang/a.md:15: warning[unknown-language]: code language 'pyhton' is not known to Pygments",
    ]


def test_giant_cloze(stage):
    stage.topic(
        "01-lang/a.md",
        "A",
        "## 大填空 {#giant}\n\n{{c1::FlashAttention 用分块和重计算避免把注意力矩阵写进显存}}。\n\n"
        "## 好填空 {#fine}\n\nKV cache 为每一{{c1::层}}、每个 {{c2::KV 头}}保存已处理 token 的 {{c3::K 和 V}}。\n",
    )
    assert warnings(stage) == [
        "decks/01-lang/a.md:9: warning[giant-cloze]: one deletion hides 100% of the text: "
        "delete the key term or number only",
    ]


def test_opting_out_per_card_and_unknown_codes(stage):
    stage.topic(
        "01-lang/a.md",
        "A",
        '## vLLM 是否分页？ {#opted lint-ignore="yes-no-question"}\n\n是。\n\n'
        '## 什么是分页？ {#typo lint-ignore="yes-no"}\n\n分页。\n',
    )
    content = check(stage.root)
    assert [d.format() for d in content.diagnostics.sorted()] == [
        "decks/01-lang/a.md:11: error: lint-ignore: unknown lint rule 'yes-no' (rules: " + ", ".join(RULES) + ")"
    ]


def test_strict_and_json(stage, runner):
    stage.topic("01-lang/a.md", "A", GOOD + "\n## vLLM 是否分页？ {#yes-no}\n\n是。\n")
    relaxed = runner.invoke(main, ["check"])
    assert relaxed.exit_code == 0
    assert relaxed.stdout == "checked 2 cards in 1 topics: no errors, 1 warning\n"
    strict = runner.invoke(main, ["check", "--strict"])
    assert strict.exit_code == 1
    assert strict.stderr.splitlines()[-1] == "roadmap-cards: no errors, 1 warning (--strict)"
    as_json = runner.invoke(main, ["check", "--format", "json"])
    assert as_json.exit_code == 0
    assert json.loads(as_json.stdout) == [
        {
            "path": "decks/01-lang/a.md",
            "line": 11,
            "severity": "warning",
            "code": "yes-no-question",
            "message": "yes/no question: ask what, why, how much or which instead",
        }
    ]
    assert runner.invoke(main, ["check", "--format", "json", "--strict"]).exit_code == 1


def test_rules_command_lists_every_rule(runner):
    result = runner.invoke(main, ["rules"])
    assert [line.split()[0] for line in result.stdout.splitlines()] == list(RULES)


def test_shipped_decks_pass_strict(runner, monkeypatch):
    from pathlib import Path

    monkeypatch.chdir(Path(__file__).parents[1])
    result = runner.invoke(main, ["check", "--strict"])
    assert result.exit_code == 0, result.output


def test_raw_html_is_flagged_but_comments_are_not(stage):
    stage.topic(
        "01-lang/a.md",
        "A",
        "## 模板 {#raw-html}\n\n用 std::vector<int> 存。<!-- 备注 -->\n\n## 备注 {#comment-only}\n\n答案。<!-- todo -->\n",
    )
    assert warnings(stage) == [
        "decks/01-lang/a.md:9: warning[raw-html]: raw HTML '<int>' is shown as text: use Markdown, or backticks"
    ]


def test_reverse_leak(decks, in_tmp):
    decks.stage("01-lang", 1001, "语言")
    decks.topic(
        "01-lang/a.md",
        "A",
        "## 分组查询注意力 (Grouped-Query Attention, GQA) {#gqa-term .reverse}\n\n把 query 头分组；GQA-1 即 MQA。\n\n"
        "## 流式多处理器 (SM) {#sm-term .reverse}\n\n执行线程块的处理器，内含 Tensor Core。\n\n"
        "## Streaming Multiprocessor {#sm-en .reverse}\n\n"
        "The processor that runs a thread block; each streaming multiprocessor has Tensor Cores.\n",
    )
    assert warnings(decks) == [
        "decks/01-lang/a.md:9: warning[reverse-leak]: the definition names the term it defines ('GQA'), and it is "
        "the front of the reverse card: reword it without the term",
        "decks/01-lang/a.md:17: warning[reverse-leak]: the definition names the term it defines ('Streaming "
        "Multiprocessor'), and it is the front of the reverse card: reword it without the term",
    ]


def test_cloze_leak(decks, in_tmp):
    decks.stage("01-lang", 1001, "语言")
    decks.topic(
        "01-lang/a.md",
        "延迟指标",
        "## 端到端延迟与 TTFT 的关系 {#e2e-card}\n\n端到端延迟 = {{c1::TTFT}} + {{c2::TPOT}} × 输出数。\n\n"
        "## 块级写时复制 {#refcount-card}\n\n写入{{c1::引用计数}} {{c2::大于 1}} 的块前先复制，再把引用计数减 1。\n\n"
        "## 同一个答案写在两处 {#same-number}\n\n块表记录 {{c1::物理块号}}；查表得到 {{c1::物理块号}}。\n\n"
        "## 数字 {#numbers-card}\n\nbank 数为 {{c1::32}}，字宽 320 位。\n",
    )
    assert warnings(decks) == [
        "decks/01-lang/a.md:9: warning[cloze-leak]: deletion c1 ('ttft') also shows in the title or topic on its "
        "own front: reword one of them",
        "decks/01-lang/a.md:13: warning[cloze-leak]: deletion c1 ('引用计数') also shows in the rest of the card's "
        "text on its own front: reword one of them",
    ]


def test_eaten_identifier_and_unbalanced_math(decks, in_tmp):
    decks.stage("01-lang", 1001, "语言")
    decks.topic(
        "01-lang/a.md",
        "A",
        "## 调用 __global__ 函数时会怎样？ {#eaten}\n\n异步返回；`__global__` 在代码里没问题。\n\n"
        "来源：[Guide: __init__](https://example.org)\n\n"
        "## 公式是什么？ {#lone-dollar}\n\n面积是 $\\pi r^2，价格 $5，转义 \\$x 和 $a$ 都没问题。\n",
    )
    assert warnings(decks) == [
        "decks/01-lang/a.md:7: warning[eaten-identifier]: __global__ shows as bold 'global': put identifiers in "
        "backticks (`__global__`)",
        "decks/01-lang/a.md:11: warning[eaten-identifier]: __init__ shows as bold 'init': put identifiers in "
        "backticks (`__init__`)",
        "decks/01-lang/a.md:15: warning[unbalanced-math]: a '$' opens math that is never closed: close it with "
        "'$', or write '\\$' for a dollar sign",
    ]
