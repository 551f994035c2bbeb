"""Training: learning which sentences to keep, for the part scorer and both baselines.

Every training document's sentences are labelled by the greedy ROUGE oracle
(:func:`recsum.oracle.oracle_labels`, the budget being the mean length of its references); a
model maps a document's features to one logit per sentence and is trained with binary
cross-entropy, one document per step, Adam, gradient clipping, documents shuffled by a fixed
seed. After every epoch the loss on the validation documents decides: the best epoch's weights
are kept, and training stops after ``patience`` epochs without improvement. Validation documents
come from the training data (``holdout``), never from the evaluation splits. After every epoch
a checkpoint is written; the same command run again resumes from it. Features are computed once
per document (the costly part for models that read text with a Transformer).

Modules: :mod:`~recsum.training.examples` (training records, the hold-out, oracle labels,
features), :mod:`~recsum.training.loop` (the loop every trained model shares),
:mod:`~recsum.training.checkpoint` (its state after each epoch, and resuming),
:mod:`~recsum.training.part` (the default's part scorer), :mod:`~recsum.training.cross_validation`
(choosing its settings on the training sets) and :mod:`~recsum.training.baselines` (the LSTM and
BigBird heads).
"""
