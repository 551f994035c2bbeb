"""Other libraries' extractive summarizers, run on the same documents to the same word budget.

sumy's LexRank and TextRank read a document model built from the sentences every recsum system
reads (split and cleaned; sumy's tokenizer needs nltk's punkt data, which is absent offline);
its ranking is cut to the word budget the way recsum's baselines are (``kind = "sumy"``,
``method = "lexrank"`` or ``"textrank"``). bert-extractive-summarizer (``kind =
"bert-extractive"``) is given the embedded MiniLM model; it picks a number of sentences,
so it is asked for as many as fill the budget on average, and those that fit are kept whole.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence

from recsum.baselines.scoring import word_budget
from recsum.clean import readable_sentences
from recsum.errors import RecsumError
from recsum.length import Length, count_words, truncate_words
from recsum.quirks import import_bert_extractive
from recsum.segment import split_sentences
from recsum.select import select


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
    """sumy ``sentences_count`` callable: best-rated sentences first, skipping any that overflow
    (sumy hands them over best first; it restores document order itself)."""

    def count(infos):
        sizes = [count_words(str(info.sentence)) for info in infos]
        return [infos[i] for i in select([info.rating for info in infos], sizes, budget)]

    return count


def _sumy(method: str, max_words: int) -> Callable[[str], str]:
    from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence
    from sumy.nlp.stemmers import Stemmer
    from sumy.summarizers.lex_rank import LexRankSummarizer
    from sumy.summarizers.text_rank import TextRankSummarizer
    from sumy.utils import get_stop_words

    summarizer = (LexRankSummarizer if method == "lexrank" else TextRankSummarizer)(
        Stemmer("english"))
    summarizer.stop_words = get_stop_words("english")
    tokenizer = _WordTokenizer()

    def run(text: str) -> str:
        sentences = [Sentence(s.text, tokenizer) for s in readable_sentences(text)]
        document = ObjectDocumentModel([Paragraph(sentences)])
        chosen = summarizer(document, _within_budget(max_words))
        return "\n".join(str(s) for s in chosen)

    return run


class SumySystem:
    """sumy's LexRank or TextRank as a whole-document system."""

    def __init__(self, method: str = "lexrank") -> None:
        if method not in ("lexrank", "textrank"):
            raise RecsumError(f"unknown sumy method {method!r}; use lexrank or textrank")
        self.method = method
        self.name = f"sumy-{method}"

    def summarize_documents(self, documents: Sequence[str], length: Length, *,
                            references: Sequence[Sequence[str]] | None = None) -> list[str]:
        run = _sumy(self.method, word_budget(length))
        return [run(document) for document in documents]


class BertExtractiveSystem:
    """bert-extractive-summarizer over the embedded MiniLM; the sentences it picks that fit."""

    name = "bert-extractive"

    def __init__(self) -> None:
        Summarizer, SentenceHandler = import_bert_extractive()
        from transformers import AutoConfig, AutoModel, AutoTokenizer

        from recsum.summarizers import default_model_path

        class RecsumSentences(SentenceHandler):
            """The library's own length filter, over the same sentences recsum splits."""

            def process(self, body: str, min_length: int = 40,
                        max_length: int = 600) -> list[str]:
                return [s.text for s in readable_sentences(body)
                        if max_length > len(s.text) > min_length]

        path = default_model_path()
        config = AutoConfig.from_pretrained(path, output_hidden_states=True)
        model = AutoModel.from_pretrained(path, config=config, use_safetensors=True)
        tokenizer = AutoTokenizer.from_pretrained(path)
        self._summarizer = Summarizer(custom_model=model, custom_tokenizer=tokenizer,
                                      sentence_handler=RecsumSentences())

    def summarize_documents(self, documents: Sequence[str], length: Length, *,
                            references: Sequence[Sequence[str]] | None = None) -> list[str]:
        return [self._summarize(document, word_budget(length)) for document in documents]

    def _summarize(self, text: str, max_words: int) -> str:
        # It picks a number of sentences: as many as fill the budget on average; those that
        # fit are kept whole, one per line, as every other system's (the first cut if none).
        sentences = self._summarizer.sentence_handler(text)
        mean_words = sum(count_words(s) for s in sentences) / max(len(sentences), 1)
        wanted = max(1, math.ceil(max_words / max(mean_words, 1)))
        chosen = self._summarizer(text, num_sentences=wanted, return_as_list=True)
        kept, remaining = [], max_words
        for sentence in chosen:
            if count_words(sentence) <= remaining:
                kept.append(sentence)
                remaining -= count_words(sentence)
        return "\n".join(kept) if kept else truncate_words(chosen[0] if chosen else "", max_words)
