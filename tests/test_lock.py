"""The lock file's rules for note times, on their own."""

from __future__ import annotations

import pytest

from roadmap_cards.diagnostics import Diagnostics, UsageError
from roadmap_cards.lock import Lock, clock


def roundtrip(lock: Lock, tmp_path, now: int) -> Lock:
    path = tmp_path / "cards.lock"
    path.write_text(lock.text(), encoding="utf-8")
    diags = Diagnostics()
    again = Lock.read(path, now, diags)
    assert not diags.items
    return again


def test_new_unchanged_and_changed_cards(tmp_path):
    first = Lock(tmp_path / "cards.lock", now=100)
    assert first.stamp_card("a", "basic", "d1") == 100
    assert first.stamp_card("b", "cloze", "d2") == 100
    second = roundtrip(first, tmp_path, now=100)
    assert second.stamp_card("a", "basic", "d1") == 100  # same digest: same time, same bytes
    assert second.stamp_card("b", "cloze", "d2-edited") == 101  # changed within the same second
    third = roundtrip(second, tmp_path, now=500)
    assert third.stamp_card("a", "basic", "d1-edited") == 500
    assert third.stamp_card("b", "cloze", "d2-edited") == 101
    assert third.cards["b"].kind == "cloze"


def test_removed_cards_leave_the_lock(tmp_path):
    lock = Lock(tmp_path / "cards.lock", now=100)
    lock.stamp_card("a", "basic", "d1")
    lock.stamp_card("b", "basic", "d2")
    again = roundtrip(lock, tmp_path, now=200)
    again.stamp_card("a", "basic", "d1")
    assert "\tb\t" not in again.text() and "card\ta\tbasic\t100\td1\n" in again.text()


def test_text_is_sorted_and_stable(tmp_path):
    lock = Lock(tmp_path / "cards.lock", now=7)
    lock.stamp_card("zeta", "basic", "z")
    lock.stamp_card("alpha", "cloze", "a")
    lock.stamp_notetype("cloze", "m2")
    lock.stamp_notetype("basic", "m1")
    lock.record_deck("06-llm", "R::06 推理")
    body = [line for line in lock.text().splitlines() if not line.startswith("#")]
    assert body == [
        "deck\t06-llm\tR::06 推理",
        "notetype\tbasic\t7\tm1",
        "notetype\tcloze\t7\tm2",
        "card\talpha\tcloze\t7\ta",
        "card\tzeta\tbasic\t7\tz",
    ]
    again = roundtrip(lock, tmp_path, 7)
    for card_id, kind, digest in (("zeta", "basic", "z"), ("alpha", "cloze", "a")):
        again.stamp_card(card_id, kind, digest)
    again.stamp_notetype("cloze", "m2")
    again.stamp_notetype("basic", "m1")
    again.record_deck("06-llm", "R::06 推理")
    assert again.text() == lock.text()  # it reads back as it was written


def test_unreadable_lines_are_errors_with_their_line(tmp_path):
    path = tmp_path / "cards.lock"
    path.write_text("# header\ncard\tx\tbasic\tnot-a-number\td\nnonsense\n", encoding="utf-8")
    diags = Diagnostics()
    Lock.read(path, 1, diags)
    assert [d.format().split(": ", 1)[1] for d in diags] == [
        "error: cannot read this line of the lock file; delete it and build again",
        "error: cannot read this line of the lock file; delete it and build again",
    ]
    assert [d.line for d in diags] == [2, 3]


def test_both_sides_of_a_merge_conflict_count_as_a_change(tmp_path):
    path = tmp_path / "cards.lock"
    path.write_text(
        "<<<<<<< ours\ncard\tx\tbasic\t100\taaa\n=======\ncard\tx\tbasic\t300\tbbb\n>>>>>>> theirs\n"
        "card\ty\tbasic\t50\tyyy\ncard\ty\tbasic\t60\tyyy\n",
        encoding="utf-8",
    )
    lock = Lock.read(path, 10, Diagnostics())
    assert lock.stamp_card("x", "basic", "aaa") == 301  # whichever side the content matches
    assert lock.stamp_card("y", "basic", "yyy") == 60  # the same digest on both sides is no change


def test_clock_honours_source_date_epoch(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1234567890")
    assert clock() == 1234567890
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(UsageError, match="SOURCE_DATE_EPOCH must be a whole number of seconds, not 'yesterday'"):
        clock()
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    assert clock() > 1_700_000_000
