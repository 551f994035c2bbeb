"""The one configuration of a summarizer, and every default of the harness, each written once.

The command line, pipeline files and the Python API all build a :class:`SummarizerConfig`;
:class:`recsum.Summarizer` hands it to the part-summarizer loader and the reducer. Generation
settings of a seq2seq part summarizer are a ``transformers.GenerationConfig``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from recsum.errors import RecsumError

if TYPE_CHECKING:
    from transformers import GenerationConfig

DEFAULT_MAX_WORDS = 300
# The name of the embedded extractive default (also meant by model None).
EXTRACTIVE_MODEL = "minilm"
# Number formats: ``auto`` picks the fast path the machine offers (recsum.summarizers.runtime);
# int8 is for the embedded extractive default only.
DTYPES = ("auto", "float32", "int8", "bfloat16", "float16")
# The input window of the embedded MiniLM encoder, and the fallback for models that state none.
WINDOW_TOKENS = 512
# The encoder layer whose states a newly trained part scorer reads: MiniLM's third of 6 had the
# best cross-validated ROUGE-1 of the six depths on the training sets, above the last layer on
# every score, at about half the encoder's work (RESULTS.md). A trained scorer records its own
# layer, and the encoder computes no layer past it.
ENCODER_LAYERS = 3
# The cross-validation folds that leave one training dataset out at a time (`--cross-validate
# datasets`): how the part scorer serves a domain it has never seen.
BY_DATASET = "datasets"
# The extractive last pass chooses among the survivors of at most this many times the length
# (or one chunk, if more); inf chooses among all sentences of the document in one pass.
FINAL_POOL = 2.0
# Decoding of a seq2seq part summarizer unless told otherwise: beam search without repeated
# trigrams, as the summarization literature decodes BART and PEGASUS.
GENERATION_DEFAULTS: Mapping[str, Any] = {
    "num_beams": 4, "min_new_tokens": 0, "no_repeat_ngram_size": 3, "length_penalty": 1.0,
}


def generation_config(**settings: Any) -> GenerationConfig:
    """recsum's decoding defaults with ``settings`` on top, as a ``GenerationConfig``."""
    from transformers import GenerationConfig

    unknown = sorted(set(settings) - set(GenerationConfig().to_dict()))
    if unknown:
        raise RecsumError(f"unknown setting(s) {', '.join(unknown)}: neither a field of "
                          "SummarizerConfig nor a generation setting (num_beams, "
                          "length_penalty, min_new_tokens, no_repeat_ngram_size ...)")
    return GenerationConfig(**{**GENERATION_DEFAULTS, **settings})


@dataclass(frozen=True)
class SummarizerConfig:
    """How to build and run a :class:`recsum.Summarizer`.

    ``model`` None (or ``"minilm"``) is the embedded extractive default, whose trained scorer
    ``scorer`` may replace; any other value is a seq2seq hub id or local path, decoded with
    ``generation`` (None: :data:`GENERATION_DEFAULTS`). ``chunk_tokens`` None reads as much as
    the model's window; ``overlap`` repeats sentences of the previous chunk as context;
    ``shrink`` is the fraction of its tokens each intermediate level keeps; ``max_depth`` None
    lets the reducer bound the levels by the document's size. ``max_words`` is the summary
    length when a call names none.
    """

    model: str | None = None
    scorer: str | None = None
    device: str = "cpu"
    dtype: str = "auto"
    trust_remote_code: bool = False
    batch_size: int = 8
    generation: GenerationConfig | None = None
    chunk_tokens: int | None = None
    overlap: int = 0
    shrink: float = 0.5
    max_depth: int | None = None
    final_pool: float = FINAL_POOL
    max_words: int = DEFAULT_MAX_WORDS

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> SummarizerConfig:
        """A config from flat options, as a pipeline's ``[[systems]]`` entry or ``--option``
        writes them: fields of this class, and generation settings (``num_beams`` ...)."""
        fields = {f.name for f in dataclasses.fields(cls)} - {"generation"}
        chosen = {key: value for key, value in options.items() if key in fields}
        generation = {key: value for key, value in options.items() if key not in fields}
        if generation:  # unknown names are refused first, whatever the model
            chosen["generation"] = generation_config(**generation)
        seq2seq_only = sorted({"batch_size", "trust_remote_code"} & set(chosen))
        seq2seq_only += sorted(generation)
        if chosen.get("model") in (None, EXTRACTIVE_MODEL) and seq2seq_only:
            raise _seq2seq_only(seq2seq_only)
        return cls(**chosen)

    def __post_init__(self) -> None:
        """Every setting checked here, for the Python API and the command line alike."""
        for name in ("batch_size", "chunk_tokens", "max_words"):
            check_whole(name, getattr(self, name), 1)
        check_reduction(overlap=self.overlap, shrink=self.shrink, max_depth=self.max_depth)
        if not self.final_pool >= 1:
            raise RecsumError(f"final_pool must be at least 1 (times the length), got "
                              f"{self.final_pool}")
        if self.dtype not in DTYPES:
            raise RecsumError(f"unknown dtype {self.dtype!r}; use one of {', '.join(DTYPES)}")
        if self.dtype == "float16" and self.device == "cpu":
            raise RecsumError("dtype float16 needs a GPU (device cuda or mps); on cpu use "
                              "auto, float32 or bfloat16")
        if self.dtype == "int8" and not self.extractive:
            raise RecsumError("dtype int8 is for the embedded extractive default; a seq2seq "
                              "model runs in auto, float32, bfloat16 or float16")
        if self.extractive and self.generation is not None:
            # Name what differs from recsum's own decoding defaults, not everything they set.
            defaults = generation_config().to_dict()
            raise _seq2seq_only(sorted(
                key for key, value in self.generation.to_dict().items()
                if key != "transformers_version" and defaults.get(key) != value) or ["generation"])

    @property
    def extractive(self) -> bool:
        """Whether ``model`` names the embedded extractive default."""
        return self.model in (None, EXTRACTIVE_MODEL)

    def replace(self, **changes: Any) -> SummarizerConfig:
        """A copy with ``changes``; an unknown name is a one-line error listing the known ones."""
        known = [f.name for f in dataclasses.fields(self)]
        unknown = sorted(set(changes) - set(known))
        if unknown:
            raise RecsumError(f"unknown setting(s) {', '.join(unknown)}; use {', '.join(known)}")
        return dataclasses.replace(self, **changes)

    def reducer_options(self) -> dict[str, Any]:
        """What :class:`recsum.reduce.RecursiveReducer` takes besides the part summarizer."""
        return {"chunk_tokens": self.chunk_tokens, "overlap": self.overlap,
                "shrink": self.shrink, "max_depth": self.max_depth,
                "final_pool": self.final_pool}


def check_whole(name: str, value: Any, least: int) -> None:
    """A one-line error unless ``value`` is None or a whole number of at least ``least``."""
    if value is not None and (not isinstance(value, int) or isinstance(value, bool)
                              or value < least):
        raise RecsumError(f"{name} must be a whole number of at least {least}, got {value!r}")


def check_reduction(*, overlap: int = 0, shrink: float = 0.5,
                    max_depth: int | None = None) -> None:
    """The reducer's settings, checked in one place for the config, the reducer and the
    chunker."""
    check_whole("overlap", overlap, 0)
    check_whole("max_depth", max_depth, 1)
    if not 0 < shrink < 1:
        raise RecsumError(f"shrink must be between 0 and 1, got {shrink}")


def _seq2seq_only(settings: list[str]) -> RecsumError:
    return RecsumError(f"{', '.join(settings)}: only for a seq2seq model; the embedded extractive "
                       "default takes none (name a seq2seq model, or omit them)")
