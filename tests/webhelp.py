"""Helpers for the tests that look at pages in Chromium."""

from __future__ import annotations

from pathlib import Path


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


VIEWPORT = {"width": 1280, "height": 900}


class PageWatch:
    """A page and every console error, uncaught exception and failed request it produced."""

    def __init__(self, browser, viewport=VIEWPORT) -> None:
        self.page = browser.new_page(viewport=viewport)
        self.problems: list[str] = []
        self.page.on(
            "console",
            lambda m: self.problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None,
        )
        self.page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        self.page.on("requestfailed", lambda r: self.problems.append(f"request failed: {r.url}"))

    def open(self, path: Path, query: str = "") -> None:
        self.page.goto(path.resolve().as_uri() + query)
        self.page.wait_for_function("document.body.dataset.ready === 'true'")
        if self.page.locator("script[src='assets/tex-svg.js']").count():
            self.page.wait_for_function("document.body.dataset.math === 'done'", timeout=30_000)
