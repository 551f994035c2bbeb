"""The benchmark report: markdown tables for each section and PNG plots (matplotlib, no GUI)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from recsum import quirks
from recsum.evaluation.rouge import Interval

ROUGE_SHOWN = ("rouge1", "rouge2", "rougeLsum")


def _interval(score: dict) -> str:
    return str(Interval(**score))


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header),
            *["| " + " | ".join(row) + " |" for row in rows], ""]


def _machine(result) -> list[str]:
    m = result.machine
    versions = ", ".join(f"{k} {v}" for k, v in m["versions"].items())
    rates = m["matmul_gflops"]
    return [
        "## Machine", "",
        f"- command: `{m['command']}`",
        f"- CPU: {m['cpu']}; {m['logical_cores']} logical cores; torch threads "
        f"{m['torch_threads']}; torch CPU capability {m['cpu_capability']}; "
        f"{m['memory_gb']} GB RAM",
        f"- matrix multiply measured in this run: float32 {rates['float32']:.1f} GFLOP/s "
        f"(1024², best of 1 s); bfloat16 {rates['bfloat16']:.1f} GFLOP/s (256², best of 0.5 s)",
        f"- load average (1, 5, 15 min) at start {m['load_average']}, at end "
        f"{m.get('load_average_after')}: other processes shared these cores",
        f"- {m['platform']}; {versions}",
        f"- whole run: {result.seconds:.0f} s", "",
    ]


def _throughput(t: dict) -> list[str]:
    docs = t["documents"]
    rouge = " · ".join(f"{name} {_interval(t['rouge'][name])}" for name in ROUGE_SHOWN)
    rows = [
        ["documents", f"{docs}"],
        ["documents/s", f"{t['docs_per_second']:.3f}"],
        ["seconds/document (mean, max)",
         f"{np.mean(t['seconds_per_doc']):.2f}, {np.max(t['seconds_per_doc']):.2f}"],
        ["encoder tokens/s (wall)", f"{t['tokens_per_second']:.0f}"],
        ["wall / CPU seconds", f"{t['wall_seconds']:.1f} / {t['cpu_seconds']:.1f}"],
        ["peak RSS (after loading)", f"{t['peak_rss_mb']:.0f} MB ({t['loaded_rss_mb']:.0f} MB)"],
        ["encoder tokens per document", f"{t['encoder_tokens'] / docs:.0f}"],
        ["padding (computed / real tokens)", f"{t['padded_tokens'] / t['encoder_tokens']:.3f}"],
        ["FLOPs per document", f"{t['flops'] / docs:.3g}"],
        ["FLOP floor per document at the measured float32 rate",
         f"{t['floor_seconds'] / docs:.2f} s"],
        ["measured / floor (whole pipeline)", f"{t['over_floor']:.2f}"],
        ["measured / floor (encoder only)", f"{t['encoder_over_floor']:.2f}"],
        ["encoder share of wall time", f"{t['encoder_seconds'] / t['wall_seconds']:.1%}"],
        ["sentence segmentation share (timed alone)",
         f"{t['segmentation_seconds'] / t['wall_seconds']:.1%}"],
        ["chunks read by the encoder", f"{t['chunks_read']}"],
        ["ROUGE F1 (95% CI)", rouge],
    ]
    return ["## 1. Throughput of the default (SQuALITY dev)", "",
            *_table(["measure", "value"], rows)]


def _scaling(s: dict, out: Path) -> list[str]:
    lines = ["## 2. Scaling with document length", ""]
    for system, description in s["descriptions"].items():
        lines.append(f"- `{system}`: {description}")
    lines.append("")
    sizes = sorted({r["words"] for rows in s["runs"].values() for r in rows})
    header = ["system", *[f"{n:,} words" for n in sizes], "k (time ∝ n^k)"]
    rows = []
    for system, runs in s["runs"].items():
        by_size = {r["words"]: r for r in runs}
        cells = []
        for n in sizes:
            r = by_size.get(n)
            if r is None:
                cells.append("")
            elif r["status"] == "ok":
                cells.append(f"{r['seconds']:.1f} s, {r['peak_rss_mb']:.0f} MB")
            else:
                cells.append(r["status"])
        k = s["exponents"][system]
        rows.append([system, *cells, "" if k is None else f"{k:.2f}"])
    lines += ["Wall seconds of one run and the process's peak RSS (model loading included):", "",
              *_table(header, rows)]
    growth = []
    for system, runs in s["runs"].items():
        done = [r for r in runs if r["status"] == "ok"]
        if len(done) >= 2:
            growth.append([system, f"{done[0]['words']:,} → {done[-1]['words']:,}",
                           f"{done[-1]['peak_rss_mb'] - done[0]['peak_rss_mb']:+.0f} MB",
                           f"{done[-1]['peak_rss_mb'] - done[-1]['loaded_rss_mb']:.0f} MB"])
    lines += ["Peak memory growth across the sizes that ran, and the largest run's peak above "
              "its own loaded model:", "",
              *_table(["system", "words", "peak RSS growth", "above loaded"], growth)]
    repeated = max((r.get("repeated_words", 0) for rows in s["runs"].values() for r in rows),
                   default=0)
    if repeated:
        lines += [f"The largest document repeats {repeated:,} words of earlier text (the "
                  "corpus ran out of distinct documents).", ""]
    _plot_scaling(s, out)
    lines += ["![time](scaling_time.png) ![memory](scaling_memory.png)", ""]
    return lines


def _plot_scaling(s: dict, out: Path) -> None:
    for key, label, name in (("seconds", "wall seconds", "scaling_time.png"),
                             ("peak_rss_mb", "peak RSS (MB)", "scaling_memory.png")):
        figure = quirks.figure(figsize=(6, 4))
        axes = figure.subplots()
        for system, runs in s["runs"].items():
            done = [r for r in runs if r["status"] == "ok"]
            if done:
                axes.plot([r["words"] for r in done], [r[key] for r in done], "o-", label=system)
        axes.set_xscale("log")
        axes.set_yscale("log")
        axes.set_xlabel("document length (words)")
        axes.set_ylabel(label)
        axes.legend(fontsize=8)
        figure.tight_layout()
        figure.savefig(out / name, dpi=100)


def _batching(b: dict) -> list[str]:
    rows = [[f"{b['chunks']}", f"{b['batched_seconds']:.2f} s (batch {b['batch_size']})",
             f"{b['single_seconds']:.2f} s", f"{b['speedup']:.2f}×",
             f"{b['identical_outputs']} / {b['chunks']}"]]
    return ["## 3. Seq2Seq batching across chunks", "",
            f"BART-{b['shape']}-shaped model, random weights, greedy, {b['new_tokens']} generated "
            "tokens per chunk, the chunks of the first story:", "",
            *_table(["chunks", "batched", "one at a time", "speed-up", "identical outputs"], rows)]


def _peers(p: dict, out: Path) -> list[str]:
    rows = []
    for name, row in p["systems"].items():
        rows.append([name, f"{np.mean(row['seconds_per_doc']):.2f}",
                     *[_interval(row["rouge"][t]) for t in ROUGE_SHOWN]])
    _plot_peers(p, out)
    return ["## 4. Peers on the same documents and budget", "",
            f"The first {p['documents']} SQuALITY dev stories, {p['max_words']} words each; "
            "ROUGE F1 with stemming, best of the 4 references, 95% bootstrap CI:", "",
            *_table(["system", "s/doc", *ROUGE_SHOWN], rows), "![peers](peers.png)", ""]


def _plot_peers(p: dict, out: Path) -> None:
    figure = quirks.figure(figsize=(6, 4))
    axes = figure.subplots()
    for name, row in p["systems"].items():
        seconds = np.mean(row["seconds_per_doc"])
        axes.scatter([seconds], [row["rouge"]["rouge1"]["mean"]])
        axes.annotate(name, (seconds, row["rouge"]["rouge1"]["mean"]), fontsize=8)
    axes.set_xscale("log")
    axes.set_xlabel("seconds per document")
    axes.set_ylabel("ROUGE-1 F1")
    figure.tight_layout()
    figure.savefig(out / "peers.png", dpi=100)


def _processes(p: dict) -> list[str]:
    systems = p["systems"]
    recsum = systems["recsum-default"]
    rows = []
    for name, row in systems.items():
        single, batch = np.mean(row["seconds_per_doc"]), row["batch_seconds"] / p["documents"]
        rows.append([name, f"{single:.2f}", f"{np.mean(recsum['seconds_per_doc']) / single:.2f}",
                     f"{row['batch_seconds']:.1f}", f"{batch:.2f}",
                     f"{recsum['batch_seconds'] / row['batch_seconds']:.2f}"])
    return ["## 5. Whole processes, start included", "",
            f"The first {p['documents']} SQuALITY dev stories, {p['max_words']} words each, as "
            "files; `recsum summarize` (encoder path "
            f"`{p['encoder_path']}`, CPU flags {', '.join(p['cpu_flags']) or 'none'}) against "
            "each peer's own process (`python -m recsum.experiments.bench.peers`). One process "
            "per story (mean wall seconds), then all the stories in one process:", "",
            *_table(["system", "s/story, one process each", "recsum ÷ this",
                     "all stories, one process (s)", "s/story there", "recsum ÷ this"], rows)]


def write_report(result, out: Path) -> Path:
    """``report.md`` (and its plots) in ``out``; returns its path."""
    lines = ["# recsum benchmark", "", *_machine(result)]
    if result.throughput:
        lines += _throughput(result.throughput)
    if result.scaling:
        lines += _scaling(result.scaling, out)
    if result.batching:
        lines += _batching(result.batching)
    if result.peers:
        lines += _peers(result.peers, out)
    if result.processes:
        lines += _processes(result.processes)
    path = out / "report.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
