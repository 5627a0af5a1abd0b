"""Snippets and keyword-in-context lines, marked on the original characters.

Matching is exact-string matching after the analyser's normalisation, the
same rule the index uses, and the marks are mapped back through the
normaliser's offsets so that they land on the text as printed (traditional
characters, full-width brackets and all). A document is normalised once, as a
whole, and its matches are then sorted into lines (paragraphs).
"""

import bisect
import functools
import re
from dataclasses import dataclass
from html import escape  # what django.utils.html.escape does, without its lazy-string wrapper

_WHITESPACE = re.compile(r"[^\S\n]+")


@dataclass(frozen=True, slots=True)
class Snippet:
    line: int  # index of the line (paragraph) in the stored field
    html: str  # escaped text with <mark> around matches, "…" where cut
    matches: int


@dataclass(frozen=True, slots=True)
class Concordance:
    line: int
    left: str
    match: str
    right: str


@dataclass(frozen=True, slots=True)
class _Line:
    number: int
    text: str
    spans: list  # (start, end) of matches, relative to the line, merged
    distinct: int  # how many different terms match in the line


class Highlighter:
    def __init__(self, analyzer, terms, fragment_chars=120, max_snippets=3):
        self.analyzer = analyzer
        self.fragment_chars = fragment_chars
        self.max_snippets = max_snippets
        normal = {_WHITESPACE.sub(" ", analyzer.normalize(term)).strip() for term in terms}
        self.terms = sorted(filter(None, normal), key=len, reverse=True)

    def matching_lines(self, text, plain=False):
        """The lines of ``text`` that contain a term, in order, with their matches.

        ``plain``: the analyser's ``is_plain(text)`` is known to be true (an index recorded
        it), so its cheaper ``normalize_plain`` gives the normalised text, every character in
        its place.
        """
        if not self.terms:
            return []
        quick = getattr(self.analyzer, "normalize_plain", None) if plain else None
        if quick is not None:
            normal, offsets = quick(text), range(len(text) + 1)
        else:
            normal, offsets = self.analyzer.normalize_with_offsets(text)
        found = {}  # line number -> ([(start, end)], {terms})
        starts = _line_starts(text)
        for term in self.terms:
            position = normal.find(term)
            while position != -1:
                start, end = offsets[position], offsets[position + len(term)]
                number = bisect.bisect_right(starts, start) - 1
                spans, terms = found.setdefault(number, ([], set()))
                spans.append((start - starts[number], end - starts[number]))
                terms.add(term)
                position = normal.find(term, position + 1)
        lines = text.split("\n")
        return [
            _Line(number, lines[number], _merge(spans), len(terms))
            for number, (spans, terms) in sorted(found.items())
        ]

    def snippets(self, text, plain=False):
        """The best lines of ``text`` (most distinct terms, then most matches), as snippets."""
        best_first = sorted(
            self.matching_lines(text, plain),
            key=lambda line: (-line.distinct, -len(line.spans), line.number),
        )
        return [
            Snippet(line.number, self._fragment(line.text, line.spans), len(line.spans))
            for line in best_first[: self.max_snippets]
        ]

    def lead(self, text):
        """A plain fragment from the start of ``text``, for hits with no visible match."""
        first = next((line for line in text.split("\n") if line.strip()), "")
        return Snippet(0, self._fragment(first, []), 0)

    def concordance(self, text, width=30, plain=False):
        """Every match with ``width`` characters of context on each side."""
        return [
            Concordance(
                line.number,
                line.text[max(0, start - width) : start],
                line.text[start:end],
                line.text[end : end + width],
            )
            for line in self.matching_lines(text, plain)
            for start, end in line.spans
        ]

    def _fragment(self, line, spans):
        if len(line) <= self.fragment_chars:
            begin, end = 0, len(line)
        else:
            first = spans[0][0] if spans else 0
            begin = max(0, min(first - self.fragment_chars // 4, len(line) - self.fragment_chars))
            end = begin + self.fragment_chars
        parts = ["…"] if begin > 0 else []
        position = begin
        for start, stop in spans:
            if stop <= begin or start >= end:
                continue
            start, stop = max(start, begin), min(stop, end)
            parts.append(escape(line[position:start]))
            parts.append(f"<mark>{escape(line[start:stop])}</mark>")
            position = stop
        parts.append(escape(line[position:end]))
        if end < len(line):
            parts.append("…")
        return "".join(parts)


class MarksText:
    """A backend's snippets, leads and keyword in context, on the original characters (the
    capabilities of search/capabilities.py). The backend has ``analyzer`` and ``compiler``."""

    def snippets(self, text, terms, plain=False, **options):
        """The best lines of ``text`` for ``terms``, as `Snippet` (line, html, matches);
        ``plain`` as in `Highlighter.matching_lines`."""
        return _highlighter(self.analyzer, tuple(terms), **options).snippets(text, plain)

    def lead(self, text, **options):
        return _highlighter(self.analyzer, (), **options).lead(text)

    def concordance(self, text, terms, width=30, plain=False):
        """Every match of ``terms`` in ``text`` with ``width`` characters on each side."""
        return _highlighter(self.analyzer, tuple(terms)).concordance(text, width, plain)

    def highlight_terms(self, query):
        """The exact strings a query's positive terms match, as snippets should mark them."""
        return self.compiler.compile(query).highlight_terms

    def result_highlighter(self, highlight, terms):
        """For haystack's ``highlight`` search option (True, or a dict of options): a
        `Highlighter`, or None when the search asked for none."""
        if not highlight:
            return None
        options = highlight if isinstance(highlight, dict) else {}
        options = {
            key: options[key] for key in ("fragment_chars", "max_snippets") if key in options
        }
        return Highlighter(self.analyzer, terms, **options)

    def highlighted(self, highlighter, fields):
        """haystack's ``highlighted`` entry of a result: snippets of its document field."""
        text = fields.get(self.content_field, "") or ""
        snippets = highlighter.snippets(text) or [highlighter.lead(text)]
        return {self.content_field: [snippet.html for snippet in snippets]}


# A page asks for the snippets of each of its hits with the same terms: the highlighter, and the
# terms it normalised, serve them all. Highlighters keep nothing between texts.
@functools.lru_cache(maxsize=128)
def _highlighter(analyzer, terms, fragment_chars=120, max_snippets=3):
    return Highlighter(analyzer, terms, fragment_chars=fragment_chars, max_snippets=max_snippets)


def _line_starts(text):
    starts = [0]
    position = text.find("\n")
    while position != -1:
        starts.append(position + 1)
        position = text.find("\n", position + 1)
    return starts


def _merge(spans):
    merged = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged
