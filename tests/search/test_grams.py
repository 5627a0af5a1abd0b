"""Exact-match grams (search.analysis): the stream, the phrase, and a real tantivy index."""

import random
from itertools import pairwise, product
from pathlib import Path

import pytest
import tantivy

from search.analysis import ChineseAnalyzer
from search.tokenize import normalize
from tests.search.test_tokenize import seed_paragraphs

analyzer = ChineseAnalyzer()
grams = analyzer.grams
gram_phrase = analyzer.gram_phrase


# --- grams ------------------------------------------------------------------------------------


def test_grams_interleave_characters_and_bigrams():
    assert grams("中新互联") == "中 中新 新 新互 互 互联 联"
    assert grams("中") == "中"


def test_grams_separate_paragraphs_and_skip_empty_lines():
    assert grams("ab\ncd") == "a ab b ¶ ¶ c cd d"
    assert grams("\n\n ab \n\n\t\n cd\n") == "a ab b ¶ ¶ c cd d"
    assert grams("a\nb\nc") == "a ¶ ¶ b ¶ ¶ c"
    assert grams("") == ""


def test_grams_mark_whitespace_runs_inside_a_line():
    tokens = grams("首席记者 杨骏").split(" ")
    assert "者␣" in tokens
    assert "␣杨" in tokens
    assert grams("a \t b") == "a a␣ ␣ ␣b b"


def test_grams_are_normalised():
    assert grams("ＯＤ") == "o od d"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("中新互联", [(0, "中新"), (4, "互联")]),
        ("中新互", [(0, "中新"), (2, "新互")]),
        ("新", [(0, "新")]),
        ("中新互联互", [(0, "中新"), (4, "互联"), (6, "联互")]),
        (" 记者  杨骏 ", [(0, "记者"), (4, "␣杨"), (6, "杨骏")]),
        ("", []),
        ("  ", []),
    ],
)
def test_gram_phrase(query, expected):
    assert gram_phrase(query) == expected


def test_gram_phrase_normalises_like_grams():
    assert gram_phrase("中国（重庆）") == gram_phrase("中国(重庆)")
    assert gram_phrase("陸海") == [(0, "陆海")]


# --- exact matching in tantivy ----------------------------------------------------------------


class GramIndex:
    """A real tantivy index with one whitespace-tokenised grams field, as the backend builds it."""

    def __init__(self, path: Path, texts: list[str]) -> None:
        builder = tantivy.SchemaBuilder()
        builder.add_integer_field("id", stored=True, indexed=True)
        builder.add_text_field("g", tokenizer_name="ws")
        self.schema = builder.build()
        self.index = tantivy.Index(self.schema, path=str(path))
        analyzer = tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace()).build()
        self.index.register_tokenizer("ws", analyzer)
        writer = self.index.writer(num_threads=1)
        for number, text in enumerate(texts):
            writer.add_document(tantivy.Document(id=number, g=grams(text)))
        writer.commit()
        writer.wait_merging_threads()
        self.index.reload()
        self.searcher = self.index.searcher()

    def find(self, text: str) -> set[int]:
        phrase = gram_phrase(text)
        if len(phrase) == 1:
            query = tantivy.Query.term_query(self.schema, "g", phrase[0][1])
        else:
            query = tantivy.Query.phrase_query(self.schema, "g", phrase)
        hits = self.searcher.search(query, limit=100).hits
        return {self.searcher.doc(address)["id"][0] for _, address in hits}


@pytest.fixture(scope="module")
def seed_documents() -> list[str]:
    """The seed's paragraphs, three to a document, so that documents have paragraph breaks."""
    paragraphs = seed_paragraphs()
    return ["\n".join(paragraphs[i : i + 3]) for i in range(0, len(paragraphs), 3)]


@pytest.fixture(scope="module")
def gram_index(tmp_path_factory, seed_documents) -> GramIndex:
    return GramIndex(tmp_path_factory.mktemp("grams"), seed_documents)


def test_every_substring_is_found(gram_index, seed_documents):
    checked = 0
    for number, document in enumerate(seed_documents[:4]):
        for paragraph in document.split("\n"):
            for length in range(1, 7):
                for start in range(len(paragraph) - length + 1):
                    substring = paragraph[start : start + length]
                    if substring.strip():
                        assert number in gram_index.find(substring), substring
                        checked += 1
    assert checked > 3000


@pytest.mark.parametrize(
    "substring", ["中新互联", "保税航材分拨", "首席记者 杨骏", "ODLP", "（重慶）"]
)
def test_substrings_across_jieba_words_are_found(gram_index, seed_documents, substring):
    expected = {i for i, d in enumerate(seed_documents) if normalize(substring) in normalize(d)}
    assert expected
    assert gram_index.find(substring) == expected


@pytest.mark.parametrize("absent", ["重庆新加坡", "互通联", "中新互通联", "航材保税"])
def test_strings_not_in_the_text_are_not_found(gram_index, seed_documents, absent):
    assert not any(absent in normalize(document) for document in seed_documents)
    assert gram_index.find(absent) == set()


def test_nothing_matches_across_a_paragraph_break(gram_index, seed_documents):
    checked = 0
    for document in seed_documents:
        lines = [normalize(line).strip() for line in document.split("\n")]
        for before, after in pairwise(lines):
            across = before[-2:] + after[:2]
            if not any(across in normalize(d) for d in seed_documents):
                assert gram_index.find(across) == set(), across
                checked += 1
    assert checked > 10


def test_phrases_find_exactly_the_paragraphs_containing_them(tmp_path):
    """On a two-letter alphabet every short string occurs somewhere: only paragraphs may match."""
    rng = random.Random(7)
    texts = ["".join(rng.choice("ab\n") for _ in range(rng.randint(1, 40))) for _ in range(60)]
    index = GramIndex(tmp_path, texts)
    for length in range(1, 8):
        for query in map("".join, product("ab", repeat=length)):
            expected = {
                i for i, text in enumerate(texts) if any(query in p for p in text.split("\n"))
            }
            assert index.find(query) == expected, query
