"""The lock file's rules for note times, on their own."""

from __future__ import annotations

import pytest

from roadmap_cards.diagnostics import Diagnostics, UsageError
from roadmap_cards.lock import Lock, clock


def roundtrip(lock: Lock, tmp_path, now: int) -> Lock:
    path = tmp_path / "cards.lock"
    path.write_text(lock.text(), encoding="utf-8")
    diags = Diagnostics()
    again = Lock.read(path, tmp_path, now, diags)
    assert not diags.items
    return again


def test_new_unchanged_and_changed_cards(tmp_path):
    first = Lock(tmp_path / "cards.lock", now=100)
    assert first.stamp_card("card-a", "basic", "d100000000000000") == 100
    assert first.stamp_card("card-b", "cloze", "d200000000000000") == 100
    second = roundtrip(first, tmp_path, now=100)
    assert second.stamp_card("card-a", "basic", "d100000000000000") == 100  # same digest: same time, same bytes
    assert second.stamp_card("card-b", "cloze", "d2e0000000000000") == 101  # changed within the same second
    third = roundtrip(second, tmp_path, now=500)
    assert third.stamp_card("card-a", "basic", "d1e0000000000000") == 500
    assert third.stamp_card("card-b", "cloze", "d2e0000000000000") == 101
    assert third.cards["card-b"].kind == "cloze"


def test_removed_cards_leave_the_lock(tmp_path):
    lock = Lock(tmp_path / "cards.lock", now=100)
    lock.stamp_card("card-a", "basic", "d100000000000000")
    lock.stamp_card("card-b", "basic", "d200000000000000")
    again = roundtrip(lock, tmp_path, now=200)
    again.stamp_card("card-a", "basic", "d100000000000000")
    assert "\tcard-b\t" not in again.text() and "card\tcard-a\tbasic\t100\td100000000000000\n" in again.text()


def test_text_is_sorted_and_stable(tmp_path):
    lock = Lock(tmp_path / "cards.lock", now=7)
    lock.stamp_card("zeta", "basic", "ffffffffffffffff")
    lock.stamp_card("alpha", "cloze", "aaaaaaaaaaaaaaaa")
    lock.stamp_notetype("cloze", "0000000000000002")
    lock.stamp_notetype("basic", "0000000000000001")
    lock.record_deck("06-llm", "R::06 推理")
    body = [line for line in lock.text().splitlines() if not line.startswith("#")]
    assert body == [
        "deck\t06-llm\tR::06 推理",
        "notetype\tbasic\t7\t0000000000000001",
        "notetype\tcloze\t7\t0000000000000002",
        "card\talpha\tcloze\t7\taaaaaaaaaaaaaaaa",
        "card\tzeta\tbasic\t7\tffffffffffffffff",
    ]
    again = roundtrip(lock, tmp_path, 7)
    for card_id, kind, digest in (("zeta", "basic", "ffffffffffffffff"), ("alpha", "cloze", "aaaaaaaaaaaaaaaa")):
        again.stamp_card(card_id, kind, digest)
    again.stamp_notetype("cloze", "0000000000000002")
    again.stamp_notetype("basic", "0000000000000001")
    again.record_deck("06-llm", "R::06 推理")
    assert again.text() == lock.text()  # it reads back as it was written


def test_unreadable_lines_are_errors_with_their_line(tmp_path):
    path = tmp_path / "cards.lock"
    path.write_text(
        "# header\n"
        "card\tcard-x\tbasic\tnot-a-number\t0123456789abcdef\n"
        "nonsense\n"
        f"card\tcard-y\tbasic\t{2**40}\t0123456789abcdef\n"
        "card\tcard-z\tbasic\t5\t<script>\n"
        "deck\t06-x\t\n",
        encoding="utf-8",
    )
    diags = Diagnostics()
    Lock.read(path, tmp_path, 1, diags)
    card = "cannot read this line of the lock file (expected: card, an id, basic or cloze, a time, a digest)"
    assert [(d.line, d.message) for d in diags] == [
        (2, f"{card}; delete this line and build again"),
        (3, "cannot read this line of the lock file; delete this line and build again"),
        (4, f"{card}; delete this line and build again"),
        (5, f"{card}; delete this line and build again"),
        (6, "cannot read this line of the lock file (a deck name must be one line); delete this line and build again"),
    ]


def test_a_time_far_in_the_future_is_a_warning(tmp_path):
    path = tmp_path / "cards.lock"
    path.write_text("card\tcard-x\tbasic\t4000000000\t0123456789abcdef\n", encoding="utf-8")
    diags = Diagnostics()
    Lock.read(path, tmp_path, 1_700_000_000, diags)
    assert [(d.line, d.severity, d.message) for d in diags] == [
        (
            1,
            "warning",
            "this time is in the future (2096-10-02): until then, learners' own edits of the "
            "note are overwritten by every import; if it is a mistake, delete the line and build again",
        )
    ]


def test_both_sides_of_a_merge_conflict_count_as_a_change(tmp_path):
    path = tmp_path / "cards.lock"
    path.write_text(
        "<<<<<<< ours\ncard\tcard-x\tbasic\t100\taaaaaaaaaaaaaaaa\n=======\n"
        "card\tcard-x\tbasic\t300\tbbbbbbbbbbbbbbbb\n>>>>>>> theirs\n"
        "card\tcard-y\tbasic\t50\tcccccccccccccccc\ncard\tcard-y\tbasic\t60\tcccccccccccccccc\n",
        encoding="utf-8",
    )
    lock = Lock.read(path, tmp_path, 10, Diagnostics())
    assert lock.stamp_card("card-x", "basic", "aaaaaaaaaaaaaaaa") == 301  # whichever side the content matches
    assert lock.stamp_card("card-y", "basic", "cccccccccccccccc") == 60  # the same digest on both sides: no change


def test_clock_honours_source_date_epoch(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1234567890")
    assert clock() == 1234567890
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(
        UsageError,
        match="SOURCE_DATE_EPOCH must be a whole number of seconds between 1 and 4294967295, not 'yesterday'",
    ):
        clock()
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    assert clock() > 1_700_000_000
