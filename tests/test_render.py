"""Markdown → field HTML: code colour, math delimiters, clozes in code, and nothing unsafe let through."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from roadmap_cards.build import build, check
from roadmap_cards.diagnostics import ContentError
from roadmap_cards.highlight import highlight_code, split_cloze_markers
from roadmap_cards.identity import note_guid
from roadmap_cards.markdown import markdown, render_tokens
from roadmap_cards.templating import Templates, default_templates_dir


def html(source: str) -> str:
    return render_tokens(markdown().parse(source, {}), {})


def test_inline_and_display_math_become_mathjax_delimiters():
    assert html("面积 $\\pi r^2$ 与 $a<b$") == "<p>面积 \\(\\pi r^2\\) 与 \\(a&lt;b\\)</p>\n"
    assert html("$$\n\\sum_i x_i\n$$") == '<div class="rc-math">\\[\\sum_i x_i\\]</div>\n'


def test_dollars_in_code_and_prices_are_not_math():
    assert html("`$x$` 和 ```$$y$$```") == "<p><code>$x$</code> 和 <code>$$y$$</code></p>\n"
    assert "\\(" not in html("```bash\necho $HOME $PATH\n```")
    assert html("价格 $5 和 $6") == "<p>价格 $5 和 $6</p>\n"


def test_code_blocks_are_highlighted_with_classes():
    out = html("```python\ndef f(x):\n    return x\n```")
    assert out.startswith('<pre class="rc-code"><code class="language-python">')
    assert '<span class="k">def</span>' in out and '<span class="nf">f</span>' in out
    plain = html("```\na < b\n```")
    assert plain == '<pre class="rc-code"><code>a &lt; b\n</code></pre>\n'
    unknown = html("```no-such-language\nx\n```")
    assert unknown == '<pre class="rc-code"><code class="language-no-such-language">x\n</code></pre>\n'


def test_cloze_markers_in_code_stay_outside_the_colour_spans():
    out = highlight_code("int n = {{c1::blockDim.x}} * {{c2::gridDim.x::hint}};\n", "cuda")
    assert out.endswith("</code></pre>\n")
    text = re.sub(r"<[^>]+>", "", out.removesuffix("\n"))
    assert text == "int n = {{c1::blockDim.x}} * {{c2::gridDim.x::hint}};\n"
    for marker in ("{{c1::", "{{c2::", "::hint}}"):
        before = out[: out.index(marker)]
        assert before.count("<span") == before.count("</span>"), f"{marker} is inside a span"


def test_split_cloze_markers_leaves_code_braces_alone():
    bare, markers = split_cloze_markers("if (a) { b(); }} x {{c1::y}}")
    assert bare == "if (a) { b(); }} x y"
    assert markers == [(19, "{{c1::"), (20, "}}")]


def test_raw_html_is_escaped_and_script_links_are_not_links():
    assert html("<script>alert(1)</script>") == "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n"
    assert html("std::vector<int> v;") == "<p>std::vector&lt;int&gt; v;</p>\n"
    assert html("[x](javascript:alert(1))") == "<p>[x](javascript:alert(1))</p>\n"
    assert html("<img src=x onerror=alert(1)>") == "<p>&lt;img src=x onerror=alert(1)&gt;</p>\n"


def test_tables_and_strikethrough():
    out = html("| a | b |\n|---|---|\n| 1 | 2 |\n\n~~旧~~")
    assert "<table>" in out and "<td>1</td>" in out and "<s>旧</s>" in out


def test_heading_attributes_are_read_and_removed_from_the_text():
    tokens = markdown().parse('## 问题 {#my-id .reverse lint-ignore="long-answer"}\n')
    assert tokens[0].meta["attrs"] == {"id": "my-id", "class": "reverse", "lint-ignore": "long-answer"}
    assert tokens[1].content == "问题"
    code_in_heading = markdown().parse("## 什么是 `{x}`？ {#braces}\n")
    assert code_in_heading[1].content == "什么是 `{x}`？"


def test_guid_depends_on_the_card_id_only():
    # Pinned: changing how GUIDs are made would duplicate every note in every learner's collection.
    assert note_guid("kv-bytes") != note_guid("kv-byte")
    assert note_guid("warp-size") == "QKNc2*?9.y"


def test_template_syntax_error_names_file_and_line(basic_decks, tmp_path):
    templates = tmp_path / "templates"
    shutil.copytree(default_templates_dir(), templates)
    (templates / "fields" / "context.html.j2").write_text("line one\n{% if %}\n", encoding="utf-8")
    basic_decks.topic("06-llm/more.md", "更多", "## 另一个问题 {#another}\n\n答案。\n")
    with pytest.raises(ContentError) as caught:
        build(basic_decks.root, tmp_path / "dist", templates)
    [diagnostic] = [d.format() for d in caught.value.diagnostics]  # once, not once per topic file
    assert diagnostic.endswith(
        "fields/context.html.j2:2: error: template syntax: Expected an expression, got 'end of statement block'"
    )


def test_unknown_variable_in_a_template_fails_loudly(basic_decks, tmp_path):
    templates = tmp_path / "templates"
    shutil.copytree(default_templates_dir(), templates)
    (templates / "fields" / "context.html.j2").write_text("{{ stage.number }}\n{{ topic.colour }}\n", encoding="utf-8")
    content = check(basic_decks.root, templates)
    [message] = [d.format() for d in content.diagnostics.errors]  # once, not once per topic file
    assert message.endswith(
        "fields/context.html.j2:2: error: template: 'roadmap_cards.model.Topic object' has no attribute 'colour'"
    )


def test_anki_helper_refuses_a_field_the_note_type_lacks(basic_decks, tmp_path):
    templates = tmp_path / "templates"
    shutil.copytree(default_templates_dir(), templates)
    front = templates / "anki" / "basic-front.html.j2"
    front.write_text(
        front.read_text(encoding="utf-8").replace('anki("question")', 'anki("questoin")'), encoding="utf-8"
    )
    content = check(basic_decks.root, templates)
    [error] = [d.format() for d in content.diagnostics.errors]
    assert error.endswith(
        "anki/basic-front.html.j2: error: anki('questoin'): roadmap-cards basic has no field 'questoin' "
        "(fields: question, answer, extra, reverse, context, sources, id)"
    )


def test_templates_render_the_anki_mustache_syntax():
    templates = Templates(default_templates_dir())
    from roadmap_cards.notetypes import BASIC, CLOZE

    front = templates.card_side(BASIC, "anki/reverse-front.html.j2")
    assert front.startswith("{{#reverse}}") and front.endswith("{{/reverse}}")
    assert "{{cloze:text}}" in templates.card_side(CLOZE, "anki/cloze-front.html.j2")
    css = templates.css()
    assert ".nightMode" in css and ".night_mode" in css and "@media (max-width: 480px)" in css
    assert ".rc-code .k {" in css  # Pygments' colours


def test_missing_templates_folder(basic_decks, tmp_path, in_tmp):
    basic_decks.topic("06-llm/bad.md", "坏", "## 无答案 {#no-answer}\n")
    content = check(basic_decks.root, tmp_path / "nowhere")
    assert [d.format() for d in content.diagnostics.sorted()] == [
        "decks/06-llm/bad.md:7: error: card has an empty answer",  # the topics are checked all the same
        "nowhere: error: templates folder not found",
    ]


def test_default_templates_are_the_projects(tmp_path):
    assert default_templates_dir().resolve() == (Path(__file__).parents[1] / "templates").resolve()


@pytest.mark.parametrize(
    "attrs",
    ["{#abc}", "{#abc .reverse}", "{#abc  .reverse  .x}", "{#a-b-c .reverse }", '{#abc lint-ignore="x,y"}'],
)
def test_fast_path_for_heading_attributes_agrees_with_the_attrs_parser(attrs):
    from mdit_py_plugins.attrs.parse import parse

    tokens = markdown().parse(f"## 问题 {attrs}\n")
    assert tokens[0].meta["attrs"] == parse(attrs)[1]
    assert tokens[1].content == "问题"


def test_html_comments_are_dropped_like_on_github():
    assert html("答案 <!-- 给贡献者的备注 --> 在此") == "<p>答案  在此</p>\n"
    assert html("<!--\n整段备注\n-->\n\n正文") == "<p>正文</p>\n"
    assert html("<details>\n**x**\n</details>") == "<p>&lt;details&gt;\n**x**\n&lt;/details&gt;</p>\n"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("写代码，\n分歧由硬件处理", "<p>写代码，分歧由硬件处理</p>\n"),  # CJK on both sides: no space
        ("**加粗**\n文字", "<p><strong>加粗</strong>文字</p>\n"),
        ("同一个 block\n的所有线程", "<p>同一个 block\n的所有线程</p>\n"),  # Latin on one side: a space
        ("English\nwords", "<p>English\nwords</p>\n"),
        ("中文\n`code`", "<p>中文\n<code>code</code></p>\n"),
    ],
)
def test_a_line_break_between_chinese_characters_joins_without_a_space(source, expected):
    assert html(source) == expected
