"""`changes --since REF`: cards added, changed and removed, from a real git history."""

from __future__ import annotations

import json
import subprocess

import pytest

from roadmap_cards.cli import main


def git(cwd, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args], cwd=cwd, check=True, capture_output=True
    )


@pytest.fixture
def history(basic_decks, in_tmp):
    git(in_tmp, "init", "-q")
    git(in_tmp, "add", "decks")
    git(in_tmp, "commit", "-q", "-m", "v1")
    git(in_tmp, "tag", "v1")
    cuda = basic_decks.root / "01-lang" / "cuda.md"
    text = cuda.read_text(encoding="utf-8").replace("\n32 个线程。", "\n32 个线程（一个 warp）。")
    cuda.write_text(
        text.replace("## 核函数的启动语法 {#launch-syntax}", "## 核函数启动语法 {#launch-syntax}"), encoding="utf-8"
    )
    (basic_decks.root / "06-llm" / "kv-cache.md").unlink()
    basic_decks.topic("06-llm/new.md", "新主题", "## 新问题：$n$ 个块共多少字节？ {#brand-new}\n\n新答案。\n")
    stage = basic_decks.root / "01-lang" / "stage.yaml"  # a renamed topic title alone changes no card
    topic = basic_decks.root / "01-lang" / "cuda.md"
    topic.write_text(
        topic.read_text(encoding="utf-8").replace("title: CUDA 基础", "title: CUDA 入门"), encoding="utf-8"
    )
    assert stage.is_file()
    return basic_decks


def test_changes_as_text(history, runner):
    result = runner.invoke(main, ["changes", "--since", "v1"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "since v1: 1 added, 2 changed, 1 removed",
        "+ brand-new  06 推理 › 新主题: 新问题：$n$ 个块共多少字节？",
        "~ launch-syntax  01 语言 › CUDA 入门: 核函数启动语法",
        "~ warp-size  01 语言 › CUDA 入门: 一个 warp 有多少个线程？",
        "- kv-bytes  06 推理 › 键值缓存 (KV cache): 每个 token 的 KV cache 字节数公式是什么？",
    ]


def test_changes_as_release_notes_and_json(history, runner):
    markdown = runner.invoke(main, ["changes", "--since", "v1", "--format", "markdown"]).stdout
    assert markdown == (
        "自 `v1` 以来的卡片变化：新增 (added) 1 张，修改 (changed) 2 张，删除 (removed) 1 张。\n\n"
        "### 01 语言\n\n**CUDA 入门**\n\n"
        "- 修改 `launch-syntax`：核函数启动语法\n- 修改 `warp-size`：一个 warp 有多少个线程？\n\n"
        "### 06 推理\n\n**新主题**\n\n- 新增 `brand-new`：新问题：$n$ 个块共多少字节？\n\n"
        "**键值缓存 (KV cache)**\n\n- 删除 `kv-bytes`：每个 token 的 KV cache 字节数公式是什么？\n"
    )
    data = json.loads(runner.invoke(main, ["changes", "--since", "v1", "--format", "json"]).stdout)
    assert (data["since"], data["added"], data["changed"], data["removed"]) == ("v1", 1, 2, 1)
    assert [(c["change"], c["id"]) for c in data["cards"]] == [
        ("added", "brand-new"),
        ("changed", "launch-syntax"),
        ("changed", "warp-size"),
        ("removed", "kv-bytes"),
    ]


def test_changes_since_an_unknown_revision_or_outside_git(basic_decks, runner, in_tmp):
    outside = runner.invoke(main, ["changes", "--since", "v1"])
    assert outside.exit_code == 2
    assert outside.stderr == (
        "roadmap-cards: error: decks is not in a git checkout: `changes` compares with a git revision\n"
    )
    git(in_tmp, "init", "-q")
    unknown = runner.invoke(main, ["changes", "--since", "v9"])
    assert unknown.exit_code == 2
    assert unknown.stderr == "roadmap-cards: error: unknown git revision 'v9'\n"
