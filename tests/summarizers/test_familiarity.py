"""Documents unlike the training documents: told by their centroid, rated by the fallback."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from recsum.centrality import standardized_log_lexrank
from recsum.errors import RecsumError
from recsum.summarizers.familiarity import (
    CENTRALITY_WEIGHT,
    FALLBACK_FOLDER,
    FALLBACK_READINGS,
    Fallback,
    GatedScorer,
    centroid,
    load_scorer,
)
from recsum.summarizers.scorer import PartScorer, PartScorerConfig, scorer_inputs

WIDTH = 8


def _scorer(seed: int, **reading) -> PartScorer:
    from recsum.training.part import Scoring

    torch.manual_seed(seed)
    return Scoring(PartScorerConfig(**{"vector_size": WIDTH, **reading})).scorer()


def _document(seed: int, sentences: int = 12) -> tuple[np.ndarray, np.ndarray]:
    """Unit sentence vectors around a direction of their own, and random features."""
    rng = np.random.default_rng(seed)
    vectors = rng.normal(size=WIDTH) * 4 + rng.normal(size=(sentences, WIDTH))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    features = rng.random((sentences, len(PartScorerConfig().features)))
    return vectors.astype(np.float32), features.astype(np.float32)


def _texts(sentences: int = 12) -> list[str]:
    """A hub and its spokes: the first sentence shares a word with every other, which share
    nothing else."""
    words = ["harbour", "storm", "boats"]
    return ["The storm hit the harbour boats."] + [
        f"{words[row % 3]} spoke{row} alone{row}." for row in range(1, sentences)]


def _gated() -> GatedScorer:
    training = [_document(seed) for seed in range(3)]
    centroids = np.stack([centroid(vectors) for vectors, _ in training])
    fallback = Fallback(centroids, [_scorer(1, **FALLBACK_READINGS["standardized"]),
                                    _scorer(2, **FALLBACK_READINGS["features-only"])])
    return GatedScorer(_scorer(0), fallback)


def test_standardized_features_are_measured_against_the_document_s_own_sentences():
    config = PartScorerConfig(vector_size=0, standardized=True)
    vectors, features = _document(0)
    vectors_read, inputs = scorer_inputs(config, vectors, features)
    assert vectors_read.shape == (12, 0) and inputs.shape == (12, 2 * features.shape[1])
    np.testing.assert_array_equal(inputs[:, : features.shape[1]], features)
    np.testing.assert_allclose(inputs[:, features.shape[1]:].mean(0), 0, atol=1e-5)
    np.testing.assert_allclose(inputs[:, features.shape[1]:].std(0), 1, atol=1e-3)
    # Any domain's scale is gone: ten times longer, or shifted, the document reads the same.
    np.testing.assert_allclose(scorer_inputs(config, vectors, features * 10 + 3)[1][:, 20:],
                               inputs[:, 20:], atol=1e-4)
    assert scorer_inputs(config, vectors[:0], features[:0])[1].shape == (0, 40)


def test_a_features_only_scorer_rates_without_the_vectors():
    scorer = _scorer(2, **FALLBACK_READINGS["features-only"])
    vectors, features = _document(0)
    np.testing.assert_array_equal(scorer.rate(vectors, features),
                                  scorer.rate(-vectors, features))


def test_the_fallback_scorers_rate_as_the_torch_networks_that_training_runs():
    from recsum.training.examples import Example
    from recsum.training.part import Scoring, as_read_by

    vectors, features = _document(0)
    for seed, reading in enumerate(FALLBACK_READINGS.values()):
        torch.manual_seed(seed)
        network = Scoring(PartScorerConfig(**{"vector_size": WIDTH, **reading})).eval()
        (example,) = as_read_by(network.config, [Example(
            (torch.from_numpy(vectors), torch.from_numpy(features)), torch.zeros(12))])
        with torch.inference_mode():
            expected = network(example.features).numpy()
        np.testing.assert_allclose(network.scorer().rate(vectors, features), expected,
                                   atol=1e-5)


def test_a_familiar_document_is_rated_by_the_scorer_an_unfamiliar_one_by_the_fallback():
    gated = _gated()
    familiar = _document(1)  # one of the training documents
    unfamiliar = _document(7)
    assert gated.fallback.is_familiar(familiar[0])
    assert not gated.fallback.is_familiar(unfamiliar[0])
    np.testing.assert_array_equal(gated.rate(*familiar, _texts()),
                                  gated.familiar.rate(*familiar))
    np.testing.assert_allclose(gated.rate(*unfamiliar, _texts()), np.mean(
        [scorer.rate(*unfamiliar) for scorer in gated.fallback.scorers], axis=0)
        + CENTRALITY_WEIGHT * standardized_log_lexrank(_texts()), atol=1e-6)
    assert gated.config is gated.familiar.config  # the same discounts for both


def test_the_fallback_lifts_the_sentences_central_to_the_document():
    """With scorers that rate every sentence alike, centrality alone orders them."""
    vectors, features = _document(0)
    alike = [PartScorer(PartScorerConfig(**{"vector_size": WIDTH, **reading}))
             for reading in FALLBACK_READINGS.values()]
    fallback = Fallback(np.stack([centroid(vectors)]), alike)
    ratings = fallback.rate(vectors, features, _texts())
    assert np.argmax(ratings) == 0 and ratings[0] > ratings[-1] + 0.5
    none = Fallback(np.stack([centroid(vectors)]), alike, centrality_weight=0.0)
    np.testing.assert_array_equal(none.rate(vectors, features, _texts()), np.zeros(12))


def test_a_document_read_in_other_chunks_than_the_training_documents_is_not_gated():
    """Its vectors move with the chunks it was read in: 128-token chunks took every SQuALITY dev
    story for unfamiliar, and the fallback cost 2.5 R-1 there."""
    gated = _gated()
    assert gated.fallback.read_tokens == 512
    assert gated.for_reading(512) is gated and gated.for_reading(None) is gated
    assert gated.for_reading(128) is gated.familiar


def test_a_gated_folder_reloads_to_identical_ratings_and_a_plain_one_stays_plain(tmp_path):
    gated = _gated()
    gated.familiar.save_pretrained(tmp_path)
    assert isinstance(load_scorer(tmp_path), PartScorer)
    gated.fallback.save_pretrained(tmp_path / FALLBACK_FOLDER, list(FALLBACK_READINGS))
    loaded = load_scorer(tmp_path)
    assert isinstance(loaded, GatedScorer) and loaded.fallback.read_tokens == 512
    assert loaded.fallback.centrality_weight == CENTRALITY_WEIGHT
    for seed in (1, 7):  # familiar, unfamiliar
        document = _document(seed)
        np.testing.assert_allclose(loaded.rate(*document, _texts()),
                                   gated.rate(*document, _texts()), atol=1e-6)


def test_a_fallback_saved_before_its_centrality_weight_rates_as_it_did(tmp_path):
    gated = _gated()
    gated.fallback.save_pretrained(tmp_path, list(FALLBACK_READINGS))
    config = json.loads((tmp_path / "config.json").read_text())
    del config["centrality_weight"]
    (tmp_path / "config.json").write_text(json.dumps(config))
    assert Fallback.from_pretrained(tmp_path).centrality_weight == 0.0


@pytest.mark.parametrize("damage", ["no config", "centroids cut", "other width", "no scorer"])
def test_a_damaged_fallback_is_one_line_naming_the_file(tmp_path, damage):
    gated = _gated()
    gated.familiar.save_pretrained(tmp_path)
    folder = tmp_path / FALLBACK_FOLDER
    gated.fallback.save_pretrained(folder, list(FALLBACK_READINGS))
    if damage == "no config":
        (folder / "config.json").unlink()
    elif damage == "centroids cut":
        weights = folder / "model.safetensors"
        weights.write_bytes(weights.read_bytes()[:60])
    elif damage == "other width":
        wider = Fallback(np.ones((2, WIDTH * 2), np.float32), gated.fallback.scorers)
        wider.save_pretrained(folder, list(FALLBACK_READINGS))
    else:
        (folder / "features-only" / "model.safetensors").unlink()
    with pytest.raises(RecsumError) as error:
        load_scorer(tmp_path)
    message = str(error.value)
    assert "\n" not in message and str(folder) in message and "recsum train part" in message


def test_the_shipped_scorer_falls_back_on_a_fallback_trained_on_shippable_data_only():
    scorer = load_scorer()
    assert isinstance(scorer, GatedScorer)
    provenance = scorer.fallback.provenance
    assert "--fallback" in provenance["command"]
    datasets = json.dumps(provenance["training_data"])
    # ECTSum is GPL-3.0, for evaluation only: never in shipped weights.
    assert "ectsum" not in datasets.lower() and "CC BY 4.0" in datasets and "MIT" in datasets
    assert len(scorer.fallback.centroids) == scorer.familiar.config.provenance["train_documents"]
    assert scorer.fallback.centrality_weight == CENTRALITY_WEIGHT


def test_package_data_ships_every_resource_file():
    """A wheel holds only what pyproject's package-data names (the query scorer was missed)."""
    from conftest import ROOT

    tomllib = pytest.importorskip("tomllib")  # Python 3.11+

    globs = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"]["recsum"]
    shipped = {path for pattern in globs for path in (ROOT / "recsum").glob(pattern)
               if path.is_file()}
    resources = {path for path in (ROOT / "recsum" / "resources").rglob("*")
                 if path.is_file() and path.suffix != ".py" and "__pycache__" not in path.parts}
    assert resources - shipped == set()


@pytest.mark.slow
def test_a_paper_is_familiar_to_the_shipped_scorer_and_an_earnings_call_is_not(
        extractive, data_dir):
    from recsum.evaluation.data import DatasetSpec, load_records

    gate = load_scorer().fallback
    for adapter, split, familiar in (("scisummnet", "dev", True), ("squality", "dev", True),
                                     ("ectsum", "val", False)):
        (record,) = load_records(DatasetSpec(str(data_dir / adapter / f"{split}.jsonl"),
                                             adapter=adapter, limit=1))
        (reading,) = extractive.read([extractive.chunked(record.document)])
        assert gate.is_familiar(reading.vectors) is familiar, adapter
