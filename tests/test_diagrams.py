"""The decks' diagrams: drawn by scripts/draw_diagrams.py, shown on cards, readable at night and on a phone."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from roadmap_cards.cli import main
from webhelp import PageWatch

PROJECT = Path(__file__).parents[1]
SCRIPT = PROJECT / "scripts" / "draw_diagrams.py"


def drawn(tmp_path: Path) -> dict[str, bytes]:
    out = tmp_path / "drawn"
    subprocess.run([sys.executable, str(SCRIPT), "--out", str(out)], check=True, capture_output=True)
    return {path.relative_to(out).as_posix(): path.read_bytes() for path in sorted(out.rglob("*.svg"))}


def test_the_committed_diagrams_are_what_the_script_draws(tmp_path):
    diagrams = drawn(tmp_path)
    assert len(diagrams) >= 8
    stale = [name for name, data in diagrams.items() if (PROJECT / "decks" / name).read_bytes() != data]
    assert stale == [], "run: python scripts/draw_diagrams.py"
    assert drawn(tmp_path / "again") == diagrams  # the same bytes every time


def test_every_diagram_is_shown_on_a_card(tmp_path):
    shown = {
        f"{topic.parent.name}/assets/{name}"
        for topic in (PROJECT / "decks").glob("*/*.md")
        for name in re.findall(r"\]\(assets/([\w.-]+\.svg)\)", topic.read_text(encoding="utf-8"))
    }
    assert sorted(set(drawn(tmp_path)) - shown) == []


def test_diagrams_fit_a_phone_and_turn_dark_at_night(browser, runner, tmp_path, monkeypatch):
    monkeypatch.chdir(PROJECT)
    site = tmp_path / "site"
    assert runner.invoke(main, ["preview", "--out", str(site)]).exit_code == 0
    watch = PageWatch(browser, {"width": 360, "height": 740})
    seen = 0
    for page in sorted(site.glob("0*.html")):
        watch.open(page)
        images = watch.page.locator(".pv-card .card img[src$='.svg']")
        if not images.count():
            continue
        seen += images.count()
        boxes = images.evaluate_all(
            "imgs => imgs.map(i => [i.naturalWidth, i.getBoundingClientRect().width, i.closest('.card').clientWidth])"
        )
        assert all(natural > 0 for natural, _, _ in boxes), f"an image did not load on {page.name}"
        assert all(width <= card for _, width, card in boxes), f"an image is wider than the card on {page.name}"
        for _ in range(2):  # the page opens in the mode last chosen; try both
            night = watch.page.locator(".card.nightMode").count() > 0
            filters = set(images.evaluate_all("imgs => imgs.map(i => getComputedStyle(i).filter)"))
            assert filters == ({"invert(1) hue-rotate(180deg)"} if night else {"none"}), (page.name, night)
            watch.page.click(".pv-night")
    assert seen >= 8
    assert watch.problems == []
