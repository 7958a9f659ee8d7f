"""The `near-duplicate` lint: two cards that ask almost the same thing, found across all of `decks/`."""

from __future__ import annotations

import re
from collections import Counter, defaultdict

from .diagnostics import Diagnostics, display_path
from .model import CardInfo

DUPLICATE_SIMILARITY = 0.7
RULE = "near-duplicate"

_NORMALISE = re.compile(r"[\s\W_]+", re.U)
_ENTITY = re.compile(r"[a-z]*\d[a-z0-9]*")


def lint_near_duplicates(cards: list[CardInfo], diags: Diagnostics) -> None:
    """Warn at both cards of every pair that reads almost the same (unless a card opts out)."""
    for first, second, similarity in near_duplicates(cards):
        for card, other in ((first, second), (second, first)):
            if RULE not in card.lint_ignore:
                diags.warning(
                    card.path,
                    card.line,
                    RULE,
                    f"question reads almost like {other.id!r} at {display_path(other.path)}:{other.line} "
                    f"({similarity:.0%} alike): ask each fact once",
                )


def normalise(text: str) -> str:
    return _NORMALISE.sub("", text.lower())


def _bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)} if len(text) > 1 else {text}


def near_duplicates(cards: list[CardInfo]) -> list[tuple[CardInfo, CardInfo, float]]:
    """Pairs of cards whose questions (for cloze cards: texts) are alike, by character-bigram Jaccard similarity.

    Candidates come from an inverted index over each question's rarer bigrams, so the work stays near-linear
    in the number of cards. Questions naming different numbers or models (A100 / H100, E4M3 / E5M2, 7B / 70B)
    ask different facts however alike they read. A reverse card's other side (its answer) is never compared:
    asking a term and its definition from both directions is intended.
    """
    entries: list[tuple[CardInfo, set[str]]] = []
    entities: list[set[str]] = []
    for card in cards:
        key = normalise(card.compare_text)
        if len(key) >= 6:
            entries.append((card, _bigrams(key)))
            entities.append(set(_ENTITY.findall(key)))
    frequency: Counter[str] = Counter(gram for _, grams in entries for gram in grams)
    common = max(20, len(entries) // 20)
    index: dict[str, list[int]] = defaultdict(list)
    pairs: list[tuple[CardInfo, CardInfo, float]] = []
    rare_counts: list[int] = []
    for number, (card, grams) in enumerate(entries):
        rare = [gram for gram in grams if frequency[gram] <= common] or list(grams)
        rare_counts.append(len(rare))
        shared: Counter[int] = Counter()
        for gram in rare:
            shared.update(index[gram])
        for other_number, count in shared.items():
            if count < 0.5 * min(len(rare), rare_counts[other_number]):
                continue
            other, other_grams = entries[other_number]
            if other.kind is not card.kind or entities[other_number] != entities[number]:
                continue
            similarity = len(grams & other_grams) / len(grams | other_grams)
            if similarity >= DUPLICATE_SIMILARITY:
                pairs.append((other, card, similarity))
        for gram in rare:
            index[gram].append(number)
    return pairs
