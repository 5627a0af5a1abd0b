"""Snippets and keyword-in-context lines, marked on the original characters.

Matching is exact-string matching after the analyser's normalisation, the
same rule the index uses, and the marks are mapped back through the
normaliser's offsets so that they land on the text as printed (traditional
characters, full-width brackets and all).
"""

import re
from dataclasses import dataclass

from django.utils.html import escape

_WHITESPACE = re.compile(r"\s+")


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


class Highlighter:
    def __init__(self, analyzer, terms, fragment_chars=120, max_snippets=3):
        self.analyzer = analyzer
        self.fragment_chars = fragment_chars
        self.max_snippets = max_snippets
        normal = {_WHITESPACE.sub(" ", analyzer.normalize(term)).strip() for term in terms}
        # Longest first, so that a longer term wins where two overlap.
        self.terms = sorted(filter(None, normal), key=len, reverse=True)

    def spans(self, line):
        """Merged (start, end, distinct terms) of matches in ``line``, in original offsets."""
        if not self.terms:
            return [], 0
        normal, offsets = self.analyzer.normalize_with_offsets(line)
        normal = normal.replace("\n", " ")
        found, distinct = [], 0
        for term in self.terms:
            start = normal.find(term)
            if start != -1:
                distinct += 1
            while start != -1:
                found.append((offsets[start], offsets[start + len(term)]))
                start = normal.find(term, start + 1)
        return _merge(found), distinct

    def snippets(self, text):
        """The best lines of ``text`` (most distinct terms, then most matches), as snippets."""
        scored = []
        for number, line in enumerate(text.split("\n")):
            spans, distinct = self.spans(line)
            if spans:
                scored.append((-distinct, -len(spans), number, line, spans))
        scored.sort()
        return [
            Snippet(number, self._fragment(line, spans), len(spans))
            for _distinct, _count, number, line, spans in scored[: self.max_snippets]
        ]

    def lead(self, text):
        """A plain fragment from the start of ``text``, for hits with no visible match."""
        first = next((line for line in text.split("\n") if line.strip()), "")
        return Snippet(0, self._fragment(first, []), 0)

    def concordance(self, text, width=30):
        """Every match with ``width`` characters of context on each side."""
        lines = []
        for number, line in enumerate(text.split("\n")):
            spans, _distinct = self.spans(line)
            for start, end in spans:
                lines.append(
                    Concordance(
                        number,
                        line[max(0, start - width) : start],
                        line[start:end],
                        line[end : end + width],
                    )
                )
        return lines

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


def _merge(spans):
    merged = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged
