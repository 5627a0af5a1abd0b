"""Snippets of a text the index recorded as plain: the same as those of the full normaliser."""

from hypothesis import given, settings
from hypothesis import strategies as st

from search import tokenize
from search.analysis import ChineseAnalyzer
from search.backends.highlight import Highlighter

ANALYZER = ChineseAnalyzer()
# Characters that take every path of the normaliser: simplified and traditional Chinese,
# full-width and ASCII letters, digits and punctuation, NFKC compatibility forms, line breaks.
ALPHABET = "中国重庆亿元增长港城據報經濟ＡＢａｂAbc１２12，,（）()①ﬁ \n"


def marks(text, terms, plain):
    highlighter = Highlighter(ANALYZER, terms, max_snippets=10)
    return highlighter.snippets(text, plain), highlighter.concordance(text, 5, plain)


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet=ALPHABET, max_size=60),
    st.lists(st.text(alphabet=ALPHABET, min_size=1, max_size=3), min_size=1, max_size=3),
)
def test_a_plain_texts_marks_are_the_full_normalisers(text, terms):
    if tokenize.is_plain(text):
        assert marks(text, terms, plain=True) == marks(text, terms, plain=False)


def test_marks_in_a_plain_text_with_full_width_and_capitals():
    text = "第一段\nGDP增长５.２%，中国（重庆）自贸区"
    assert tokenize.is_plain(text)
    snippets, _lines = marks(text, ["gdp", "5.2%", "中国(重庆)"], plain=True)
    assert [snippet.html for snippet in snippets] == [
        "<mark>GDP</mark>增长<mark>５.２%</mark>，<mark>中国（重庆）</mark>自贸区"
    ]
