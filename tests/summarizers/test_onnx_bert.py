"""The ONNX Runtime encoder: what torch computes in float32, close to it in int8, built once into
the cache, and a cold start that imports neither torch nor transformers."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from recsum.length import Length
from recsum.segment import split_sentences
from recsum.summarizers.runtime import cache_dir


@pytest.fixture(scope="module")
def batch(squality_stories) -> tuple[np.ndarray, np.ndarray]:
    """16 story sentences, padded: token ids and mask."""
    from tokenizers import Tokenizer

    from recsum.summarizers import default_model_path

    tokenizer = Tokenizer.from_file(str(Path(default_model_path()) / "tokenizer.json"))
    tokenizer.enable_padding()
    sentences = [s.text for s in split_sentences(squality_stories[0]["document"])[:16]]
    encodings = tokenizer.encode_batch(sentences)
    ids = np.array([e.ids for e in encodings], dtype=np.int64)
    mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
    assert mask.mean() < 0.9  # padding is exercised
    return ids, mask


def _onnx(dtype: str, layers: int | None = None):
    from recsum.summarizers import default_model_path
    from recsum.summarizers.onnx_bert import OnnxBertEncoder

    return OnnxBertEncoder.from_pretrained(default_model_path(), dtype, layers=layers)


@pytest.mark.parametrize("layers", [None, 3])
def test_float32_computes_what_the_torch_encoder_does(batch, layers):
    import torch

    from recsum.summarizers import default_model_path
    from recsum.summarizers.bert import BertEncoder

    ids, mask = batch
    with torch.inference_mode():
        expected = BertEncoder.from_pretrained(default_model_path(), layers)(
            torch.from_numpy(ids), torch.from_numpy(mask)).numpy()
    real = mask.astype(bool)
    encoder = _onnx("float32", layers)
    assert encoder.config.num_hidden_layers == (layers or 6)
    np.testing.assert_allclose(encoder(ids, mask)[real], expected[real], atol=1e-4)


def test_int8_sentence_vectors_stay_close_to_float32(squality_stories):
    from recsum.summarizers.extractive import load_encoder

    sentences = [s.text for s in split_sentences(squality_stories[1]["document"])[:60]]
    chunks = [sentences[i:i + 12] for i in range(0, len(sentences), 12)]
    exact = np.concatenate(load_encoder(dtype="float32").encode(chunks))
    quantized = np.concatenate(load_encoder(dtype="int8").encode(chunks))
    cosines = (exact * quantized).sum(axis=1)  # the vectors are unit length
    # 0.989 on average on an AVX2 CPU without VNNI, where 8-bit products can saturate (the
    # worst case); dev ROUGE is the check that matters (BENCHMARKS.md).
    assert cosines.mean() > 0.98 and cosines.min() > 0.95


def test_the_cache_is_built_once_and_a_damaged_file_is_rebuilt():
    from recsum.summarizers import default_model_path
    from recsum.summarizers.onnx_bert import cached_model

    path = cached_model(default_model_path(), "int8", 6)
    assert path.is_relative_to(cache_dir())
    built = path.stat().st_mtime_ns
    assert cached_model(default_model_path(), "int8", 6) == path
    assert path.stat().st_mtime_ns == built
    path.write_bytes(b"not a model")
    encoder = _onnx("int8")
    assert path.stat().st_size > 2**20  # a whole model again
    assert encoder(np.array([[101, 2023, 102]]), np.ones((1, 3), np.int64)).shape == (1, 3, 384)


@pytest.mark.slow
def test_an_int8_summary_does_not_depend_on_the_documents_read_with_it(squality_stories):
    """int8 quantizes a run's activations with one scale: chunks of several documents in one
    run would change each other's vectors, so each chunk runs alone."""
    from recsum.reduce import RecursiveReducer
    from recsum.summarizers import ExtractiveSummarizer

    reducer = RecursiveReducer(ExtractiveSummarizer.from_pretrained(dtype="int8"))
    stories = [story["document"] for story in squality_stories[:3]]
    together = [result.summary for result in reducer.reduce_many(stories, Length(300))]
    alone = [reducer.reduce(story, Length(300)).summary for story in stories]
    assert together == alone
    assert reducer.summarizer.encoder.stats.padded_tokens == reducer.summarizer.encoder.stats.tokens


@pytest.mark.slow
def test_int8_keeps_rouge_on_two_dev_stories(squality_stories):
    """The slice check of int8 (BENCHMARKS.md reports the full dev sets): ROUGE-1 on two
    SQuALITY dev stories within one point of float32's, each story within three."""
    from recsum.evaluation.rouge import rouge_per_document
    from recsum.reduce import RecursiveReducer
    from recsum.summarizers import ExtractiveSummarizer

    stories = squality_stories[:2]
    scores = {}
    for dtype in ("float32", "int8"):
        part = ExtractiveSummarizer.from_pretrained(dtype=dtype)
        summaries = [result.summary for result in RecursiveReducer(part).reduce_many(
            [story["document"] for story in stories], Length(400))]
        rouge = rouge_per_document(summaries, [story["references"] for story in stories])
        scores[part.encoder.path] = 100 * rouge["rouge1"]["fmeasure"]
    exact, quantized = scores["onnx-float32"], scores["onnx-int8"]
    assert abs(quantized.mean() - exact.mean()) < 1.0, scores
    assert np.abs(quantized - exact).max() < 3.0, scores


@pytest.mark.slow
def test_a_cold_summarize_imports_neither_torch_nor_transformers(extractive, tmp_path):
    document = tmp_path / "short.txt"
    document.write_text("The harbour froze in March. Ships waited for weeks outside the bay. "
                        "Nobody in the town remembered such a winter.\n")
    script = ("import sys\nfrom recsum.cli.main import main\n"
              f"assert main(['summarize', {str(document)!r}, '--max-words', '12']) == 0\n"
              "print(sorted({'torch', 'transformers'} & set(sys.modules)))\n")
    # The fixture built the encoder for this CPU into the tests' cache, which the child reads.
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=300, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_the_cache_key_is_the_checkpoint_content_not_its_path(tmp_path):
    """A new clone or virtual environment with the same model reuses the encoder built."""
    import shutil

    from recsum.summarizers.checkpoint import WEIGHTS
    from recsum.summarizers.onnx_bert import _key

    first, second = tmp_path / "venv-a" / "model", tmp_path / "venv-b" / "model"
    first.mkdir(parents=True)
    (first / WEIGHTS).write_bytes(b"weights " * 1000)
    shutil.copytree(first, second)
    assert _key(first) == _key(second)
    assert _key(first) == _key(first)  # remembered, and the same
    (second / WEIGHTS).write_bytes(b"other weights " * 1000)
    assert _key(first) != _key(second)
