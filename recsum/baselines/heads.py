"""What the trained baselines share: tokens per sentence, the sentence-scoring head, saving/loading.

The LSTM and BigBird baselines differ only in how they build a contextual vector per sentence;
both score those vectors with :class:`SentenceScorer` (SummaRuNNer's content, salience, novelty
and position terms) and persist themselves as ``config.json`` + ``model.safetensors``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch
from torch import nn

from recsum.errors import RecsumError
from recsum.segment import Sentence
from recsum.tokens import token_owners
from recsum.weights import check_weights, save_model

CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.safetensors"


def tokenize_by_sentence(tokenizer, text: str, sentences: list[Sentence],
                         offset: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Token ids of ``text`` (no special tokens) and, per token, the index of its sentence.

    ``text`` is tokenized in one call and tokens are assigned to sentences by character offset;
    a token outside every sentence span gets -1. ``text`` may be a stretch of a longer document
    that begins at character ``offset`` of it, the document that ``sentences``' spans index.
    """
    encoded = tokenizer(text, add_special_tokens=False, truncation=False, verbose=False,
                        return_offsets_mapping=True, return_attention_mask=False,
                        return_token_type_ids=False)
    ids = np.asarray(encoded["input_ids"], dtype=np.int64)
    token_starts = offset + np.asarray([start for start, _ in encoded["offset_mapping"]],
                                       dtype=np.int64)
    starts = np.asarray([s.start for s in sentences], dtype=np.int64)
    ends = np.asarray([s.end for s in sentences], dtype=np.int64)
    return ids, token_owners(token_starts, starts, ends)


@dataclass
class HeadConfig:
    """Settings of :class:`SentenceScorer` and the dropout around it, shared by both models."""

    positions: int = 100  # absolute positions with a weight of their own; later ones share one
    segments: int = 10  # relative position: which tenth of the document
    dropout: float = 0.2


class SentenceScorer(nn.Module):
    """SummaRuNNer's scoring layer over contextual sentence vectors ``h`` of one document.

    logit_j = content(h_j) + salience(h_j, d) + absolute(j) + relative(j) - novelty(h_j, s_j)
    where d summarizes the document and s_j is the running summary of sentences before j.
    SummaRuNNer builds s_j sequentially from its own probabilities; here s_j comes from the
    probabilities without the novelty term, so a document is scored in one vectorized pass
    (a loop over 1,000 meeting turns per step would dominate training time on CPU).
    """

    def __init__(self, dim: int, positions: int = 100, segments: int = 10) -> None:
        super().__init__()
        self.positions = positions
        self.segments = segments
        self.document = nn.Linear(dim, dim)
        self.content = nn.Linear(dim, 1)
        self.salience = nn.Bilinear(dim, dim, 1, bias=False)
        self.novelty = nn.Bilinear(dim, dim, 1, bias=False)
        self.absolute = nn.Embedding(positions, 1)
        self.relative = nn.Embedding(segments, 1)
        for table in (self.absolute, self.relative):
            nn.init.zeros_(table.weight)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        """One logit per row of ``h`` (sentences in document order)."""
        return self.score_slices([h], h.mean(0), h.shape[0])

    def score_slices(self, slices: Iterable[torch.Tensor], mean: torch.Tensor,
                     count: int) -> torch.Tensor:
        """:meth:`forward` of ``h = torch.cat(slices)``, given ``h.mean(0)`` and ``len(h)``,
        reading one slice at a time.

        The running summary s_j is carried from one slice to the next, so ``h`` need never be
        whole and its terms are computed a slice at a time: at once, those of a 512k-word
        document's 46,000 sentences took 190 MB. The logits are written into one tensor: a
        list of small ones, one per slice, kept 20 MB of freed memory resident between them.
        """
        document = torch.tanh(self.document(mean))
        # The bilinear terms as matrix products with the layers' own weights: nn.Bilinear's
        # general path (torch._trilinear) multiplied out an n x dim x dim tensor per call, and
        # with its backward pass took 40% of an LSTM training step (2.6 s epoch over 4 documents
        # at one thread, of which 1 s was in it). salience(h_j, d) = h_j . (W d).
        salience = self.salience.weight[0] @ document
        novelty = self.novelty.weight[0]
        logits = mean.new_empty(count)
        begin = 0
        total = None  # the running summary after the previous slice
        for part in slices:
            end = begin + part.shape[0]
            position = torch.arange(begin, end, device=part.device)
            own = (
                self.content(part).squeeze(-1)
                + part @ salience
                + self.absolute(position.clamp(max=self.positions - 1)).squeeze(-1)
                + self.relative(position * self.segments // count).squeeze(-1)
            )
            weighted = part * torch.sigmoid(own).unsqueeze(-1)
            running = torch.cumsum(weighted, 0)
            if total is not None:
                running = running + total
            total = running[-1]
            summary = torch.tanh(running - weighted)
            logits[begin:end] = own - ((part @ novelty) * summary).sum(-1)
            begin = end
        return logits


class SavedModel:
    """``save_pretrained(dir)`` / ``from_pretrained(dir)`` for a module with a dataclass config.

    A subclass sets ``model_type`` and ``config_class``, and keeps its config in ``self.config``.
    Weights are safetensors, the config is JSON; a tokenizer, if any, is saved beside them.
    """

    model_type: ClassVar[str]
    config_class: ClassVar[type]
    config: Any

    def save_pretrained(self, directory: str | Path, tokenizer=None) -> None:
        config = {"model_type": self.model_type, **asdict(self.config)}
        save_model(directory, config, self.state_dict(), metadata={"model_type": self.model_type},
                   write_more=None if tokenizer is None
                   else lambda folder: tokenizer.save_pretrained(str(folder)))

    @classmethod
    def check_saved(cls, directory: str | Path) -> dict[str, Any]:
        """The saved config in ``directory``; a folder without this kind of model is a one-line
        error whose hint is a command that trains one."""
        path = Path(directory)
        hint = (f"train one with `recsum train {cls.model_type} --output {path} --train "
                "squality:../shared/data/squality/train.jsonl`")
        if not (path / CONFIG_FILE).is_file() or not (path / WEIGHTS_FILE).is_file():
            raise RecsumError(f"no trained {cls.model_type} model in {path} "
                              f"({CONFIG_FILE} + {WEIGHTS_FILE}); {hint}")
        try:
            config = json.loads((path / CONFIG_FILE).read_text(encoding="utf-8"))
        except ValueError as error:  # not JSON, or not UTF-8
            raise RecsumError(f"{path / CONFIG_FILE} is damaged ({error}); {hint}") from None
        if not isinstance(config, dict) or config.pop("model_type", None) != cls.model_type:
            raise RecsumError(f"{path} holds no {cls.model_type} model; {hint}")
        return config

    @staticmethod
    def load_tokenizer(directory: str | Path):
        """The tokenizer saved beside the model. Our config.json is no transformers config:
        given an empty one, transformers does not read it (and warns no more about a model of
        type ``lstm`` instantiating one of type ``''``)."""
        from transformers import AutoTokenizer, PretrainedConfig

        return AutoTokenizer.from_pretrained(str(directory), config=PretrainedConfig())

    @classmethod
    def from_pretrained(cls, directory: str | Path, device: str = "cpu"):
        from safetensors.torch import load_file

        from recsum.summarizers.loading import resolve_device

        path = Path(directory)
        config = cls.check_saved(path)
        known = {f.name for f in fields(cls.config_class)}
        model = cls(cls.config_class(**{k: v for k, v in config.items() if k in known}))
        check_weights(path / WEIGHTS_FILE,
                      {name: tuple(tensor.shape) for name, tensor in model.state_dict().items()},
                      what=f"{cls.model_type} weights",
                      fix=f"train it again with `recsum train {cls.model_type} --output {path}`",
                      config=config)
        model.load_state_dict(load_file(str(path / WEIGHTS_FILE)))
        return model.to(resolve_device(device)).eval()
