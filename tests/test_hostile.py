"""Hostile input, state and environment: a clear `path:line: error`, exit 1 (2 for usage), no traceback, and the
outputs of the last good build left byte for byte as they were."""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from roadmap_cards.build import build
from roadmap_cards.cli import main
from roadmap_cards.files import replace_all

OK_CARD = "## 问题 {#ok-card}\n\n答案。\n"


def state(decks) -> dict[str, bytes]:
    """Every file of dist/ and the lock, with its bytes."""
    root = decks.root.parent
    files = [*sorted((root / "dist").rglob("*")), decks.root / "cards.lock"]
    return {str(p.relative_to(root)): p.read_bytes() for p in files if p.is_file()}


@pytest.fixture
def built(basic_decks, runner, in_tmp):
    """The basic decks, built once: the last good build that a bad input must leave alone."""
    assert runner.invoke(main, ["build"]).exit_code == 0
    return basic_decks


def refused(decks, runner, *args: str) -> list[str]:
    """Build with the decks as they are now; return what it printed on stderr, after checking it failed cleanly."""
    before = state(decks)
    result = runner.invoke(main, ["build", *args])
    assert result.exit_code == 1, result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    assert state(decks) == before
    lines = result.stderr.splitlines()
    assert lines[-1].startswith("roadmap-cards: ")
    return lines[:-1] if lines[-1].endswith("; nothing was written") else lines


# --- YAML: only strings, whole numbers, lists and mappings with plain keys ------------------------------------


@pytest.mark.parametrize(
    ("front", "message"),
    [
        ("title: 2024-02-30", "2: error: title: expected text (put it in quotes if it looks like a number or a date)"),
        ("title: =", "2: error: title: expected text (put it in quotes if it looks like a number or a date)"),
        ("title: A\norder: 0x_", "3: error: order: expected a whole number, written in decimal digits"),
        ("title: A\norder: " + "9" * 5000, "3: error: order: expected a whole number, written in decimal digits"),
        ("title: A\n<<: {tags: [x]}", "3: error: in front matter: merge keys (<<) are not supported"),
        ("title: !foo A", "2: error: in front matter: YAML tags such as !foo are not supported"),
        ("title: A\n[1]: x", "3: error: in front matter: keys must be plain names, such as title"),
        ("title: A\nsources:\n  - {[1]: x, title: t}", "4: error: sources: keys must be plain names, such as title"),
        (
            "title: A\nx: &a [1, 2]\nsources: [*a, *a]",
            "3: error: in front matter: anchors and aliases (&name, *name) are not supported",
        ),
        (
            'title: "A\\tB"',
            "2: error: title: must be one line of text, without tabs or other control characters",
        ),
        (
            "title: A\u2028\ntags: [x y]",
            "3: error: tags: tag 'x y' may use only letters, digits, '_', '.' and '-' (Anki tags cannot hold spaces)",
        ),
    ],
    ids=[
        "date",
        "value-tag",
        "hex",
        "huge-number",
        "merge",
        "tag",
        "list-key",
        "nested-list-key",
        "alias",
        "tab",
        "u2028",
    ],
)
def test_front_matter_yaml_that_is_not_plain_data(built, runner, front, message):
    built.write("06-llm/bad.md", f"---\n{front}\n---\n{OK_CARD}")
    assert refused(built, runner) == [f"decks/06-llm/bad.md:{message}"]


def test_a_deeply_nested_yaml_value(built, runner):
    built.write("06-llm/bad.md", "---\ntitle: A\ntags: " + "[" * 5000 + "]" * 5000 + "\n---\n" + OK_CARD)
    assert refused(built, runner) == [
        "decks/06-llm/bad.md:3: error: invalid YAML in front matter: exceeded maximum nesting depth "
        "(while increasing flow level that starts at line 3)"
    ]


# --- nothing outside decks/ is read or shipped ----------------------------------------------------------------

OUTSIDE = "leads outside decks/ through a symbolic link; only files inside decks/ are read"


def secret(in_tmp: Path, name: str, text: str) -> Path:
    path = in_tmp / "elsewhere" / name
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_a_topic_file_linked_to_outside(built, runner, in_tmp):
    target = secret(in_tmp, "secret.md", f"---\ntitle: 秘密\n---\n{OK_CARD}")
    (built.root / "06-llm" / "leak.md").symlink_to(target)
    assert refused(built, runner) == [f"decks/06-llm/leak.md: error: {OUTSIDE}"]


def test_a_stage_folder_linked_to_outside(built, runner, in_tmp):
    folder = secret(in_tmp, "stage.yaml", (built.root / "06-llm" / "stage.yaml").read_text()).parent
    (built.root / "07-leak").symlink_to(folder, target_is_directory=True)
    assert refused(built, runner) == [f"decks/07-leak: error: {OUTSIDE}"]


@pytest.mark.parametrize("name", ["roadmap.yaml", "01-lang/stage.yaml", "cards.lock"])
def test_metadata_and_lock_linked_to_outside(built, runner, in_tmp, name):
    path = built.root / name
    target = secret(in_tmp, path.name, path.read_text(encoding="utf-8"))
    path.unlink()
    path.symlink_to(target)
    assert f"decks/{name}: error: {OUTSIDE}" in refused(built, runner)


def test_a_loop_of_links(built, runner):
    (built.root / "06-llm" / "loop.md").symlink_to(built.root / "06-llm" / "loop.md")
    assert refused(built, runner) == ["decks/06-llm/loop.md: error: cannot be opened (a loop of symbolic links)"]


@pytest.mark.parametrize(
    ("src", "message"),
    [
        ("a%00.png", "image 'a\\x00.png': use a short file name without control characters"),
        ("a" * 300 + ".png", "image '" + "a" * 60 + "': use a short file name without control characters"),
        ("loop.png", "image 'loop.png' cannot be opened (a loop of symbolic links)"),
    ],
    ids=["nul", "long-name", "loop"],
)
def test_hostile_image_names(built, runner, src, message):
    loop = built.root / "06-llm" / "loop.png"
    loop.symlink_to(loop)
    built.topic("06-llm/img.md", "图", f"## 图 {{#img-card}}\n\n![x]({src})\n")
    assert refused(built, runner) == [f"decks/06-llm/img.md:9: error: {message}"]


# --- state files: checked on the way in --------------------------------------------------------------------------


def test_a_lock_time_far_in_the_future_is_shown_by_build(built, runner):
    lock = built.root / "cards.lock"
    text = lock.read_text(encoding="utf-8")
    [line] = [line for line in text.splitlines() if line.startswith("card\twarp-size\t")]
    lock.write_text(text.replace(line, line.replace(line.split("\t")[3], "4000000000")), encoding="utf-8")
    number = text.splitlines().index(line) + 1
    result = runner.invoke(main, ["build"])
    assert result.exit_code == 0
    assert result.stderr == (
        f"decks/cards.lock:{number}: warning: this time is in the future (2096-10-02): until then, learners' own "
        "edits of the note are overwritten by every import; if it is a mistake, delete the line and build again\n"
    )


@pytest.mark.parametrize("value", ["99999999999999999999", "-5", "0", "1e9"])
def test_source_date_epoch_out_of_range(built, runner, monkeypatch, value):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", value)
    before = state(built)
    result = runner.invoke(main, ["build"])
    assert result.exit_code == 2
    assert result.stderr == (
        "roadmap-cards: error: SOURCE_DATE_EPOCH must be a whole number of seconds between 1 and 4294967295, "
        f"not {value!r}\n"
    )
    assert state(built) == before


# --- stages: one deck each, and never Anki's own -----------------------------------------------------------------


def test_two_stages_with_one_deck_id(built, runner):
    built.stage("07-more", 1006, "更多")
    built.topic("07-more/a.md", "A", OK_CARD)
    assert refused(built, runner) == [
        "decks/06-llm/stage.yaml: error: deck_id 1006 is also the deck_id of 07-more (decks/07-more/stage.yaml): "
        "every stage needs its own, or Anki merges their decks",
        "decks/07-more/stage.yaml: error: deck_id 1006 is also the deck_id of 06-llm (decks/06-llm/stage.yaml): "
        "every stage needs its own, or Anki merges their decks",
    ]


def test_two_stages_with_one_number_and_title(built, runner):
    built.stage("06-other", 1066, "推理")
    built.topic("06-other/a.md", "A", OK_CARD)
    assert refused(built, runner) == [
        "decks/06-llm/stage.yaml: error: number '06' is also the number of 06-other (decks/06-other/stage.yaml): "
        "every stage needs its own, or Anki merges their decks",
        "decks/06-llm/stage.yaml: error: deck name '测试路线图::06 推理' is also the deck name of 06-other "
        "(decks/06-other/stage.yaml): every stage needs its own, or Anki merges their decks",
        "decks/06-other/stage.yaml: error: number '06' is also the number of 06-llm (decks/06-llm/stage.yaml): "
        "every stage needs its own, or Anki merges their decks",
        "decks/06-other/stage.yaml: error: deck name '测试路线图::06 推理' is also the deck name of 06-llm "
        "(decks/06-llm/stage.yaml): every stage needs its own, or Anki merges their decks",
    ]


def test_anki_s_default_deck_id(built, runner):
    built.stage("06-llm", 1, "推理")
    assert refused(built, runner) == [
        "decks/06-llm/stage.yaml:1: error: deck_id must be a number from 1000 to 2^63-1 (small ids are Anki's "
        "own: 1 is its Default deck); choose a large random one once, and never change it"
    ]


# --- Markdown and cloze markup that Anki or the parser would break -------------------------------------------------


def test_lists_nested_so_deep_that_the_parser_drops_the_rest(built, runner):
    nested = "".join("  " * depth + f"- {depth}\n" for depth in range(12))
    built.topic("06-llm/deep.md", "深", f"## 问题 {{#deep-card}}\n\n{nested}\n## 后面的卡 {{#later-card}}\n\n答。\n")
    assert refused(built, runner) == [
        "decks/06-llm/deep.md:17: error: lists or quotes nested this deeply are more than the Markdown parser reads "
        "(it would drop the rest of the file): nest them less"
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "{{c1::调用 `f() {}}` 这里}}",
            "cloze deletion c1 is closed early by a '}}' inside code, math or a link, or spans two paragraphs: "
            "write '} }' in code, or keep the deletion within one piece of text",
        ),
        (
            "{{c1::见 [文档}}](https://example.org) 一节}}",
            "cloze deletion c1 is closed early by a '}}' inside code, math or a link, or spans two paragraphs: "
            "write '} }' in code, or keep the deletion within one piece of text",
        ),
        (
            "![{{c1::秘密}}](dot.svg) 和 {{c2::别的}}",
            "a cloze deletion in an image's text or a link's address does not work in Anki: keep it in the text",
        ),
        ("{{c1000000000::x}}", "cloze numbers go up to c99 (each number makes a card of its own)"),
    ],
    ids=["code", "link", "image-alt", "huge-number"],
)
def test_cloze_markup_that_anki_would_break(built, runner, text, message):
    (built.root / "06-llm" / "dot.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    built.topic("06-llm/cloze.md", "填空", f"## 填空 {{#cloze-card}}\n\n{text}\n")
    line = 9 if "c1000000000" in text else 7
    assert refused(built, runner) == [f"decks/06-llm/cloze.md:{line}: error: {message}"]


@pytest.mark.parametrize(
    "tex", ["$\\href{javascript:alert(1)}{x}$", "$$\\style{color:red}{x}$$", "$$\n\\class{a}{x}\n$$"]
)
def test_math_that_mathjax_would_turn_into_html(built, runner, tex):
    built.topic("06-llm/math.md", "数学", f"## 公式是什么？ {{#math-card}}\n\n{tex}\n")
    macro = "\\" + tex.split("\\")[1].split("{")[0]
    assert refused(built, runner) == [
        f"decks/06-llm/math.md:9: error: math may not use {macro} (MathJax would turn it into HTML in the card)"
    ]


# --- every heavy step is bounded -----------------------------------------------------------------------------------


def test_a_giant_heading_is_refused_before_its_attributes_are_read(built, runner):
    built.topic("06-llm/long.md", "长", "## 问 " + "{a " * 100_000 + "{#long-card}\n\n答。\n")
    assert refused(built, runner) == [
        "decks/06-llm/long.md:7: error: the heading is 300014 characters long: keep a question to one line",
        "decks/06-llm/long.md:7: error: card has no id: end the heading with {#some-id}, or run `roadmap-cards ids`",
    ]


def test_an_unknown_class_repeated_is_reported_once(built, runner):
    built.topic("06-llm/classes.md", "类", "## 问 {#class-card " + ".x " * 300 + "}\n\n答。\n")
    assert refused(built, runner) == ["decks/06-llm/classes.md:7: error: unknown class '.x' (known: .reverse)"]


def test_code_with_a_giant_line_is_shown_without_colour():
    from roadmap_cards.highlight import highlight_code

    short, giant = "x = 1\n", "x = [" + "1, " * 1000 + "]\n"
    assert '<span class="n">x</span>' in highlight_code(short, "python")
    assert (
        highlight_code(giant, "python") == f'<pre class="rc-code"><code class="language-python">{giant}</code></pre>\n'
    )


# --- the write is all or nothing ---------------------------------------------------------------------------------


def edit_a_card(decks) -> None:
    cuda = decks.root / "01-lang" / "cuda.md"
    cuda.write_text(cuda.read_text(encoding="utf-8").replace("\n32 个线程。", "\n32 个。"), encoding="utf-8")


def test_a_state_file_that_cannot_be_written_leaves_everything_as_it_was(built, runner, in_tmp):
    edit_a_card(built)  # every package, the lock and the cache would change
    shutil.rmtree(in_tmp / "dist" / ".cache")
    (in_tmp / "dist" / ".cache").write_text("a file where the cache folder goes")
    assert refused(built, runner) == ["roadmap-cards: error: dist/.cache: File exists"]
    assert not [p for p in (in_tmp / "dist").iterdir() if ".tmp-" in p.name or p.name.startswith(".rc-scratch")]


def test_a_failed_rename_puts_back_what_was_renamed(tmp_path):
    old = {name: tmp_path / name for name in ("a.apkg", "b.apkg")}
    for name, path in old.items():
        path.write_text(f"old {name}")
    (tmp_path / ".a.apkg.tmp").write_text("new a")  # the second file's temporary file is missing
    with pytest.raises(FileNotFoundError):
        replace_all([(tmp_path / ".a.apkg.tmp", old["a.apkg"]), (tmp_path / ".b.apkg.tmp", old["b.apkg"])])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.apkg", "b.apkg"]
    assert [old[name].read_text() for name in sorted(old)] == ["old a.apkg", "old b.apkg"]


def test_leftovers_of_a_killed_build_are_removed(built, runner, in_tmp):
    gone = _dead_pid()
    leftovers = [
        in_tmp / "dist" / f".all.apkg.tmp-{gone}",
        in_tmp / "dist" / f".rc-scratch-{gone}-x1y2.anki2",
        in_tmp / "dist" / ".cache" / f".rendered.pickle.tmp-{gone}",
        built.root / f".cards.lock.tmp-{gone}",
    ]
    alive = in_tmp / "dist" / f".all.apkg.tmp-{os.getppid()}"  # a build still running in another process
    for path in [*leftovers, alive]:
        path.write_bytes(b"half a file")
    edit_a_card(built)
    assert runner.invoke(main, ["build"]).exit_code == 0
    assert [path.exists() for path in leftovers] == [False, False, False, False]
    assert alive.exists()


def _dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def test_a_hostile_manifest_deletes_nothing_outside_dist(built, runner, in_tmp):
    victim = in_tmp / "precious.txt"
    victim.write_text("mine")
    digest = hashlib.sha256(b"mine").hexdigest()
    manifest = in_tmp / "dist" / ".roadmap-cards-manifest.json"
    entries = json.loads(manifest.read_text())
    entries.update({"../precious.txt": {"sha256": digest}, "x.apkg": "not a mapping", "y.apkg": {"sha256": 5}})
    manifest.write_text(json.dumps(entries))
    result = runner.invoke(main, ["build"])
    assert result.exit_code == 0, result.output
    assert victim.read_text() == "mine"
    for broken in ("[1, 2", "[]", '{"../precious.txt": []}'):
        manifest.write_text(broken)
        assert runner.invoke(main, ["build"]).exit_code == 0
    assert victim.read_text() == "mine"


FULL_DISK = """
import resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit then fails like one on a full disk
resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))
from roadmap_cards.cli import main
main(["build"])
"""


def test_a_full_disk(built, runner, in_tmp):
    edit_a_card(built)
    before = state(built)
    result = subprocess.run([sys.executable, "-c", FULL_DISK], capture_output=True, text=True, cwd=in_tmp)
    assert result.returncode == 1
    # SQLite reports the refused write as an I/O error or a full disk, depending on where it falls
    assert re.fullmatch(
        r"roadmap-cards: error: dist/all\.apkg: cannot be written \((disk I/O error|database or disk is full)\)\n",
        result.stderr,
    ), result.stderr
    assert state(built) == before
    assert sorted(p.name for p in (in_tmp / "dist").iterdir() if p.name.startswith(".")) == [
        ".cache",
        ".roadmap-cards-manifest.json",
    ]


# --- the render cache is data, checked as it is read ---------------------------------------------------------------

CACHE = Path("dist/.cache/rendered.data")


def test_a_planted_pickle_is_never_loaded(built, runner, in_tmp):
    marker = in_tmp / "pwned"

    class Payload:
        def __reduce__(self):
            return (Path.touch, (marker,))

    (in_tmp / "dist" / ".cache" / "rendered.pickle").write_bytes(pickle.dumps(Payload()))
    (in_tmp / CACHE).write_bytes(pickle.dumps(Payload()))
    assert runner.invoke(main, ["build"]).exit_code == 0
    assert not marker.exists()
    assert not (in_tmp / "dist" / ".cache" / "rendered.pickle").exists()  # an earlier version's cache, removed


def _tamper(in_tmp: Path, change) -> None:
    data = (in_tmp / CACHE).read_bytes()
    header, rest = data.split(b"\n", 1)
    records = []
    while rest:
        key, length = rest.split(b"\n", 1)[0].split(b" ")
        start = rest.index(b"\n") + 1
        body = rest[start : start + int(length)]
        rest = rest[start + int(length) + 1 :]
        body = json.dumps(change(json.loads(body)), ensure_ascii=False).encode()
        records.append(key + b" " + str(len(body)).encode() + b"\n" + body + b"\n")
    (in_tmp / CACHE).write_bytes(header + b"\n" + b"".join(records))


def _with_foreign_image(result):
    for note in result[2]:
        note[5] = [["x.png", "/etc/passwd", "rc-aaaaaaaaaaaaaaaaaaaa.png", 1]]
    return result


def _with_a_number_for_a_field(result):
    for note in result[2]:
        note[3][0] = 42
    return result


@pytest.mark.parametrize(
    "damage",
    [
        lambda in_tmp: (in_tmp / CACHE).write_bytes(b"\x00garbage" * 100),
        lambda in_tmp: (in_tmp / CACHE).write_bytes(b"roadmap-cards render cache 3\n" + b"f" * 64 + b" 99999\n{}"),
        lambda in_tmp: _tamper(in_tmp, _with_foreign_image),
        lambda in_tmp: _tamper(in_tmp, _with_a_number_for_a_field),
    ],
    ids=["garbage", "bad-length", "image-outside-decks", "wrong-type"],
)
def test_a_damaged_or_crafted_cache_is_dropped(built, runner, in_tmp, damage):
    packages = {p.name: p.read_bytes() for p in (in_tmp / "dist").glob("*.apkg")}
    damage(in_tmp)
    report = build(built.root, in_tmp / "dist")
    assert report.parsed == 2  # every topic parsed again: nothing was taken from the cache
    assert {p.name: p.read_bytes() for p in (in_tmp / "dist").glob("*.apkg")} == packages
    assert build(built.root, in_tmp / "dist").parsed == 0  # and the cache is whole again


def test_a_stage_with_the_parent_deck_s_id(built, runner):
    built.stage("07-more", 1000, "更多")
    built.topic("07-more/a.md", "A", OK_CARD)
    assert refused(built, runner) == [
        "decks/07-more/stage.yaml: error: deck_id 1000 is also the parent deck's (in decks/roadmap.yaml): every "
        "deck needs its own"
    ]


def test_renaming_the_shipped_parent_deck(built, runner):
    roadmap = built.root / "roadmap.yaml"
    roadmap.write_text(roadmap.read_text(encoding="utf-8").replace("测试路线图", "新路线图"), encoding="utf-8")
    lines = (built.root / "cards.lock").read_text(encoding="utf-8").splitlines()
    number = lines.index("deck\troadmap\t测试路线图") + 1
    errors = refused(built, runner)
    assert len(errors) == 3  # the parent and both stages, whose names start with it
    assert errors[-1] == (
        "decks/roadmap.yaml: error: the parent deck was shipped as '测试路线图'; renaming it to '新路线图' would "
        "strand every learner's cards in the old decks (Anki matches decks by name). If it never shipped, delete "
        f"line {number} of cards.lock"
    )
