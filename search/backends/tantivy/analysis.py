"""What the backend needs from a language: how to normalise and cut text.

The backend indexes every analysed text field twice:

- ``<field>``: words, fed as a ``tantivy.PreTokenizedString`` whose token
  offsets point into the original text. BM25 over words ranks the hits.
- ``<field>__g``: the exact-match stream, one plain string of
  whitespace-separated tokens that tantivy's whitespace tokenizer splits:
  every character and every character bigram of the normalised text, so that
  any substring is found with a phrase query over bigrams.

An analyser is any object with the methods of `Analyzer`. `SimpleAnalyzer`
works for space-separated languages and needs nothing beyond the standard
library; a project points the ``ANALYZER`` option at its own.
"""

import operator
import re
import unicodedata
from typing import NamedTuple, Protocol

SPACE = "␣"  # stands for a whitespace run, so that no gram contains whitespace
LINE_BREAK = " ¶ ¶ "


class Word(NamedTuple):
    text: str
    position: int
    start: int  # offsets into the original text
    end: int


class Analyzer(Protocol):
    def normalize(self, text: str) -> str: ...

    def normalize_with_offsets(self, text: str) -> tuple[str, list[int]]: ...

    def words(self, text: str, *, bulk: bool = False, factory=Word) -> list:
        """Words of ``text``, each made by ``factory(text, position, start, end)``."""

    def grams(self, text: str) -> str: ...

    def gram_phrase(self, text: str) -> list[tuple[int, str]]: ...

    def segment(self, text: str) -> list[str]: ...


_WHITESPACE = re.compile(r"\s+")
_WORD = re.compile(r"\w+")


class SimpleAnalyzer:
    """NFKC, case-folded words split on non-word characters; bigrams for exact matching."""

    def normalize(self, text):
        return unicodedata.normalize("NFKC", text).casefold()

    def normalize_with_offsets(self, text):
        pieces, offsets = [], []
        for index, char in enumerate(text):
            normal = self.normalize(char)
            pieces.append(normal)
            offsets.extend([index] * len(normal))
        offsets.append(len(text))
        return "".join(pieces), offsets

    def words(self, text, *, bulk=False, factory=Word):
        normal, offsets = self.normalize_with_offsets(text)
        return [
            factory(match[0], position, offsets[match.start()], offsets[match.end()])
            for position, match in enumerate(_WORD.finditer(normal))
        ]

    def grams(self, text):
        return gram_stream(self.normalize(text).split("\n"))

    def gram_phrase(self, text):
        return bigram_phrase(spaces_marked(self.normalize(text)))

    def segment(self, text):
        return _WORD.findall(self.normalize(text))


def gram_stream(lines):
    """Characters and bigrams of each line at positions 2i and 2i+1, lines kept apart.

    Two separator tokens stand between lines. A line of n characters is 2n - 1
    tokens, so after a single separator the next line would start exactly
    where its first character would be without the break, and a phrase that
    skips the bigram lost at the break ("ab" + "cd" as [(0, "ab"), (4, "cd")])
    would match across it. Two separators shift every later line by one
    position, its bigrams from odd to even positions or back; the bigrams of
    one phrase lie an even distance apart, so they can never straddle a break.
    """
    streams = []
    for line in lines:
        line = spaces_marked(line)
        if line:
            tokens = [""] * (2 * len(line) - 1)
            tokens[::2] = line  # character i at 2i
            tokens[1::2] = map(operator.add, line, line[1:])  # bigram i at 2i + 1
            streams.append(" ".join(tokens))
    return LINE_BREAK.join(streams)


def spaces_marked(text):
    """``text`` stripped, each whitespace run inside it replaced by SPACE."""
    return _WHITESPACE.sub(SPACE, text.strip())


def bigram_phrase(text):
    """The fewest bigrams (with relative positions in the gram stream) that spell ``text``."""
    if len(text) < 2:
        return [(0, text)] if text else []
    starts = list(range(0, len(text) - 1, 2))
    if starts[-1] != len(text) - 2:
        starts.append(len(text) - 2)
    return [(2 * start, text[start : start + 2]) for start in starts]
