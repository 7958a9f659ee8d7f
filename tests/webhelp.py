"""Helpers for the tests that look at pages in Chromium."""

from __future__ import annotations


def contrast(fg: list[float], bg: list[float]) -> float:
    """WCAG contrast ratio of two RGB colours."""

    def luminance(rgb):
        def channel(v):
            c = v / 255
            return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

        r, g, b = (channel(v) for v in rgb)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    lighter, darker = sorted((luminance(fg), luminance(bg)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)
