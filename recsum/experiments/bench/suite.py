"""The benchmark itself: five sections measured in one run, then written as a report.

1. throughput of the embedded default on real stories, against the FLOP floor at the matrix
   rate measured in the same run; 2. time and peak memory against document length, each run in
   its own process, with time ∝ n^k fitted per system; 3. Seq2Seq batching across chunks against
   one chunk at a time; 4. peers on the same documents and budget: time and ROUGE; 5. whole
   processes, start included, of ``recsum summarize`` and the peers (:mod:`.processes`).
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np
import torch

from recsum.errors import RecsumError
from recsum.experiments.bench.corpus import concatenate, load_corpus
from recsum.experiments.bench.machine import cpu_seconds, machine_info, matmul_rate, peak_rss_mb
from recsum.experiments.bench.peers import PEERS, build_peer
from recsum.experiments.bench.processes import processes
from recsum.experiments.bench.scaling import (
    SCALING_SYSTEMS,
    seq2seq_part_summarizer,
    temporary_workdir,
)
from recsum.experiments.bench.worker import measure, run_isolated
from recsum.length import Length, truncate_words

SECTIONS = ("throughput", "scaling", "batching", "peers", "processes")


@dataclass
class BenchConfig:
    """What to measure and how far; the defaults are the full run (about 20 minutes, 2 cores)."""

    stories: str
    out: str
    corpus: tuple[str, ...] = ()
    sections: tuple[str, ...] = SECTIONS
    docs: int = 25
    peer_docs: int = 5
    max_words: int = 400
    sizes: tuple[int, ...] = (2_000, 8_000, 32_000, 128_000, 512_000)
    systems: tuple[str, ...] = tuple(SCALING_SYSTEMS)
    peers: tuple[str, ...] = tuple(PEERS)
    shape: str = "base"
    new_tokens: int = 8
    batching_tokens: int = 16
    time_cap: float = 240.0
    memory_cap_mb: float = 8_000.0
    isolate: bool = True
    bootstrap: int = 1000
    story_words: int | None = None  # cut each story to this many words (smoke runs only)

    @classmethod
    def smoke(cls, stories: str, out: str, **overrides) -> BenchConfig:
        """Toy shapes and sizes: seconds, for CI; its figures mean nothing."""
        settings = dict(docs=1, peer_docs=1, sizes=(100, 250), shape="tiny", new_tokens=2,
                        batching_tokens=2, time_cap=60.0, isolate=False, bootstrap=20,
                        max_words=60, story_words=250)
        return cls(stories=stories, out=out, **{**settings, **overrides})

    def __post_init__(self) -> None:
        unknown = sorted(set(self.sections) - set(SECTIONS))
        if unknown:
            raise RecsumError(f"unknown bench section(s) {', '.join(unknown)}; "
                              f"choose from {', '.join(SECTIONS)}")
        for kind, names, known in (("scaling system", self.systems, SCALING_SYSTEMS),
                                   ("peer", self.peers, PEERS)):
            unknown = sorted(set(names) - set(known))
            if unknown:
                raise RecsumError(f"unknown {kind}(s) {', '.join(unknown)}; "
                                  f"choose from {', '.join(known)}")


@dataclass
class BenchResult:
    """Everything measured, as written to results.json."""

    config: dict
    machine: dict
    seconds: float = 0.0
    throughput: dict | None = None
    scaling: dict | None = None
    batching: dict | None = None
    peers: dict | None = None
    processes: dict | None = None
    notes: list[str] = field(default_factory=list)


def encoder_flops(config, tokens: int, token_squares: int) -> float:
    """Multiply-add FLOPs of a BERT encoder over sentences: projections, FFN and attention."""
    hidden, layers, ffn = config.hidden_size, config.num_hidden_layers, config.intermediate_size
    per_token = 2 * (4 * hidden * hidden + 2 * hidden * ffn)
    # QK^T and attention x V: 2 * L^2 * hidden multiply-adds each, per sentence of length L.
    return layers * (tokens * per_token + 4 * token_squares * hidden)


def _rouge(predictions: list[str], references: list[tuple[str, ...]], bootstrap: int) -> dict:
    from recsum.evaluation.rouge import evaluate_summaries

    ids = [str(i) for i in range(len(predictions))]
    evaluation = evaluate_summaries(ids, predictions, references, bootstrap=bootstrap)
    return {name: asdict(score.f1) for name, score in evaluation.scores.items()}


def throughput(config: BenchConfig, records, rates: dict) -> dict:
    """The default on real stories, one at a time, timed per document."""
    from recsum.clean import readable_sentences
    from recsum.reduce import RecursiveReducer
    from recsum.summarizers import ExtractiveSummarizer
    from recsum.summarizers.encoder import EncoderStats

    part = ExtractiveSummarizer.from_pretrained()
    reducer = RecursiveReducer(part)
    # The first forward pass picks kernels and allocates; keep it out of the timing.
    part.encoder.encode([["A sentence to warm the encoder up."]])
    part.encoder.stats = EncoderStats()
    loaded_mb = peak_rss_mb()
    summaries, seconds = [], []
    cpu, started = cpu_seconds(), time.perf_counter()
    for record in records:
        begin = time.perf_counter()
        summaries.append(reducer.reduce(record.document, Length(config.max_words)).summary)
        seconds.append(time.perf_counter() - begin)
    wall = time.perf_counter() - started
    cpu = cpu_seconds() - cpu
    stats = part.encoder.stats
    flops = encoder_flops(part.encoder.model.config, stats.tokens, stats.token_squares)
    floor = flops / (rates["float32"] * 1e9)
    # Where the rest goes: segmentation and cleaning measured again alone (no model).
    begin = time.perf_counter()
    for record in records:
        readable_sentences(record.document)
    split_seconds = time.perf_counter() - begin
    return {
        "documents": len(records), "wall_seconds": wall, "cpu_seconds": cpu,
        "docs_per_second": len(records) / wall, "seconds_per_doc": seconds,
        "encoder_tokens": stats.tokens, "tokens_per_second": stats.tokens / wall,
        "padded_tokens": stats.padded_tokens, "chunks_read": stats.chunks,
        "encoder_batches": stats.batches,
        "encoder_seconds": stats.seconds, "segmentation_seconds": split_seconds,
        "flops": flops, "floor_seconds": floor, "over_floor": wall / floor,
        "encoder_over_floor": stats.seconds / floor,
        "loaded_rss_mb": loaded_mb, "peak_rss_mb": peak_rss_mb(),
        "rouge": _rouge(summaries, [r.references for r in records], config.bootstrap),
        "summaries": summaries,
    }


def fit_exponent(sizes: list[float], seconds: list[float]) -> float | None:
    """k of seconds ∝ size^k, least squares in log-log; None with fewer than two points."""
    if len(sizes) < 2:
        return None
    slope, _ = np.polyfit(np.log(sizes), np.log(seconds), 1)
    return float(slope)


def scaling(config: BenchConfig, texts: list[str], workdir: Path) -> dict:
    """Each system up the sizes, until a run fails or the next is predicted past the time cap."""
    documents = {}
    for size in config.sizes:
        text, repeated = concatenate(texts, size)
        path = workdir / f"doc-{size}.txt"
        path.write_text(text, encoding="utf-8")
        documents[size] = (path, repeated)
    results: dict[str, list[dict]] = {}
    for system in config.systems:
        rows: list[dict] = []
        for size in config.sizes:
            done = [r for r in rows if r["status"] == "ok"]
            if rows and rows[-1]["status"] != "ok":
                rows.append({"words": size, "status": "skipped (smaller size failed)"})
                continue
            if done:
                # Extrapolate with the exponent so far (linear from a single point).
                k = fit_exponent([r["words"] for r in done], [r["seconds"] for r in done]) or 1.0
                predicted = done[-1]["seconds"] * (size / done[-1]["words"]) ** max(k, 1.0)
                if predicted > config.time_cap:
                    rows.append({"words": size, "status": f"skipped (predicted {predicted:.0f} s "
                                                          f"> cap {config.time_cap:.0f} s)"})
                    continue
            path, repeated = documents[size]
            spec = {"system": system, "shape": config.shape, "max_words": config.max_words,
                    "new_tokens": config.new_tokens, "document": str(path)}
            if config.isolate:
                row = run_isolated(spec, time_cap=config.time_cap,
                                   memory_cap_mb=config.memory_cap_mb,
                                   spec_path=workdir / "spec.json")
            else:
                row = {**measure(spec), "status": "ok"}
            rows.append({"words": size, "repeated_words": repeated, **row})
            print(f"bench: scaling {system} {size} words: {row.get('seconds', 0):.1f} s "
                  f"{row['status']}", flush=True)
        results[system] = rows
    exponents = {}
    for system, rows in results.items():
        done = [r for r in rows if r["status"] == "ok"]
        exponents[system] = fit_exponent([r["words"] for r in done], [r["seconds"] for r in done])
    return {"runs": results, "exponents": exponents,
            "descriptions": {s: SCALING_SYSTEMS[s][0] for s in config.systems}}


def batching(config: BenchConfig, record, workdir: Path) -> dict:
    """The chunks of one story summarized by the Seq2Seq model in batches, then one at a time."""
    from recsum.chunk import chunk_sentences
    from recsum.segment import split_sentences

    part = seq2seq_part_summarizer(workdir / "bart-batching", shape=config.shape,
                                   new_tokens=config.batching_tokens)
    chunks = [c.text for c in chunk_sentences(split_sentences(record.document), part.tokens,
                                              part.input_budget)]
    length = Length(0.5, "fraction")
    timings, outputs = [], []
    batch_size = part.batch_size
    for size in (batch_size, 1):
        part.batch_size = size
        started = time.perf_counter()
        outputs.append(part.summarize(chunks, length))
        timings.append(time.perf_counter() - started)
    batched, single = timings
    same = sum(a == b for a, b in zip(*outputs, strict=True))
    return {"chunks": len(chunks), "batch_size": batch_size, "batched_seconds": batched,
            "single_seconds": single, "speedup": single / batched, "identical_outputs": same,
            "new_tokens": config.batching_tokens, "shape": config.shape}


def peers(config: BenchConfig, records, recsum_seconds: list[float],
          recsum_summaries: list[str]) -> dict:
    """Each peer on the same documents, timed per document, scored like recsum."""
    references = [r.references for r in records]
    rows = {"recsum-default": {"seconds_per_doc": recsum_seconds,
                               "rouge": _rouge(recsum_summaries, references, config.bootstrap)}}
    for name in config.peers:
        peer = build_peer(name)
        seconds, summaries = [], []
        for record in records:
            started = time.perf_counter()
            summaries.append(peer.summarize_documents([record.document],
                                                      Length(config.max_words))[0])
            seconds.append(time.perf_counter() - started)
        rows[name] = {"seconds_per_doc": seconds,
                      "rouge": _rouge(summaries, references, config.bootstrap)}
        print(f"bench: peer {name}: {np.mean(seconds):.2f} s/doc", flush=True)
    return {"documents": len(records), "max_words": config.max_words, "systems": rows}


def run_bench(config: BenchConfig, command: str = "") -> BenchResult:
    """Measure every section of ``config`` and write results.json, report.md and plots."""
    from recsum.experiments.bench.report import write_report

    out = Path(config.out)
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    result = BenchResult(config=asdict(config), machine=machine_info())
    result.machine["command"] = command
    rates = {"float32": matmul_rate(torch.float32),
             "bfloat16": matmul_rate(torch.bfloat16, size=256, seconds=0.5)}
    result.machine["matmul_gflops"] = rates
    records = load_corpus(config.stories)
    if not records:
        raise RecsumError(f"{config.stories}: no stories with references")
    if config.story_words:
        records = [replace(r, document=truncate_words(r.document, config.story_words))
                   for r in records]
    stories = records[: config.docs]
    if "throughput" in config.sections or "peers" in config.sections:
        print(f"bench: throughput on {len(stories)} stories", flush=True)
        result.throughput = throughput(config, stories, rates)
    with temporary_workdir() as workdir:
        if "scaling" in config.sections:
            texts = [r.document for r in records]
            for path in config.corpus:
                texts += [r.document for r in load_corpus(path)]
            result.scaling = scaling(config, texts, Path(workdir))
        if "batching" in config.sections:
            print("bench: batching", flush=True)
            result.batching = batching(config, records[0], Path(workdir))
    if "peers" in config.sections:
        count = min(config.peer_docs, len(stories))
        result.peers = peers(config, stories[:count],
                             result.throughput["seconds_per_doc"][:count],
                             result.throughput["summaries"][:count])
    if "processes" in config.sections:
        print(f"bench: whole processes on {len(stories)} stories", flush=True)
        with temporary_workdir() as workdir:
            result.processes = processes([r.document for r in stories], config.peers,
                                         config.max_words, Path(workdir))
    result.seconds = time.perf_counter() - started
    result.machine["load_average_after"] = machine_info()["load_average"]
    (out / "results.json").write_text(json.dumps(asdict(result), indent=2) + "\n", "utf-8")
    write_report(result, out)
    return result
