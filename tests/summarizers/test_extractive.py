"""The embedded default: MiniLM reads chunks, the trained scorer rates, on real documents."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import numpy as np
import pytest
import torch

from recsum import Summarizer
from recsum.chunk import ChunkedDocument, chunk_sentences, fit_sentences
from recsum.clean import readable_sentences
from recsum.errors import RecsumError
from recsum.length import Length, count_words
from recsum.segment import split_sentences
from recsum.select import taken_alone
from recsum.summarizers.familiarity import GatedScorer, load_scorer
from recsum.summarizers.scorer import PartScorer, PartScorerConfig

MARKER = re.compile(r"\{(?:disfmarker|vocalsound|nonvocalsound|gap|pause|comment)\}")


def in_document_order(result) -> bool:
    starts = [sentence.start for sentence in result.sentences]
    return starts == sorted(starts) and [s.text for s in result.sentences] == (
        result.summary.split("\n"))


@pytest.mark.slow
def test_summary_of_a_real_story_is_its_own_sentences_in_order_within_budget(
    extractive, squality_stories
):
    story = squality_stories[0]["document"]
    first = Summarizer(extractive).summarize(story, max_words=200)
    second = Summarizer(extractive).summarize(story, max_words=200)
    assert first.summary == second.summary
    assert 150 < count_words(first.summary) <= 200 and not first.truncated
    assert first.depth >= 2
    sentences = [taken_alone(s.text) for s in readable_sentences(story)]
    lines = first.summary.split("\n")
    assert set(lines) <= set(sentences) and in_document_order(first)
    assert len(set(lines)) == len(lines)
    for sentence in first.sentences:  # provenance: the very sentence of the story
        words = re.findall(r"\w+", story[sentence.start : sentence.end].lower())
        assert words[-len(re.findall(r"\w+", sentence.text)):] == re.findall(
            r"\w+", sentence.text.lower())  # less a connective it opened with


@pytest.mark.slow
def test_the_encoder_reads_each_chunk_once(extractive, squality_stories):
    story = squality_stories[1]["document"]
    before = extractive.encoder.stats.chunks
    result = Summarizer(extractive).summarize(story, max_words=150)
    assert extractive.encoder.stats.chunks - before == len(result.levels[0].parts)
    assert all(p.input_tokens <= 512 for p in result.levels[0].parts)


@pytest.mark.slow
def test_a_meeting_summary_reads_cleanly(extractive, data_dir):
    from recsum.evaluation.data import DatasetSpec, load_records

    (meeting,) = load_records(DatasetSpec(str(data_dir / "qmsum" / "val.jsonl"),
                                          adapter="qmsum", limit=1))
    assert MARKER.search(meeting.document)
    result = Summarizer(extractive).summarize(meeting.document, max_words=110)
    lines = result.summary.split("\n")
    assert not MARKER.search(result.summary)
    assert len(set(lines)) == len(lines)
    assert all(count_words(line) > 3 for line in lines)


@pytest.mark.slow
def test_a_report_is_summarized_from_its_own_sentences(extractive):
    from pathlib import Path

    text = (Path(__file__).parents[2] / "data" / "sample-report.md").read_text("utf-8")
    result = Summarizer(extractive).summarize(text, max_words=150)
    sentences = [s.text for s in readable_sentences(text)]
    lines = result.summary.split("\n")
    assert 100 < count_words(result.summary) <= 150
    assert set(lines) <= set(sentences) and in_document_order(result)
    assert not any(line.startswith("#") or line.endswith(":") for line in lines)


@pytest.mark.slow
def test_token_budget_is_measured_with_the_model_tokenizer(extractive, squality_stories):
    story = squality_stories[2]["document"]
    result = Summarizer(extractive).summarize(story, max_tokens=100)
    assert 0 < extractive.tokens.count([result.summary])[0] - 2 <= 100


def test_fraction_budget_keeps_that_share_of_tokens(extractive):
    text = " ".join(
        f"Line {i} describes a different part of the harbour at night." for i in range(30)
    )
    summary = extractive.summarize([text], Length(0.25, "fraction"))[0]
    assert 0 < extractive.tokens.count([summary])[0] - 2 <= 0.25 * (
        extractive.tokens.count([text])[0] - 2
    )


def test_a_sentence_vector_is_its_tokens_mean_state_within_the_chunk(extractive):
    sentences = ["The harbour froze in January.", "Ships waited outside for weeks.",
                 "Nobody could remember such a winter."]
    (vectors,) = extractive.encoder.encode([sentences])
    encoding = extractive.encoder.tokenizer.encode("\n".join(sentences))
    ids = np.array([encoding.ids])
    hidden = extractive.encoder.model(ids, np.ones_like(ids))[0]
    second = [i for i, (start, _) in enumerate(encoding.offsets)
              if not encoding.special_tokens_mask[i] and len(sentences[0]) < start
              < len(sentences[0]) + 1 + len(sentences[1])]
    expected = hidden[second].mean(0)
    np.testing.assert_allclose(vectors[1], expected / np.linalg.norm(expected), atol=1e-5)
    (alone,) = extractive.encoder.encode([[sentences[1]]])
    assert 0.5 < float(alone[0] @ vectors[1]) < 0.999  # the context changes the reading


def test_onnx_reads_one_chunk_per_run_and_batches_are_bounded_by_their_padded_size():
    from types import SimpleNamespace

    from tokenizers import Tokenizer

    from recsum.summarizers import default_model_path
    from recsum.summarizers.encoder import BATCH_TOKENS, ONE_CHUNK, ChunkEncoder

    class Recording:
        config = SimpleNamespace(hidden_size=4, max_position_embeddings=512, num_hidden_layers=1)

        def __init__(self):
            self.shapes = []

        def __call__(self, ids, mask):
            self.shapes.append(ids.shape)
            return np.repeat(ids[..., None].astype(np.float32), 4, axis=-1) * mask[..., None]

    tokenizer = Tokenizer.from_file(f"{default_model_path()}/tokenizer.json")
    chunks = [["A short one."], ["Another short chunk, a little longer."],
              [" ".join(["word"] * 200)], [" ".join(["word"] * 300)]]
    vectors = {}
    for batch_tokens in (ONE_CHUNK, BATCH_TOKENS, 640):
        model = Recording()
        encoder = ChunkEncoder(model, tokenizer, batch_tokens=batch_tokens)
        vectors[batch_tokens] = encoder.encode(chunks)
        if batch_tokens == ONE_CHUNK:
            assert [shape[0] for shape in model.shapes] == [1, 1, 1, 1]
            assert encoder.stats.padded_tokens == encoder.stats.tokens  # no padding
        else:
            assert all(rows * width <= batch_tokens for rows, width in model.shapes)
            assert len(model.shapes) == (1 if batch_tokens == BATCH_TOKENS else 2)
    for one, batched in zip(vectors[ONE_CHUNK], vectors[640], strict=True):
        np.testing.assert_array_equal(one, batched)  # this fake's states ignore batch mates


def test_pooling_sums_each_sentences_tokens_in_order_exactly():
    from recsum.summarizers.encoder import _pool

    hidden = np.random.default_rng(0).normal(size=(12, 6)).astype(np.float32)
    owner = np.array([-1, 0, 0, 0, 2, 2, 3, 3, 3, 3, 3, -1])  # sentence 1 got no token
    sums = np.zeros((4, 6), np.float32)
    np.add.at(sums, owner[owner >= 0], hidden[owner >= 0])  # one token after another
    sums[1] = hidden[0]
    expected = sums / np.array([3, 1, 2, 5])[:, None]
    expected /= np.linalg.norm(expected, axis=1, keepdims=True)
    np.testing.assert_array_equal(_pool(hidden, owner, 4), expected)


def test_ratings_follow_the_scorer_and_discount_long_and_context_bound_sentences(extractive):
    units = [s for s in readable_sentences(
        'The mayor opened the new bridge on Monday. "It took ten years," she said. '
        "But the traffic did not move. The river flooded the lower town twice in May.")]
    document = ChunkedDocument(units, chunk_sentences(units, extractive.tokens, 512), 200)
    (reading,) = extractive.read([document])
    (rated,) = extractive.rate([document])
    config = extractive.scorer.config
    words = np.array([count_words(u.text) for u in units])
    context = np.array([0, 1, 1, 0])
    expected = (extractive.scorer.rate(reading.vectors, reading.features, [u.text for u in units])
                - config.length_penalty * np.log(words) - config.context_penalty * context)
    np.testing.assert_allclose(rated.ratings, expected, rtol=1e-6)
    assert rated.relevance is None


def test_plain_torch_bert_matches_transformers_on_minilm(squality_stories):
    from transformers import AutoModel, AutoTokenizer

    from recsum.summarizers import default_model_path
    from recsum.summarizers.bert import BertEncoder
    from recsum.summarizers.checkpoint import is_plain_bert

    path = default_model_path()
    assert is_plain_bert(path)
    sentences = [s.text for s in split_sentences(squality_stories[0]["document"])[:16]]
    batch = AutoTokenizer.from_pretrained(path)(sentences, padding=True, return_tensors="pt")
    reference = AutoModel.from_pretrained(path).eval()
    with torch.inference_mode():
        expected = reference(**batch).last_hidden_state
        actual = BertEncoder.from_pretrained(path)(batch["input_ids"], batch["attention_mask"])
    real = batch["attention_mask"].bool()
    assert batch["attention_mask"].float().mean() < 0.9  # padding is exercised
    assert torch.allclose(actual[real], expected[real], atol=1e-4)


def test_other_encoders_load_through_transformers_with_a_scorer_of_their_width(tmp_path):
    """A folder that is not plain BERT (here a tiny random DistilBERT) takes the AutoModel path
    and summarizes with its own tokenizer's counts; the shipped scorer does not fit it."""
    from transformers import AutoTokenizer, DistilBertConfig, DistilBertModel

    from recsum.summarizers import ExtractiveSummarizer, default_model_path
    from recsum.summarizers.checkpoint import is_plain_bert

    torch.manual_seed(0)
    tokenizer = AutoTokenizer.from_pretrained(default_model_path())
    config = DistilBertConfig(vocab_size=tokenizer.vocab_size, dim=32, hidden_dim=64, n_layers=3,
                              n_heads=2, max_position_embeddings=128)
    encoder_path, scorer_path = tmp_path / "encoder", tmp_path / "scorer"
    DistilBertModel(config).save_pretrained(encoder_path)
    tokenizer.save_pretrained(encoder_path)
    assert not is_plain_bert(encoder_path)
    with pytest.raises(RecsumError, match="32-wide vectors"):
        ExtractiveSummarizer.from_pretrained(str(encoder_path))
    PartScorer(PartScorerConfig(vector_size=32, encoder_layers=1)).save_pretrained(scorer_path)
    summarizer = ExtractiveSummarizer.from_pretrained(str(encoder_path), scorer=scorer_path)
    assert summarizer.input_budget == 128
    assert summarizer.encoder.layers == summarizer.encoder.model.config.num_hidden_layers == 1
    text = " ".join(f"Sentence number {i} talks about topic {i % 5}." for i in range(40))
    summary = summarizer.summarize([text], Length(30, "words"))[0]
    assert 0 < count_words(summary) <= 30
    assert summarizer.tokens.count([text]) == [len(tokenizer(text)["input_ids"])]


def _tiny_bert(folder, layers: int = 3):
    """A random plain-BERT folder (with a masked-LM head) of ``layers`` layers, 32 wide."""
    from transformers import AutoTokenizer, BertConfig, BertForMaskedLM

    from recsum.summarizers import default_model_path

    torch.manual_seed(0)
    tokenizer = AutoTokenizer.from_pretrained(default_model_path())
    config = BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=32, num_hidden_layers=layers,
                        num_attention_heads=2, intermediate_size=64, max_position_embeddings=64)
    model = BertForMaskedLM(config).eval()
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return model, tokenizer


def test_plain_torch_bert_loads_a_checkpoint_with_a_task_head(tmp_path):
    """A BertForMaskedLM folder stores the encoder under ``bert.`` beside its head."""
    from recsum.summarizers.bert import BertEncoder
    from recsum.summarizers.checkpoint import is_plain_bert

    reference, tokenizer = _tiny_bert(tmp_path, layers=2)
    assert is_plain_bert(tmp_path)
    batch = tokenizer(["One short sentence.", "And a somewhat longer second one here."],
                      padding=True, return_tensors="pt")
    with torch.inference_mode():
        expected = reference.bert(**batch).last_hidden_state
        actual = BertEncoder.from_pretrained(tmp_path)(batch["input_ids"], batch["attention_mask"])
    real = batch["attention_mask"].bool()
    assert torch.allclose(actual[real], expected[real], atol=1e-5)


def test_an_encoder_cut_to_fewer_layers_gives_that_layer_s_states(tmp_path):
    from recsum.summarizers.bert import BertEncoder

    reference, tokenizer = _tiny_bert(tmp_path, layers=3)
    batch = tokenizer(["One short sentence.", "And a somewhat longer second one here."],
                      padding=True, return_tensors="pt")
    real = batch["attention_mask"].bool()
    with torch.inference_mode():
        states = reference.bert(**batch, output_hidden_states=True).hidden_states
        for layers in (1, 2, 3):
            cut = BertEncoder.from_pretrained(tmp_path, layers)
            assert len(cut.layers) == cut.config.num_hidden_layers == layers
            actual = cut(batch["input_ids"], batch["attention_mask"])
            assert torch.allclose(actual[real], states[layers][real], atol=1e-5)
    with pytest.raises(RecsumError, match=r"layer 4\b.* has 3 layers"):
        BertEncoder.from_pretrained(tmp_path, 4)


def test_the_encoder_reads_as_many_layers_as_the_scorer_was_trained_on(tmp_path):
    from recsum.summarizers import ExtractiveSummarizer
    from recsum.summarizers.features import FEATURES, QUERY_FEATURES

    _tiny_bert(tmp_path / "encoder", layers=3)
    scorers = {}
    for name, layers in (("two", 2), ("all", None), ("five", 5)):
        scorers[name] = tmp_path / name
        PartScorer(PartScorerConfig(vector_size=32, encoder_layers=layers)).save_pretrained(
            scorers[name])
    # A scorer saved before layers were recorded read the encoder's last layer.
    config = json.loads((scorers["all"] / "config.json").read_text())
    del config["encoder_layers"]
    (scorers["all"] / "config.json").write_text(json.dumps(config))
    encoder = str(tmp_path / "encoder")
    for dtype in ("float32", "int8"):
        read = ExtractiveSummarizer.from_pretrained(encoder, scorer=scorers["two"], dtype=dtype)
        assert read.encoder.layers == read.encoder.model.config.num_hidden_layers == 2
    assert ExtractiveSummarizer.from_pretrained(encoder, scorer=scorers["all"]).encoder.layers == 3
    with pytest.raises(RecsumError, match=r"layer 5\b.* has 3 layers"):
        ExtractiveSummarizer.from_pretrained(encoder, scorer=scorers["five"])
    PartScorer(PartScorerConfig(vector_size=32, features=FEATURES + QUERY_FEATURES,
                            encoder_layers=3)).save_pretrained(tmp_path / "query")
    mixed = ExtractiveSummarizer.from_pretrained(encoder, scorer=scorers["two"],
                                                 query_scorer=tmp_path / "query")
    with pytest.raises(RecsumError, match="same `recsum train part --encoder-layers`"):
        mixed.query_scorer  # noqa: B018  (loaded on first use)


def test_the_shipped_scorer_names_its_encoder_data_licenses_and_command():
    from recsum.config import ENCODER_LAYERS

    scorer = PartScorer.from_pretrained()
    provenance = scorer.config.provenance
    assert scorer.config.encoder == "sentence-transformers/all-MiniLM-L6-v2"
    # Both shipped scorers read the layer a newly trained one reads, so one encoder serves both.
    assert (scorer.config.encoder_layers == PartScorer.from_pretrained(query=True).config
            .encoder_layers == ENCODER_LAYERS)
    assert "recsum train part" in provenance["command"]
    licenses = json.dumps(provenance["training_data"])
    assert "CC BY 4.0" in licenses and "MIT" in licenses


def test_a_saved_scorer_reloads_to_identical_ratings(tmp_path):
    from recsum.training.part import Scoring

    torch.manual_seed(0)
    scorer = Scoring(PartScorerConfig(vector_size=8)).scorer()
    scorer.save_pretrained(tmp_path)
    vectors = np.random.default_rng(0).normal(size=(5, 8)).astype(np.float32)
    features = np.random.default_rng(1).random((5, len(scorer.config.features)), np.float32)
    np.testing.assert_array_equal(PartScorer.from_pretrained(tmp_path).rate(vectors, features),
                                  scorer.rate(vectors, features))


def test_numpy_ratings_are_the_torch_network_s_that_training_runs():
    from recsum.training.part import Scoring

    torch.manual_seed(0)
    network = Scoring(PartScorerConfig(vector_size=8)).eval()
    vectors = np.random.default_rng(0).normal(size=(50, 8)).astype(np.float32)
    features = np.random.default_rng(1).normal(size=(50, len(network.config.features)))
    features = features.astype(np.float32)
    with torch.inference_mode():
        expected = network((torch.from_numpy(vectors), torch.from_numpy(features))).numpy()
    np.testing.assert_allclose(network.scorer().rate(vectors, features), expected, atol=1e-5)


def test_a_long_document_is_rated_in_slices_as_if_at_once():
    from recsum.summarizers.scorer import RATED_AT_ONCE

    scorer = PartScorer.from_pretrained()
    rows = 2 * RATED_AT_ONCE + 7
    vectors = np.random.default_rng(0).normal(size=(rows, 384)).astype(np.float32)
    features = np.random.default_rng(1).random((rows, len(scorer.config.features)), np.float32)
    ratings = scorer.rate(vectors, features)
    np.testing.assert_allclose(ratings[-7:], scorer.rate(vectors[-7:], features[-7:]), atol=1e-4)
    assert ratings.shape == (rows,) and scorer.rate(vectors[:0], features[:0]).shape == (0,)


@pytest.mark.parametrize("damage", ["missing", "truncated", "wrong shape", "not json"])
def test_a_damaged_scorer_is_one_line_naming_the_file(tmp_path, damage):
    PartScorer(PartScorerConfig(vector_size=8)).save_pretrained(tmp_path)
    weights, config = tmp_path / "model.safetensors", tmp_path / "config.json"
    if damage == "missing":
        weights.unlink()
    elif damage == "truncated":
        weights.write_bytes(weights.read_bytes()[:100])
    elif damage == "wrong shape":
        PartScorer(PartScorerConfig(vector_size=16)).save_pretrained(tmp_path / "other")
        weights.write_bytes((tmp_path / "other" / "model.safetensors").read_bytes())
    else:
        config.write_text("{not json")
    with pytest.raises(RecsumError) as error:
        PartScorer.from_pretrained(tmp_path)
    message = str(error.value)
    assert "\n" not in message and str(tmp_path) in message and "recsum train part" in message


def test_the_cli_reports_a_damaged_scorer_without_a_traceback(tmp_path, capsys):
    from recsum.cli.main import main

    document = tmp_path / "doc.txt"
    document.write_text("The harbour froze. Ships waited for weeks outside the bay.\n")
    scorer = tmp_path / "scorer"
    PartScorer(PartScorerConfig()).save_pretrained(scorer)
    (scorer / "model.safetensors").write_bytes(b"\x00" * 10)
    assert main(["summarize", str(document), "--scorer", str(scorer), "--quiet"]) == 2
    error = capsys.readouterr().err.strip()
    assert error.count("\n") == 0 and "model.safetensors" in error and "Traceback" not in error


@pytest.mark.slow
def test_training_on_a_tiny_slice_lowers_the_loss_and_saves_a_loadable_scorer(
    extractive, squality_stories, tmp_path
):
    from recsum.records import Record
    from recsum.training.loop import mean_loss
    from recsum.training.part import PART_TRAINING, Scoring, part_examples, train_part_scorer

    records = []
    for story in squality_stories[:2]:
        cut = split_sentences(story["document"])[59].end
        records.append(Record(story["id"], story["document"][:cut], tuple(story["references"])))
    settings = PART_TRAINING.__class__(**{**vars(PART_TRAINING), "epochs": 4, "progress": False})
    log = train_part_scorer(records, [], tmp_path, settings, encoder=extractive.encoder,
                            fallback=True)
    assert log.train_loss[-1] < log.train_loss[0]
    trained = PartScorer.from_pretrained(tmp_path)
    assert trained.config.provenance["train_documents"] == 2
    assert trained.config.encoder_layers == extractive.encoder.layers  # what it was trained on
    examples = part_examples(extractive, records, progress=False)
    gated = load_scorer(tmp_path)  # with its fallback, to which each training story is familiar
    assert isinstance(gated, GatedScorer) and len(gated.fallback.centroids) == 2
    assert all(gated.fallback.is_familiar(e.features[0].numpy()) for e in examples)
    assert not list(tmp_path.rglob("checkpoint"))  # every checkpoint gone once all is saved
    # Retrained there without one, the scorer is not gated by the fallback of another training.
    train_part_scorer(records, [], tmp_path, replace(settings, epochs=1),
                      encoder=extractive.encoder)
    assert isinstance(load_scorer(tmp_path), PartScorer)
    units = fit_sentences(readable_sentences(records[0].document), extractive.tokens, 512)[0]
    assert len(examples[0].labels) == len(units) and examples[0].labels.max() == 1.0
    torch.manual_seed(0)
    assert mean_loss(Scoring(trained.config, trained), examples, "listwise") < mean_loss(
        Scoring(trained.config), examples, "listwise")


@pytest.mark.slow
def test_leaving_one_dataset_out_rates_each_with_a_scorer_that_never_saw_it(
    extractive, squality_stories
):
    from recsum.records import Record
    from recsum.training.cross_validation import BY_DATASET, cross_validate
    from recsum.training.part import PART_TRAINING

    records = []
    for story in squality_stories[:3]:
        cut = split_sentences(story["document"])[39].end
        records.append(Record(story["id"], story["document"][:cut], tuple(story["references"])))
    datasets = ["stories-a", "stories-a", "stories-b"]
    settings = PART_TRAINING.__class__(**{**vars(PART_TRAINING), "epochs": 2, "progress": False})
    results = cross_validate(records, datasets, BY_DATASET, settings,
                             encoder=extractive.encoder)
    assert [(r.dataset, r.documents) for r in results] == [("stories-a", 2), ("stories-b", 1)]
    assert all(0 < r.rouge["rouge1"] < 100 for r in results)
    gated = cross_validate(records, datasets, BY_DATASET, settings, encoder=extractive.encoder,
                           fallback=True)
    assert [(r.dataset, r.documents) for r in gated] == [("stories-a", 2), ("stories-b", 1)]
    assert all(0 < r.rouge["rouge1"] < 100 for r in gated)
    with pytest.raises(RecsumError, match="at least two --train datasets"):
        cross_validate(records, ["one"] * 3, BY_DATASET, settings, encoder=extractive.encoder)
    with pytest.raises(RecsumError, match="or 'datasets', got 9"):
        cross_validate(records, datasets, 9, settings, encoder=extractive.encoder)
