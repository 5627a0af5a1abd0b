"""What a backend needs from a language: how to normalise and cut text.

Every engine of this project indexes each analysed text field twice, from the same streams:

- ``<field>__w``: words, joined by spaces (``word_stream``) for the engine's whitespace
  tokenizer to split again, which rank the hits. Ranking needs no positions, and highlights
  find their offsets by analysing the few texts shown again (search/backends/highlight.py), so
  none are computed for the index;
- ``<field>__g``: the exact-match stream, one plain string of whitespace-separated tokens
  that the engine's whitespace tokenizer splits: every character and every character bigram
  of the normalised text, so that any substring is found with a phrase query over bigrams,
  and two strings near each other with a phrase query over both (`near_phrases`). Marker
  tokens stand at the start and the end of each value (``startswith``, ``endswith``) and
  between its lines; text can never produce them, since every other token is one or two
  characters long.

An analyser is any object with the methods of `Analyzer`. `SimpleAnalyzer`
works for space-separated languages and needs nothing beyond the standard
library; a project points the ``ANALYZER`` option at its own.
"""

import functools
import operator
import re
import unicodedata
from collections.abc import Sequence
from typing import NamedTuple, Protocol

SPACE = "␣"  # stands for a whitespace run, so that no gram contains whitespace
VALUE_START = "<^>"
VALUE_END = "<$>"
# Line breaks are runs of this token, which the gram tokenizer drops (see GRAM_STOP_WORDS):
# each one costs a position and no posting.
LINE_BREAK = "<br>"
GRAM_STOP_WORDS = (LINE_BREAK,)
# The largest gap, in characters, that `near_phrases` answers exactly.  The positions a line
# break takes grow with it (see gram_stream).
MAX_NEAR_DISTANCE = 20
_BREAK_TOKENS = 2 * MAX_NEAR_DISTANCE + 2
_BREAK = " " + " ".join([LINE_BREAK] * _BREAK_TOKENS) + " "


class Word(NamedTuple):
    text: str
    position: int
    start: int  # offsets into the original text
    end: int


class Analyzer(Protocol):
    def normalize(self, text: str) -> str: ...

    def normalize_with_offsets(self, text: str) -> tuple[str, Sequence[int]]: ...

    # Optional, for analysers whose normalisation is costly (search.analysis):
    # ``is_plain(text)``, true when normalising changes the text in width and case only, one
    # character for one, and ``normalize_plain(text)``, that cheaper normalisation. An index
    # records is_plain of a document (ArticleIndex.text_is_plain), and its snippets use
    # normalize_plain (search/backends/highlight.py).

    def words(self, text: str, *, bulk: bool = False) -> list[Word]:
        """Words of ``text``, with their positions and their offsets in ``text``.

        ``bulk`` asks for the analyser's fastest tokeniser (documents being indexed); the
        words must be the same either way.
        """

    def word_stream(self, values: list[str]) -> str:
        """The words of a field's values (the texts of `words`, in order) joined by spaces."""

    def grams(self, values: list[str]) -> str:
        """The exact-match stream of a field's values (see `gram_stream`)."""

    def gram_phrase(self, text: str, start: bool = False, end: bool = False) -> list:
        """(position, token) pairs that spell ``text``, tied to a value's start or end if asked."""

    def near_phrases(self, first: str, second: str, distance: int) -> list:
        """(phrase, slop) pairs whose union finds ``first`` and ``second`` near each other
        (see `near_phrases`)."""

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

    def words(self, text, *, bulk=False):
        normal, offsets = self.normalize_with_offsets(text)
        return [
            Word(match[0], position, offsets[match.start()], offsets[match.end()])
            for position, match in enumerate(_WORD.finditer(normal))
        ]

    def word_stream(self, values):
        return " ".join(word for value in values for word in self.segment(value))

    def grams(self, values):
        return gram_stream(self.normalize(value) for value in values)

    def gram_phrase(self, text, start=False, end=False):
        return anchored_phrase(spaces_marked(self.normalize(text)), start=start, end=end)

    def near_phrases(self, first, second, distance):
        return near_phrases(
            spaces_marked(self.normalize(first)), spaces_marked(self.normalize(second)), distance
        )

    def segment(self, text):
        return _WORD.findall(self.normalize(text))


def gram_stream(values):
    """Characters and bigrams of each line of each value, with markers, as one token stream.

    Within a line, character i stands at 2i and bigram i at 2i + 1. Each value is wrapped in
    VALUE_START and VALUE_END, and a run of LINE_BREAK tokens (an even number, T) stands
    between lines and between values. Two rules follow from the positions:

    - An exact phrase never straddles a break. A line of n characters is 2n - 1 tokens, so
      after a single separator the next line would start exactly where its first character
      would be without the break, and a phrase that skips the bigram lost at the break
      ("ab" + "cd" as [(0, "ab"), (4, "cd")]) would match across it. An even run (T, or
      T + 2 tokens between values) shifts every later line by an odd number of positions,
      its bigrams from odd to even positions or back; the tokens of one phrase keep the
      parity they have within a line, so they can never straddle a break.
    - A near phrase (`near_phrases`) lets the gap between its two strings vary by up to
      2 * MAX_NEAR_DISTANCE positions. Across one break the parity rule no longer holds for
      a slop window, and across two breaks it never does; a break of T = 2 * MAX + 2
      positions puts the next line out of reach of any window.
    """
    streams = []
    for value in values:
        lines = [_marked_line_grams(line) for line in value.split("\n")]
        lines = [line for line in lines if line]
        if lines:
            streams.append(f"{VALUE_START} {_BREAK.join(lines)} {VALUE_END}")
    return _BREAK.join(streams)


# Lines repeat from one document to the next (an article's title in each of its figures'
# documents, a sentence holding several figures): the last few are remembered.
@functools.lru_cache(maxsize=512)
def _marked_line_grams(line):
    return _line_grams(spaces_marked(line))


def _line_grams(line):
    if not line:
        return ""
    tokens = [""] * (2 * len(line) - 1)
    tokens[::2] = line  # character i at 2i
    tokens[1::2] = map(operator.add, line, line[1:])  # bigram i at 2i + 1
    return " ".join(tokens)


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


def near_phrases(first, second, distance):
    """(phrase, slop) pairs whose union finds two normalised strings near each other.

    "Near" means both occur in one line, without overlapping, in either order, with at most
    ``distance`` characters between them. A string of one or two characters is one token, and
    one phrase with slop finds it at every allowed gap: tantivy lets each term of a sloppy
    phrase stand up to ``slop`` positions before or after its place, and the place is set in
    the middle of the window. A longer string is several tokens, which a slop would let
    drift apart as well, so every gap gets an exact phrase of its own.
    """
    if not 0 <= distance <= MAX_NEAR_DISTANCE:
        raise ValueError(f"distance must be between 0 and {MAX_NEAR_DISTANCE}")
    phrases = []
    for before, after in ((first, second), (second, first)):
        head, tail = bigram_phrase(before), bigram_phrase(after)
        if not head or not tail:
            return []
        # Bigram i stands at 2i + 1, character i at 2i: from the first token of ``before``
        # to that of ``after`` with no gap.
        offset = 2 * len(before) + (len(after) > 1) - (len(before) > 1)
        if len(head) == len(tail) == 1:
            middle = offset + distance  # the window is [offset, offset + 2 * distance]
            phrases.append(([*head, (middle, tail[0][1])], distance))
        else:
            for gap in range(distance + 1):
                shift = offset + 2 * gap
                phrases.append((head + [(shift + position, gram) for position, gram in tail], 0))
    return phrases


def anchored_phrase(text, start=False, end=False):
    """`bigram_phrase` of ``text`` tied to the start and/or the end of a value."""
    phrase = bigram_phrase(text)
    if not phrase:
        return []
    if start:
        # The first character follows VALUE_START, and bigram 0 stands one position after it.
        shift = 2 if len(text) > 1 else 1
        phrase = [(0, VALUE_START)] + [(position + shift, gram) for position, gram in phrase]
    if end:
        last = phrase[-1][0]
        phrase.append((last + (2 if len(text) > 1 else 1), VALUE_END))
    return phrase
