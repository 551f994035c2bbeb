"""Sentence segmentation that works offline: text -> sentences with character spans.

nltk's pretrained punkt model is used when its data is installed. Without it (a fresh machine,
no download possible) the parameters that unsupervised Punkt learnt from a corpus the package
ships are used.
Line structure is honoured first: Markdown headings and list items, transcript turns
(``speaker: content``) and lines after a sentence-final mark always start a new sentence, while
hard-wrapped prose lines are joined and left to Punkt. A piece that starts in lowercase goes on
the sentence before it when that one ends on a quotation (``"Stop!" he shouted.``, which Punkt
cuts after the ``!``) or without a final mark (a line wrapped over a blank line).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from recsum.quirks import punkt_module

# A line that starts a unit of its own: Markdown heading, quote, list item, table row, or a
# transcript turn such as "Professor E: ..." or "A: ...". A heading also ends its unit.
_SPEAKER = r"[^\s:]{1,25}(?: [^\s:]{1,25}){0,3}: "
# A transcript turn: a speaker's name of up to four words, a colon, the words said.
TURN = re.compile(r"^" + _SPEAKER)
_LINE_START = re.compile(r"^\s*(#{1,6}\s|>|[-*+]\s|\d{1,3}[.)]\s|\||" + _SPEAKER + ")")
# A line that ends a sentence ends its unit: one sentence per line stays one sentence per line.
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*\s*$")
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
# A sentence that the next one, in lowercase, goes on: a quotation closed ('"Stop!" he
# shouted') or a line without a final mark (a title wrapped over a blank line).
_GOES_ON = re.compile(r"[\"'”’]$|[^.!?…\"'”’)\]]$")


def split_speaker(text: str) -> tuple[str, str]:
    """ "Grad C: " and the rest of a transcript turn; ``""`` and ``text`` for anything else."""
    match = TURN.match(text)
    speaker = match.group(0) if match else ""
    return speaker, text[len(speaker) :]


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence: its normalized text and its [start, end) character span in the source."""

    text: str
    start: int
    end: int


# Titles and abbreviations that precede a name or a number and never end a sentence there
# ("Hon. Andrew Scheer", "Sen. Brown"); Punkt learns only those its corpus happens to hold.
ABBREVIATIONS = frozenset(
    [
        "mr", "mrs", "ms", "mx", "dr", "prof", "hon", "rt", "sen", "rep", "gov", "pres", "supt",
        "messrs", "mme", "mlle", "rev", "fr", "sr", "jr", "st", "mt", "gen", "col", "capt", "lt",
        "maj", "cmdr", "adm", "brig", "sgt", "cpl", "pvt", "lieut", "insp", "det", "esq", "dept",
        "univ", "corp", "inc", "ltd", "co", "bros", "jan", "feb", "mar", "apr", "jun", "jul", "aug",
        "sep", "sept", "oct", "nov", "dec", "vs", "e.g", "i.e", "cf", "approx",
    ]
)


PARAMETERS = "punkt_parameters.json"


def learn_punkt_parameters(corpus: str) -> dict[str, list]:
    """What unsupervised Punkt learns from ``corpus`` (abbreviations, collocations, sentence
    starters, orthographic context), as JSON-ready lists in a fixed order."""
    trainer = punkt_module().PunktTrainer()
    trainer.INCLUDE_ALL_COLLOCS = True
    trainer.train(corpus, finalize=True)
    params = trainer.get_params()
    return {
        "abbrev_types": sorted(params.abbrev_types),
        "collocations": sorted(map(list, params.collocations)),
        "sent_starters": sorted(params.sent_starters),
        "ortho_context": sorted(map(list, params.ortho_context.items())),
    }


def write_punkt_parameters() -> None:
    """Relearn the shipped parameters from the shipped corpus (after editing the corpus)."""
    resource = resources.files("recsum.resources")
    learned = learn_punkt_parameters(resource.joinpath("punkt_corpus.txt").read_text("utf-8"))
    with resources.as_file(resource.joinpath(PARAMETERS)) as path:
        lines = (f"{json.dumps(key)}: {json.dumps(value)}" for key, value in learned.items())
        path.write_text("{\n" + ",\n".join(lines) + "\n}\n", encoding="utf-8")


@lru_cache(maxsize=1)
def _punkt():
    punkt = punkt_module()  # first: nltk's package must load through it
    try:
        from nltk.data import load

        tokenizer = load("tokenizers/punkt/english.pickle")
    except LookupError:
        # punkt data absent: the parameters learnt once from the shipped corpus (learning them
        # took 0.15-0.28 s of every start).
        learned = json.loads(resources.files("recsum.resources").joinpath(PARAMETERS)
                             .read_text("utf-8"))
        params = punkt.PunktParameters()
        params.abbrev_types = set(learned["abbrev_types"])
        params.collocations = set(map(tuple, learned["collocations"]))
        params.sent_starters = set(learned["sent_starters"])
        for word, context in learned["ortho_context"]:
            params.ortho_context[word] = context
        tokenizer = punkt.PunktSentenceTokenizer(params)
    tokenizer._params.abbrev_types.update(ABBREVIATIONS)
    return tokenizer


def _blocks(text: str, lines: bool) -> list[tuple[int, int]]:
    """Spans of paragraphs, split further where a line starts a unit of its own."""
    if lines:
        return [match.span() for match in re.finditer(r"[^\n]+", text)]
    spans: list[tuple[int, int]] = []
    paragraph_start = 0
    for match in [*_BLANK_LINE.finditer(text), None]:
        paragraph_end = match.start() if match else len(text)
        start = paragraph_start
        position = paragraph_start
        ends_unit = False
        for line in text[paragraph_start:paragraph_end].splitlines(keepends=True):
            if position > start and (ends_unit or _LINE_START.match(line)):
                spans.append((start, position))
                start = position
            ends_unit = line.lstrip().startswith("#") or bool(_SENTENCE_END.search(line))
            position += len(line)
        spans.append((start, paragraph_end))
        paragraph_start = match.end() if match else len(text)
    return spans


def split_sentences(text: str, *, lines: bool = False) -> list[Sentence]:
    """Split ``text`` into sentences, in order, each with its span in ``text``.

    Whitespace inside a sentence is collapsed to single spaces; empty pieces are dropped. With
    ``lines`` every line break ends a sentence: chunks and summaries are written one sentence
    per line, and splitting them again must give those sentences back.
    """
    punkt = _punkt()
    sentences: list[Sentence] = []
    for block_start, block_end in _blocks(text, lines):
        block = text[block_start:block_end]
        if not block.strip():
            continue
        # Across blocks only where the block does not start a unit of its own, and never
        # across the lines of a text written one sentence per line.
        across = not lines and not _LINE_START.match(block)
        for start, end in punkt.span_tokenize(block):
            start, end = block_start + start, block_start + end
            if not text[start:end].strip():
                continue
            if (sentences and (across or sentences[-1].start >= block_start)
                    and text[start:end].lstrip()[:1].islower()
                    and _GOES_ON.search(sentences[-1].text)):
                start = sentences.pop().start
            sentences.append(Sentence(" ".join(text[start:end].split()), start, end))
    return sentences
