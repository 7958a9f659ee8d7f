"""The cards in the real Anki desktop reviewer (the `aqt` package, the `desktop` extra), headless under Xvfb.

Anki is started on a fresh profile with the add-on `desktop/rc_check_addon.py`, which imports the built
`all.apkg`, shows a code cloze, a math card, a table, a reverse card and a diagram, question and answer, and reports
what the page holds. Skipped where `aqt` or `xvfb-run` is missing, unless RC_REQUIRE_DESKTOP is set (as in `.ci/run`).
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from roadmap_cards.build import build

HERE = Path(__file__).parent
CARDS = ["launch-syntax:0", "kv-bytes", "wide-table", "warp-term:1", "roofline-picture"]
SCRIPTS = HERE.parent / "scripts"


def _available() -> bool:
    return importlib.util.find_spec("aqt") is not None and shutil.which("xvfb-run") is not None


pytestmark = pytest.mark.skipif(
    not _available() and not os.environ.get("RC_REQUIRE_DESKTOP"),
    reason="needs Anki desktop (pip install -e '.[desktop]') and Xvfb (apt-get install xvfb)",
)


@pytest.fixture(scope="module")
def package(tmp_path_factory) -> Path:
    from conftest import Decks

    root = tmp_path_factory.mktemp("desktop")
    decks = Decks(root / "decks")
    decks.stage("01-lang", 1001, "语言")
    decks.stage("06-llm", 1006, "推理")
    decks.topic(
        "01-lang/cuda.md",
        "CUDA 基础",
        "## 线程束 (warp) {#warp-term .reverse}\n\n一组同时调度的 32 个线程。\n\n"
        "## 核函数的启动语法 {#launch-syntax}\n\n```cuda\nkernel<<<{{c1::grid}}, {{c2::block}}>>>(args);  // 启动\n```\n\n"
        "## 表中哪种存储最快？ {#wide-table}\n\n| 存储 | 延迟 | 带宽 | 容量 | 作用域 | 生命周期 |\n|---|---|---|---|---|---|\n"
        "| 寄存器 | 约 1 周期 | 最高 | 每线程几十个 | 线程 | 线程 |\n\n答：寄存器。\n",
    )
    decks.topic(
        "06-llm/kv-cache.md",
        "键值缓存 (KV cache)",
        "## 每个 token 的 KV cache 字节数公式是什么？ {#kv-bytes}\n\n"
        "$2 \\times L \\times H_{kv} \\times d \\times b$ 字节，其中 $L$ 是层数。\n\n"
        "## 解码 batch 1 落在 Roofline 的哪一侧？ {#roofline-picture}\n\n脊点左侧。\n\n"
        "![Roofline](assets/roofline.svg)\n",
    )
    sys.path.insert(0, str(SCRIPTS))
    from draw_diagrams import roofline

    (decks.root / "06-llm" / "assets").mkdir()
    (decks.root / "06-llm" / "assets" / "roofline.svg").write_text(roofline(), encoding="utf-8")
    build(decks.root, root / "dist")
    return root / "dist" / "all.apkg"


def run_anki(package: Path, tmp_path: Path, theme: str, size: str) -> list[dict]:
    base, out = tmp_path / "base", tmp_path / "out"
    out.mkdir()
    subprocess.run([sys.executable, str(HERE / "desktop" / "make_profile.py"), str(base), "test", theme], check=True)
    addon = base / "addons21" / "rc_check"
    addon.mkdir(parents=True)
    shutil.copyfile(HERE / "desktop" / "rc_check_addon.py", addon / "__init__.py")
    env = {
        **os.environ,
        "RC_OUT": str(out),
        "RC_APKG": str(package),
        "RC_CARDS": ",".join(CARDS),
        "RC_SIZE": size,
        "QTWEBENGINE_CHROMIUM_FLAGS": "--no-sandbox",
    }
    command = ["xvfb-run", "-a", "-s", "-screen 0 1280x1024x24", sys.executable, "-c"]
    command += ["import sys, aqt; sys.exit(aqt.run())", "-b", str(base), "-p", "test"]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=240)
    report = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert report["error"] is None, report["error"]
    js_errors = [line for line in result.stdout.splitlines() if line.startswith("JS error")]
    assert js_errors == []
    for entry in report["cards"]:
        assert (out / entry["screenshot"]).stat().st_size > 10_000, entry["screenshot"]
    return report["cards"]


def test_cards_in_the_real_reviewer_at_night(package, tmp_path):
    cards = run_anki(package, tmp_path, "dark", "1100x850")
    assert [(c["card"], c["side"]) for c in cards] == [
        (name, side) for name in CARDS for side in ("question", "answer")
    ]
    for card in cards:
        assert "nightMode" in card["body"].split() and card["errors"] == [] and card["mathErrors"] == 0
    by_name = {(c["card"], c["side"]): c for c in cards}
    assert by_name[("kv-bytes", "question")]["math"] == 0 and by_name[("kv-bytes", "answer")]["math"] >= 2
    picture = by_name[("roofline-picture", "answer")]["images"]
    assert len(picture) == 1 and picture[0][0] > 0, picture  # the SVG reached Anki's media folder and loaded
    assert picture[0][1] == "invert(1) hue-rotate(180deg)"  # drawn dark on light, shown light on dark
    reverse_front = by_name[("warp-term:1", "question")]["text"]
    assert reverse_front.startswith("01 语言\n这说的是什么？") and "CUDA 基础" not in reverse_front


def test_cards_in_the_real_reviewer_by_day_on_a_phone_sized_window(package, tmp_path):
    cards = run_anki(package, tmp_path, "light", "400x800")
    for card in cards:
        assert "nightMode" not in card["body"].split() and card["errors"] == [] and card["mathErrors"] == 0
        assert card["pageWidth"] <= card["viewWidth"], (card["card"], card["side"], card["pageWidth"])
        assert all(
            natural > 0 and shown <= card["viewWidth"] and flt == "none" for natural, flt, shown in card["images"]
        )
