"""A very small SVG writer for the decks' diagrams (see draw_diagrams.py).

The drawings use one light palette on a transparent ground. Cards show them as `<img>`, which page styles cannot
reach, so the card stylesheet turns them for night mode with `filter: invert(1) hue-rotate(180deg)`: light fills
become dark ones, dark text becomes light, and hues stay recognisable. Output is deterministic: the same script
gives the same bytes, so a test can check that the committed files are the script's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.sax.saxutils import escape

TEXT = "#1f2328"
MUTED = "#57606a"
LINE = "#8c959f"
# (fill, stroke) pairs: blue, orange, green, purple, red, grey.
BLUE = ("#ddf4ff", "#0969da")
ORANGE = ("#fff1e5", "#bc4c00")
GREEN = ("#dafbe1", "#1a7f37")
PURPLE = ("#fbefff", "#8250df")
RED = ("#ffebe9", "#cf222e")
GREY = ("#f6f8fa", "#8c959f")

FONT = "-apple-system, 'Segoe UI', 'PingFang SC', 'Hiragino Sans GB', 'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif"


def _n(value: float) -> str:
    """A coordinate written without needless digits (12.0 -> 12, 12.25 -> 12.25)."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


@dataclass
class Svg:
    width: int
    height: int
    title: str
    parts: list[str] = field(default_factory=list)

    def rect(
        self,
        x: float,
        y: float,
        w: float,
        h: float,
        colours: tuple[str, str] = GREY,
        rx: float = 4,
        dashed: bool = False,
    ) -> None:
        dash = ' stroke-dasharray="5 4"' if dashed else ""
        self.parts.append(
            f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(w)}" height="{_n(h)}" rx="{_n(rx)}" '
            f'fill="{colours[0]}" stroke="{colours[1]}" stroke-width="1.5"{dash}/>'
        )

    def text(
        self,
        x: float,
        y: float,
        content: str,
        size: float = 15,
        anchor: str = "middle",
        bold: bool = False,
        colour: str = TEXT,
        rotate: float = 0,
    ) -> None:
        weight = ' font-weight="600"' if bold else ""
        turn = f' transform="rotate({_n(rotate)} {_n(x)} {_n(y)})"' if rotate else ""
        self.parts.append(
            f'<text x="{_n(x)}" y="{_n(y)}" font-size="{_n(size)}" text-anchor="{anchor}" '
            f'fill="{colour}"{weight}{turn}>{escape(content)}</text>'
        )

    def circle(self, x: float, y: float, r: float, colours: tuple[str, str]) -> None:
        self.parts.append(
            f'<circle cx="{_n(x)}" cy="{_n(y)}" r="{_n(r)}" fill="{colours[0]}" stroke="{colours[1]}" '
            'stroke-width="2"/>'
        )

    def line(
        self,
        x1: float,
        y1: float,
        x2: float,
        y2: float,
        colour: str = MUTED,
        arrow: bool = False,
        dashed: bool = False,
        width: float = 1.5,
    ) -> None:
        extra = (' marker-end="url(#arrow)"' if arrow else "") + (' stroke-dasharray="5 4"' if dashed else "")
        self.parts.append(
            f'<line x1="{_n(x1)}" y1="{_n(y1)}" x2="{_n(x2)}" y2="{_n(y2)}" stroke="{colour}" '
            f'stroke-width="{_n(width)}"{extra}/>'
        )

    def path(self, d: str, colour: str = MUTED, arrow: bool = False, width: float = 1.5, fill: str = "none") -> None:
        extra = ' marker-end="url(#arrow)"' if arrow else ""
        self.parts.append(f'<path d="{d}" fill="{fill}" stroke="{colour}" stroke-width="{_n(width)}"{extra}/>')

    def render(self) -> str:
        head = (
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {self.width} {self.height}" '
            f'width="{self.width}" height="{self.height}" font-family="{FONT}">\n'
            f"<title>{escape(self.title)}</title>\n"
            '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
            f'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{MUTED}"/></marker></defs>\n'
        )
        return head + "\n".join(self.parts) + "\n</svg>\n"
