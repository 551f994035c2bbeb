"""The architectures timed against document length, each built with random or pretrained weights.

Timing does not depend on the weights, so the Seq2Seq, LSTM and encoder-only systems are built
with random weights at their real shapes ("base") or at toy shapes for the smoke run ("tiny").
The recursive systems and the LSTM are built by the registry of systems, as a pipeline builds
them; each builder returns a function that processes one whole document and reports its token
count.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch

from recsum.experiments.systems import build_system
from recsum.length import Length
from recsum.tokens import count_tokens_in_pieces

Runner = Callable[[str], int]


@dataclass(frozen=True)
class Setting:
    """How one scaling system is built: its shape, its budget, and where it may write."""

    shape: str
    max_words: int
    max_tokens: int  # sizes the whole-document encoders' positions
    new_tokens: int
    workdir: Path


def _tokenizer():
    from transformers import AutoTokenizer

    from recsum.summarizers import default_model_path

    return AutoTokenizer.from_pretrained(default_model_path())


def save_random_bart(directory: str | Path, *, shape: str = "base", max_positions: int = 1024,
                     fixed_length: bool = True) -> Path:
    """A BART with random weights and the MiniLM WordPiece tokenizer, saved to ``directory``
    (``shape`` "base": BART-base's sizes; "tiny": d_model 32, one layer). With
    ``fixed_length`` it never emits special tokens, so every output is as long as asked."""
    from transformers import BartConfig, BartForConditionalGeneration

    tokenizer = _tokenizer()
    tokenizer.model_max_length = max_positions
    sizes = (dict(d_model=768, layers=6, heads=12, ffn=3072) if shape == "base"
             else dict(d_model=32, layers=1, heads=2, ffn=64))
    config = BartConfig(
        vocab_size=tokenizer.vocab_size, d_model=sizes["d_model"],
        encoder_layers=sizes["layers"], decoder_layers=sizes["layers"],
        encoder_attention_heads=sizes["heads"], decoder_attention_heads=sizes["heads"],
        encoder_ffn_dim=sizes["ffn"], decoder_ffn_dim=sizes["ffn"],
        max_position_embeddings=max_positions, pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.cls_token_id, eos_token_id=tokenizer.sep_token_id,
        decoder_start_token_id=tokenizer.sep_token_id, forced_eos_token_id=None,
        forced_bos_token_id=None,
    )
    torch.manual_seed(0)
    model = BartForConditionalGeneration(config)
    if fixed_length:
        # A random model may emit [PAD]/[SEP] at once; forbidding special tokens keeps every
        # output exactly as long as asked, so the work per chunk is fixed.
        with torch.no_grad():
            model.final_logits_bias[0, tokenizer.all_special_ids] = -1e4
    model.save_pretrained(str(directory))
    tokenizer.save_pretrained(str(directory))
    return Path(directory)


def seq2seq_part_summarizer(directory: str | Path, *, shape: str = "base", new_tokens: int = 8,
                            batch_size: int = 8):
    """A random BART (:func:`save_random_bart`) loaded back the way users load one
    (``Seq2SeqSummarizer.from_pretrained``), generating exactly ``new_tokens``."""
    from recsum.config import generation_config
    from recsum.summarizers import Seq2SeqSummarizer

    save_random_bart(directory, shape=shape)
    settings = generation_config(num_beams=1, min_new_tokens=new_tokens,
                                 max_new_tokens=new_tokens, no_repeat_ngram_size=0)
    return Seq2SeqSummarizer.from_pretrained(str(directory), generation=settings,
                                             batch_size=batch_size)


def _recursive_runner(part, max_words: int) -> Runner:
    system = build_system("recursive", {}, part_summarizer=part)

    def run(text: str) -> int:
        result = system.reduce(text, Length(max_words))
        return sum(p.input_tokens for p in result.levels[0].parts) if result.levels else 0

    return run


def _encoder_runner(encoder, max_tokens: int) -> Runner:
    from recsum.baselines.bigbird import sentence_states
    from recsum.segment import split_sentences

    tokenizer = _tokenizer()

    def run(text: str) -> int:
        _, _, truncation = sentence_states(encoder, tokenizer, text, split_sentences(text),
                                           max_tokens)
        return truncation.total_tokens

    return run


def _positions(setting: Setting) -> int:
    """Positions that cover the whole document, rounded up to BigBird's block size."""
    return -(-max(setting.max_tokens, 4096) // 64) * 64


def recsum_default(setting: Setting) -> Runner:
    from recsum.summarizers import ExtractiveSummarizer

    return _recursive_runner(ExtractiveSummarizer.from_pretrained(), setting.max_words)


def recsum_seq2seq(setting: Setting) -> Runner:
    part = seq2seq_part_summarizer(setting.workdir / "bart", shape=setting.shape,
                                   new_tokens=setting.new_tokens)
    return _recursive_runner(part, setting.max_words)


def lstm(setting: Setting) -> Runner:
    from recsum.baselines.lstm import HierarchicalLSTM, LSTMConfig

    config = (LSTMConfig() if setting.shape == "base"
              else LSTMConfig(word_hidden=8, sentence_hidden=8))
    torch.manual_seed(0)
    folder = setting.workdir / "lstm"
    HierarchicalLSTM.from_minilm(config).save_pretrained(folder, _tokenizer())
    system = build_system("lstm", {"path": str(folder)})

    def run(text: str) -> int:
        system.summarize_documents([text], Length(setting.max_words))
        return count_tokens_in_pieces(system.tokenizer, text)

    return run


def bigbird(setting: Setting) -> Runner:
    from recsum.baselines.bigbird import bigbird_from_minilm

    positions = _positions(setting)
    return _encoder_runner(bigbird_from_minilm(max_tokens=positions), positions)


def full_attention(setting: Setting) -> Runner:
    from transformers import AutoConfig, BertModel

    from recsum.summarizers import default_model_path

    positions = _positions(setting)
    config = AutoConfig.from_pretrained(default_model_path())
    config.max_position_embeddings = positions
    if setting.shape != "base":
        config.num_hidden_layers = 1
    config._attn_implementation = "sdpa"  # exact attention, memory-efficient CPU kernel
    return _encoder_runner(BertModel(config, add_pooling_layer=False).eval(), positions)


# name -> (what it is, for the report; its builder)
SCALING_SYSTEMS: dict[str, tuple[str, Callable[[Setting], Runner]]] = {
    "recsum-default": ("recsum, embedded MiniLM extractive part summarizer (pretrained)",
                       recsum_default),
    "recsum-seq2seq": ("recsum, Seq2Seq part summarizer: BART-base shape, random weights, "
                       "greedy, fixed generated tokens per chunk", recsum_seq2seq),
    "lstm": ("hierarchical BiLSTM baseline (recsum.baselines.lstm), random weights", lstm),
    "bigbird": ("BigBird encoder, MiniLM's weights, block-sparse attention at linear cost, "
                "positions extended to the document (the baseline's cap is 65,536)", bigbird),
    "full-attention": ("BERT encoder, MiniLM shape, full attention (SDPA), positions extended "
                       "to the document, random weights", full_attention),
}


def build(name: str, setting: Setting) -> Runner:
    """The runner of scaling system ``name``."""
    return SCALING_SYSTEMS[name][1](setting)


def temporary_workdir() -> tempfile.TemporaryDirectory:
    return tempfile.TemporaryDirectory(prefix="recsum-bench-")
