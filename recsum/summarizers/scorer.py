"""The trained part of the default: a small network that rates how much a sentence is worth keeping.

It reads a sentence's contextual vector (from the encoder) and its features
(:mod:`recsum.summarizers.features`) and gives one logit: the log-odds that the greedy ROUGE
oracle keeps the sentence. A scorer may read the features again standardized within the
document (``standardized``), and no vector (``vector_size`` 0): what the fallback for unfamiliar
documents reads (:mod:`recsum.summarizers.familiarity`). It is saved the Hugging Face way,
``config.json`` beside ``model.safetensors``; the shipped weights live in
``recsum/resources/part-scorer`` with a config that names the encoder, the training data with
its licenses, and the command that made them. A missing, cut or mismatched weights file is a
one-line error naming the file.

Rating runs in numpy, so that summarizing never imports torch; training
(:mod:`recsum.training.part`) runs the same network in torch, under the same weight names.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields
from importlib import resources
from pathlib import Path

import numpy as np

from recsum.config import ENCODER_LAYERS
from recsum.errors import RecsumError
from recsum.summarizers.features import FEATURES, QUERY_FEATURES
from recsum.weights import check_weights, save_model

CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.safetensors"
MODEL_TYPE = "recsum-part-scorer"
# The weights of Linear → GELU → Dropout → Linear, named as torch's nn.Sequential names them.
HIDDEN, OUTPUT = "network.0", "network.3"


def shipped_scorer_path(query: bool = False) -> Path:
    """The folder of a scorer that the package ships (trained by ``recsum train part``, with
    ``--tasks query`` for the query scorer)."""
    folder = "query-scorer" if query else "part-scorer"
    return Path(str(resources.files("recsum.resources").joinpath(folder)))


@dataclass(frozen=True)
class PartScorerConfig:
    """The scorer's shape, how its ratings are used, and where it came from."""

    vector_size: int = 384  # 0: the scorer reads no vector, only features
    features: tuple[str, ...] = FEATURES
    # Each feature again, less the document's mean, over its standard deviation: "long" or
    # "central" against the document's own sentences, whatever its domain's scale.
    standardized: bool = False
    hidden_size: int = 256
    dropout: float = 0.2
    # Sentences are chosen by logit - length_penalty * log(words): a long sentence must be
    # worth more to take the room of two short ones...
    length_penalty: float = 0.5
    # ... less context_penalty for one that leans on what came before it (a line of dialogue,
    # "But ..."): read alone in a summary, it opens mid-scene.
    context_penalty: float = 0.5
    encoder: str = "sentence-transformers/all-MiniLM-L6-v2"
    # The encoder layer whose states it reads; None (scorers saved before recsum recorded it):
    # the last one.
    encoder_layers: int | None = ENCODER_LAYERS
    provenance: dict = field(default_factory=dict)  # training data, licenses, command, figures

    def __post_init__(self) -> None:
        object.__setattr__(self, "features", tuple(self.features))

    def to_dict(self) -> dict:
        return {"model_type": MODEL_TYPE, **asdict(self)}


class PartScorer:
    """``rate(vectors, features)`` → one keep-logit per sentence.

    ``weights`` maps ``network.0.weight`` ... to arrays (:func:`weight_shapes`); without them
    every weight is zero, a placeholder that rates every sentence alike.
    """

    def __init__(self, config: PartScorerConfig, weights: dict[str, np.ndarray] | None = None
                 ) -> None:
        self.config = config
        shapes = weight_shapes(config)
        weights = weights or {name: np.zeros(shape, np.float32) for name, shape in shapes.items()}
        wrong = sorted(name for name, shape in shapes.items()
                       if name not in weights or weights[name].shape != shape)
        if wrong:
            raise ValueError(f"weights {', '.join(wrong)} are missing or not of the config's "
                             "shape")
        self.weights = {name: np.asarray(weights[name], dtype=np.float32) for name in shapes}

    def rate(self, vectors: np.ndarray, features: np.ndarray,
             texts: Sequence[str] | None = None) -> np.ndarray:
        """Logits for one document's (sentences, width) vectors and (sentences, features)
        features (what :func:`scorer_inputs` makes of them is what the network reads). The
        sentences' ``texts`` are not read: they are taken so that a scorer is called as a gated
        one (:mod:`recsum.summarizers.familiarity`) is."""
        vectors, features = scorer_inputs(self.config, vectors, features)
        return np.concatenate([self._rate(vectors[begin : begin + RATED_AT_ONCE],
                                          features[begin : begin + RATED_AT_ONCE])
                               for begin in range(0, len(vectors), RATED_AT_ONCE)]
                              or [np.zeros(0, np.float32)])

    def _rate(self, vectors: np.ndarray, features: np.ndarray) -> np.ndarray:
        # Each product over all the rows given at once: BLAS rounds a row's sums differently for
        # other row counts (measured: the output layer's, for most counts), and ratings must
        # not depend on how a document was sliced before.
        w = self.weights
        inputs = np.concatenate([vectors, features], axis=-1, dtype=np.float32)
        hidden = inputs @ w[f"{HIDDEN}.weight"].T
        del inputs
        hidden += w[f"{HIDDEN}.bias"]
        # GELU in place, a few rows at a time: it is elementwise, so the bits are those of all
        # rows at once, without the float64 temporaries of 2,048 rows (about 20 MB).
        for begin in range(0, len(hidden), GELU_AT_ONCE):
            part = hidden[begin : begin + GELU_AT_ONCE]
            part[...] = _gelu(part)
        return (hidden @ w[f"{OUTPUT}.weight"].T + w[f"{OUTPUT}.bias"])[..., 0]

    def save_pretrained(self, directory: str | Path) -> None:
        save_model(directory, self.config.to_dict(), self.weights,
                   metadata={"model_type": MODEL_TYPE})

    @classmethod
    def from_pretrained(cls, directory: str | Path | None = None, *,
                        query: bool = False) -> PartScorer:
        """Load a scorer folder; by default the shipped one (the query scorer with ``query``)."""
        from safetensors import SafetensorError
        from safetensors.numpy import load_file

        path = Path(directory) if directory is not None else shipped_scorer_path(query)
        config_file, weights_file = path / CONFIG_FILE, path / WEIGHTS_FILE
        tasks = " --tasks query" if query else ""
        fix = ("reinstall recsum" if directory is None
               else f"retrain it with `recsum train part{tasks} --output {path}`")
        for file in (config_file, weights_file):
            if not file.is_file():
                raise RecsumError(f"part scorer file {file} is missing; {fix}")
        try:
            values = json.loads(config_file.read_text(encoding="utf-8"))
            if values.pop("model_type", None) != MODEL_TYPE:
                raise ValueError(f"model_type is not {MODEL_TYPE!r}")
            values.setdefault("encoder_layers", None)  # saved before layers were recorded
            known = {f.name for f in fields(PartScorerConfig)}
            config = PartScorerConfig(**{k: v for k, v in values.items() if k in known})
        except (ValueError, TypeError) as error:
            raise RecsumError(f"part scorer config {config_file} is damaged ({error}); {fix}"
                              ) from None
        if config.features != FEATURES + (QUERY_FEATURES if query else ()):
            kind = "a query" if query else "a generic"
            raise RecsumError(f"{path} is not {kind} part scorer of this version of recsum (its "
                              f"features differ); {fix}")
        check_weights(weights_file, weight_shapes(config), what="part scorer weights", fix=fix,
                      config=values)
        try:
            return cls(config, load_file(str(weights_file)))
        except (SafetensorError, ValueError, OSError) as error:
            detail = str(error).strip().splitlines()[0]
            raise RecsumError(f"part scorer weights {weights_file} are damaged ({detail}); {fix}"
                              ) from None


def scorer_inputs(config: PartScorerConfig, vectors: np.ndarray, features: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray]:
    """What a scorer of ``config`` reads of one document's sentences: their vectors (none when
    its ``vector_size`` is 0) and features (with copies standardized within the document when
    it is ``standardized``). Training feeds the network these same inputs."""
    if config.vector_size == 0:
        vectors = vectors[:, :0]
    if config.standardized and len(features):
        features = np.asarray(features, dtype=np.float32)
        spread = features.std(axis=0) + np.float32(1e-6)
        features = np.concatenate([features, (features - features.mean(axis=0)) / spread], 1)
    elif config.standardized:
        features = np.zeros((0, 2 * len(config.features)), np.float32)
    return vectors, features


def weight_shapes(config: PartScorerConfig) -> dict[str, tuple[int, ...]]:
    """Each weight's name and shape for ``config``."""
    inputs = config.vector_size + len(config.features) * (2 if config.standardized else 1)
    hidden = config.hidden_size
    return {f"{HIDDEN}.weight": (hidden, inputs), f"{HIDDEN}.bias": (hidden,),
            f"{OUTPUT}.weight": (1, hidden), f"{OUTPUT}.bias": (1,)}


# Sentences rated at once: a long document's hidden layer in one piece (12,464 sentences × 256
# at 128k words, held in float64 through GELU's temporaries) raised the peak from 653 to 761 MB.
RATED_AT_ONCE = 2048
# Rows of the hidden layer that go through GELU's float64 temporaries at once.
GELU_AT_ONCE = 256


def _gelu(x: np.ndarray) -> np.ndarray:
    """GELU with erf, as torch's ``nn.GELU()``; erf by Abramowitz and Stegun 7.1.26 (absolute
    error below 1.5e-7, float32's resolution), since numpy has none."""
    z = np.abs(x.astype(np.float64)) / np.sqrt(2.0)
    t = 1.0 / (1.0 + 0.3275911 * z)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027
                                                                          + t * 1.061405429))))
    erf = np.sign(x) * (1.0 - poly * np.exp(-z * z))
    return (0.5 * x * (1.0 + erf)).astype(np.float32)
