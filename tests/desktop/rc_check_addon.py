"""An Anki desktop add-on that checks how our cards look in the real reviewer, then quits.

`tests/test_anki_desktop.py` installs it as `addons21/rc_check/__init__.py` of a fresh profile and starts Anki
under Xvfb. When the profile opens it imports RC_APKG, shows each card of RC_CARDS (`card id` or `card id:ord`),
question then answer, in a window of RC_SIZE (`WIDTHxHEIGHT`), and writes to RC_OUT what the page reports
(body classes, JavaScript errors, MathJax errors, page and card widths) and a screenshot of each side.
"""

from __future__ import annotations

import json
import os
import traceback
from pathlib import Path

from anki.collection import ImportAnkiPackageRequest
from aqt import gui_hooks, mw
from aqt.qt import QTimer

OUT = Path(os.environ["RC_OUT"])
WANTED = [item for item in os.environ["RC_CARDS"].split(",") if item]
WIDTH, HEIGHT = (int(n) for n in os.environ.get("RC_SIZE", "1200x900").split("x"))
WAIT_MS = int(os.environ.get("RC_WAIT_MS", "2500"))

PROBE = """
(() => {
  const card = document.querySelector('#qa') || document.body;
  return JSON.stringify({
    body: document.body.className,
    errors: window.__rcErrors || [],
    mathErrors: document.querySelectorAll('mjx-merror').length,
    math: document.querySelectorAll('mjx-container').length,
    pageWidth: document.documentElement.scrollWidth,
    viewWidth: window.innerWidth,
    cardWidth: card.scrollWidth,
    cardView: card.clientWidth,
    text: (card.innerText || '').slice(0, 400),
    images: [...card.querySelectorAll('img')].map(i => [i.naturalWidth, getComputedStyle(i).filter,
      i.getBoundingClientRect().width]),
  });
})()
"""
CATCH = (
    "window.__rcErrors = window.__rcErrors || [];"
    "window.addEventListener('error', e => window.__rcErrors.push(String(e.message)));"
    "window.addEventListener('unhandledrejection', e => window.__rcErrors.push(String(e.reason)));"
)

results: list[dict[str, object]] = []


def finish(error: str | None = None) -> None:
    (OUT / "results.json").write_text(json.dumps({"cards": results, "error": error}, ensure_ascii=False, indent=1))
    QTimer.singleShot(200, mw.unloadProfileAndExit)


def on_profile_open() -> None:
    try:
        col = mw.col
        options = col._backend.get_import_anki_package_presets()
        col.import_anki_package(ImportAnkiPackageRequest(package_path=os.environ["RC_APKG"], options=options))
        mw.resize(WIDTH, HEIGHT)
        queue = []
        for item in WANTED:
            card_id, _, ord_text = item.partition(":")
            [note_id] = col.find_notes(f"id:{card_id}") or [None]
            if note_id is None:
                raise LookupError(f"no note with id field {card_id!r}")
            cards = sorted(col.get_note(note_id).cards(), key=lambda c: c.ord)
            queue.append((item, cards[int(ord_text or 0)]))
        mw.col.decks.select(queue[0][1].did)
        mw.moveToState("review")
        QTimer.singleShot(WAIT_MS, lambda: show_next(queue))
    except Exception:
        finish(traceback.format_exc())


def show_next(queue: list) -> None:
    if not queue:
        finish()
        return
    name, card = queue.pop(0)
    try:
        reviewer = mw.reviewer
        reviewer.web.eval(CATCH)
        reviewer.card = card
        reviewer._showQuestion()
        QTimer.singleShot(WAIT_MS, lambda: probe(name, "question", queue, card))
    except Exception:
        finish(traceback.format_exc())


def probe(name: str, side: str, queue: list, card) -> None:
    def received(payload: str) -> None:
        try:
            entry = json.loads(payload)
            entry.update(card=name, side=side)
            shot = OUT / f"{name.replace(':', '-')}-{side}.png"
            mw.grab().save(str(shot))
            entry["screenshot"] = shot.name
            results.append(entry)
            if side == "question":
                mw.reviewer._showAnswer()
                QTimer.singleShot(WAIT_MS, lambda: probe(name, "answer", queue, card))
            else:
                show_next(queue)
        except Exception:
            finish(traceback.format_exc())

    mw.reviewer.web.evalWithCallback(PROBE, received)


gui_hooks.profile_did_open.append(lambda: QTimer.singleShot(500, on_profile_open))
