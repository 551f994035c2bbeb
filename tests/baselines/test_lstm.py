"""The hierarchical BiLSTM baseline: features, the model, training, saving and the CLI."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
import torch

from recsum.baselines.heads import SentenceScorer
from recsum.baselines.lstm import (
    HierarchicalLSTM,
    LSTMConfig,
    LSTMSystem,
    sentence_runs,
    training_threads,
)
from recsum.cli.main import main
from recsum.errors import RecsumError
from recsum.length import Length, count_words
from recsum.records import Record
from recsum.segment import Sentence, split_sentences
from recsum.training.examples import Example, label_records
from recsum.training.loop import TrainingSettings, mean_loss, train_model

SMALL = LSTMConfig(word_hidden=16, sentence_hidden=16, dropout=0.0)


@pytest.fixture(autouse=True)
def one_thread():
    """Models this small gain nothing from threads, and lose 5x to them on a busy machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def tokenizer():
    from transformers import AutoTokenizer

    from recsum.summarizers import default_model_path

    return AutoTokenizer.from_pretrained(default_model_path())


def new_model(seed: int = 0, config: LSTMConfig = SMALL) -> HierarchicalLSTM:
    torch.manual_seed(seed)
    return HierarchicalLSTM.from_minilm(LSTMConfig(**vars(config)))


@pytest.fixture(scope="module")
def slice_records(squality_stories) -> list[Record]:
    """Two SQuALITY dev stories cut to their first 40 sentences (a tiny, real slice)."""
    records = []
    for story in squality_stories[:2]:
        cut = split_sentences(story["document"])[39].end
        records.append(Record("s", story["document"][:cut], tuple(story["references"])))
    return records


@pytest.fixture(scope="module")
def slice_examples(slice_records, tokenizer) -> list[Example]:
    model = new_model()
    return [Example(model.featurize(tokenizer, record.document, sentences),
                    torch.from_numpy(labels))
            for record, sentences, labels in label_records(slice_records, progress=False)]


def test_features_are_each_sentences_own_wordpiece_tokens(tokenizer):
    text = "The ship landed.  Captain Moss walked out!\n\nNobody waited for him."
    sentences = split_sentences(text)
    features = new_model().featurize(tokenizer, text, sentences)
    assert [f.tolist() for f in features] == [
        tokenizer(s.text, add_special_tokens=False)["input_ids"] for s in sentences]


def test_long_sentences_are_cut_to_max_sentence_tokens(tokenizer):
    text = "word " * 200 + "end."
    (feature,) = new_model().featurize(tokenizer, text, split_sentences(text))
    assert len(feature) == SMALL.max_sentence_tokens


def test_the_scorer_computes_summarunners_terms_with_its_bilinear_layers():
    """The scorer multiplies the bilinear weights out itself (nn.Bilinear's own path was 40% of
    a training step); logits and gradients are those of the layers called as modules."""
    torch.manual_seed(0)
    scorer = SentenceScorer(12, positions=5, segments=3)
    for table in (scorer.absolute, scorer.relative):
        torch.nn.init.normal_(table.weight)
    h = torch.randn(9, 12, requires_grad=True)
    document = torch.tanh(scorer.document(h.mean(0))).expand_as(h)
    position = torch.arange(9)
    own = (scorer.content(h) + scorer.salience(h, document)).squeeze(-1) \
        + scorer.absolute(position.clamp(max=4)).squeeze(-1) \
        + scorer.relative(position * 3 // 9).squeeze(-1)
    weighted = h * torch.sigmoid(own).unsqueeze(-1)
    summary = torch.tanh(torch.cumsum(weighted, 0) - weighted)
    expected = own - scorer.novelty(h, summary).squeeze(-1)
    logits = scorer(h)
    torch.testing.assert_close(logits, expected)
    wrt = [h, scorer.salience.weight, scorer.novelty.weight]
    for got, want in zip(torch.autograd.grad(logits.square().sum(), wrt),
                         torch.autograd.grad(expected.square().sum(), wrt), strict=True):
        torch.testing.assert_close(got, want)


def test_training_threads_are_set_for_the_block_and_restored():
    before = torch.get_num_threads()
    with training_threads(2):
        assert torch.get_num_threads() == 2
        with pytest.raises(RuntimeError), training_threads():
            assert torch.get_num_threads() == 1
            raise RuntimeError
        assert torch.get_num_threads() == 2  # restored after an error too
    assert torch.get_num_threads() == before


def test_word_embeddings_start_from_minilm():
    from safetensors import safe_open

    from recsum.summarizers import default_model_path

    model = new_model()
    with safe_open(f"{default_model_path()}/model.safetensors", framework="pt") as tensors:
        table = tensors.get_tensor("embeddings.word_embeddings.weight")
    assert torch.equal(model.embedding.weight, table)
    assert not model.embedding.weight.requires_grad  # frozen by default


def test_a_sentence_vector_ignores_padding_and_batch_neighbours():
    model = new_model().eval()
    short, long = torch.tensor([2023, 2003, 1037]), torch.arange(1000, 1040)
    with torch.no_grad():
        alone = model._sentence_vectors([short], torch.tensor([3]))
        padded = model._sentence_vectors([short, long], torch.tensor([3, 40]))
        # The backward direction must read the sentence reversed, not its padding first.
        manual, _ = model.word_backward(model.embedding(short.flip(0)).unsqueeze(0))
    torch.testing.assert_close(padded[0], alone[0])
    torch.testing.assert_close(alone[0, 16:], manual[0].mean(0))


def test_sentence_vectors_do_not_depend_on_bucketing(tokenizer, squality_stories):
    """Sentences are sorted by length into batches and their vectors put back in document order:
    batches of 8 (the last one partial), one batch of all, and each sentence alone agree."""
    text = squality_stories[0]["document"][:6000]
    model = new_model().eval()
    features = model.featurize(tokenizer, text, split_sentences(text))
    assert len(features) > 3 * 8 and len(features) % 8
    assert len({len(ids) for ids in features}) > 3  # lengths differ, so sorting moves them
    with torch.no_grad():
        bucketed = model.sentence_vectors(features, bucket_size=8)
        one_batch = model.sentence_vectors(features, bucket_size=10_000)
        alone = torch.cat([model.sentence_vectors([ids], bucket_size=1) for ids in features])
    assert bucketed.shape == (len(features), 2 * SMALL.word_hidden)
    torch.testing.assert_close(bucketed, one_batch, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(bucketed, alone, atol=1e-5, rtol=1e-5)


def test_streamed_scores_equal_the_whole_document_pass(tokenizer, squality_stories):
    """score_document (runs of sentences tokenized alone, windows of them through the word
    BiLSTM, the document BiLSTM and the scorer in slices with their state carried) against one
    pass holding every sentence's token ids."""
    story = squality_stories[0]["document"]
    text = story[: split_sentences(story)[299].end]
    sentences = split_sentences(text)
    model = new_model().eval()
    with torch.no_grad():
        # Position terms start at zero; a trained model's are not, and each slice must use its
        # sentences' own positions.
        for table in (model.scorer.absolute, model.scorer.relative):
            torch.nn.init.normal_(table.weight)
        whole = model(model.featurize(tokenizer, text, sentences))
    # Uneven sizes (runs of about 37 sentences, windows of about 90, slices of 23): few edges
    # line up.
    streamed = model.score_document(tokenizer, text, sentences, batch=37, window=90, rows=23)
    assert streamed.shape == (300,)
    torch.testing.assert_close(streamed, whole, atol=1e-5, rtol=1e-5)
    # The defaults: one run and one window, two document slices (256 + 44).
    torch.testing.assert_close(model.score_document(tokenizer, text, sentences), whole,
                               atol=1e-5, rtol=1e-5)


def test_runs_of_sentences_are_cut_only_after_whitespace(tokenizer):
    text = "The starship landed.Captain Moss walked out! Nobody waited for him."
    # Sentence spans that split a word and follow a period directly: no run may start there,
    # or "ship" would be tokenized as a word start, not as the rest of "starship".
    cuts = [0, text.index("ship"), text.index("Captain"), text.index("Nobody"), len(text)]
    sentences = [Sentence(text[a:b], a, b) for a, b in itertools.pairwise(cuts)]
    assert list(sentence_runs(text, sentences, 1)) == [(0, 3, 0, cuts[3]),
                                                       (3, 4, cuts[3], len(text))]
    model = new_model()
    streamed = [ids.tolist() for _, run in model.featurize_in_batches(tokenizer, text, sentences, 1)
                for ids in run]
    assert streamed == [ids.tolist() for ids in model.featurize(tokenizer, text, sentences)]


def test_a_few_training_steps_on_a_tiny_slice_lower_the_loss(slice_examples):
    model = new_model()
    before = mean_loss(model, slice_examples)
    log = train_model(model, slice_examples, slice_examples,
                      TrainingSettings(epochs=3, patience=3, learning_rate=3e-3, progress=False))
    assert mean_loss(model, slice_examples) < before
    assert min(log.dev_loss) == pytest.approx(mean_loss(model, slice_examples), rel=1e-5)


def test_training_is_deterministic_for_a_seed(slice_examples):
    settings = TrainingSettings(epochs=1, patience=1, progress=False)
    first, second = new_model(seed=3), new_model(seed=3)
    train_model(first, slice_examples[:1], [], settings)
    train_model(second, slice_examples[:1], [], settings)
    for (name, a), b in zip(first.state_dict().items(), second.state_dict().values(), strict=True):
        assert torch.equal(a, b), name


def test_a_saved_model_reloads_to_identical_scores(slice_records, tokenizer, tmp_path):
    model = new_model().eval()
    model.save_pretrained(tmp_path, tokenizer)
    config = json.loads((tmp_path / "config.json").read_text())
    assert config["model_type"] == "lstm" and config["word_hidden"] == 16
    assert (tmp_path / "model.safetensors").exists() and not list(tmp_path.glob("*.bin"))
    record = slice_records[0]
    sentences = split_sentences(record.document)
    expected = model.score_document(tokenizer, record.document, sentences).numpy()
    system = LSTMSystem(path=str(tmp_path))
    np.testing.assert_array_equal(system.score(record.document, sentences, 100, None), expected)
    (summary,) = system.summarize_documents([record.document], Length(80))
    assert 0 < count_words(summary) <= 80


def test_loading_what_is_not_an_lstm_is_a_user_error(tmp_path):
    with pytest.raises(RecsumError, match="recsum train lstm --output"):
        HierarchicalLSTM.from_pretrained(tmp_path)
    (tmp_path / "config.json").write_text('{"model_type": "bigbird"}')
    (tmp_path / "model.safetensors").write_bytes(b"")
    with pytest.raises(RecsumError, match="holds no lstm model"):
        HierarchicalLSTM.from_pretrained(tmp_path)


def test_cli_trains_and_saves_a_model(tmp_path, capsys, slice_records):
    data = tmp_path / "train.jsonl"
    rows = [{"metadata": {"passage_id": str(i)}, "document": r.document, "questions": [
        {"question_number": 1, "question_text": "plot?",
         "responses": [{"response_text": x} for x in r.references]}]}
        for i, r in enumerate(slice_records)]
    data.write_text("\n".join(json.dumps(row) for row in rows) + "\n")
    output = tmp_path / "model"
    code = main(["train", "lstm", "--output", str(output), "--train", f"squality:{data}",
                 "--dev", f"squality:{data}", "--limit", "1", "--epochs", "1", "--quiet"])
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    assert report["train_documents"] == 1 and report["best_epoch"] == 1
    assert (output / "model.safetensors").exists() and (output / "tokenizer.json").exists()


def test_cli_reports_a_malformed_dataset_argument_in_one_line(capsys):
    assert main(["train", "lstm", "--output", "x", "--train", "nocolon"]) == 2
    assert capsys.readouterr().err.strip().count("\n") == 0


def test_an_interrupted_training_resumes_to_the_same_weights(slice_examples, tmp_path):
    settings = TrainingSettings(epochs=3, patience=3, learning_rate=3e-3, progress=False)
    straight = new_model(seed=5)
    train_model(straight, slice_examples, slice_examples[:1], settings)
    # A run stopped after its first epoch leaves that epoch's checkpoint; the same command
    # (asking for 3 epochs) then resumes from it.
    stopped = TrainingSettings(**{**vars(settings), "epochs": 1})
    train_model(new_model(seed=5), slice_examples, slice_examples[:1], stopped, tmp_path)
    resumed = new_model(seed=5)
    log = train_model(resumed, slice_examples, slice_examples[:1], settings, tmp_path)
    assert len(log.train_loss) == 3
    for (name, a), b in zip(straight.state_dict().items(), resumed.state_dict().values(),
                            strict=True):
        torch.testing.assert_close(a, b, msg=name)
    other = TrainingSettings(**{**vars(settings), "learning_rate": 1e-2})
    with pytest.raises(RecsumError, match="--overwrite"):
        train_model(new_model(seed=5), slice_examples, slice_examples[:1], other, tmp_path)


def test_loading_a_saved_lstm_draws_no_transformers_warning(tokenizer, tmp_path):
    """Our config.json is no transformers config: its tokenizer loads without a warning about
    a model of type `lstm` instantiating one of type ``."""
    import logging

    new_model().save_pretrained(tmp_path, tokenizer)
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append
    logger = logging.getLogger("transformers")
    logger.addHandler(handler)
    try:
        LSTMSystem(path=str(tmp_path))
    finally:
        logger.removeHandler(handler)
    assert not [r for r in records if "model of type" in r.getMessage()]
