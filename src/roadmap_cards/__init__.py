"""roadmap-cards: Markdown notes of a learning roadmap, built into Anki decks that are safe to re-import."""

__version__ = "0.1.0"
