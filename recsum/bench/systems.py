"""The systems timed against document length, each built with random or pretrained weights.

Timing does not depend on the weights, so the Seq2Seq, LSTM and encoder-only systems are built
with random weights at their real shapes ("base") or at toy shapes for the smoke run ("tiny").
Each builder returns a function that processes one whole document and reports its token count.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable
from pathlib import Path

import torch

from recsum.length import Length

# name -> (what it is, for the report)
SCALING_SYSTEMS = {
    "recsum-default": "recsum, embedded MiniLM extractive part summarizer (pretrained)",
    "recsum-seq2seq": "recsum, Seq2Seq part summarizer: BART-base shape, random weights, "
                      "greedy, fixed generated tokens per chunk",
    "lstm": "hierarchical BiLSTM baseline (recsum.baselines.lstm), random weights",
    "bigbird": "BigBird encoder, MiniLM shape, block-sparse attention, positions extended to "
               "the document (the shipped baseline truncates at 4,096)",
    "full-attention": "BERT encoder, MiniLM shape, full attention (SDPA), positions extended "
                      "to the document, random weights",
}

Runner = Callable[[str], int]

# Where the MiniLM (BERT) tokenizer splits words in any case.
_WHITESPACE = re.compile(r"[ \t\n\r]")


def _tokenizer():
    from transformers import AutoTokenizer

    from recsum.summarizers import default_model_path

    return AutoTokenizer.from_pretrained(default_model_path())


def _count_tokens(tokenizer, text: str) -> int:
    """Tokens of ``text`` as one input, special tokens included, counted a piece at a time.

    Each piece of about 20,000 characters ends after whitespace, where WordPiece splits in any
    case, so the count is the whole text's. Encoding a 512k-word document at once took 450 MB,
    and 1,024 of its paragraphs at once (some are whole meetings) 85 MB: more than the LSTM
    baseline that the count comes with.
    """
    from recsum.tokens import private_copy

    backend = private_copy(tokenizer.backend_tokenizer)
    content = begin = 0
    while begin < len(text):
        cut = _WHITESPACE.search(text, begin + 20_000)
        end = cut.end() if cut else len(text)
        content += len(backend.encode(text[begin:end], add_special_tokens=False).ids)
        begin = end
    return content + tokenizer.num_special_tokens_to_add()


def seq2seq_part_summarizer(directory: str | Path, *, shape: str = "base", new_tokens: int = 8,
                            batch_size: int = 8):
    """A BART-shaped model with random weights, saved to ``directory`` and loaded back the way
    users load one (``Seq2SeqSummarizer.from_pretrained``), generating exactly ``new_tokens``."""
    from transformers import BartConfig, BartForConditionalGeneration

    from recsum.config import generation_config
    from recsum.summarizers import Seq2SeqSummarizer

    tokenizer = _tokenizer()
    sizes = (dict(d_model=768, layers=6, heads=12, ffn=3072) if shape == "base"
             else dict(d_model=32, layers=1, heads=2, ffn=64))
    config = BartConfig(
        vocab_size=tokenizer.vocab_size, d_model=sizes["d_model"],
        encoder_layers=sizes["layers"], decoder_layers=sizes["layers"],
        encoder_attention_heads=sizes["heads"], decoder_attention_heads=sizes["heads"],
        encoder_ffn_dim=sizes["ffn"], decoder_ffn_dim=sizes["ffn"], max_position_embeddings=1024,
        pad_token_id=tokenizer.pad_token_id, bos_token_id=tokenizer.cls_token_id,
        eos_token_id=tokenizer.sep_token_id, decoder_start_token_id=tokenizer.sep_token_id,
        forced_eos_token_id=None, forced_bos_token_id=None,
    )
    torch.manual_seed(0)
    model = BartForConditionalGeneration(config)
    # A random model may emit [PAD]/[SEP] at once; forbidding special tokens keeps every output
    # exactly new_tokens long, so the work per chunk is fixed.
    with torch.no_grad():
        model.final_logits_bias[0, tokenizer.all_special_ids] = -1e4
    model.save_pretrained(str(directory))
    tokenizer.save_pretrained(str(directory))
    settings = generation_config(num_beams=1, min_new_tokens=new_tokens,
                                 max_new_tokens=new_tokens, no_repeat_ngram_size=0)
    return Seq2SeqSummarizer.from_pretrained(str(directory), generation=settings,
                                             batch_size=batch_size)


def _recursive(part, max_words: int) -> Runner:
    from recsum.api import Summarizer

    summarizer = Summarizer(part)

    def run(text: str) -> int:
        result = summarizer.summarize(text, max_words)
        return sum(p.input_tokens for p in result.levels[0].parts) if result.levels else 0

    return run


def _encoder_runner(encoder, tokenizer, max_tokens: int) -> Runner:
    from recsum.baselines.bigbird import sentence_states
    from recsum.segment import split_sentences

    def run(text: str) -> int:
        _, _, truncation = sentence_states(encoder, tokenizer, text, split_sentences(text),
                                           max_tokens)
        return truncation.total_tokens

    return run


def build(name: str, *, shape: str, max_words: int, max_tokens: int, new_tokens: int,
          workdir: str) -> Runner:
    """The runner of scaling system ``name``; ``max_tokens`` sizes the encoders' positions."""
    if name == "recsum-default":
        from recsum.summarizers import ExtractiveSummarizer

        return _recursive(ExtractiveSummarizer.from_pretrained(), max_words)
    if name == "recsum-seq2seq":
        part = seq2seq_part_summarizer(Path(workdir) / "bart", shape=shape, new_tokens=new_tokens)
        return _recursive(part, max_words)
    if name == "lstm":
        from recsum.baselines.lstm import HierarchicalLSTM, LSTMConfig, LSTMSystem

        config = LSTMConfig() if shape == "base" else LSTMConfig(word_hidden=8, sentence_hidden=8)
        torch.manual_seed(0)
        HierarchicalLSTM.from_minilm(config).save_pretrained(Path(workdir) / "lstm", _tokenizer())
        system = LSTMSystem(str(Path(workdir) / "lstm"))
        tokenizer = system.tokenizer

        def run(text: str) -> int:
            system.summarize_documents([text], Length(max_words))
            return _count_tokens(tokenizer, text)

        return run
    tokenizer = _tokenizer()
    # Positions must cover the whole document, rounded up to BigBird's block size.
    positions = -(-max(max_tokens, 4096) // 64) * 64
    if name == "bigbird":
        from recsum.baselines.bigbird import bigbird_from_minilm

        return _encoder_runner(bigbird_from_minilm(max_tokens=positions), tokenizer, positions)
    if name == "full-attention":
        from transformers import AutoConfig, BertModel

        from recsum.summarizers import default_model_path

        config = AutoConfig.from_pretrained(default_model_path())
        config.max_position_embeddings = positions
        if shape != "base":
            config.num_hidden_layers = 1
        config._attn_implementation = "sdpa"  # exact attention, memory-efficient CPU kernel
        encoder = BertModel(config, add_pooling_layer=False).eval()
        return _encoder_runner(encoder, tokenizer, positions)
    raise ValueError(f"unknown scaling system {name!r}")


def temporary_workdir() -> tempfile.TemporaryDirectory:
    return tempfile.TemporaryDirectory(prefix="recsum-bench-")
