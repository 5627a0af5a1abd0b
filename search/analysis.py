"""The Chinese analyser the search backends use (see search.backends.analysis)."""

from . import tokenize
from .backends.analysis import anchored_phrase, gram_stream, near_phrases, spaces_marked


class ChineseAnalyzer:
    """jieba words for ranking; characters and bigrams of the normalised text for exact strings.

    Normalisation (NFKC, case folding, traditional to simplified) applies to
    matching only: offsets map every token back to the text as printed.
    """

    def normalize(self, text):
        return tokenize.normalize(text)

    def normalize_with_offsets(self, text):
        normal = tokenize.normalize_with_offsets(text)
        return normal.text, normal.offsets

    def is_plain(self, text):
        return tokenize.is_plain(text)

    def normalize_plain(self, text):
        return tokenize.plain_normalize(text)

    def words(self, text, *, bulk=False):
        return tokenize.words(text, fast=bulk and tokenize.fast_available())

    def word_stream(self, values):
        fast = tokenize.fast_available()
        return " ".join(filter(None, (tokenize.word_text(value, fast=fast) for value in values)))

    def grams(self, values):
        return gram_stream(tokenize.normalize(value) for value in values)

    def gram_phrase(self, text, start=False, end=False):
        return anchored_phrase(spaces_marked(tokenize.normalize(text)), start=start, end=end)

    def near_phrases(self, first, second, distance):
        return near_phrases(
            spaces_marked(tokenize.normalize(first)),
            spaces_marked(tokenize.normalize(second)),
            distance,
        )

    def segment(self, text):
        return tokenize.segment(text)
