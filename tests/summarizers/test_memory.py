"""The default's memory as documents grow: every way it holds less gives the bits of the way it
replaced, and a long document's peak stays near a short one's (slow, in fresh processes)."""

from __future__ import annotations

import random
from array import array
from types import SimpleNamespace

import numpy as np
import pytest

from recsum.chunk import ChunkedDocument, chunk_sentences, fit_sentences
from recsum.clean import readable_sentences
from recsum.resources import stopwords
from recsum.summarizers.base import part_units
from recsum.summarizers.features import _WORD, _term_columns, sentence_features


def synthetic_text(words: int, seed: int = 0) -> str:
    """Paragraphs of sentences of 3 to 30 made-up words, some quoted, some a speaker's turn."""
    rng = random.Random(seed)
    vocabulary = ["".join(rng.choice("bdfgklmnprstvz") + rng.choice("aeiou")
                          for _ in range(rng.randint(1, 3))) for _ in range(3000)]
    vocabulary += ["the", "and", "of", "Mars", "Grad"]  # stop words and names
    paragraphs, total = [], 0
    while total < words:
        sentences = []
        for _ in range(rng.randint(3, 9)):
            size = min(rng.randint(3, 30), max(words - total, 1))
            text = " ".join(rng.choice(vocabulary) for _ in range(size))
            total += size
            text = text[0].upper() + text[1:] + rng.choice(".!?")
            sentences.append(f'"{text}"' if rng.random() < 0.1 else text)
            if total >= words:
                break
        paragraphs.append(" ".join(sentences))
    return "\n\n".join(paragraphs)


def in_order_reading(extractive, document: ChunkedDocument) -> tuple[np.ndarray, np.ndarray]:
    """The reading as it was made before: every chunk read, then summed in chunk order into a
    second array, normalized all at once."""
    texts = [[u.text for u in document.units[c.first : c.last + 1]] for c in document.chunks]
    sums = np.zeros((len(document.units), extractive.encoder.hidden_size), dtype=np.float32)
    for chunk, vectors in zip(document.chunks, extractive.encoder.encode(texts), strict=True):
        sums[chunk.first : chunk.last + 1] += vectors
    vectors = sums / np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-12)
    return vectors, sentence_features(extractive._sentences(document), vectors)


@pytest.mark.parametrize("batched", [False, True])
@pytest.mark.parametrize(("overlap", "most"), [(0, 1), (1, 2), (3, 4)])
def test_reading_chunk_by_chunk_gives_the_bits_of_summing_all_in_order(extractive, monkeypatch,
                                                                       overlap, most, batched):
    from recsum.summarizers.encoder import BATCH_TOKENS
    from recsum.summarizers.extractive import _most_readings

    if batched:  # chunks come shortest first, out of the document's order
        monkeypatch.setattr(extractive.encoder, "batch_tokens", BATCH_TOKENS)
    units, _ = part_units(synthetic_text(1500), extractive.tokens, 100)
    # Small chunks: many of them, of many lengths; overlap 3 reads some units four times.
    document = ChunkedDocument(units, chunk_sentences(units, extractive.tokens, 100, overlap),
                               1)
    assert _most_readings(document) == most
    (reading,) = extractive.read([document])
    vectors, features = in_order_reading(extractive, document)
    np.testing.assert_array_equal(reading.vectors, vectors)
    np.testing.assert_array_equal(reading.features, features)


class Counting:
    """A model of four-wide states that counts its runs and its memory releases."""

    config = SimpleNamespace(hidden_size=4, max_position_embeddings=512, num_hidden_layers=1)

    def __init__(self) -> None:
        self.runs = 0
        self.releases: list[int] = []  # runs made before each release

    def __call__(self, ids, mask):
        self.runs += 1
        return np.repeat(ids[..., None].astype(np.float32), 4, axis=-1) * mask[..., None]

    def release_memory(self) -> None:
        self.releases.append(self.runs)


@pytest.mark.parametrize("chunks", [3, 120])
def test_the_encoder_releases_its_model_s_memory_every_so_many_runs_and_after_a_long_read(
        chunks):
    from tokenizers import Tokenizer

    from recsum.summarizers import default_model_path
    from recsum.summarizers.encoder import ONE_CHUNK, RELEASE_EVERY, ChunkEncoder

    model = Counting()
    tokenizer = Tokenizer.from_file(f"{default_model_path()}/tokenizer.json")
    encoder = ChunkEncoder(model, tokenizer, batch_tokens=ONE_CHUNK)
    encoder.encode([[f"Sentence {i}."] for i in range(chunks)])
    expected = list(range(RELEASE_EVERY, chunks + 1, RELEASE_EVERY))
    if chunks >= RELEASE_EVERY:  # and once at the end of a long read
        expected.append(chunks)
    assert model.releases == expected


def test_onnx_runtime_gives_the_same_states_after_releasing_its_arena(extractive):
    model = extractive.encoder.model
    ids = np.array([extractive.encoder.tokenizer.encode("A harbour froze in January.").ids])
    before = model(ids, np.ones_like(ids))
    model.release_memory()
    np.testing.assert_array_equal(model(ids, np.ones_like(ids)), before)


@pytest.mark.parametrize("rows", [1, 4, 5, 300, 2048, 2 * 2048 + 7])
def test_gelu_a_few_rows_at_a_time_gives_the_bits_of_all_at_once(rows):
    from recsum.summarizers.scorer import HIDDEN, OUTPUT, RATED_AT_ONCE, PartScorer, _gelu

    scorer = PartScorer.from_pretrained()
    rng = np.random.default_rng(rows)
    vectors = rng.normal(0, 0.05, (rows, 384)).astype(np.float32)
    features = rng.random((rows, len(scorer.config.features)), np.float32)
    w = scorer.weights
    expected = []
    for begin in range(0, rows, RATED_AT_ONCE):  # as rated before: the whole slice at once
        inputs = np.concatenate([vectors[begin : begin + RATED_AT_ONCE],
                                 features[begin : begin + RATED_AT_ONCE]], axis=-1)
        hidden = _gelu(inputs @ w[f"{HIDDEN}.weight"].T + w[f"{HIDDEN}.bias"])
        expected.append((hidden @ w[f"{OUTPUT}.weight"].T + w[f"{OUTPUT}.bias"])[..., 0])
    np.testing.assert_array_equal(scorer.rate(vectors, features), np.concatenate(expected))


def test_term_statistics_in_one_array_are_those_of_an_array_per_sentence():
    texts = [s.text for s in readable_sentences(synthetic_text(3000, seed=2))] + ["", "..."]
    stop = stopwords()
    vocabulary: dict[str, int] = {}
    content = [array("i", [vocabulary.setdefault(w, len(vocabulary))
                           for w in (word.lower() for word in _WORD.findall(text))
                           if w not in stop]) for text in texts]
    frequency = [0] * len(vocabulary)
    for kept in content:
        for word in set(kept):
            frequency[word] += 1
    columns = _term_columns(texts)
    for row, kept in enumerate(content):
        weights = np.log1p([frequency[word] for word in kept]) if kept else np.zeros(1)
        assert columns["term_mean"][row] == np.float32(weights.mean() / 5)
        assert columns["term_max"][row] == np.float32(weights.max() / 5)
        assert columns["term_sum"][row] == np.float32(weights.sum() / 50)


def test_part_units_are_the_readable_sentences_fitted_to_the_budget(extractive):
    text = synthetic_text(2000, seed=3) + "\n\nGrad C: um, so {disfmarker} so we start ."
    assert part_units(text, extractive.tokens, 512) == fit_sentences(
        readable_sentences(text), extractive.tokens, 512)


@pytest.mark.slow
def test_the_peak_grows_little_from_a_short_document_to_a_long_one(tmp_path):
    """In fresh processes, as ``recsum bench`` measures it: from 8k to 128k words of this text
    the peak grew by 72 MB before the reading kept only what it needs, and by 13 MB after."""
    from recsum.experiments.bench.worker import run_isolated

    peaks = {}
    for words in (8_000, 128_000):
        path = tmp_path / f"doc-{words}.txt"
        path.write_text(synthetic_text(words, seed=4), encoding="utf-8")
        spec = {"system": "recsum-default", "shape": "base", "max_words": 400,
                "new_tokens": 8, "document": str(path)}
        row = run_isolated(spec, time_cap=300, memory_cap_mb=4000,
                           spec_path=tmp_path / "spec.json")
        assert row["status"] == "ok", row
        peaks[words] = row["peak_rss_mb"]
    assert peaks[128_000] - peaks[8_000] < 40, peaks
