"""Abstractive part summarizer: any Hugging Face encoder-decoder (BART, T5, PEGASUS, LED...).

Loaded by hub id or local path through AutoTokenizer / AutoModelForSeq2SeqLM, safetensors only,
``trust_remote_code`` off unless asked. Generation is batched across texts (sorted by length to
keep padding small); every output is cut to its token budget.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import torch

from recsum.config import WINDOW_TOKENS, generation_config
from recsum.errors import RecsumError
from recsum.length import Length, truncate_words
from recsum.quirks import warnings_silenced
from recsum.summarizers.loading import (
    check_loading_info,
    check_model_folder,
    resolve_device,
    resolve_dtype,
    user_error_on_load,
)
from recsum.tokens import HFTokenCounter

if TYPE_CHECKING:
    from transformers import GenerationConfig

# Generated tokens allowed per requested word (English BPE/SentencePiece average ~1.3).
TOKENS_PER_WORD = 1.5
# Tokenizers report this (or larger) when they know no limit.
_NO_LIMIT = 1_000_000


def input_budget_of(model, tokenizer) -> int:
    """The longest input the model reads: tokenizer limit, else the config's positions."""
    if 0 < tokenizer.model_max_length < _NO_LIMIT:
        return int(tokenizer.model_max_length)
    config = model.config
    for field in ("max_encoder_position_embeddings", "max_position_embeddings", "n_positions"):
        value = getattr(config, field, None)
        if value:
            return int(value)
    return WINDOW_TOKENS


def task_prefix(config) -> str:
    """T5-style models need a task prefix; others take the text as is."""
    prefix = ((getattr(config, "task_specific_params", None) or {}).get("summarization") or {}).get(
        "prefix"
    )
    if prefix is not None:
        return prefix
    return "summarize: " if config.model_type in ("t5", "mt5", "umt5", "longt5") else ""


class Seq2SeqSummarizer:
    """Part summarizer around a sequence-to-sequence model and its tokenizer."""

    def __init__(
        self,
        model,
        tokenizer,
        *,
        name: str,
        input_budget: int | None = None,
        prefix: str | None = None,
        generation: GenerationConfig | None = None,
        batch_size: int = 8,
    ) -> None:
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.name = name
        self.prefix = task_prefix(model.config) if prefix is None else prefix
        self.input_budget = input_budget or input_budget_of(model, tokenizer)
        backend = getattr(tokenizer, "backend_tokenizer", None)
        if backend is None:
            raise RecsumError(
                f"model {name!r} has a Python-only tokenizer ({type(tokenizer).__name__}); recsum "
                "counts tokens with a Hugging Face `tokenizers` tokenizer: use a model that ships "
                "a tokenizer.json"
            )
        self.tokens = HFTokenCounter(backend, self.prefix)
        # For a query, each chunk is read as "query <sep> text", as query-focused summarizers
        # (QMSum's BART) are trained to read it.
        sep = getattr(tokenizer, "sep_token", None)
        self.query_separator = f" {sep} " if sep else "\n"
        # Only the settings given are passed to generate: the model's own generation config
        # (BART's forced BOS token, ...) stands for the rest.
        self.generation = generation or generation_config()
        self.batch_size = batch_size

    @classmethod
    def from_pretrained(
        cls,
        name_or_path: str,
        *,
        device: str = "cpu",
        dtype: str = "float32",
        trust_remote_code: bool = False,
        input_budget: int | None = None,
        generation: GenerationConfig | None = None,
        batch_size: int = 8,
    ) -> Seq2SeqSummarizer:
        from transformers import AutoConfig, AutoModelForSeq2SeqLM, AutoTokenizer
        from transformers.models.auto.modeling_auto import (
            MODEL_FOR_SEQ_TO_SEQ_CAUSAL_LM_MAPPING_NAMES,
        )

        with user_error_on_load(name_or_path):
            config = AutoConfig.from_pretrained(name_or_path, trust_remote_code=trust_remote_code)
        if (
            config.model_type not in MODEL_FOR_SEQ_TO_SEQ_CAUSAL_LM_MAPPING_NAMES
            and not trust_remote_code
        ):
            raise RecsumError(
                f"model {name_or_path!r} is a {config.model_type!r} model, "
                "not a seq2seq summarizer; "
                "pass an encoder-decoder (BART, T5, PEGASUS, LED, BigBird-Pegasus), or model=None "
                "for the embedded extractive default"
            )
        check_model_folder(name_or_path)
        # transformers' table of missing weights is left out: check_loading_info says it.
        with user_error_on_load(name_or_path), warnings_silenced("transformers"):
            tokenizer = AutoTokenizer.from_pretrained(
                name_or_path, trust_remote_code=trust_remote_code
            )
            model, info = AutoModelForSeq2SeqLM.from_pretrained(
                name_or_path,
                dtype=resolve_dtype(dtype),
                use_safetensors=True,
                trust_remote_code=trust_remote_code,
                output_loading_info=True,
            )
        check_loading_info(name_or_path, info)
        model.to(resolve_device(device))
        return cls(
            model,
            tokenizer,
            name=name_or_path,
            input_budget=input_budget,
            generation=generation,
            batch_size=batch_size,
        )

    def summarize(self, texts: Sequence[str], length: Length) -> list[str]:
        budgets = [self._token_budget(n, length) for n in self.tokens.count(texts)]
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        summaries = [""] * len(texts)
        for begin in range(0, len(order), self.batch_size):
            batch = order[begin : begin + self.batch_size]
            outputs = self._generate([texts[i] for i in batch], max(budgets[i] for i in batch))
            for index, ids in zip(batch, outputs, strict=True):
                text = self.tokenizer.decode(
                    ids[: budgets[index]], skip_special_tokens=True
                ).strip()
                summaries[index] = (
                    truncate_words(text, int(length.value)) if length.unit == "words" else text
                )
        return summaries

    def _token_budget(self, input_tokens: int, length: Length) -> int:
        if length.unit == "words":
            return math.ceil(length.value * TOKENS_PER_WORD)
        return length.limit(input_tokens)

    @torch.inference_mode()
    def _generate(self, texts: list[str], max_new_tokens: int) -> list[list[int]]:
        device = next(self.model.parameters()).device
        inputs = self.tokenizer(
            [self.prefix + text for text in texts],
            return_tensors="pt",
            padding=True,
            truncation=True,
            max_length=self.input_budget,
        ).to(device)
        inputs.pop("token_type_ids", None)
        settings = self.generation.to_diff_dict()
        settings.pop("transformers_version", None)
        if settings.get("max_new_tokens") is not None:
            max_new_tokens = min(max_new_tokens, settings["max_new_tokens"])
        settings.update(max_new_tokens=max_new_tokens,
                        min_new_tokens=min(settings.get("min_new_tokens") or 0, max_new_tokens))
        generated = self.model.generate(**inputs, **settings)
        # Strip the decoder start token and padding; keep what was generated.
        pad = self.tokenizer.pad_token_id
        start = getattr(self.model.generation_config, "decoder_start_token_id", None)
        rows = []
        for row in generated.tolist():
            if row and row[0] == start:
                row = row[1:]
            rows.append([t for t in row if t != pad])
        return rows
