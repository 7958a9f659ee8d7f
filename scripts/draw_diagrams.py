"""Draw the decks' diagrams as SVG files under each stage's `assets/` folder.

    python scripts/draw_diagrams.py            # rewrite the committed files
    python scripts/draw_diagrams.py --out DIR  # write them somewhere else (the test compares the two)

Each drawing is a function returning its SVG text; DIAGRAMS maps the file it belongs to (relative to `decks/`) to
that function. The figures are the cards' own numbers: change a card and its drawing together.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable
from pathlib import Path

from svg import BLUE, GREEN, GREY, LINE, MUTED, ORANGE, PURPLE, RED, Svg


def roofline() -> str:
    """H100 SXM, BF16 dense: 989 TFLOPS roof, 3.35 TB/s slope, ridge at about 295 FLOP/byte."""
    s = Svg(440, 310, "Roofline: H100 SXM, BF16 dense")
    left, right, top, bottom = 62, 424, 34, 250
    x_decades, y_decades = (0.0, 4.0), (0.0, 3.2)  # 1 … 10 000 FLOP/B; 1 … ~1 585 TFLOPS

    def px(intensity: float) -> float:
        return left + (math.log10(intensity) - x_decades[0]) / (x_decades[1] - x_decades[0]) * (right - left)

    def py(tflops: float) -> float:
        return bottom - (math.log10(tflops) - y_decades[0]) / (y_decades[1] - y_decades[0]) * (bottom - top)

    s.line(left, bottom, right, bottom, colour=MUTED)
    s.line(left, bottom, left, top, colour=MUTED)
    for decade, label in ((1, "1"), (10, "10"), (100, "100"), (1000, "1k"), (10000, "10k")):
        s.line(px(decade), bottom, px(decade), bottom + 5, colour=MUTED)
        s.text(px(decade), bottom + 19, label, size=13, colour=MUTED)
    for value, label in ((1, "1"), (10, "10"), (100, "100"), (1000, "1000")):
        s.line(left - 5, py(value), left, py(value), colour=MUTED)
        s.text(left - 8, py(value) + 5, label, size=13, anchor="end", colour=MUTED)
    s.text((left + right) / 2, bottom + 40, "运算强度 (FLOP/byte)", size=14, colour=MUTED)
    s.text(16, (top + bottom) / 2, "TFLOPS", size=14, colour=MUTED, rotate=-90)

    peak, bandwidth = 989.0, 3.35  # TFLOPS, TB/s
    ridge = peak / bandwidth
    s.path(
        f"M{px(1):.1f},{py(bandwidth):.1f} L{px(ridge):.1f},{py(peak):.1f} L{right:.1f},{py(peak):.1f}",
        colour=BLUE[1],
        width=3,
    )
    s.line(px(ridge), py(peak), px(ridge), bottom, colour=LINE, dashed=True)
    s.text(px(ridge) + 4, py(peak) - 10, f"脊点 ≈ {ridge:.0f}", size=14, anchor="middle", bold=True)
    s.text(right, py(peak) - 10, "989 TFLOPS", size=14, anchor="end", colour=BLUE[1])
    s.text(px(8) - 6, py(8 * bandwidth) - 8, "3.35 TB/s", size=14, anchor="end", colour=BLUE[1])

    for intensity, label, colours, above in (
        (1.0, "decode, batch 1", ORANGE, False),
        (62.0, "batch 64", ORANGE, False),
        (1024.0, "prefill 2k", GREEN, True),
    ):
        attainable = min(peak, bandwidth * intensity)
        x, y = px(intensity), py(attainable)
        s.circle(x, y, 6, colours)
        if above:
            s.text(x, y + 26, label, size=14, colour=colours[1], bold=True)
        else:
            s.text(x + 10, y + 22, label, size=14, anchor="start", colour=colours[1], bold=True)
    s.text(left + 8, top + 40, "H100 SXM · BF16 稠密", size=14, anchor="start", colour=MUTED)
    return s.render()


def paged_block_table() -> str:
    """One request's logical KV blocks (4 tokens each) mapped by its block table to scattered physical blocks."""
    s = Svg(440, 300, "PagedAttention block table")
    cell = 27
    s.text(82, 28, "请求的逻辑块", size=15, bold=True)
    s.text(228, 28, "块表", size=15, bold=True)
    s.text(372, 28, "显存中的物理块", size=15, bold=True)
    logical = [["t1", "t2", "t3", "t4"], ["t5", "t6", "t7", "t8"], ["t9", "t10", "", ""]]
    table = [(7, 4), (1, 4), (3, 2)]
    for row, tokens in enumerate(logical):
        y = 60 + row * 56
        s.text(18, y + 19, str(row), size=14, colour=MUTED)
        for i, token in enumerate(tokens):
            s.rect(28 + i * cell, y, cell, 28, BLUE if token else GREY, rx=2)
            if token:
                s.text(28 + i * cell + cell / 2, y + 19, token, size=12)
    s.text(185, 54, "物理", size=13, colour=MUTED)
    s.text(255, 54, "已填", size=13, colour=MUTED)
    for row, (block, filled) in enumerate(table):
        y = 60 + row * 56
        s.rect(160, y, 50, 28, ORANGE, rx=2)
        s.rect(230, y, 50, 28, GREY, rx=2)
        s.text(185, y + 19, str(block), size=15, bold=True)
        s.text(255, y + 19, str(filled), size=15)
        s.line(140, y + 14, 158, y + 14, arrow=True)
    physical = {7: logical[0], 1: logical[1], 3: logical[2]}
    row_height = 28
    for block in range(8):
        y = 48 + block * (row_height + 2)
        s.text(311, y + 19, str(block), size=14, colour=MUTED)
        tokens = physical.get(block)
        for i in range(4):
            token = tokens[i] if tokens else ""
            s.rect(322 + i * cell, y, cell, row_height, BLUE if token else GREY, rx=2)
            if token:
                s.text(322 + i * cell + cell / 2, y + 19, token, size=12)
    for row, (block, _) in enumerate(table):
        y_from = 60 + row * 56 + 14
        y_to = 48 + block * (row_height + 2) + row_height / 2
        s.path(f"M282,{y_from} C296,{y_from} 286,{y_to} 300,{y_to}", colour=ORANGE[1], arrow=True)
    s.text(20, 272, "逻辑上连续的块，物理上可以不连续；", size=14, anchor="start", colour=MUTED)
    s.text(20, 292, "新块只在上一块写满时才分配。", size=14, anchor="start", colour=MUTED)
    return s.render()


def flash_attention_tiles() -> str:
    """Q row blocks against K/V column blocks: one tile of S lives only in SRAM."""
    s = Svg(440, 330, "FlashAttention tiling")
    block, n = 36, 4
    qx, sx, top = 26, 84, 92
    vx, ox = 252, 340
    i, j = 1, 2
    s.text(qx + 18, top - 10, "Q", size=15, bold=True)
    s.text(sx + 72, 26, "Kᵀ", size=15, bold=True)
    s.text(sx + 72, top + n * block + 20, "S = QKᵀ（N×N，不写回 HBM）", size=13, colour=MUTED)
    s.text(vx + 18, top - 10, "V", size=15, bold=True)
    s.text(ox + 18, top - 10, "O", size=15, bold=True)
    for r in range(n):
        s.rect(qx, top + r * block, 36, block, ORANGE if r == i else GREY, rx=0)
        s.rect(sx + r * block, 36, block, 36, PURPLE if r == j else GREY, rx=0)
        s.rect(vx, top + r * block, 36, block, PURPLE if r == j else GREY, rx=0)
        s.rect(ox, top + r * block, 36, block, GREEN if r == i else GREY, rx=0)
        for c in range(n):
            s.rect(sx + c * block, top + r * block, block, block, BLUE if (r, c) == (i, j) else GREY, rx=0)
    s.text(qx + 18, top + i * block + 23, "Qᵢ", size=14, bold=True)
    s.text(sx + j * block + 18, 59, "Kⱼ", size=14, bold=True)
    s.text(sx + j * block + 18, top + i * block + 23, "Sᵢⱼ", size=14, bold=True)
    s.text(vx + 18, top + j * block + 23, "Vⱼ", size=14, bold=True)
    s.text(ox + 18, top + i * block + 23, "Oᵢ", size=14, bold=True)
    s.line(sx + n * block + 4, top + i * block + 18, vx - 4, top + j * block + 18, arrow=True)
    s.line(vx + 40, top + j * block + 18, ox - 4, top + i * block + 18, arrow=True)
    s.text(20, 290, "片上 SRAM 只放当前的 Qᵢ、Kⱼ、Vⱼ 与 Sᵢⱼ；", size=14, anchor="start", colour=MUTED)
    s.text(20, 312, "Oᵢ 随每个 Kⱼ/Vⱼ 块用在线 softmax（m, ℓ）更新。", size=14, anchor="start", colour=MUTED)
    return s.render()


def prefill_decode_timeline() -> str:
    """One prefill pass over the whole prompt, then one decode pass per new token."""
    s = Svg(440, 270, "Prefill and decode passes")
    passes = [
        (30, 170, "prefill", ["t1", "t2", "t3", "t4", "t5"], "y1", 5),
        (190, 260, "decode", ["y1"], "y2", 6),
        (280, 350, "decode", ["y2"], "y3", 7),
    ]
    s.path("M30,44 L30,36 L170,36 L170,44", colour=ORANGE[1])
    s.text(100, 28, "TTFT", size=14, bold=True, colour=ORANGE[1])
    s.path("M190,44 L190,36 L260,36 L260,44", colour=PURPLE[1])
    s.text(225, 28, "TPOT", size=14, bold=True, colour=PURPLE[1])
    for x0, x1, label, inputs, output, cached in passes:
        s.rect(x0, 50, x1 - x0, 92, ORANGE if label == "prefill" else PURPLE)
        s.text((x0 + x1) / 2, 70, label, size=14, bold=True)
        width = 24
        start = (x0 + x1) / 2 - len(inputs) * (width + 2) / 2
        for k, token in enumerate(inputs):
            s.rect(start + k * (width + 2), 84, width, 24, GREY, rx=3)
            s.text(start + k * (width + 2) + width / 2, 101, token, size=12)
        s.line((x0 + x1) / 2, 112, (x0 + x1) / 2, 158, arrow=True)
        s.rect((x0 + x1) / 2 - 16, 160, 32, 24, GREEN, rx=3)
        s.text((x0 + x1) / 2, 177, output, size=13, bold=True)
        for k in range(cached):
            s.rect(x0 + 4 + k * 9, 200, 8, 14, BLUE, rx=1)
        s.text(x0 + 4, 232, f"KV: {cached}", size=13, anchor="start", colour=MUTED)
    s.text(392, 101, "…", size=18, colour=MUTED)
    s.line(30, 252, 420, 252, arrow=True)
    s.text(420, 246, "时间", size=13, anchor="end", colour=MUTED)
    return s.render()


def _gantt(s: Svg, top: float, title: str, rows: list[list[tuple[int, int, str, tuple[str, str]]]]) -> None:
    left, width = 58, 42
    s.text(16, top, title, size=14, anchor="start", bold=True)
    for r, bars in enumerate(rows):
        y = top + 10 + r * 26
        s.text(left - 8, y + 17, f"槽 {r + 1}", size=12, anchor="end", colour=MUTED)
        s.rect(left, y, 8 * width, 22, GREY, rx=2, dashed=True)
        for start, end, label, colours in bars:
            s.rect(left + start * width, y, (end - start) * width, 22, colours, rx=3)
            s.text(left + (start + end) / 2 * width, y + 16, label, size=13, bold=True)


def continuous_batching() -> str:
    """Static batching waits for its longest request; iteration-level scheduling refills a slot at once."""
    s = Svg(440, 300, "Static vs continuous batching")
    _gantt(
        s,
        22,
        "静态批处理：整批等最长的请求",
        [
            [(0, 3, "R1", BLUE)],
            [(0, 6, "R2", BLUE)],
            [(0, 2, "R3", BLUE)],
            [(0, 5, "R4", BLUE)],
        ],
    )
    s.text(58 + 6 * 42 + 42, 64, "R5、R6", size=12, colour=RED[1])
    s.text(58 + 6 * 42 + 42, 80, "还在等", size=12, colour=RED[1])
    _gantt(
        s,
        150,
        "连续批处理：每次迭代都可以补位",
        [
            [(0, 3, "R1", BLUE), (3, 8, "R5", GREEN)],
            [(0, 6, "R2", BLUE), (6, 8, "R7", GREEN)],
            [(0, 2, "R3", BLUE), (2, 8, "R6", GREEN)],
            [(0, 5, "R4", BLUE), (5, 8, "R8", GREEN)],
        ],
    )
    for k in range(9):
        s.line(58 + k * 42, 268, 58 + k * 42, 273, colour=MUTED)
    s.text(58 + 4 * 42, 292, "迭代（每次生成一个 token）→", size=13, colour=MUTED)
    return s.render()


def tensor_parallel_mlp() -> str:
    """Megatron's MLP split on two GPUs: A by columns, B by rows, one all-reduce at the end."""
    s = Svg(440, 250, "Tensor-parallel MLP on two GPUs")
    s.rect(14, 96, 44, 40, GREY)
    s.text(36, 122, "X", size=16, bold=True)
    for lane, (y, colours) in enumerate(((40, BLUE), (152, PURPLE))):
        s.text(82, y - 8, f"GPU {lane}", size=13, anchor="start", colour=MUTED)
        s.path(f"M58,116 C70,116 66,{y + 20} 80,{y + 20}", arrow=True)
        s.rect(82, y, 64, 40, colours)
        s.text(114, y + 26, f"·A{lane + 1}", size=15, bold=True)
        s.line(146, y + 20, 164, y + 20, arrow=True)
        s.rect(166, y, 66, 40, GREY)
        s.text(199, y + 26, "GeLU", size=14)
        s.line(232, y + 20, 250, y + 20, arrow=True)
        s.rect(252, y, 64, 40, colours)
        s.text(284, y + 26, f"·B{lane + 1}", size=15, bold=True)
        s.path(f"M316,{y + 20} C332,{y + 20} 328,116 342,116", arrow=True)
    s.text(114, 106, "A 按列切", size=13, colour=MUTED)
    s.text(284, 106, "B 按行切", size=13, colour=MUTED)
    s.text(199, 128, "各自独立算，不通信", size=13, colour=MUTED)
    s.rect(344, 92, 82, 48, ORANGE)
    s.text(385, 112, "all-reduce", size=13, bold=True)
    s.text(385, 130, "Y₁ + Y₂", size=14)
    s.text(220, 236, "部分和 Y₁、Y₂ 相加得到完整输出 Y", size=13, colour=MUTED)
    return s.render()


def ring_all_reduce() -> str:
    """Four ranks, four chunks: reduce-scatter leaves one reduced chunk per rank, all-gather spreads them."""
    s = Svg(440, 330, "Ring all-reduce in two phases")
    letters = "abcd"
    col = [30 + g * 102 for g in range(4)]
    for g in range(4):
        s.rect(col[g] + 10, 22, 72, 26, GREY, rx=12)
        s.text(col[g] + 46, 40, f"GPU {g}", size=13, bold=True)
        if g < 3:
            s.line(col[g] + 84, 35, col[g + 1] + 8, 35, arrow=True)
    s.path(f"M{col[3] + 46},22 C{col[3] + 46},4 {col[0] + 46},4 {col[0] + 46},20", arrow=True)
    phases = [
        ("开始：每个 GPU 有自己的 4 块数据", 80),
        ("reduce-scatter（n−1 步）后", 160),
        ("all-gather（n−1 步）后", 240),
    ]
    for p, (title, y) in enumerate(phases):
        s.text(20, y - 10, title, size=14, anchor="start", bold=True)
        for g in range(4):
            for c in range(4):
                x = col[g] + c * 23
                if p == 0:
                    colours, label = GREY, f"{letters[g]}{c}"
                elif p == 1:
                    colours, label = (ORANGE, f"Σ{c}") if c == g else (GREY, "")
                else:
                    colours, label = ORANGE, f"Σ{c}"
                s.rect(x, y, 22, 30, colours, rx=2)
                s.text(x + 11, y + 20, label, size=11 if p else 12)
    s.text(20, 302, "Σ0 = a0 + b0 + c0 + d0，其余同理。每块 S/n 字节，", size=13, anchor="start", colour=MUTED)
    s.text(20, 321, "共 2(n−1) 步：每个 GPU 发送 2(n−1)/n × S 字节。", size=13, anchor="start", colour=MUTED)
    return s.render()


def moe_dispatch() -> str:
    """Top-2 routing with experts on four GPUs: an all-to-all out, the experts, an all-to-all back."""
    s = Svg(440, 290, "MoE dispatch with expert parallelism")
    routes = {0: (0, 2), 1: (1, 2), 2: (3, 0), 3: (1, 3)}
    s.text(60, 26, "token + 路由 top-2", size=14, bold=True)
    s.text(330, 26, "专家（EP = 4）", size=14, bold=True)
    for t, chosen in routes.items():
        y = 46 + t * 50
        s.rect(18, y, 52, 32, BLUE)
        s.text(44, y + 21, f"t{t + 1}", size=14, bold=True)
        s.text(76, y + 21, f"→ E{chosen[0]}, E{chosen[1]}", size=12, anchor="start", colour=MUTED)
        for e in chosen:
            s.path(
                f"M160,{y + 16} C230,{y + 16} 220,{62 + e * 50} 294,{62 + e * 50}",
                colour=ORANGE[1],
                arrow=True,
                width=1.2,
            )
    for e in range(4):
        y = 46 + e * 50
        s.rect(296, y, 126, 32, PURPLE)
        s.text(359, y + 21, f"E{e} · GPU {e}", size=13, bold=True)
    s.text(226, 36, "all-to-all 分发", size=13, colour=ORANGE[1])
    s.text(20, 268, "专家算完后再做一次 all-to-all 送回，按门控值加权求和。", size=13, anchor="start", colour=MUTED)
    return s.render()


DIAGRAMS: dict[str, Callable[[], str]] = {
    "04-hardware/assets/roofline-h100.svg": roofline,
    "04-hardware/assets/ring-all-reduce.svg": ring_all_reduce,
    "06-llm-inference/assets/paged-block-table.svg": paged_block_table,
    "06-llm-inference/assets/flash-attention-tiles.svg": flash_attention_tiles,
    "06-llm-inference/assets/prefill-decode-timeline.svg": prefill_decode_timeline,
    "06-llm-inference/assets/continuous-batching.svg": continuous_batching,
    "06-llm-inference/assets/tensor-parallel-mlp.svg": tensor_parallel_mlp,
    "06-llm-inference/assets/moe-dispatch.svg": moe_dispatch,
}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(__file__).resolve().parent.parent / "decks",
        help="folder standing for decks/ (default: the repository's decks/)",
    )
    args = parser.parse_args(argv)
    for relative, draw in DIAGRAMS.items():
        target = args.out / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(draw(), encoding="utf-8")
    print(f"wrote {len(DIAGRAMS)} diagrams under {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
