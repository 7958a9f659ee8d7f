"""Hostile input, state and environment: a clear `path:line: error`, exit 1 (2 for usage), no traceback, and the
outputs of the last good build left byte for byte as they were."""

from __future__ import annotations

import pytest

from roadmap_cards.cli import main

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
    return lines[:-1]


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
