"""Every bad input gets `path:line: error: message`, exactly as users see it, and all of them in one run."""

from __future__ import annotations

import os
import shutil

import pytest

from roadmap_cards.build import check
from roadmap_cards.cli import main
from roadmap_cards.templating import default_templates_dir

OK_CARD = "## 问题 {#ok-card}\n\n答案。\n"


def errors(decks) -> list[str]:
    return [d.format() for d in check(decks.root).diagnostics.sorted() if d.severity == "error"]


@pytest.fixture
def stage(decks, in_tmp):
    decks.stage("01-lang", 1001, "语言")
    return decks


def test_bad_yaml_names_its_line(stage):
    stage.write("01-lang/a.md", "---\ntitle: [unclosed\ntags: [x]\n---\n" + OK_CARD)
    assert errors(stage) == [
        "decks/01-lang/a.md:3: error: invalid YAML in front matter: did not find expected ',' or ']' "
        "(while parsing a flow sequence that starts at line 2)"
    ]


def test_unknown_keys_in_front_matter_and_stage(stage):
    stage.write("01-lang/a.md", "---\ntitle: A\ncolour: red\n---\n" + OK_CARD)
    with (stage.root / "01-lang" / "stage.yaml").open("a", encoding="utf-8") as f:
        f.write("owner: me\n")
    assert errors(stage) == [
        "decks/01-lang/a.md:3: error: unknown key 'colour' in front matter "
        "(expected one of: title, tags, sources, lang, lint-ignore, order, kind)",
        "decks/01-lang/stage.yaml:8: error: unknown key 'owner' in stage.yaml "
        "(expected one of: deck_id, title, title_en, order, sources, floor)",
    ]


def test_missing_title(stage):
    stage.write("01-lang/a.md", "---\ntags: [x]\n---\n" + OK_CARD)
    assert errors(stage) == ["decks/01-lang/a.md:2: error: front matter has no 'title'"]


def test_missing_front_matter(stage):
    stage.write("01-lang/a.md", OK_CARD)
    assert errors(stage) == [
        "decks/01-lang/a.md:1: error: a topic file starts with front matter: a '---' line, YAML (title: …), '---'"
    ]


def test_duplicate_card_id_is_reported_at_both_places(stage):
    stage.topic("01-lang/a.md", "A", "## 问题一 {#same-id}\n\n答案。\n")
    stage.topic("01-lang/b.md", "B", "## 问题二 {#other}\n\n答案。\n\n## 问题三 {#same-id}\n\n答案。\n")
    assert errors(stage) == [
        "decks/01-lang/a.md:7: error: duplicate card id 'same-id' (also at decks/01-lang/b.md:11)",
        "decks/01-lang/b.md:11: error: duplicate card id 'same-id' (also at decks/01-lang/a.md:7)",
    ]


def test_empty_question_and_empty_answer(stage):
    stage.topic("01-lang/a.md", "A", "## {#no-question}\n\n答案。\n\n## 没有答案 {#no-answer}\n\n来源：某处\n")
    assert errors(stage) == [
        "decks/01-lang/a.md:7: error: card has an empty question",
        "decks/01-lang/a.md:11: error: card has an empty answer",
    ]


def test_missing_card_id_has_a_hint(stage):
    stage.topic("01-lang/a.md", "A", "## 没有 id 的问题\n\n答案。\n")
    assert errors(stage) == [
        "decks/01-lang/a.md:7: error: card has no id: end the heading with {#some-id}, or run `roadmap-cards ids`"
    ]


def test_bad_card_ids_and_attributes(stage):
    stage.topic(
        "01-lang/a.md",
        "A",
        "## 一 {#Bad_ID}\n\n答。\n\n## 二 {#ok-two .flip colour=red}\n\n答。\n\n## 三 {#ok-three\n\n答。\n",
    )
    assert errors(stage) == [
        "decks/01-lang/a.md:7: error: card id 'Bad_ID' must be 3-64 characters of a-z, 0-9 and '-', "
        "starting and ending with a letter or digit",
        "decks/01-lang/a.md:11: error: unknown attribute 'colour' (known: id, class, lint-ignore, kind)",
        "decks/01-lang/a.md:11: error: unknown class '.flip' (known: .reverse)",
        "decks/01-lang/a.md:15: error: the attribute block is not closed with '}'",
        "decks/01-lang/a.md:15: error: card has no id: end the heading with {#some-id}, or run `roadmap-cards ids`",
    ]


def test_missing_image(stage):
    stage.topic("01-lang/a.md", "A", "## 图 {#img}\n\n看这里：\n![图](assets/none.png)\n")
    assert errors(stage) == [
        "decks/01-lang/a.md:10: error: image 'assets/none.png' not found (looked for decks/01-lang/assets/none.png)"
    ]


def test_image_escaping_the_decks_folder(stage, tmp_path):
    (tmp_path / "secret.png").write_bytes(b"png")
    stage.topic("01-lang/a.md", "A", "## 图 {#img}\n\n![图](../../secret.png)\n")
    assert errors(stage) == ["decks/01-lang/a.md:9: error: image '../../secret.png' lies outside decks/"]


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_image_escaping_through_a_symlink(stage, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "x.png").write_bytes(b"png")
    os.symlink(outside, stage.root / "01-lang" / "linked")
    stage.topic("01-lang/a.md", "A", "## 图 {#img}\n\n![图](linked/x.png)\n")
    assert errors(stage) == [
        "decks/01-lang/a.md:9: error: image 'linked/x.png' leads outside decks/ through a symbolic link; "
        "only files inside decks/ are read"
    ]


def test_remote_images_are_refused(stage):
    stage.topic("01-lang/a.md", "A", "## 图 {#img}\n\n![图](https://example.org/x.png)\n")
    assert errors(stage) == [
        "decks/01-lang/a.md:9: error: image 'https://example.org/x.png' is not a local file; "
        "put the image next to the notes"
    ]


def test_unclosed_code_fence(stage):
    stage.topic("01-lang/a.md", "A", "## 代码 {#code}\n\n```python\nx = 1\n\n## 下一题 {#next}\n\n答。\n")
    assert errors(stage) == [
        "decks/01-lang/a.md:9: error: code block is never closed: add a line with ``` after the code"
    ]


def test_cloze_numbering_gap_and_unclosed_deletion(stage):
    stage.topic(
        "01-lang/a.md",
        "A",
        "## 填空 {#gap}\n\n{{c1::一}}和{{c3::三}}。\n\n## 未闭合 {#open}\n\n{{c1::一}}和{{c2::二\n",
    )
    assert errors(stage) == [
        "decks/01-lang/a.md:9: error: cloze numbers must run from c1 without gaps: found c1, c3; missing c2",
        "decks/01-lang/a.md:13: error: cloze deletion c2 is not closed with '}}'",
    ]


def test_cloze_misplaced_or_combined_with_reverse(stage):
    stage.topic(
        "01-lang/a.md",
        "A",
        "## 标题里有 {{c1::填空}} {#in-title}\n\n正文。\n\n## 反向填空 {#rev .reverse}\n\n{{c1::一}}。\n",
    )
    assert errors(stage) == [
        "decks/01-lang/a.md:7: error: cloze deletions belong in the card's text, not in the heading",
        "decks/01-lang/a.md:11: error: '.reverse' is for question/answer cards; a cloze card makes a card per deletion",
    ]


def test_double_brace_inside_math_in_a_cloze(stage):
    stage.topic("01-lang/a.md", "A", "## 数学 {#math}\n\n{{c1::$x^{2}}$}} 是平方。\n")
    assert errors(stage) == [
        "decks/01-lang/a.md:9: error: '}}' inside math ends a cloze deletion early in Anki; write '} }' instead"
    ]


def test_source_must_come_last(stage):
    stage.topic("01-lang/a.md", "A", "## 问 {#qqq}\n\n答。\n\n来源：某书\n\n还有一段。\n")
    assert errors(stage) == ["decks/01-lang/a.md:13: error: the '来源：'/'Source:' part must come last in its card"]


def test_setext_heading_is_refused(stage):
    stage.topic("01-lang/a.md", "A", "## 问 {#qqq}\n\n答案\n---\n")
    assert errors(stage) == [
        "decks/01-lang/a.md:10: error: a line of '---' under text makes a heading; cards start with '## ', "
        "and a horizontal rule needs a blank line above it"
    ]


def test_stage_folder_without_stage_yaml(decks, in_tmp):
    (decks.root / "02-empty").mkdir()
    assert errors(decks) == ["decks/02-empty: error: stage folder has no stage.yaml"]


def test_bad_stage_folder_name(decks, in_tmp):
    decks.topic("Misc/a.md", "A", OK_CARD)
    assert errors(decks) == [
        "decks/Misc: error: stage folder names look like '06-llm-inference' (two digits, a dash, a slug)"
    ]


def test_invalid_utf8_names_the_line_and_column(stage):
    stage.write("01-lang/a.md", "x")
    (stage.root / "01-lang" / "a.md").write_bytes(b"---\ntitle: A\n---\n\n## Q \xff {#q}\n\nA\n")
    assert errors(stage) == [
        "decks/01-lang/a.md:5: error: not valid UTF-8 (byte 0xff at column 6); save the file as UTF-8"
    ]


def test_values_of_the_wrong_shape(stage):
    stage.write(
        "01-lang/a.md",
        "---\ntitle: 12\ntitle: x\ntags: a b\nsources: [{title: x, link: y}]\nlang: fr\n---\n" + OK_CARD,
    )
    assert errors(stage) == [
        "decks/01-lang/a.md:2: error: title: expected text (put it in quotes if it looks like a number or a date)",
        "decks/01-lang/a.md:3: error: duplicate key 'title' in front matter (first at line 2)",
        "decks/01-lang/a.md:4: error: tags: expected a list of tags, e.g. [kv-cache, memory]",
        "decks/01-lang/a.md:5: error: sources: unknown key 'link' (expected one of: title, url)",
        "decks/01-lang/a.md:6: error: lang: expected one of zh, en, got 'fr'",
    ]


def test_all_errors_of_a_run_are_reported_together_with_exit_1(stage, runner):
    stage.topic("01-lang/a.md", "A", "## 无答案 {#no-answer}\n")
    stage.write("01-lang/b.md", "---\ntitle: [x\n---\n")
    (stage.root / "03-x").mkdir()
    result = runner.invoke(main, ["check"])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "decks/01-lang/a.md:7: error: card has an empty answer",
        "decks/01-lang/b.md:2: error: invalid YAML in front matter: did not find expected ',' or ']' "
        "(while parsing a flow sequence that starts at line 2)",
        "decks/03-x: error: stage folder has no stage.yaml",
        "roadmap-cards: 3 errors, no warnings",
    ]
    assert "Traceback" not in result.output


def everything(decks) -> list[str]:
    return [d.format() for d in check(decks.root).diagnostics.sorted()]


def test_a_broken_roadmap_yaml_does_not_hide_the_topics_errors(stage):
    stage.write("roadmap.yaml", "title: [unclosed\n")
    stage.topic("01-lang/a.md", "A", "## 无答案 {#no-answer}\n")
    assert errors(stage) == [
        "decks/01-lang/a.md:7: error: card has an empty answer",
        "decks/roadmap.yaml:1: error: invalid YAML in roadmap.yaml: did not find expected ',' or ']' "
        "(while parsing a flow sequence that starts at line 1)",
    ]


def test_a_missing_roadmap_yaml_does_not_hide_the_topics_errors(stage):
    (stage.root / "roadmap.yaml").unlink()
    stage.topic("01-lang/a.md", "A", "## 无答案 {#no-answer}\n")
    assert errors(stage) == [
        "decks/01-lang/a.md:7: error: card has an empty answer",
        "decks/roadmap.yaml: error: missing roadmap.yaml (it holds the roadmap's title, the parent deck name)",
    ]


def test_a_card_with_an_error_still_gets_the_checks_across_files_and_the_lint(stage):
    stage.topic("01-lang/a.md", "A", "## 为什么要分页？ {#same-id}\n\n答案。\n")
    stage.topic("01-lang/b.md", "B", "## vLLM 是否分页？ {#same-id .flip}\n\n是。\n")
    assert everything(stage) == [
        "decks/01-lang/a.md:7: error: duplicate card id 'same-id' (also at decks/01-lang/b.md:7)",
        "decks/01-lang/b.md:7: error: unknown class '.flip' (known: .reverse)",
        "decks/01-lang/b.md:7: warning[yes-no-question]: yes/no question: ask what, why, how much or which instead",
        "decks/01-lang/b.md:7: error: duplicate card id 'same-id' (also at decks/01-lang/a.md:7)",
    ]


def test_an_anki_template_that_does_not_nest_is_an_error_of_check(stage, tmp_path):
    templates = tmp_path / "templates"
    shutil.copytree(default_templates_dir(), templates)
    back = templates / "anki" / "basic-back.html.j2"
    back.write_text(back.read_text(encoding="utf-8") + '{{ anki("#extra") }}\n', encoding="utf-8")
    stage.topic("01-lang/a.md", "A", OK_CARD)
    assert [d.format() for d in check(stage.root, templates).diagnostics.sorted()] == [
        f"{templates.relative_to(tmp_path)}/anki/basic-back.html.j2: error: as an Anki card template: "
        "{{#extra}} is never closed"
    ]


def test_an_unknown_kind(stage):
    stage.topic("01-lang/a.md", "A", '## 问题 {#kind-card kind="trivia"}\n\n答案。\n', front="kind: lore\n")
    assert errors(stage) == [
        "decks/01-lang/a.md:6: error: kind: kind 'lore' is not one of concept, term, mechanism, number, formula, "
        "paper-result, api, code",
        "decks/01-lang/a.md:8: error: kind 'trivia' is not one of concept, term, mechanism, number, formula, "
        "paper-result, api, code",
    ]


def test_the_answer_marker_comes_once_in_a_question_answer_card(stage):
    stage.topic(
        "01-lang/a.md",
        "A",
        "## 两次 {#twice}\n\n`x`\n\n答：一。\n\n答：二。\n\n## 填空 {#cloze-marked}\n\n`y`\n\n答：{{c1::z}}\n",
    )
    assert errors(stage) == [
        "decks/01-lang/a.md:13: error: '答：'/'Answer:' starts the answer once, after the question's table, "
        "figure or code",
        "decks/01-lang/a.md:15: error: '答：' is for question/answer cards; a cloze card's text is all on its front",
    ]
