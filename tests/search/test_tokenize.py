"""search.tokenize: normalisation, jieba words, and rjieba's agreement with jieba.

`python tests/search/test_tokenize.py` (with the repository on PYTHONPATH) prints throughput.
"""

import importlib.util
import random
import re
import subprocess
import sys
import time
import unicodedata
from collections import Counter
from itertools import accumulate, pairwise
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from search import tokenize
from search.tokenize import (
    fast_available,
    normalize,
    normalize_with_offsets,
    segment,
    set_user_words,
    user_words,
    word_text,
    words,
)

SEED = Path(__file__).resolve().parents[2] / "fixtures" / "source" / "000_3fa01ea9ce329daf.txt"
NEWS_DICTIONARY = Path(tokenize.__file__).with_name("dictionary") / "news.txt"
LETTER_OR_DIGIT = re.compile(r"[^\W_]")


def seed_text() -> str:
    if not SEED.exists():
        pytest.skip(f"seed article {SEED} is not available")
    return SEED.read_text(encoding="utf-8")


def join_page_breaks(text: str) -> str:
    """Join a paragraph that a page break cut mid-word ("保税航材分" / "拨") to its continuation."""
    return re.sub(r"(?m)^(?!#)(.*[\u4e00-\u9fff])\n\s*\n(?=[\u4e00-\u9fff])", r"\1", text)


def seed_paragraphs() -> list[str]:
    return [line for line in join_page_breaks(seed_text()).splitlines() if line.strip()]


def news_terms() -> set[str]:
    return set(NEWS_DICTIONARY.read_text(encoding="utf-8").split())


@pytest.fixture
def restore_user_words():
    yield
    set_user_words(set())


# --- normalize --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("中国（重庆）", "中国(重庆)"),
        ("ＯＤＬＰ", "odlp"),
        ("ODLP", "odlp"),
        ("陸海新通道", "陆海新通道"),
        ("互聯互通", "互联互通"),
        ("㈠", "(一)"),
        ("Straße", "strasse"),
        ("a\u200bb\r\nc\td\x00", "ab\nc\td"),
    ],
)
def test_normalize(text, expected):
    assert normalize(text) == expected


def test_normalize_a_mixed_sentence():
    assert (
        normalize("中新（重慶）戰略性互聯互通示範項目ＯＤＬＰ")
        == "中新(重庆)战略性互联互通示范项目odlp"
    )


def test_control_pattern_is_unicode_cc_and_cf_without_tab_and_newline():
    expected = {
        chr(code)
        for code in range(sys.maxunicode + 1)
        if unicodedata.category(chr(code)) in ("Cc", "Cf")
    } - {"\t", "\n"}
    found = {chr(code) for code in range(sys.maxunicode + 1) if tokenize._CONTROL.match(chr(code))}
    assert found == expected


def test_characters_outside_unstable_runs_are_inert_under_nfkc():
    inert = [
        chr(code)
        for code in range(sys.maxunicode + 1)
        if not 0xD800 <= code <= 0xDFFF and not tokenize._NFKC_UNSTABLE.fullmatch(chr(code))
    ]
    # Second characters of canonical compositions: an inert character must never be one.
    second = set()
    for code in range(sys.maxunicode + 1):
        decomposition = unicodedata.decomposition(chr(code)).split()
        if len(decomposition) == 2 and not decomposition[0].startswith("<"):
            second.add(chr(int(decomposition[1], 16)))
    assert len(inert) > 20_000
    assert [c for c in inert if unicodedata.normalize("NFKC", c) != c] == []
    assert [c for c in inert if unicodedata.combining(c)] == []
    assert second.isdisjoint(inert)


def test_halfwidth_maps_every_full_width_character_as_nfkc_does():
    full_width = [chr(code) for code in range(0xFF01, 0xFF5F)] + ["\u3000"]
    text = "甲".join(full_width) + "，，：" + "".join(reversed(full_width))
    assert tokenize._halfwidth(text) == "".join(
        unicodedata.normalize("NFKC", char) if char in full_width else char for char in text
    )


@pytest.mark.parametrize(
    "text, plain",
    [
        ("重庆日报讯（记者 王天翊）GDP增长５.２%，同比提高。\n第二段", True),
        ("", True),
        ("據《大公報》報道", False),  # OpenCC
        ("①号线", False),  # NFKC beyond width
        ("ﬁle", False),  # NFKC changes the length
        ("STRASSE straße", False),  # casefold changes the length (ß -> ss)
        ("a\u200bb", False),  # a control character goes
    ],
)
def test_plain_texts_normalise_in_width_and_case_only(text, plain):
    assert tokenize.is_plain(text) is plain
    if plain:
        assert tokenize.plain_normalize(text) == tokenize.normalize(text)
        assert list(tokenize.normalize_with_offsets(text).offsets) == list(range(len(text) + 1))


# --- normalize_with_offsets -------------------------------------------------------------------


def origins(text: str) -> list[tuple[str, str]]:
    """(normalised character, original character it maps to) for every normalised character."""
    result = normalize_with_offsets(text)
    return [(char, text[result.offsets[i]]) for i, char in enumerate(result.text)]


def test_offsets_of_full_width_and_traditional_characters():
    assert origins("中國（重慶）ＯＤＬＰ") == [
        ("中", "中"),
        ("国", "國"),
        ("(", "（"),
        ("重", "重"),
        ("庆", "慶"),
        (")", "）"),
        ("o", "Ｏ"),
        ("d", "Ｄ"),
        ("l", "Ｌ"),
        ("p", "Ｐ"),
    ]


def test_offsets_of_an_expansion_point_at_the_expanded_character():
    result = normalize_with_offsets("第㈠条……完")
    assert result.text == "第(一)条......完"
    assert result.offsets == [0, 1, 1, 1, 2, 3, 3, 3, 4, 4, 4, 5, 6]


def test_offsets_of_emoji_and_combining_characters():
    # e + acute composes to é; the zero-width joiner goes; x + dot below + dot above becomes
    # ẋ (x with dot above) + dot below, both from the x.
    text = "Cafe\u0301👍🏽中\u200d国x\u0323\u0307"
    result = normalize_with_offsets(text)
    assert result.text == normalize(text) == "caf\u00e9👍🏽中国\u1e8b\u0323"
    assert result.offsets == [0, 1, 2, 3, 5, 6, 7, 9, 10, 10, 13]


def test_offsets_of_text_that_needs_no_change_are_the_identity():
    text = "中新互联互通项目10年合作硕果累累,“点对点”对接。"
    assert list(normalize_with_offsets(text).offsets) == list(range(len(text) + 1))


TRICKY = [
    "㈠", "…", "①", "⑴", "ﬁ", "ß", "İ", "ŉ", "e\u0301", "\u0301", "\u0323\u0307", "\u1100\u1161",
    "\u11a8", "가", "陸", "乾隆", "著", "（", "Ａ", "\u3000", "\u200b", "\r\n", "\ufeff", "👍🏽",
    "𠮷", "㐂", "\uf900", "中", "a", " ", "\n",
]  # fmt: skip


@given(st.lists(st.one_of(st.characters(codec="utf-8"), st.sampled_from(TRICKY))).map("".join))
def test_offsets_are_well_formed_for_any_text(text):
    result = normalize_with_offsets(text)
    assert result.text == normalize(text)
    assert len(result.offsets) == len(result.text) + 1
    assert result.offsets[-1] == len(text)
    assert all(0 <= a <= b <= len(text) for a, b in pairwise(result.offsets))


# --- words ------------------------------------------------------------------------------------


def test_user_dictionary_words_are_whole_and_keep_their_search_mode_sub_words():
    found = words(seed_text())
    positions = [w.position for w in found if w.text == "新质生产力"]
    assert len(positions) == 4
    for position in positions:
        # the parent comes first, its sub-words after it at the same position
        assert [w.text for w in found if w.position == position] == ["新质生产力", "生产", "生产力"]
    texts = {w.text for w in found}
    assert {"陆海新通道", "中新互联互通项目"} <= texts


def test_every_word_points_at_its_printed_form():
    text = seed_text()
    for word in words(text):
        assert normalize(text[word.start : word.end]) == word.text, word


def test_traditional_input_is_indexed_simplified_with_offsets_on_the_printed_characters():
    text = "陸海新通道帶動東盟"
    (word,) = [w for w in words(text) if w.text == "陆海新通道"]
    assert text[word.start : word.end] == "陸海新通道"


def test_a_word_from_an_expanded_character_covers_the_whole_character():
    text = "第㈠条"
    assert [(w.text, text[w.start : w.end]) for w in words(text)] == [
        ("第", "第"),
        ("一", "㈠"),
        ("条", "条"),
    ]


def test_positions_count_accurate_words_and_skip_punctuation():
    found = words("ODLP（合格境内有限合伙人）、数字人民币跨境结算, 增长2.5%!")
    assert [(w.text, w.position, w.start, w.end) for w in found] == [
        ("odlp", 0, 0, 4),
        ("合格", 1, 5, 7),
        ("境内", 2, 7, 9),
        ("有限", 3, 9, 11),
        ("合伙人", 4, 11, 14),
        ("合伙", 4, 11, 13),
        ("数字人民币", 5, 16, 21),
        ("数字", 5, 16, 18),
        ("人民", 5, 18, 20),
        ("人民币", 5, 18, 21),
        ("跨境结算", 6, 21, 25),
        ("跨境", 6, 21, 23),
        ("结算", 6, 23, 25),
        ("增长", 7, 27, 29),
        ("2.5%", 8, 29, 33),
    ]


def test_sub_words_are_jiebas_search_mode():
    reference = tokenize._segmenter().reference
    for paragraph in seed_paragraphs():
        text = normalize(paragraph)
        expected = Counter(
            token
            for token, _, _ in reference.tokenize(text, mode="search")
            if LETTER_OR_DIGIT.search(token)
        )
        assert Counter(w.text for w in words(paragraph)) == expected, paragraph


def test_segment_drops_punctuation_and_whitespace():
    assert segment("中新（重庆）战略性互联互通示范项目, 10年!") == [
        "中",
        "新",
        "重庆",
        "战略性",
        "互联互通",
        "示范",
        "项目",
        "10",
        "年",
    ]


# --- rjieba parity ----------------------------------------------------------------------------


def jieba_dictionary() -> tuple[list[str], list[int]]:
    """jieba's own dict.txt (read as a file: only search.tokenize imports jieba)."""
    spec = importlib.util.find_spec("jieba")
    assert spec is not None and spec.origin is not None
    entries = Path(spec.origin).with_name("dict.txt").read_text(encoding="utf-8").splitlines()
    terms, frequencies = [], []
    for entry in entries:
        term, frequency = entry.split(" ")[:2]
        terms.append(term)
        frequencies.append(int(frequency))
    return terms, frequencies


LATIN = ["AI", "ODLP", "NRA", "GDP", "5G", "iPhone", "COVID-19", "A-1", "x86", "C++", "AT&T"]
NUMBERS = ["{n}", "{n}年", "{n}%", "{n}.{m}%", "{n}.{m}亿元", "{n}-{m}", "{n}—{m}月", "第{n}"]
PUNCTUATION = [*"，。、：；！？“”（）《》…,.-% ", "\u3000", "……", "\n"]
TRADITIONAL = ["陸海新通道", "互聯互通", "數字人民幣", "跨境結算", "經濟發展", "重慶"]
RARE = ["𠮷", "㐂", "\u9fd6", "\uf900", "ＯＤＬＰ", "A股", "T恤"]


def generated_paragraphs(count: int = 2400, seed: int = 20251110) -> list[str]:
    """Deterministic seed-like paragraphs: words of jieba's dictionary drawn by frequency (and some
    uniformly, which brings out the HMM), seed fragments, numbers, Latin words and punctuation."""
    rng = random.Random(seed)
    terms, frequencies = jieba_dictionary()
    weights = list(accumulate(frequencies))
    fragments = [s for s in re.split(r"[。,\n]", seed_text()) if s.strip()]

    def piece() -> str:
        roll = rng.random()
        if roll < 0.50:
            return rng.choices(terms, cum_weights=weights)[0]
        if roll < 0.65:
            return rng.choice(terms)
        if roll < 0.72:
            return rng.choice(fragments)
        if roll < 0.80:
            return rng.choice(NUMBERS).format(n=rng.randint(0, 2025), m=rng.randint(0, 99))
        if roll < 0.85:
            return rng.choice(LATIN)
        if roll < 0.88:
            return rng.choice(TRADITIONAL + RARE)
        return rng.choice(PUNCTUATION)

    return ["".join(piece() for _ in range(rng.randint(3, 40))) for _ in range(count)]


@pytest.fixture(scope="module")
def corpus() -> list[str]:
    return seed_paragraphs() + generated_paragraphs()


def disagreements(paragraphs: list[str]) -> list[str]:
    return [p for p in paragraphs if words(p, fast=True) != words(p)]


def test_rjieba_is_used_and_agrees_with_jieba(corpus):
    assert fast_available()
    assert len(corpus) >= 2000
    assert disagreements(corpus) == []


def test_rjieba_agrees_after_the_user_dictionary_changes(corpus, restore_user_words):
    set_user_words({"中新互联", "新质"})
    assert fast_available()
    assert "中新互联" in segment("中新互联的项目")
    assert disagreements(corpus) == []
    set_user_words(set())
    assert fast_available()
    assert disagreements(corpus) == []


@pytest.mark.parametrize("fast", [True, False])
def test_word_text_is_the_words_joined_by_spaces(corpus, fast):
    # Several paragraphs to a text, so that lines (and their memory) repeat and mix.
    texts = ["\n".join(corpus[i : i + 3]) for i in range(0, len(corpus), 2)]
    for text in texts:
        assert word_text(text, fast=fast).split() == [word.text for word in words(text)]


@given(st.lists(st.one_of(st.characters(codec="utf-8"), st.sampled_from(TRICKY))).map("".join))
def test_word_text_of_any_text_is_its_words(text):
    assert word_text(text, fast=True).split() == [word.text for word in words(text)]


def test_word_text_follows_the_user_dictionary(restore_user_words):
    line = "中新互联的项目"
    assert "中新互联" not in word_text(line).split()
    set_user_words({"中新互联"})
    assert "中新互联" in word_text(line).split()


@pytest.mark.parametrize("text", ["在covid-19期间", "增长27.55g", "编号a-1的", "1.2.3版", "𠮷野家"])
def test_rjieba_divergences_are_routed_to_jieba(text, restore_user_words):
    """jieba-rs reads these differently from jieba; fast mode must not.

    Letter/digit runs joined by . _ - inside unknown words, and characters that jieba-rs takes for
    Chinese but jieba does not (here in a user word, which only jieba-rs could then find).
    """
    set_user_words({"𠮷野家"})
    segmenter = tokenize._segmenter()
    assert segmenter.fast.cut(text, True) != segmenter.reference.lcut(text)
    assert words(text, fast=True) == words(text)


def test_fast_mode_is_refused_when_rjieba_disagrees(monkeypatch):
    monkeypatch.setattr(tokenize, "_RUST_ALNUM_RUN", re.compile("(?!)"))  # stop asking jieba
    current = tokenize._segmenter()
    segmenter = tokenize._Segmenter(current.reference, current.additions, current.terms)
    assert segmenter.fast is None
    assert segmenter.cut("在covid-19期间", fast=True) == current.cut("在covid-19期间", fast=False)


# --- user dictionary --------------------------------------------------------------------------


def test_user_words_come_and_go(restore_user_words):
    assert "渝新航线" not in segment("渝新航线客运量")
    set_user_words({"渝新航线"})
    assert "渝新航线" in segment("渝新航线客运量")
    assert user_words() == frozenset(news_terms() | {"渝新航线"})
    set_user_words(set())
    assert "渝新航线" not in segment("渝新航线客运量")
    assert user_words() == frozenset(news_terms())
    assert "新质生产力" in segment("不断催生新质生产力")


def test_user_words_are_normalised(restore_user_words):
    set_user_words({" 渝新航線 "})
    assert "渝新航线" in user_words()
    assert "渝新航线" in segment("渝新航線客运量")


def test_removing_a_user_word_restores_the_dictionary(restore_user_words):
    text = seed_text()
    before = words(text)
    set_user_words({"生产", "中新互联", "科技创新和产业创新"})
    assert words(text) != before
    set_user_words(set())
    assert words(text) == before


def test_news_dictionary_is_normalised_and_large_enough():
    terms = NEWS_DICTIONARY.read_text(encoding="utf-8").splitlines()
    assert len(terms) >= 60
    assert len(set(terms)) == len(terms)
    assert all(term == normalize(term).strip() and term for term in terms)


# --- loading ----------------------------------------------------------------------------------


def test_import_is_cheap():
    script = "import sys, search.tokenize; print({'jieba', 'rjieba', 'opencc'} & set(sys.modules))"
    loaded = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(tokenize.__file__).parents[1],
    )
    assert loaded.stdout.strip() == "set()"


def test_jieba_keeps_its_cache_in_the_cache_directory():
    reference = tokenize._segmenter().reference
    assert Path(reference.tmp_dir) == tokenize._cache_dir()
    assert (tokenize._cache_dir() / "jieba.cache").is_file()


def test_jiebas_dictionary_kept_by_us_is_jiebas_own():
    import jieba

    own = jieba.Tokenizer()
    own.tmp_dir = str(tokenize._cache_dir())
    own.initialize()
    kept = tokenize._load_jieba()
    assert (tokenize._cache_dir() / tokenize._FREQUENCIES_FILE).is_file()
    assert kept.initialized
    assert kept.FREQ == own.FREQ
    assert kept.total == sum(own.FREQ.values())


@pytest.mark.parametrize(
    "damage",
    [
        lambda path: path.write_bytes(b""),
        lambda path: path.write_bytes(b"not json\n"),
        lambda path: path.write_bytes(path.read_bytes()[:-5]),  # cut short
        lambda path: path.write_bytes(path.read_bytes().replace(b'"key": "', b'"key": "x', 1)),
    ],
)
def test_a_stale_or_damaged_dictionary_file_is_ignored_and_written_again(tmp_path, damage):
    import jieba

    path = tmp_path / tokenize._FREQUENCIES_FILE
    key = tokenize._frequencies_key(jieba)
    frequencies = {"重庆": 12, "重": 3, "ab": 2**40}
    tokenize._write_frequencies(path, key, frequencies)
    assert tokenize._read_frequencies(path, key) == frequencies
    damage(path)
    assert tokenize._read_frequencies(path, key) is None
    assert tokenize._read_frequencies(tmp_path / "missing", key) is None


def test_words_the_format_cannot_hold_are_left_to_jiebas_own_cache(tmp_path):
    path = tmp_path / tokenize._FREQUENCIES_FILE
    tokenize._write_frequencies(path, "key", {"a\nb": 1})
    tokenize._write_frequencies(path, "key", {"a": 2**64})
    assert not path.exists()


def test_cache_directory_without_django_settings_is_in_the_repository(monkeypatch):
    monkeypatch.setattr("django.conf.settings", SimpleNamespace(configured=False))
    assert tokenize._cache_dir() == Path(tokenize.__file__).parents[1] / "var" / "cache" / "jieba"


def test_cache_directory_comes_from_django_settings_when_configured(monkeypatch, tmp_path):
    settings = SimpleNamespace(configured=True, JIEBA_CACHE_DIR=str(tmp_path / "jieba"))
    monkeypatch.setattr("django.conf.settings", settings)
    assert tokenize._cache_dir() == tmp_path / "jieba"
    assert (tmp_path / "jieba").is_dir()


# --- throughput (not a test) ------------------------------------------------------------------


def throughput() -> None:
    """MB/s of the hot functions on ~2 MB of news text: copies of the seed article, one call per
    copy, as printed (ASCII punctuation) and with full-width punctuation as most sources have it."""
    printed = seed_text()
    full_width = printed.translate(str.maketrans(",;:()!?", "，；：（）！？"))
    words(printed)  # load jieba and rjieba outside the timings
    runs = {
        "words(fast=False)": words,
        "words(fast=True)": lambda text: words(text, fast=True),
        "normalize_with_offsets": normalize_with_offsets,
        "normalize": normalize,
    }
    for label, article in [("as printed", printed), ("full-width", full_width)]:
        copies = round(2e6 / len(article.encode()))
        megabytes = copies * len(article.encode()) / 1e6
        print(f"{label}: {copies} x {len(article)} characters, {megabytes:.2f} MB")
        for name, run in runs.items():
            started = time.perf_counter()
            for _ in range(copies):
                run(article)
            print(f"  {name:24} {megabytes / (time.perf_counter() - started):7.2f} MB/s")


if __name__ == "__main__":
    throughput()


def test_the_shipped_lowercase_twins_are_what_jiebas_dictionary_gives():
    shipped = Path(tokenize.__file__).with_name("dictionary") / "lowercase.txt"
    expected = tokenize.lowercase_twins(tokenize._load_jieba().FREQ)
    assert shipped.read_text(encoding="utf-8") == "".join(f"{w} {f}\n" for w, f in expected)


def test_only_bulk_cutting_loads_rjieba(monkeypatch):
    """Queries are cut with jieba, without loading rjieba; only bulk cutting loads it (the
    indexer, and the web master for its workers' related articles: search.words.warm_up)."""

    def refuse(additions):
        raise AssertionError("rjieba was loaded")

    current = tokenize._segmenter()
    monkeypatch.setattr(tokenize, "_rjieba", refuse)
    fresh = tokenize._Segmenter(current.reference, current.additions, current.terms)
    monkeypatch.setattr(tokenize, "_current", fresh)
    tokenize.warm_up()
    assert segment("重庆的签约项目") == current.reference.lcut("重庆的签约项目")
    assert words("重庆的签约项目")
    with pytest.raises(AssertionError, match="rjieba was loaded"):
        tokenize.warm_up(bulk=True)


def test_the_first_rjieba_loaded_is_the_one_importing_rjieba_built(monkeypatch):
    """Importing rjieba builds an instance for its module-level functions; the first segmenter
    takes it (with its own additions) instead of building a second dictionary."""

    class Jieba:
        def __init__(self):
            self.words = []

        def add_word(self, word, frequency, tag):
            self.words.append((word, frequency))

    own = Jieba()
    monkeypatch.setitem(sys.modules, "rjieba", SimpleNamespace(Jieba=Jieba, _DEFAULT_JIEBA=own))
    monkeypatch.setattr(tokenize, "_rjieba_own_taken", False)
    first = tokenize._rjieba([("渝新欧", 5)])
    second = tokenize._rjieba([("陆海新通道", 7)])
    assert first is own and first.words == [("渝新欧", 5)]
    assert second is not own and second.words == [("陆海新通道", 7)]
