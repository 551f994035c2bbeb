"""What the trained part summarizer knows of a sentence besides its vector: cheap features.

For every sentence of a document read in chunks: where it stands (in the document and in its
chunk), how long it is, how close its vector lies to its chunk's and to the document's, whether
it opens a speaker's turn, and how common its content words are in the document. Each feature
is scaled to about [0, 1]; :data:`FEATURES` names them in order, and a trained scorer's config
records that list, so features are never matched up by position alone.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain, pairwise

import numpy as np

from recsum.resources import stopwords
from recsum.segment import TURN
from recsum.select import QUOTES

FEATURES = (
    "position",  # sentence index / sentences in the document
    "char_position",  # character offset / document length
    "log_index",  # log(1 + index): the first sentences apart from the rest
    "position_in_chunk",
    "first_in_chunk",
    "log_words",
    "fragment",  # three words or fewer
    "words",  # capped at 60
    "chunk_similarity",  # cosine to the centroid of its chunk's sentences
    "document_similarity",  # cosine to the centroid of the document's sentences
    "document_rank",  # rank of that similarity among the document's sentences
    "turn",  # opens a speaker's turn ("Grad C: ...")
    "transcript",  # share of the document's sentences that open a turn
    "quote",  # opens with a quotation mark
    "log_sentences",  # log of the document's sentence count
    "term_mean",  # document frequency of its content words (log), mean
    "term_max",  # and max
    "content_share",  # content words / words
    "names",  # capitalized words after the first (names, places), capped at 10
    "term_sum",  # summed document frequency of its content words (log)
)
# What a query-focused scorer sees besides: how the sentence bears on the query.
QUERY_FEATURES = (
    "query_similarity",  # cosine of the sentence's vector to the query's
    "query_rank",  # rank of that similarity among the document's sentences
    "query_above_mean",  # similarity less the document's mean similarity
    "query_chunk_max",  # the best similarity in the sentence's chunk: does the part bear on it?
    "query_neighbours",  # mean similarity of the sentences just before and after
    "query_terms",  # share of the query's content words that the sentence contains
)
_WORD = re.compile(r"[A-Za-z][A-Za-z']+")


@dataclass(frozen=True)
class DocumentSentences:
    """A document's sentences as the scorer sees them: texts, source offsets, and the chunk
    that read each one."""

    texts: Sequence[str]
    starts: Sequence[int]
    document_length: int  # characters
    chunk_of: np.ndarray  # chunk index of each sentence, non-decreasing


def sentence_features(document: DocumentSentences, vectors: np.ndarray) -> np.ndarray:
    """A (sentences, len(FEATURES)) float32 array; ``vectors`` are unit-length rows."""
    count = len(document.texts)
    out = np.empty((count, len(FEATURES)), dtype=np.float32)
    # The term statistics first, alone: their per-sentence word lists are the largest
    # temporaries here, and a long document's vectors are all held while they are made.
    _put(out, FEATURES, _term_columns(document.texts))
    index = np.arange(count)
    words = np.array([len(text.split()) for text in document.texts], dtype=np.float32)
    centroid = _unit(vectors.mean(0))
    document_similarity = vectors @ centroid
    chunk_similarity = np.zeros(count, dtype=np.float32)
    position_in_chunk = np.zeros(count, dtype=np.float32)
    first_in_chunk = np.zeros(count, dtype=np.float32)
    for chunk in np.unique(document.chunk_of):
        rows = np.flatnonzero(document.chunk_of == chunk)
        chunk_similarity[rows] = vectors[rows] @ _unit(vectors[rows].mean(0))
        position_in_chunk[rows] = np.arange(len(rows)) / max(len(rows) - 1, 1)
        first_in_chunk[rows[0]] = 1.0
    turn = np.array([bool(TURN.match(text)) for text in document.texts], dtype=np.float32)
    _put(out, FEATURES, {
        "position": index / count,
        "char_position": np.asarray(document.starts) / max(document.document_length, 1),
        "log_index": np.log1p(index) / 8,
        "position_in_chunk": position_in_chunk,
        "first_in_chunk": first_in_chunk,
        "log_words": np.log1p(words) / 4,
        "fragment": (words <= 3).astype(np.float32),
        "words": np.minimum(words, 60) / 60,
        "chunk_similarity": chunk_similarity,
        "document_similarity": document_similarity,
        "document_rank": np.argsort(np.argsort(-document_similarity)) / count,
        "turn": turn,
        "transcript": np.full(count, turn.mean()),
        "quote": np.array([text[:1] in QUOTES for text in document.texts], dtype=np.float32),
        "log_sentences": np.full(count, np.log(count) / 8),
    })
    return out


def query_features(document: DocumentSentences, vectors: np.ndarray, query: str,
                   query_vector: np.ndarray) -> np.ndarray:
    """A (sentences, len(QUERY_FEATURES)) float32 array; ``query_vector`` is unit length."""
    count = len(document.texts)
    similarity = vectors @ query_vector
    chunk_max = np.zeros(count, dtype=np.float32)
    for chunk in np.unique(document.chunk_of):
        rows = document.chunk_of == chunk
        chunk_max[rows] = similarity[rows].max()
    padded = np.concatenate([similarity[:1], similarity, similarity[-1:]])
    stop = stopwords()
    wanted = {w.lower() for w in _WORD.findall(query)} - stop
    terms = np.array([len(wanted & {w.lower() for w in _WORD.findall(text)}) / len(wanted)
                      if wanted else 0.0 for text in document.texts])
    columns = {
        "query_similarity": similarity,
        "query_rank": np.argsort(np.argsort(-similarity)) / count,
        "query_above_mean": similarity - similarity.mean(),
        "query_chunk_max": chunk_max,
        "query_neighbours": (padded[:-2] + padded[2:]) / 2,
        "query_terms": terms,
    }
    out = np.empty((count, len(QUERY_FEATURES)), dtype=np.float32)
    _put(out, QUERY_FEATURES, columns)
    return out


def _term_columns(texts: Sequence[str]) -> dict[str, np.ndarray]:
    """How often a sentence's content words recur across the document's sentences."""
    stop = stopwords()
    vocabulary: dict[str, int] = {}
    columns = {name: np.zeros(len(texts), dtype=np.float32)
               for name in ("term_mean", "term_max", "content_share", "names", "term_sum")}
    # Every sentence's content words as vocabulary numbers, not as the words (for the 248k
    # words of SQuALITY train as one document, 5 MB at the peak instead of 26, by tracemalloc),
    # all in one array, with the offset where each sentence's words end: an array per sentence
    # took 8 MB at the peak for 512k words, one array 5 MB.
    content = array("i")
    ends = array("q")
    for row, text in enumerate(texts):
        words = _WORD.findall(text)
        begin = len(content)
        content.extend(vocabulary.setdefault(w, len(vocabulary)) for w in
                       (word.lower() for word in words) if w not in stop)
        ends.append(len(content))
        columns["content_share"][row] = (len(content) - begin) / max(len(words), 1)
        columns["names"][row] = min(sum(w[0].isupper() for w in words[1:]), 10) / 10
    frequency = [0] * len(vocabulary)  # sentences that hold each word
    for begin, end in pairwise(chain((0,), ends)):
        for word in set(content[begin:end]):
            frequency[word] += 1
    for row, (begin, end) in enumerate(pairwise(chain((0,), ends))):
        kept = content[begin:end]
        weights = np.log1p([frequency[word] for word in kept]) if kept else np.zeros(1)
        columns["term_mean"][row] = weights.mean() / 5
        columns["term_max"][row] = weights.max() / 5
        columns["term_sum"][row] = weights.sum() / 50
    return columns


def _put(out: np.ndarray, names: Sequence[str], columns: dict[str, np.ndarray]) -> None:
    """Each of ``columns`` into the column of ``out`` that ``names`` gives it, rounded to
    float32 once: as stacking every column in float64 and casting did, without that copy."""
    for name, column in columns.items():
        out[:, names.index(name)] = column


def _unit(vector: np.ndarray) -> np.ndarray:
    return vector / max(float(np.linalg.norm(vector)), 1e-12)
