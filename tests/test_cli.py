"""The command line as users see it: help, version, summaries and exit codes."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from roadmap_cards import __version__
from roadmap_cards.cli import main
from roadmap_cards.diagnostics import FileError
from roadmap_cards.lint import RULES

PROJECT = Path(__file__).parents[1]


def test_version(runner, in_tmp):
    result = runner.invoke(main, ["--version"])
    assert result.exit_code == 0
    assert result.stdout == f"roadmap-cards, version {__version__}\n"


def test_version_shows_the_content_version(decks, runner, in_tmp):
    roadmap = decks.root / "roadmap.yaml"
    roadmap.write_text(roadmap.read_text(encoding="utf-8") + "version: 2026.12.1\n", encoding="utf-8")
    result = runner.invoke(main, ["--version"])
    assert result.stdout == f"roadmap-cards, version {__version__}\ndecks 2026.12.1 (decks/roadmap.yaml)\n"
    roadmap.write_text(roadmap.read_text(encoding="utf-8").replace("2026.12.1", "v1"), encoding="utf-8")
    assert runner.invoke(main, ["check"]).stderr.startswith(
        "decks/roadmap.yaml:4: error: version: expected a version such as 2026.11.0 (year, month, release), got 'v1'"
    )


@pytest.mark.parametrize("command", sorted(main.commands))
def test_every_command_has_help(runner, command):
    result = runner.invoke(main, [command, "--help"])
    assert result.exit_code == 0
    assert result.stdout.startswith(f"Usage: main {command} [OPTIONS]")
    summary = result.stdout.splitlines()[2].strip()
    assert len(summary) > 20, f"{command} has no real help text"
    assert main.commands[command].get_short_help_str()


def test_build_prints_a_summary(basic_decks, runner, in_tmp):
    basic_decks.stage("02-empty", 1002, "空")
    result = runner.invoke(main, ["build"])
    assert result.exit_code == 0, result.output
    assert result.stderr == "notice: 02-empty has no cards yet; skipped\n"
    assert result.stdout == (
        "package        cards  notes  media\n"
        "01-lang.apkg       5      3      0\n"
        "06-llm.apkg        1      1      0\n"
        "all.apkg           6      4      0\n"
        "wrote 3 of 3 packages to dist/\n"
    )
    again = runner.invoke(main, ["build"])
    assert again.stdout.splitlines()[1] == "01-lang.apkg       5      3      0  (unchanged)"
    assert again.stdout.splitlines()[-1] == "wrote 0 of 3 packages to dist/"


def test_build_with_errors_writes_nothing_and_exits_1(basic_decks, runner, in_tmp):
    basic_decks.topic("06-llm/bad.md", "坏", "## 无答案 {#no-answer}\n")
    result = runner.invoke(main, ["build", "--out", "out"])
    assert result.exit_code == 1
    assert result.stderr == (
        "decks/06-llm/bad.md:7: error: card has an empty answer\nroadmap-cards: 1 error; nothing was written\n"
    )
    assert not (in_tmp / "out").exists()


def test_check_clean(basic_decks, runner, in_tmp):
    result = runner.invoke(main, ["check"])
    assert result.exit_code == 0
    assert result.stdout == "checked 4 cards in 2 topics: no errors, no warnings\n"
    assert not (basic_decks.root / "cards.lock").exists()  # check writes nothing


def test_missing_content_folder_is_a_usage_error(runner, in_tmp):
    result = runner.invoke(main, ["check", "--decks", "nowhere"])
    assert result.exit_code == 2
    assert result.stderr == "roadmap-cards: error: content folder nowhere does not exist (use --decks to point at it)\n"


def test_output_folder_that_is_a_file(basic_decks, runner, in_tmp):
    (in_tmp / "dist").write_text("not a folder")
    result = runner.invoke(main, ["build"])
    assert result.exit_code == 2
    assert result.stderr.endswith("Error: Invalid value for '--out': Directory 'dist' is a file.\n")
    assert "Traceback" not in result.output


def test_bad_source_date_epoch(basic_decks, runner, in_tmp, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "soon")
    result = runner.invoke(main, ["build"])
    assert result.exit_code == 2
    assert (
        result.stderr
        == "roadmap-cards: error: SOURCE_DATE_EPOCH must be a whole number of seconds between 1 and 4294967295, not 'soon'\n"
    )


def test_command_list_shows_whole_summaries(runner):
    result = runner.invoke(main, ["--help"])
    listed = result.stdout.split("Commands:\n", 1)[1].splitlines()
    assert [line.split()[0] for line in listed] == sorted(main.commands)
    for line in listed:
        summary = line.split(maxsplit=1)[1]
        assert summary.endswith(".") and "..." not in summary, line


def test_readme_lists_every_command_and_only_those():
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    documented = re.findall(r"^\| `roadmap-cards ([a-z]+)\b", readme, re.M)
    assert sorted(documented) == sorted(main.commands)


def test_contributing_lists_every_lint_rule_in_order():
    contributing = (PROJECT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    assert re.findall(r"^\| `([a-z-]+)` \|", contributing, re.M) == list(RULES)


def run_cli(*args: str, **kwargs) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "roadmap_cards", *args], capture_output=True, text=True, **kwargs)


def test_a_closed_pipe_ends_quietly():
    read_end, write_end = os.pipe()
    os.close(read_end)  # like `roadmap-cards rules | head -0`: the reader is gone before the first line
    try:
        result = subprocess.run(
            [sys.executable, "-m", "roadmap_cards", "rules"], stdout=write_end, stderr=subprocess.PIPE, text=True
        )
    finally:
        os.close(write_end)
    assert (result.returncode, result.stderr) == (1, "")


def test_preview_open_says_when_no_browser_opens(basic_decks, in_tmp):
    result = run_cli("preview", "--open", env={**os.environ, "BROWSER": "false"})
    assert result.returncode == 0, result.stderr
    assert result.stderr == "notice: no web browser could be opened; open preview/index.html yourself\n"


def test_an_unwritable_file_is_an_error_naming_it(basic_decks, runner, in_tmp):
    (in_tmp / "dist" / ".roadmap-cards-manifest.json").mkdir(parents=True)
    result = runner.invoke(main, ["build"])
    assert result.exit_code == 1
    assert result.stderr.endswith(
        "roadmap-cards: error: dist/.roadmap-cards-manifest.json: in the way: not a regular file "
        "(move it elsewhere and build again)\n"
    )
    assert "Traceback" not in result.output


def test_an_os_error_without_a_file_has_no_empty_name():
    assert FileError.from_os_error(OSError(28, "No space left on device")).format_message() == (
        "No space left on device"
    )
