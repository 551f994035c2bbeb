"""Other extractive summarizers, run on the same documents to the same word budget.

sumy's LexRank and TextRank read a document model built from the sentences every recsum system
reads (split and cleaned; sumy's tokenizer needs nltk's punkt data, which is absent offline);
its ranking is cut to the word budget the way recsum's baselines are. As a system (``kind =
"sumy"``, ``method = "lexrank"`` or ``"textrank"``) it runs in pipelines beside recsum's own.
bert-extractive-summarizer is given the embedded MiniLM model; it picks a number of sentences,
so it is asked for as many as fill the budget on average and its output is cut to the budget.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence

from recsum.baselines.scoring import word_budget
from recsum.clean import readable_sentences
from recsum.errors import RecsumError
from recsum.length import Length, count_words, truncate_words
from recsum.quirks import import_bert_extractive, punkt_module
from recsum.segment import split_sentences

PEERS = ("sumy-lexrank", "sumy-textrank", "bert-extractive")
PeerSummarizer = Callable[[str], str]


class _WordTokenizer:
    """sumy's tokenizer interface without nltk data: words are runs of letters and digits."""

    language = "english"

    @staticmethod
    def to_words(sentence: str) -> list[str]:
        return re.findall(r"\w+", sentence)

    @staticmethod
    def to_sentences(paragraph: str) -> list[str]:
        return [s.text for s in split_sentences(paragraph)]


def _within_budget(budget: int):
    """sumy ``sentences_count`` callable: best-rated sentences first, skipping any that overflow."""

    def count(infos):
        kept, remaining = [], budget
        for info in infos:
            size = count_words(str(info.sentence))
            if size <= remaining:
                kept.append(info)
                remaining -= size
        return kept

    return count


def _sumy(kind: str, max_words: int) -> PeerSummarizer:
    from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence
    from sumy.nlp.stemmers import Stemmer
    from sumy.summarizers.lex_rank import LexRankSummarizer
    from sumy.summarizers.text_rank import TextRankSummarizer
    from sumy.utils import get_stop_words

    summarizer = (LexRankSummarizer if kind == "sumy-lexrank" else TextRankSummarizer)(
        Stemmer("english"))
    summarizer.stop_words = get_stop_words("english")
    tokenizer = _WordTokenizer()

    def run(text: str) -> str:
        sentences = [Sentence(s.text, tokenizer) for s in readable_sentences(text)]
        document = ObjectDocumentModel([Paragraph(sentences)])
        chosen = summarizer(document, _within_budget(max_words))
        return "\n".join(str(s) for s in chosen)

    return run


def _bert_extractive(max_words: int) -> PeerSummarizer:
    Summarizer, SentenceHandler = import_bert_extractive()
    from transformers import AutoConfig, AutoModel, AutoTokenizer

    from recsum.summarizers import default_model_path

    class RecsumSentences(SentenceHandler):
        """The library's own length filter, over the same sentences recsum splits."""

        def process(self, body: str, min_length: int = 40, max_length: int = 600) -> list[str]:
            return [s.text for s in readable_sentences(body)
                    if max_length > len(s.text) > min_length]

    path = default_model_path()
    config = AutoConfig.from_pretrained(path, output_hidden_states=True)
    model = AutoModel.from_pretrained(path, config=config, use_safetensors=True)
    tokenizer = AutoTokenizer.from_pretrained(path)
    summarizer = Summarizer(custom_model=model, custom_tokenizer=tokenizer,
                            sentence_handler=RecsumSentences())

    def run(text: str) -> str:
        sentences = summarizer.sentence_handler(text)
        mean_words = sum(count_words(s) for s in sentences) / max(len(sentences), 1)
        wanted = max(1, math.ceil(max_words / max(mean_words, 1)))
        return truncate_words(summarizer(text, num_sentences=wanted), max_words)

    return run


def build_peer(name: str, max_words: int) -> PeerSummarizer:
    """A function that summarizes one document with peer ``name`` to ``max_words`` words."""
    if name == "bert-extractive":
        return _bert_extractive(max_words)
    return _sumy(name, max_words)


class SumySystem:
    """sumy's LexRank or TextRank as a whole-document :class:`~recsum.evaluation.systems.System`."""

    def __init__(self, method: str = "lexrank") -> None:
        if method not in ("lexrank", "textrank"):
            raise RecsumError(f"unknown sumy method {method!r}; use lexrank or textrank")
        self.name = f"sumy-{method}"

    def summarize_documents(self, documents: Sequence[str], length: Length, *,
                            references: Sequence[Sequence[str]] | None = None) -> list[str]:
        run = _sumy(self.name, word_budget(length))
        return [run(document) for document in documents]


def main(argv: list[str] | None = None) -> int:
    """``python -m recsum.bench.peers NAME MAX_WORDS FILE...``: each file's summary by peer
    ``NAME``, a blank line between them; the peer's whole process is what
    :mod:`recsum.bench.processes` times against ``recsum summarize``."""
    import argparse
    from pathlib import Path

    parser = argparse.ArgumentParser(prog="python -m recsum.bench.peers")
    parser.add_argument("name", choices=PEERS)
    parser.add_argument("max_words", type=int)
    parser.add_argument("files", nargs="+")
    args = parser.parse_args(argv)
    # nltk loaded as recsum loads it, without SciPy and scikit-learn: sumy's stemmer imports
    # nltk, and its full import (1 s here) would count against the peer, not its method.
    punkt_module()
    summarize = build_peer(args.name, args.max_words)
    for name in args.files:
        print(summarize(Path(name).read_text(encoding="utf-8")) + "\n", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
