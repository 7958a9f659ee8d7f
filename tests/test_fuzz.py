"""Property-based fuzzing: any topic file gives exit 0 or 1 from `check` and `build`, never a traceback, and a
package with no live script in any field.

CI runs a bounded, deterministic profile; for a longer hunt: `RC_FUZZ_EXAMPLES=2000 python -m pytest
tests/test_fuzz.py`.
"""

from __future__ import annotations

import os
import re
import sqlite3
import zipfile
from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from roadmap_cards.cli import main

EXAMPLES = int(os.environ.get("RC_FUZZ_EXAMPLES", "60"))
LIVE = re.compile(r"<script|javascript:|<[^>]*\son[a-z]+\s*=|<iframe|<object|<embed", re.I)

FRAGMENTS = [
    "## 问题 {#card-a}\n",
    "## Question? {#card-b .reverse}\n",
    '## {#card-c lint-ignore="todo"}\n',
    "## 无 id 的问题\n",
    "## 问 {#x\n",
    "答案。\n",
    "补充：细节。\n",
    "来源：[论文](https://arxiv.org/abs/1234.5678)\n",
    "{{c1::答案}} 和 {{c2::另一个::提示}}\n",
    "{{c1::未闭合\n",
    "`code}}` {{c1::x `y}}` z}}\n",
    "$a^2 + b^2$ 与 $$\\sum_i x_i$$\n",
    "$\\href{javascript:alert(1)}{x}$\n",
    "```python\nprint('{{c1::hi}}')\n```\n",
    "```\nunclosed\n",
    "- a\n  - b\n    - c\n",
    "> 引用\n",
    "<script>alert(1)</script>\n",
    '<img src=x onerror="alert(1)">\n',
    "[link](javascript:alert(1)) [ok](https://example.org)\n",
    "![img](missing.png)\n",
    "![{{c1::alt}}](x.png)\n",
    "| a | b |\n|---|---|\n| 1 | 2 |\n",
    "---\n",
    "text\n---\n",
    "# top heading\n",
    "\n",
    "\u2028\u0085\ufeff\x00\x1b",
]
FRONT = [
    "title: 主题\n",
    "title: 2024-02-30\n",
    "title: [unclosed\n",
    "tags: [a, b c]\n",
    "sources:\n  - title: T\n    url: https://example.org\n",
    "sources: [*a]\n",
    "lang: en\n",
    "order: 0x10\n",
    "<<: {title: x}\n",
    "lint-ignore: [todo, nope]\n",
    "title: !tag x\n",
]

text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)
front = st.lists(st.one_of(st.sampled_from(FRONT), text.map(lambda t: t + "\n")), max_size=5).map("".join)
body = st.lists(st.one_of(st.sampled_from(FRAGMENTS), text), max_size=25).map("\n".join)
topic_file = st.one_of(st.builds(lambda f, b: f"---\n{f}---\n{b}", front, body), text)


@settings(
    max_examples=EXAMPLES,
    derandomize=os.environ.get("RC_FUZZ_EXAMPLES") is None,  # CI: the same examples every run
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(files=st.lists(topic_file, min_size=1, max_size=3))
def test_any_topic_file_gives_a_clean_result(decks, tmp_path, files):
    decks.stage("01-lang", 1001, "语言")
    for old in (decks.root / "01-lang").glob("*.md"):
        old.unlink()
    for number, text in enumerate(files):
        (decks.root / "01-lang" / f"t{number}.md").write_bytes(text.encode("utf-8", "surrogatepass"))
    runner = CliRunner()
    out = tmp_path / "dist"
    for args in (["check", "--decks", str(decks.root)], ["build", "--decks", str(decks.root), "--out", str(out)]):
        result = runner.invoke(main, args)
        assert result.exit_code in (0, 1), (args, result.output, result.exception)
        assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
        assert "Traceback" not in result.output
    if result.exit_code == 0 and (out / "all.apkg").exists():
        for field in _fields(out / "all.apkg", tmp_path):
            assert not LIVE.search(field), field


def _fields(apkg: Path, tmp_path: Path) -> list[str]:
    db = tmp_path / "fuzz.anki2"
    with zipfile.ZipFile(apkg) as archive:
        db.write_bytes(archive.read("collection.anki2"))
    with sqlite3.connect(db) as connection:
        rows = connection.execute("select flds from notes").fetchall()
    db.unlink()
    return [field for (fields,) in rows for field in fields.split("\x1f")]
