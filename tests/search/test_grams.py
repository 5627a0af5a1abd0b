"""Exact-match grams (search.analysis): the stream, the phrase, and real indexes: tantivy's, and
OpenSearch's (the same streams, the same answers)."""

import os
import random
from itertools import pairwise, product
from pathlib import Path

import pytest
import tantivy

from search.analysis import ChineseAnalyzer
from search.backends.analysis import MAX_NEAR_DISTANCE
from search.backends.tantivy.schema import gram_tokenizer
from search.tokenize import normalize
from tests.search.test_tokenize import seed_paragraphs

analyzer = ChineseAnalyzer()
grams = analyzer.grams
gram_phrase = analyzer.gram_phrase


# --- grams ------------------------------------------------------------------------------------


def test_grams_interleave_characters_and_bigrams_between_value_markers():
    assert grams(["中新互联"]) == "<^> 中 中新 新 新互 互 互联 联 <$>"
    assert grams(["中"]) == "<^> 中 <$>"


BREAK = " ".join(["<br>"] * (2 * MAX_NEAR_DISTANCE + 2))


def test_grams_separate_lines_and_values_and_skip_empty_lines():
    assert grams(["ab\ncd"]) == f"<^> a ab b {BREAK} c cd d <$>"
    assert grams(["\n\n ab \n\n\t\n cd\n"]) == f"<^> a ab b {BREAK} c cd d <$>"
    assert grams(["a\nb"]) == f"<^> a {BREAK} b <$>"
    assert grams(["ab", "cd"]) == f"<^> a ab b <$> {BREAK} <^> c cd d <$>"
    assert grams([""]) == grams([]) == grams(["  \n "]) == ""


def test_grams_mark_whitespace_runs_inside_a_line():
    tokens = grams(["首席记者 杨骏"]).split(" ")
    assert "者␣" in tokens
    assert "␣杨" in tokens
    assert grams(["a \t b"]) == "<^> a a␣ ␣ ␣b b <$>"


def test_grams_are_normalised():
    assert grams(["ＯＤ"]) == "<^> o od d <$>"


def test_no_text_makes_a_marker_token():
    markers = {"<^>", "<$>", "<br>"}
    assert not markers & set(grams(["<^> <$> <br> ¶ ␣"]).split(" ")[1:-1])


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


@pytest.mark.parametrize(
    ("query", "start", "end", "expected"),
    [
        ("中新互联", True, False, [(0, "<^>"), (2, "中新"), (6, "互联")]),
        ("中", True, False, [(0, "<^>"), (1, "中")]),
        ("中新", False, True, [(0, "中新"), (2, "<$>")]),
        ("中", False, True, [(0, "中"), (1, "<$>")]),
        ("中新", True, True, [(0, "<^>"), (2, "中新"), (4, "<$>")]),
    ],
)
def test_anchored_phrases(query, start, end, expected):
    assert gram_phrase(query, start=start, end=end) == expected


# --- exact matching in tantivy ----------------------------------------------------------------


class GramIndex:
    """A real tantivy index with one whitespace-tokenised grams field, as the backend builds it."""

    def __init__(self, path: Path, texts: list) -> None:
        builder = tantivy.SchemaBuilder()
        builder.add_integer_field("id", stored=True, indexed=True)
        builder.add_text_field("g", tokenizer_name="ws")
        self.schema = builder.build()
        self.index = tantivy.Index(self.schema, path=str(path))
        self.index.register_tokenizer("ws", gram_tokenizer())
        writer = self.index.writer(num_threads=1)
        for number, text in enumerate(texts):
            values = [text] if isinstance(text, str) else text
            writer.add_document(tantivy.Document(id=number, g=grams(values)))
        writer.commit()
        writer.wait_merging_threads()
        self.index.reload()
        self.searcher = self.index.searcher()

    def find(self, text: str, start=False, end=False) -> set[int]:
        return self._found(self._phrase(gram_phrase(text, start=start, end=end)))

    def near(self, first: str, second: str, distance: int) -> set[int]:
        phrases = analyzer.near_phrases(first, second, distance)
        clauses = [(tantivy.Occur.Should, self._phrase(p, slop)) for p, slop in phrases]
        return self._found(tantivy.Query.boolean_query(clauses))

    def _phrase(self, phrase, slop=0):
        if len(phrase) == 1:
            return tantivy.Query.term_query(self.schema, "g", phrase[0][1])
        return tantivy.Query.phrase_query(self.schema, "g", phrase, slop=slop)

    def _found(self, query) -> set[int]:
        hits = self.searcher.search(query, limit=1000).hits
        return {self.searcher.doc(address)["id"][0] for _, address in hits}


class OpenSearchGramIndex:
    """The same field in a real OpenSearch index, analysed and queried as the backend does."""

    def __init__(self, url: str, name: str, texts: list) -> None:
        from opensearchpy import OpenSearch
        from opensearchpy.helpers import bulk

        from search.backends.opensearch.mapping import GRAMS_ANALYZER, index_body
        from search.backends.opensearch.query import DslCompiler

        self.client = OpenSearch(hosts=[url])
        self.name = name
        analysis = index_body({})["settings"]["analysis"]
        self.client.indices.delete(index=name, ignore_unavailable=True)
        self.client.indices.create(
            index=name,
            body={
                "settings": {"number_of_shards": 1, "number_of_replicas": 0, "analysis": analysis},
                "mappings": {"properties": {"g": {"type": "text", "analyzer": GRAMS_ANALYZER}}},
            },
        )
        documents = [[text] if isinstance(text, str) else text for text in texts]
        bulk(
            self.client,
            ({"_index": name, "_id": n, "g": grams(v)} for n, v in enumerate(documents)),
            refresh=True,
        )
        self.compiler = DslCompiler({}, analyzer, "text")

    def find(self, text: str, start=False, end=False) -> set[int]:
        return self._found(self._phrase(gram_phrase(text, start=start, end=end)))

    def near(self, first: str, second: str, distance: int) -> set[int]:
        phrases = analyzer.near_phrases(first, second, distance)
        return self._found({"bool": {"should": [self._phrase(p, slop) for p, slop in phrases]}})

    def _phrase(self, phrase, slop=0):
        if len(phrase) == 1:
            return self.compiler.term("g", phrase[0][1])
        return self.compiler.phrase("g", phrase, slop)

    def _found(self, query) -> set[int]:
        body = {"query": query, "size": 1000, "_source": False}
        return {
            int(hit["_id"])
            for hit in self.client.search(index=self.name, body=body)["hits"]["hits"]
        }

    def close(self):
        self.client.indices.delete(index=self.name, ignore_unavailable=True)


@pytest.fixture(params=["tantivy", "opensearch"])
def make_gram_index(request, tmp_path):
    """Builds a gram index of some texts on each engine."""
    made = []

    def make(texts):
        if request.param == "tantivy":
            return GramIndex(tmp_path, texts)
        url = request.getfixturevalue("opensearch_node")
        made.append(OpenSearchGramIndex(url, f"test-grams-{os.getpid()}-{len(made)}", texts))
        return made[-1]

    yield make
    for index in made:
        index.close()


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


def test_phrases_find_exactly_the_paragraphs_containing_them(make_gram_index):
    """On a two-letter alphabet every short string occurs somewhere: only paragraphs may match."""
    rng = random.Random(7)
    texts = ["".join(rng.choice("ab\n") for _ in range(rng.randint(1, 40))) for _ in range(60)]
    index = make_gram_index(texts)
    for length in range(1, 8):
        for query in map("".join, product("ab", repeat=length)):
            expected = {
                i for i, text in enumerate(texts) if any(query in p for p in text.split("\n"))
            }
            assert index.find(query) == expected, query


def test_anchors_find_exactly_the_values_starting_or_ending_so(make_gram_index):
    """Several values a document, lines within values: starts and ends belong to values only."""
    rng = random.Random(11)

    def value():
        return "".join(rng.choice("ab\n") for _ in range(rng.randint(1, 12)))

    documents = [[value() for _ in range(rng.randint(1, 3))] for _ in range(80)]
    index = make_gram_index(documents)

    def stripped(text):
        return "\n".join(line for line in text.split("\n") if line)

    for length in range(1, 6):
        for query in map("".join, product("ab", repeat=length)):
            values = [[stripped(v) for v in document] for document in documents]
            starts = {i for i, vs in enumerate(values) if any(v.startswith(query) for v in vs)}
            ends = {i for i, vs in enumerate(values) if any(v.endswith(query) for v in vs)}
            whole = {i for i, vs in enumerate(values) if query in vs}
            contains = {
                i
                for i, vs in enumerate(values)
                if any(query in line for v in vs for line in v.split("\n"))
            }
            assert index.find(query, start=True) == starts, query
            assert index.find(query, end=True) == ends, query
            assert index.find(query, start=True, end=True) == whole, query
            assert index.find(query) == contains, query


# --- near each other --------------------------------------------------------------------------


def occurrences(text: str, part: str) -> list[tuple[int, int]]:
    return [(i, i + len(part)) for i in range(len(text)) if text.startswith(part, i)]


def near_in_line(line: str, first: str, second: str, distance: int) -> bool:
    """The brute-force oracle: two occurrences that do not overlap, at most ``distance``
    characters apart, in either order."""
    return any(
        0 <= max(b_start - a_end, a_start - b_end) <= distance
        for a_start, a_end in occurrences(line, first)
        for b_start, b_end in occurrences(line, second)
    )


def test_near_phrases_cover_every_gap_and_both_orders():
    # One token each: one sloppy phrase per order, its window centred on the allowed gaps.
    assert analyzer.near_phrases("陆海", "通道", 5) == [
        ([(0, "陆海"), (9, "通道")], 5),
        ([(0, "通道"), (9, "陆海")], 5),
    ]
    # Longer strings: one exact phrase per gap and order.
    phrases = analyzer.near_phrases("陆海新通道", "重庆", 3)
    assert len(phrases) == 2 * 4
    assert all(slop == 0 for _phrase, slop in phrases)
    assert phrases[0][0] == [(0, "陆海"), (4, "新通"), (6, "通道"), (10, "重庆")]
    assert analyzer.near_phrases("", "重庆", 3) == []
    with pytest.raises(ValueError):
        analyzer.near_phrases("陆海", "通道", MAX_NEAR_DISTANCE + 1)


@pytest.mark.parametrize("seed", range(4))
def test_near_finds_exactly_what_the_brute_force_oracle_finds(make_gram_index, seed):
    """Generated documents of several values and lines (short lines included, which a window
    could otherwise reach across) against every pair of short strings at several distances."""
    rng = random.Random(seed)

    def value():
        lines = [
            "".join(rng.choice("abc") for _ in range(rng.choice([1, 2, 3, rng.randint(4, 30)])))
            for _ in range(rng.randint(1, 4))
        ]
        return "\n".join(lines)

    documents = [[value() for _ in range(rng.randint(1, 3))] for _ in range(60)]
    index = make_gram_index(documents)
    strings = ["a", "b", "ab", "ba", "abc", "cab", "aab", "bcab"]
    for first, second in product(strings, repeat=2):
        for distance in sorted({0, 1, 2, 5, rng.randint(0, MAX_NEAR_DISTANCE), MAX_NEAR_DISTANCE}):
            expected = {
                number
                for number, values in enumerate(documents)
                if any(
                    near_in_line(line, first, second, distance)
                    for text in values
                    for line in text.split("\n")
                )
            }
            assert index.near(first, second, distance) == expected, (first, second, distance)


def test_near_is_normalised_and_reaches_no_further_than_its_line(make_gram_index):
    documents = [
        "陸海新通道連接重慶",  # traditional script: normalised like every exact string
        "陆海新通道\n数说\n重庆",  # a short line between: still two lines apart
        "重庆" + "很" * 20 + "陆海新通道",
        "重庆" + "很" * 21 + "陆海新通道",
    ]
    index = make_gram_index(documents)
    assert index.near("陆海新通道", "重庆", 2) == {0}
    assert index.near("重庆", "陆海新通道", 20) == {0, 2}
    assert index.near("通道", "数说", 0) == set()
