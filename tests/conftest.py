"""Shared fixtures: small content trees written into tmp_path, a CLI runner, and a real Anki collection."""

from __future__ import annotations

import os
import shutil
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

ROADMAP_YAML = "title: 测试路线图\ntitle_en: Test roadmap\ndeck_id: 1000\n"


def stage_yaml(deck_id: int, title: str, order: int, **extra: object) -> str:
    lines = [
        f"deck_id: {deck_id}",
        f"title: {title}",
        f"title_en: {title} (en)",
        f"order: {order}",
        "sources:",
        "  - title: Stage source",
        "    url: https://example.org/stage",
    ]
    lines += [f"{key}: {value}" for key, value in extra.items()]
    return "\n".join(lines) + "\n"


def topic(title: str, body: str, front: str = "") -> str:
    """A topic file: front matter with a title (plus `front`), then the dedented body."""
    head = f"---\ntitle: {title}\nsources:\n  - title: Topic source\n    url: https://example.org/topic\n{front}---\n"
    return head + textwrap.dedent(body).lstrip("\n")


class Decks:
    """A content tree under tmp_path, written file by file."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        (root / "roadmap.yaml").write_text(ROADMAP_YAML, encoding="utf-8")

    def stage(self, slug: str, deck_id: int, title: str, order: int | None = None, **extra: object) -> Path:
        folder = self.root / slug
        folder.mkdir(exist_ok=True)
        (folder / "stage.yaml").write_text(
            stage_yaml(deck_id, title, int(slug[:2]) if order is None else order, **extra), encoding="utf-8"
        )
        return folder

    def write(self, relative: str, text: str) -> Path:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    def topic(self, relative: str, title: str, body: str, front: str = "") -> Path:
        return self.write(relative, topic(title, body, front))


@pytest.fixture
def decks(tmp_path: Path) -> Decks:
    return Decks(tmp_path / "decks")


@pytest.fixture
def basic_decks(decks: Decks) -> Decks:
    """Two stages with a few cards of every kind."""
    decks.stage("01-lang", 1001, "语言")
    decks.stage("06-llm", 1006, "推理")
    decks.topic(
        "01-lang/cuda.md",
        "CUDA 基础",
        """
        ## 一个 warp 有多少个线程？ {#warp-size}

        32 个线程。

        ## 线程束 (warp) {#warp-term .reverse}

        一组同时调度的 32 个线程。

        ## 核函数的启动语法 {#launch-syntax}

        ```cuda
        kernel<<<{{c1::grid}}, {{c2::block}}>>>(args);
        ```
        """,
    )
    decks.topic(
        "06-llm/kv-cache.md",
        "键值缓存 (KV cache)",
        """
        ## 每个 token 的 KV cache 字节数公式是什么？ {#kv-bytes}

        $2 \\times L \\times H_{kv} \\times d \\times b$ 字节。

        来源：[vLLM (arXiv 2309.06180)](https://arxiv.org/abs/2309.06180)
        """,
    )
    return decks


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Run with tmp_path as the working directory, so printed paths are short and predictable."""
    monkeypatch.chdir(tmp_path)
    yield tmp_path


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        if os.environ.get("RC_REQUIRE_BROWSER"):
            pytest.fail("chromium is required (RC_REQUIRE_BROWSER is set) but not installed")
        pytest.skip("chromium is not installed (Debian: apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()
