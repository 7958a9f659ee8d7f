"""Benchmark `roadmap-cards build` on synthetic decks, against a raw genanki script writing the same packages.

    python benchmarks/bench_build.py                 # 1k, 10k and 100k cards
    python benchmarks/bench_build.py --sizes 1000    # just one size

For each size it prints, for a cold build (no cache, no lock, no previous outputs), a rebuild with nothing
changed, and the raw genanki script: the whole process's wall time and peak memory, the build's time per step
(load, parse, render, package, write), and the ratios the targets are about:

- cold build ≤ 2.0× the raw genanki script, at 10k cards;
- rebuild with nothing changed ≤ 0.6× the raw genanki script, at 10k cards;
- `roadmap-cards --help` ≤ 2× `python -c "import click"` (the CLI imports the pipeline only when it runs);
- time roughly linear in the number of cards up to 100k; peak memory < 1 GB.

The raw script gets the fields already rendered by the build (read from the build's own cache) and does only
what genanki needs to write the same packages: make the models, notes and decks and call `write_to_file`.
Every figure is the median of `--repeat` runs, measured as separate processes (so Python's start-up and imports
count, as they do for a user); the three commands of one size take turns, so a drift of the machine's speed
touches them alike.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
STAGES = 10
CARDS_PER_TOPIC = 50

RAW_SCRIPT = r"""
import json, sys, genanki
from pathlib import Path

data = json.loads(Path(sys.argv[1]).read_bytes())
out = Path(sys.argv[2])
models = {}
for kind, spec in data["models"].items():
    models[kind] = genanki.Model(
        spec["id"], spec["name"], fields=[{"name": f} for f in spec["fields"]],
        templates=[{"name": n, "qfmt": q, "afmt": a} for n, q, a in spec["templates"]],
        css=spec["css"], model_type=spec["type"],
    )
decks = []
for stage in data["stages"]:
    deck = genanki.Deck(stage["deck_id"], stage["name"])
    for kind, fields, tags, guid in stage["notes"]:
        deck.add_note(genanki.Note(model=models[kind], fields=list(fields), tags=list(tags), guid=guid))
    decks.append(deck)
    genanki.Package(deck).write_to_file(str(out / (stage["slug"] + ".apkg")), timestamp=1700000000)
genanki.Package(decks).write_to_file(str(out / "all.apkg"), timestamp=1700000000)
"""

QUESTIONS = [
    "在 H100 SXM 上，某个关键指标约为多少？",
    "为什么 decode 阶段通常受内存带宽限制？",
    "PagedAttention 中的块表 (block table) 记录什么？",
    "连续批处理 (continuous batching) 在什么粒度上调度请求？",
]
ANSWERS = [
    "约为 {n} 个单位，来自官方数据手册（截至 2024 年）。",
    "每生成一个 token 都要把全部权重从 HBM 读一遍，而算术强度约为 $2B$ FLOP/字节。",
    "逻辑块到物理块的映射，使用 `block_table[i]` 查找，类似操作系统的页表。",
    "迭代级 (iteration-level)：每一步都可以加入或移出请求。",
]
CODE = [
    "```cuda\n__global__ void add(float *x, float *y, int n) {{\n  int i = blockIdx.x * blockDim.x + threadIdx.x;\n"
    "  if (i < n) y[i] = x[i] + y[i];  // card {n}\n}}\n```",
    "```python\nimport torch\nx = torch.randn({n}, 4096, device='cuda')\ny = x @ x.T\nprint(y.shape)\n```",
]


def card_markdown(number: int, rng: random.Random) -> str:
    roll = rng.random()
    heading = f"## {rng.choice(QUESTIONS)} 第 {number} 题"
    if roll < 0.15:
        return (
            f"## 第 {number} 个填空 {{#card-{number}}}\n\n"
            f"连续批处理在{{{{c1::迭代级 (iteration-level)}}}}调度，每步可加入新请求；"
            f"其代表系统是 {{{{c2::Orca}}}}（第 {number} 条）。\n"
        )
    attrs = f"{{#card-{number}{' .reverse' if roll > 0.95 else ''}}}"
    body = rng.choice(ANSWERS).format(n=number)
    if roll < 0.25:
        body += "\n\n" + rng.choice(CODE).format(n=number)
    if rng.random() < 0.3:
        body += f"\n\n来源：[Kwon et al., SOSP 2023 (arXiv 2309.06180)](https://arxiv.org/abs/2309.06180) §{number % 9}"
    return f"{heading} {attrs}\n\n{body}\n"


def make_decks(root: Path, cards: int) -> None:
    """A roadmap of 10 stages with topics of 50 cards each (the last topic may be shorter)."""
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    (root / "roadmap.yaml").write_text(
        "title: 基准测试路线图\ntitle_en: Benchmark roadmap\ndeck_id: 1999999999\n", encoding="utf-8"
    )
    rng = random.Random(cards)
    per_stage = -(-cards // STAGES)
    number = 0
    for stage in range(STAGES):
        folder = root / f"{stage:02d}-stage-{stage}"
        folder.mkdir()
        (folder / "stage.yaml").write_text(
            f"deck_id: {1900000000 + stage}\ntitle: 第 {stage} 阶段\ntitle_en: Stage {stage}\norder: {stage}\n"
            "sources:\n  - title: Benchmark source\n    url: https://example.org/\n",
            encoding="utf-8",
        )
        in_stage = min(per_stage, cards - number)
        for topic in range(-(-in_stage // CARDS_PER_TOPIC)):
            count = min(CARDS_PER_TOPIC, in_stage - topic * CARDS_PER_TOPIC)
            body = "".join(card_markdown(number + i, rng) + "\n" for i in range(count))
            number += count
            front = f"---\ntitle: 主题 {topic}\nsources:\n  - https://arxiv.org/abs/2309.06180\n---\n\n"
            (folder / f"topic-{topic:03d}.md").write_text(front + body, encoding="utf-8")


def run(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """Wall seconds and peak RSS (MiB) of a child process, and its stderr."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    stderr = process.stderr.read().decode() if process.stderr else ""
    if process.stderr:
        process.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"{' '.join(command)} failed ({code}):\n{stderr}")
    return elapsed, usage.ru_maxrss / 1024, stderr


def parse_timings(stderr: str) -> dict[str, float]:
    line = next((text for text in stderr.splitlines() if text.startswith("timings: ")), "")
    return {k: float(v.rstrip("s")) for k, v in (item.split("=") for item in line.split()[1:])}


def raw_input_from_cache(out: Path, data_path: Path) -> None:
    """The pre-rendered fields, taken from the build's cache, in the plain form the raw script reads."""
    from roadmap_cards.notetypes import NOTE_TYPES
    from roadmap_cards.render_cache import CACHE_DIR, CACHE_FILE, RenderCache
    from roadmap_cards.result_data import from_json
    from roadmap_cards.templating import Templates, build_models, default_templates_dir

    entries = RenderCache.open(out, Path("/")).entries if (out / CACHE_DIR / CACHE_FILE).is_file() else {}
    results = [from_json(data) for data in entries.values()]
    built = build_models(Templates(default_templates_dir()))
    models = {
        kind.value: {
            "id": nt.model_id,
            "name": nt.name,
            "fields": list(nt.fields),
            "templates": built[kind].templates,
            "css": built[kind].css,
            "type": 1 if kind.value == "cloze" else 0,
        }
        for kind, nt in NOTE_TYPES.items()
    }
    stages: dict[str, dict] = {}
    for result in sorted(results, key=lambda r: str(r.path)):
        stage = result.topic.stage
        entry = stages.setdefault(
            stage.slug,
            {"slug": stage.slug, "deck_id": stage.deck_id, "name": f"基准::{stage.title}", "notes": []},
        )
        entry["notes"] += [(n.kind.value, n.fields, n.tags, n.guid) for n in result.notes]
    data_path.write_text(json.dumps({"models": models, "stages": [stages[k] for k in sorted(stages)]}))


def median(runs: list[tuple[float, float, str]]) -> tuple[float, float, str]:
    ordered = sorted(runs, key=lambda r: r[0])
    return ordered[len(ordered) // 2]


def startup(repeat: int, work: Path) -> tuple[float, float]:
    """Median wall seconds of `roadmap-cards --help` and of `python -c "import click"`, taking turns."""
    cli = [sys.executable, "-m", "roadmap_cards", "--help"]
    click_only = [sys.executable, "-c", "import click"]
    help_runs, click_runs = [], []
    for _ in range(repeat):
        help_runs.append(run(cli, work))
        click_runs.append(run(click_only, work))
    return median(help_runs)[0], median(click_runs)[0]


def bench(cards: int, work: Path, repeat: int) -> dict[str, object]:
    root = work / f"decks-{cards}"
    out = work / f"dist-{cards}"
    raw_out = work / f"raw-{cards}"
    make_decks(root, cards)
    cli = [
        sys.executable,
        "-m",
        "roadmap_cards",
        "build",
        "--decks",
        str(root),
        "--out",
        str(out),
        "--timings",
    ]
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000"}

    def cold_build() -> tuple[float, float, str]:
        shutil.rmtree(out, ignore_errors=True)
        (root / "cards.lock").unlink(missing_ok=True)
        return run(cli, work, env)

    def raw_build() -> tuple[float, float, str]:
        shutil.rmtree(raw_out, ignore_errors=True)
        raw_out.mkdir()
        return run([sys.executable, "-c", RAW_SCRIPT, str(data_path), str(raw_out)], work)

    data_path = work / f"raw-{cards}.json"
    cold_build()  # once, to fill the cache the raw script takes its rendered fields from
    raw_input_from_cache(out, data_path)
    cold_runs, warm_runs, raw_runs = [], [], []
    for _ in range(repeat):
        cold_runs.append(cold_build())
        warm_runs.append(run(cli, work, env))
        raw_runs.append(raw_build())
    cold, warm, raw = median(cold_runs), median(warm_runs), median(raw_runs)
    return {
        "cards": cards,
        "cold": cold[0],
        "cold_mem": cold[1],
        "cold_phases": parse_timings(cold[2]),
        "warm": warm[0],
        "warm_mem": warm[1],
        "warm_phases": parse_timings(warm[2]),
        "raw": raw[0],
        "raw_mem": raw[1],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure; the median is reported")
    parser.add_argument("--work", type=Path, default=HERE / ".work", help="scratch folder (deleted at the end)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    print(
        f"roadmap-cards build benchmark: {os.cpu_count()} cores, Python {sys.version.split()[0]}, "
        f"median of {args.repeat}"
    )
    help_time, click_time = startup(max(args.repeat, 5), args.work)
    print(
        f"\nstart-up: roadmap-cards --help {help_time * 1000:.0f} ms, python -c 'import click' "
        f"{click_time * 1000:.0f} ms: {help_time / click_time:.2f}× (≤ 2.0)"
    )
    rows = []
    try:
        for cards in args.sizes:
            repeat = args.repeat if cards <= 10_000 else 1
            row = bench(cards, args.work, repeat)
            rows.append(row)
            phases = ", ".join(f"{k} {v:.2f}s" for k, v in row["cold_phases"].items())
            print(f"\n{cards:>7} cards")
            print(
                f"  cold build     {row['cold']:7.2f} s  peak {row['cold_mem']:6.0f} MiB  "
                f"{row['cold'] / row['raw']:4.2f}× raw   ({phases})"
            )
            warm_phases = ", ".join(f"{k} {v:.2f}s" for k, v in row["warm_phases"].items())
            print(
                f"  rebuild        {row['warm']:7.2f} s  peak {row['warm_mem']:6.0f} MiB  "
                f"{row['warm'] / row['raw']:4.2f}× raw   ({warm_phases})"
            )
            print(f"  raw genanki    {row['raw']:7.2f} s  peak {row['raw_mem']:6.0f} MiB")
    finally:
        if not args.keep:
            shutil.rmtree(args.work, ignore_errors=True)
    if len(rows) > 1:
        base = rows[0]
        print("\nscaling (time per 1k cards, cold build):")
        for row in rows:
            print(
                f"  {row['cards']:>7} cards: {row['cold'] / row['cards'] * 1000:.3f} s "
                f"(× {row['cold'] / row['cards'] / (base['cold'] / base['cards']):.2f} of the smallest)"
            )
    targets = [r for r in rows if r["cards"] == 10_000]
    for row in targets:
        print(
            f"\ntargets at 10k cards: cold {row['cold'] / row['raw']:.2f}× (≤ 2.0), "
            f"rebuild {row['warm'] / row['raw']:.2f}× (≤ 0.6), "
            f"peak memory {max(r['cold_mem'] for r in rows):.0f} MiB (< 1024)"
        )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
