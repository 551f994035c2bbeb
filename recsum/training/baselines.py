"""Training the LSTM and BigBird baselines with the shared recipe of :mod:`recsum.training`.

Each model brings its features (for BigBird, the frozen encoder's pass: the costly part) and is
saved with its tokenizer once training ends; the per-epoch checkpoint is kept until then.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from recsum.baselines.bigbird import BigBirdHead, BigBirdHeadConfig, sentence_states
from recsum.baselines.lstm import HierarchicalLSTM, LSTMConfig, training_threads
from recsum.records import Record
from recsum.segment import Sentence
from recsum.training.checkpoint import CHECKPOINTS, TrainingLog, finish_checkpoint
from recsum.training.examples import make_examples
from recsum.training.loop import TrainingSettings, seed_everything, train_model


def train_lstm(train_records: Sequence[Record], dev_records: Sequence[Record], output: str | Path,
               settings: TrainingSettings | None = None,
               config: LSTMConfig | None = None) -> TrainingLog:
    """Train the hierarchical BiLSTM and save it (with its tokenizer) to ``output``."""
    from transformers import AutoTokenizer

    from recsum.summarizers import default_model_path

    settings = settings or TrainingSettings()
    seed_everything(settings.seed)
    tokenizer = AutoTokenizer.from_pretrained(default_model_path())
    model = HierarchicalLSTM.from_minilm(config)

    def featurize(text: str, sentences: list[Sentence]):
        return model.featurize(tokenizer, text, sentences), len(sentences)

    train = make_examples(train_records, featurize, settings.progress, "train features")
    dev = make_examples(dev_records, featurize, settings.progress, "dev features")
    with training_threads():
        log = train_model(model, train, dev, settings, Path(output) / CHECKPOINTS)
    model.eval().save_pretrained(output, tokenizer)
    finish_checkpoint(output)
    return log


def train_bigbird(train_records: Sequence[Record], dev_records: Sequence[Record],
                  output: str | Path, settings: TrainingSettings | None = None,
                  config: BigBirdHeadConfig | None = None) -> TrainingLog:
    """Train the scoring head on the frozen warm-started BigBird encoder; save it to ``output``."""
    from transformers import AutoTokenizer

    from recsum.summarizers import default_model_path

    settings = settings or TrainingSettings()
    seed_everything(settings.seed)
    tokenizer = AutoTokenizer.from_pretrained(default_model_path())
    head = BigBirdHead(config or BigBirdHeadConfig())
    encoder = head.build_encoder()

    def featurize(text: str, sentences: list[Sentence]):
        states, reached, _ = sentence_states(encoder, tokenizer, text, sentences,
                                             head.config.max_tokens)
        return states, reached

    train = make_examples(train_records, featurize, settings.progress, "train encoder pass")
    dev = make_examples(dev_records, featurize, settings.progress, "dev encoder pass")
    log = train_model(head, train, dev, settings, Path(output) / CHECKPOINTS)
    head.eval().save_pretrained(output, tokenizer)
    finish_checkpoint(output)
    return log
