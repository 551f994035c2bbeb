import numpy as np
import pytest

from recsum.centrality import (
    lexrank,
    pagerank,
    standardized_log_lexrank,
    textrank_weights,
    word_matrix,
)


def test_pagerank_is_the_stationary_distribution_of_the_damped_walk():
    rng = np.random.default_rng(0)
    weights = rng.random((6, 6))
    weights[2] = 0  # a dangling sentence: no outgoing edges
    np.fill_diagonal(weights, 0)
    scores = pagerank(weights, damping=0.85)
    out = weights.sum(1, keepdims=True)
    walk = np.where(out > 0, weights / np.where(out > 0, out, 1), 1 / 6)
    google = 0.15 / 6 + 0.85 * walk
    values, vectors = np.linalg.eig(google.T)
    stationary = np.real(vectors[:, np.argmax(np.real(values))])
    np.testing.assert_allclose(scores, stationary / stationary.sum(), atol=1e-6)


def test_textrank_weights_count_shared_words_over_log_lengths():
    sentences = ["boats left the harbour", "the boats came back", "children played"]
    weights = textrank_weights(word_matrix(sentences))
    assert weights[0, 1] == pytest.approx(2 / (2 * np.log(4)))  # "the", "boat"
    assert weights[0, 2] == 0 and np.all(np.diag(weights) == 0)
    np.testing.assert_allclose(weights, weights.T)


def test_lexrank_is_pagerank_on_the_graph_of_tfidf_cosines_it_never_builds():
    sentences = ["The boats left the harbour at dawn.", "The boats came back to the harbour.",
                 "Children played by the water.", "Nobody else spoke.", "", "The harbour slept.",
                 "Boats, boats and more boats came back."]
    counts = word_matrix(sentences)
    idf = np.log(len(sentences) / np.maximum((counts.toarray() > 0).sum(0), 1))
    tfidf = counts.toarray() * idf
    norms = np.linalg.norm(tfidf, axis=1)
    unit = np.divide(tfidf, norms[:, None], out=np.zeros_like(tfidf), where=norms[:, None] > 0)
    cosines = unit @ unit.T
    np.fill_diagonal(cosines, 0)
    assert (cosines.sum(1) == 0).sum() >= 2  # the empty and the unshared sentences dangle
    np.testing.assert_allclose(lexrank(counts), pagerank(cosines), atol=1e-9)


def test_standardized_log_lexrank_ranks_the_shared_sentence_first_against_its_own_document():
    sentences = ["A storm destroyed the fishing boats in the harbour.",
                 "The fishing boats were old.", "The storm came at night.",
                 "Children played in the harbour.", "Nobody knew why."]
    scores = standardized_log_lexrank(sentences)
    assert np.argmax(scores) == 0
    assert scores.mean() == pytest.approx(0, abs=1e-9) and scores.std() == pytest.approx(1, 1e-4)
    assert standardized_log_lexrank([]).shape == (0,)
    np.testing.assert_array_equal(standardized_log_lexrank(["Alone."]), [0.0])
