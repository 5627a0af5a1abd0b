"""Chinese text analysis for the search index: normalisation and jieba words.

This is the only module of the project that imports jieba and rjieba; OpenCC's converter comes
from articles.script, which the importer reads traditional texts with.

Every text field is indexed twice (see search.analysis):

* words: jieba's segmentation of the normalised text (accurate mode plus the sub-words of search
  mode), for BM25 ranking. The index takes them joined by spaces (word_text(), no offsets); words()
  gives each its offsets into the ORIGINAL text, so that highlights land on the printed characters.
* grams: every character and every overlapping bigram of the normalised text, for exact strings.

Normalisation (NFKC, casefold, traditional to simplified) decides what matches; stored text is never
changed.

jieba and rjieba load lazily, once per process, on first use. Changing the user dictionary
(set_user_words()) builds a new pair of segmenters and swaps it in whole, so a concurrent call sees
either the old dictionary or the new one, never half of each.
"""

from __future__ import annotations

import array
import json
import logging
import os
import re
import tempfile
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from articles import script

if TYPE_CHECKING:
    import jieba
    import rjieba

logger = logging.getLogger(__name__)

_PACKAGE_DIR = Path(__file__).resolve().parent
_NEWS_DICTIONARY = _PACKAGE_DIR / "dictionary" / "news.txt"
_LOWERCASE_TWINS = _PACKAGE_DIR / "dictionary" / "lowercase.txt"
_DEFAULT_CACHE_DIR = _PACKAGE_DIR.parent / "var" / "cache" / "jieba"


# Unicode categories Cc and Cf except \t and \n, as of Unicode 14 (Python 3.11's unicodedata);
# the tests check it against unicodedata.
_CONTROL = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\xad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e"
    "\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd"
    "\U000110cd\U00013430-\U00013438\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001"
    "\U000e0020-\U000e007f]+"
)
# NFKC maps full-width ASCII and the ideographic space one to one, to these. Translating them first
# keeps Chinese text with full-width punctuation off the per-character path of
# normalize_with_offsets(), and is faster than unicodedata's NFKC of such text.
_FULLWIDTH = {chr(code): chr(code - 0xFEE0) for code in range(0xFF01, 0xFF5F)} | {"\u3000": " "}
_FULLWIDTH_CHAR = re.compile("[\uff01-\uff5e\u3000]")
# Runs of characters outside a set that NFKC leaves alone and that never combine with the character
# before them (ASCII, CJK ideographs, common CJK punctuation; the tests check both properties).
# Text between such runs normalises on its own, so only the runs need character-level work.
_NFKC_UNSTABLE = re.compile(
    "[^\t\n\x20-\x7e\u00b7\u2014\u2018\u2019\u201c\u201d\u3001\u3002\u3008-\u3011\u3014-\u301f"
    "\u3400-\u4dbf\u4e00-\u9fff]+"
)
_LETTER_OR_DIGIT = re.compile(r"[^\W_]")

# jieba's block pattern (re_han_default): it segments these runs and emits every other character
# on its own.
_JIEBA_BLOCK = re.compile("([\u4e00-\u9fd5a-zA-Z0-9+#&._%\\-]+)")
# Characters jieba-rs puts into blocks although jieba does not (probed on rjieba 0.2.2).
_RUST_ONLY_HAN = re.compile(
    "[\u3400-\u4dbf\u9fd6-\u9fff\uf900-\ufaff\U00020000-\U0002a6df\U0002a700-\U0002ebef"
    "\U0002f800-\U0002fa1f]"
)
# Tokens whose sub-words are remembered (a few MB); the memory is cleared when it is full.
_DESCRIPTIONS_KEPT = 200_000
# Lines whose words word_text() remembers.
_LINES_KEPT = 512
_UNKNOWN = object()
_RUST_ONLY_HAN_SPLIT = re.compile(f"({_RUST_ONLY_HAN.pattern})")
# Inside unknown-word runs jieba-rs (0.11) keeps letter/digit groups joined by . _ - whole
# ("1.2.3", "a-1", "27.55g"), jieba's finalseg only "12", "12.5" and "12.5%". Where the two
# readings differ, fast mode asks jieba.
_RUST_ALNUM_RUN = re.compile(r"[a-zA-Z0-9]+(?:[._\-][a-zA-Z0-9]+)+%?")
_JIEBA_ALNUM_RUN = re.compile(r"[a-zA-Z0-9]+(?:\.\d+)?%?")

# Normalised samples on which rjieba must agree with jieba before fast mode is trusted: one for
# the direct path of _Segmenter._fast_cut(), one for the path that asks jieba.
_CALIBRATION = (
    "重庆日报讯(记者 王天翊)11月10日上午,市委书记袁家军前往重庆高新区,宣讲党的二十届四中全会精神,"
    "调研推动新质生产力发展工作。中新互联互通项目累计签约347个、金额260亿美元,同比分别增长20.2%、"
    "13.6%和2.5%;陆海新通道带动odlp、nra账户和数字人民币跨境结算,a股和t恤。",
    "covid-19疫情期间,2024-11-10发布的1.2.3版中,𠮷野家的㐂字和27.55g。",
)


@dataclass(frozen=True, slots=True)
class Normalized:
    text: str
    # len(text) + 1 entries: offsets[i] is the index in the original text of the character that
    # produced text[i]; offsets[len(text)] == len(original). A range when no character moved
    # (most texts): snippets normalise every hit shown, and a list of that length costs.
    offsets: Sequence[int]


class Word(NamedTuple):
    # A tuple, not a dataclass: an article has thousands, and a tuple is the cheapest to build.
    text: str  # normalised word, the indexed term
    position: int  # index of the accurate-mode word; a sub-word shares its parent's position
    start: int  # original[start:end] is the printed form of the word
    end: int


# --- normalisation ---------------------------------------------------------------------------


def normalize(text: str) -> str:
    """NFKC, casefold, traditional to simplified; control characters other than \\n and \\t go."""
    if _may_have_controls(text):
        text = _CONTROL.sub("", text)
    if not unicodedata.is_normalized("NFKC", text):
        # The same result (the translation is NFKC's own mapping), in half the time.
        text = unicodedata.normalize("NFKC", _halfwidth(text))
    return _t2s(text.casefold())[0]


def plain_normalize(text: str) -> str:
    """Half-width and case-folded: what normalize() gives for a text `is_plain` accepts."""
    return _halfwidth(text).casefold()


def is_plain(text: str) -> bool:
    """True when normalize() changes ``text`` in width and case only, one character for one:
    then `plain_normalize` gives the same text, with every character in its place. Most
    simplified texts are plain; an index records which are, so that their snippets skip
    OpenCC and NFKC (search.backends.highlight)."""
    quick = plain_normalize(text)
    return len(quick) == len(text) and normalize(text) == quick


def normalize_with_offsets(text: str) -> Normalized:
    """normalize(text), with the original index of every normalised character."""
    normal, offsets = _normalize_mapped(text)
    return Normalized(normal, offsets if offsets is not None else range(len(text) + 1))


def _normalize_mapped(text: str) -> tuple[str, list[int] | None]:
    """normalize(text) and its offsets, or None for offsets when every character kept its place."""
    stripped, control_map = _strip_controls(text)
    nfkc, nfkc_map = _nfkc(stripped)
    folded, fold_map = _casefold(nfkc)
    simplified, t2s_pieces = _t2s(folded)
    t2s_map = None if t2s_pieces is None else _piece_offsets(t2s_pieces)
    return simplified, _compose(control_map, nfkc_map, fold_map, t2s_map)


# Each step returns its result and a map from result index to input index (len(result) + 1 entries),
# or None when the step kept every character in place.


def _may_have_controls(text: str) -> bool:
    # isprintable() is false for every Cc and Cf character and, unlike a regex search, C-fast; it
    # is also false for \t and for spaces other than " ", which then take the regex.
    return not all(line.isprintable() for line in text.split("\n"))


def _strip_controls(text: str) -> tuple[str, list[int] | None]:
    if not _may_have_controls(text) or _CONTROL.search(text) is None:
        return text, None
    offsets: list[int] = []
    done = 0
    for run in _CONTROL.finditer(text):
        offsets.extend(range(done, run.start()))
        done = run.end()
    offsets.extend(range(done, len(text) + 1))
    return _CONTROL.sub("", text), offsets


def _nfkc(text: str) -> tuple[str, list[int] | None]:
    if unicodedata.is_normalized("NFKC", text):
        return text, None
    text = _halfwidth(text)  # one to one, so offsets are unchanged
    if unicodedata.is_normalized("NFKC", text):
        return text, None
    parts: list[str] = []
    offsets: list[int] = []
    done = 0
    for run in _NFKC_UNSTABLE.finditer(text):
        # The character before a run may compose with it (e + U+0301 -> é).
        start = max(run.start() - 1, done)
        parts.append(text[done:start])
        offsets.extend(range(done, start))
        chunk, chunk_offsets = _nfkc_chunk(text[start : run.end()])
        parts.append(chunk)
        offsets.extend(start + offset for offset in chunk_offsets)
        done = run.end()
    parts.append(text[done:])
    offsets.extend(range(done, len(text) + 1))
    return "".join(parts), offsets


def _halfwidth(text: str) -> str:
    """Full-width ASCII and the ideographic space as NFKC maps them, character for character.

    A regex visits only the full-width characters; str.translate would look up every character
    of a Chinese text in a dict, ten times slower. The punctuation Chinese prose uses most is
    replaced first, each mark in one pass of str.replace (a third of the time for an article
    where the regex calls back for every comma).
    """
    for mark in _COMMON_FULLWIDTH:
        if mark in text:
            text = text.replace(mark, _FULLWIDTH[mark])
    return _FULLWIDTH_CHAR.sub(lambda match: _FULLWIDTH[match[0]], text)


_COMMON_FULLWIDTH = "，：；（）？！"


def _nfkc_chunk(chunk: str) -> tuple[str, list[int]]:
    """NFKC of a short chunk and, per output character, the chunk index it came from.

    Each character is normalised together with the combining marks that follow it; the output of an
    expansion (㈠ -> (一)) maps to its source. Where characters compose without combining marks
    (Hangul jamo), the whole chunk maps to its first character.
    """
    whole = unicodedata.normalize("NFKC", chunk)
    starts: list[int] = []
    clusters: list[str] = []
    for index, char in enumerate(chunk):
        if clusters and unicodedata.combining(char):
            clusters[-1] += char
        else:
            starts.append(index)
            clusters.append(char)
    outputs = [unicodedata.normalize("NFKC", cluster) for cluster in clusters]
    if "".join(outputs) != whole:
        return whole, [0] * len(whole)
    return whole, [start for start, output in zip(starts, outputs, strict=True) for _ in output]


def _casefold(text: str) -> tuple[str, list[int] | None]:
    folded = text.casefold()
    if len(folded) == len(text):  # casefold never shortens a character: same length, same places
        return folded, None
    return folded, _piece_offsets([char.casefold() for char in text])


def _t2s(text: str) -> tuple[str, list[str] | None]:
    """OpenCC t2s, and the per-character pieces when conversion had to go character by character.

    OpenCC converts whole phrases; should a phrase change length, offsets could no longer be
    attributed, so the text is then converted one character at a time (normalize() does the same,
    keeping both functions in step).
    """
    converter = _opencc()
    converted = converter.convert(text)
    if len(converted) == len(text):
        return converted, None
    pieces = [converter.convert(char) for char in text]
    return "".join(pieces), pieces


def _piece_offsets(pieces: list[str]) -> list[int]:
    offsets = [index for index, piece in enumerate(pieces) for _ in piece]
    offsets.append(len(pieces))
    return offsets


def _compose(*maps: list[int] | None) -> list[int] | None:
    """Chain step maps, first step first, into one map from the last result to the input."""
    offsets = None
    for step in maps:
        if step is not None:
            offsets = step if offsets is None else [offsets[index] for index in step]
    return offsets


def _opencc():
    # The one t2s converter of the project: the importer reads texts with it too.
    return script.converter("t2s")


# --- words -----------------------------------------------------------------------------------


def words(text: str, *, fast: bool = False) -> list[Word]:
    """jieba words of the normalised text, for ranking.

    Accurate-mode words (HMM on) in text order; right after each word come its search-mode
    sub-words: the dictionary words of 2 characters inside it when it is longer than 2, then those
    of 3 characters when it is longer than 3 (what jieba.tokenize(mode="search") yields, there
    before the parent), all at the parent's position. Whitespace and punctuation/symbol tokens are
    dropped and do not take a position. fast=True segments with rjieba when fast_available(), with
    the same result.
    """
    normal, offsets = _normalize_mapped(text)
    segmenter = _segmenter()
    known = segmenter.descriptions
    result: list = []
    append = result.append
    position = start = 0
    for token in segmenter.cut(normal, fast=fast):
        end = start + len(token)
        subwords = known.get(token, _UNKNOWN)
        if subwords is _UNKNOWN:
            subwords = segmenter.describe(token)
        if subwords is not None:
            if offsets is None:  # the common case: normalising moved no character
                append(Word(token, position, start, end))
                for subword, a, b in subwords:
                    append(Word(subword, position, start + a, start + b))
            else:
                append(Word(token, position, offsets[start], _original_end(offsets, end)))
                for subword, a, b in subwords:
                    a, b = start + a, start + b
                    append(Word(subword, position, offsets[a], _original_end(offsets, b)))
            position += 1
        start = end
    return result


def word_text(text: str, *, fast: bool = False) -> str:
    """The texts of words(text), in order, joined by spaces: what an index's whitespace
    tokenizer splits again (search.backends.analysis).

    An indexer's cheaper words(): no offsets and no positions, and each line's words are
    remembered for a while, since lines repeat between documents (an article's title is in
    each of its figures' documents). jieba never segments across a line break, so the words
    of a text are the words of its lines.
    """
    segmenter = _segmenter()
    return " ".join(filter(None, (segmenter.line_words(line, fast) for line in text.split("\n"))))


def segment(text: str) -> list[str]:
    """jieba accurate-mode words of the normalised text, without whitespace and punctuation.

    For queries: a few words, which jieba cuts in microseconds, so that web workers need not
    load rjieba (see _Segmenter.fast).
    """
    segmenter = _segmenter()
    return [token for token in segmenter.cut(normalize(text), fast=False) if _is_word(token)]


def _is_word(token: str) -> bool:
    return token.isalnum() or _LETTER_OR_DIGIT.search(token) is not None


def _original_end(offsets: list[int], end: int) -> int:
    """End in the original text of normalised text[:end]; an NFKC expansion (㈠) stays whole."""
    last = offsets[end - 1]
    while offsets[end] == last:
        end += 1
    return offsets[end]


# --- user dictionary -------------------------------------------------------------------------


def set_user_words(terms: Iterable[str]) -> None:
    """Make the news.txt terms plus terms the user dictionary of this process (in jieba and rjieba).

    Terms of an earlier call that are not repeated are gone afterwards. The segmenters are rebuilt
    from the news.txt state rather than edited with del_word: jieba's del_word sets a frequency of
    0, which drops a word jieba knew before it was added, leaves the total inflated and makes the
    HMM split the word too, none of which rjieba (which has no del_word) could mirror.
    """
    global _current
    normalized = {normalize(term).strip() for term in terms} - {""}
    with _lock:
        base = _base_segmenter()
        extra = frozenset(normalized - base.terms)
        _current = base.extended(extra) if extra else base


def user_words() -> frozenset[str]:
    """The user terms now loaded: news.txt plus those of the last set_user_words()."""
    return _segmenter().terms


def fast_available() -> bool:
    """True when rjieba is importable and agreed with jieba on a calibration text."""
    return _segmenter().fast is not None


_lock = threading.Lock()
_base: _Segmenter | None = None  # news.txt terms only
_current: _Segmenter | None = None  # what words() uses: _base, or _base plus set_user_words()


def _segmenter() -> _Segmenter:
    global _current
    if _current is None:
        with _lock:
            if _current is None:
                _current = _base_segmenter()
    return _current


def _base_segmenter() -> _Segmenter:
    """The news.txt segmenter, built on first use; call with _lock held."""
    global _base
    if _base is None:
        _base = _Segmenter.load()
    return _base


_NOT_LOADED = object()


class _Segmenter:
    """jieba (the reference) and, when it agrees, rjieba, both with one user dictionary."""

    _fast_lock = threading.Lock()

    def __init__(
        self,
        reference: jieba.Tokenizer,
        additions: tuple[tuple[str, int], ...],
        terms: frozenset[str],
    ) -> None:
        self.reference = reference
        self.additions = additions  # (word, frequency) added to jieba's dict.txt, in order
        self.terms = terms
        self.descriptions: dict[str, tuple[tuple[str, int, int], ...] | None] = {}
        self.expansions: dict[str, str] = {}  # token -> "token sub-words…", "" if no word
        self.lines: dict[str, str] = {}  # word_text() of recent lines
        self._fast: rjieba.Jieba | object | None = _NOT_LOADED

    @property
    def fast(self) -> rjieba.Jieba | None:
        """rjieba with the same words, loaded on the first bulk cut; None if it disagrees.

        Indexing processes cut in bulk, and so do web workers for an article page's related
        articles (its whole text). Queries (a few words) are cut with jieba, which gives the
        same words. gunicorn's master loads rjieba before it forks (search.words.warm_up).
        """
        if self._fast is _NOT_LOADED:
            with self._fast_lock:
                if self._fast is _NOT_LOADED:
                    self._fast = self._calibrated(_rjieba(self.additions))
        return self._fast  # type: ignore[return-value]

    def _calibrated(self, fast: rjieba.Jieba | None) -> rjieba.Jieba | None:
        if fast is not None and any(
            self._fast_cut(fast, sample) != self.reference.lcut(sample) for sample in _CALIBRATION
        ):
            logger.warning("rjieba disagrees with jieba; words(fast=True) will use jieba")
            return None
        return fast

    @classmethod
    def load(cls) -> _Segmenter:
        reference = _load_jieba()
        terms = frozenset(filter(None, map(normalize, _news_terms())))
        additions = _add_words(reference, _read_lowercase_twins())
        additions += _add_terms(reference, terms)
        return cls(reference, tuple(additions), terms)

    def extended(self, extra: frozenset[str]) -> _Segmenter:
        reference = _clone(self.reference)
        additions = self.additions + tuple(_add_terms(reference, extra))
        return _Segmenter(reference, additions, self.terms | extra)

    def cut(self, text: str, *, fast: bool) -> list[str]:
        """Accurate-mode tokens of text (already normalised), HMM on; they tile the text."""
        engine = self.fast if fast else None
        if engine is not None:
            return self._fast_cut(engine, text)
        return self.reference.lcut(text)

    def describe(self, token: str) -> tuple[tuple[str, int, int], ...] | None:
        """None if token is not a word, else its search-mode sub-words with their spans in it.

        The sub-words are the dictionary words of 2, then 3 characters inside a longer token:
        the rule of jieba's search mode (tokenize(mode="search"), cut_for_search). A text
        repeats its words, so the answer is kept per token.
        """
        if token in self.descriptions:
            return self.descriptions[token]
        if len(self.descriptions) > _DESCRIPTIONS_KEPT:
            self.descriptions.clear()
        description = None
        if _is_word(token):
            frequencies = self.reference.FREQ
            description = tuple(
                (token[i : i + size], i, i + size)
                for size in (2, 3)
                if len(token) > size
                for i in range(len(token) - size + 1)
                if frequencies.get(token[i : i + size])
            )
        self.descriptions[token] = description
        return description

    def line_words(self, line: str, fast: bool) -> str:
        """word_text() of one line (no line break), remembered."""
        known = self.lines.get(line)
        if known is not None:
            return known
        tokens = self.cut(normalize(line), fast=fast)
        expanded = list(map(self.expansions.get, tokens))
        if None in expanded:  # tokens not seen yet
            expanded = [
                self._expand(token) if words is None else words
                for token, words in zip(tokens, expanded, strict=True)
            ]
        if len(self.lines) >= _LINES_KEPT:
            self.lines.clear()
        known = self.lines[line] = " ".join(filter(None, expanded))
        return known

    def _expand(self, token: str) -> str:
        """A token and its sub-words, as word_text() writes them ("" when it is no word)."""
        subwords = self.describe(token)
        words = "" if subwords is None else " ".join([token, *(word for word, *_ in subwords)])
        if len(self.expansions) > _DESCRIPTIONS_KEPT:
            self.expansions.clear()
        self.expansions[token] = words
        return words

    def _fast_cut(self, engine: rjieba.Jieba, text: str) -> list[str]:
        """rjieba, except for the two places where jieba-rs is known to read text differently."""
        if _RUST_ONLY_HAN.search(text) is None and not _ambiguous_alnum(text):
            return engine.cut(text, True)
        # jieba cuts every block on its own, so text can be cut at block boundaries: only the
        # blocks rjieba would read differently go to jieba, the stretches between them to rjieba.
        tokens: list[str] = []
        start = 0
        for block in _JIEBA_BLOCK.finditer(text):
            if _ambiguous_alnum(block[0]):
                tokens += _rust_cut(engine, text[start : block.start()])
                tokens += self.reference.lcut(block[0])
                start = block.end()
        tokens += _rust_cut(engine, text[start:])
        return tokens


def _rust_cut(engine: rjieba.Jieba, text: str) -> list[str]:
    """rjieba on text with no ambiguous letter/digit run."""
    # jieba-rs would join these characters to the Han around them; jieba keeps each alone,
    # and as they lie outside jieba's blocks, the text can be cut around them.
    tokens: list[str] = []
    for index, piece in enumerate(_RUST_ONLY_HAN_SPLIT.split(text)):
        if index % 2:
            tokens.append(piece)
        elif piece:
            tokens += engine.cut(piece, True)
    return tokens


def _ambiguous_alnum(text: str) -> bool:
    return any(not _JIEBA_ALNUM_RUN.fullmatch(run[0]) for run in _RUST_ALNUM_RUN.finditer(text))


def _load_jieba() -> jieba.Tokenizer:
    import jieba

    jieba.setLogLevel(logging.WARNING)  # it logs every dictionary load to stderr otherwise
    reference = jieba.Tokenizer()
    directory = _cache_dir()
    reference.tmp_dir = str(directory)  # where initialize() keeps jieba.cache
    path = directory / _FREQUENCIES_FILE
    key = _frequencies_key(jieba)
    frequencies = _read_frequencies(path, key)
    if frequencies is None:
        reference.initialize()
        _write_frequencies(path, key, reference.FREQ)
    else:
        reference.FREQ, reference.initialized = frequencies, True
    # dict.txt lists B超 twice and jieba adds both to its total; jieba-rs sums distinct entries.
    reference.total = sum(reference.FREQ.values())
    return reference


# jieba's prefix dictionary (every word and word prefix of dict.txt, with its frequency), kept
# as the words joined by line breaks and their frequencies as 64-bit integers: read back in a
# quarter of the time of jieba's own marshal cache (0.26 s against 1.04 s here), which every
# process that cuts words (web workers, the indexer, rebuild workers) pays as it starts.
# Nothing in it is executed: a stale or damaged file is ignored and written again.
_FREQUENCIES_FILE = "frequencies.bin"


def _frequencies_key(jieba_module) -> str:
    """What the prefix dictionary is built from: jieba's version and its dict.txt."""
    source = Path(jieba_module.__file__).with_name("dict.txt")
    stat = source.stat()
    return f"{jieba_module.__version__} {source} {stat.st_size} {stat.st_mtime_ns}"


def _read_frequencies(path: Path, key: str) -> dict[str, int] | None:
    try:
        with path.open("rb") as file:
            header = json.loads(file.readline())
            if header.get("key") != key:
                return None
            words = file.read(header["words"]).decode().split("\n")
            counts = array.array("q")
            counts.frombytes(file.read())
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    if len(words) != len(counts):
        return None
    return dict(zip(words, counts, strict=True))


def _write_frequencies(path: Path, key: str, frequencies: dict[str, int]) -> None:
    if any("\n" in word for word in frequencies):
        return  # the format could not hold it; jieba's own cache still serves
    try:
        counts = array.array("q", frequencies.values()).tobytes()
    except OverflowError:
        return
    words = "\n".join(frequencies).encode()
    header = json.dumps({"key": key, "words": len(words)}).encode() + b"\n"
    try:
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name)
        with os.fdopen(descriptor, "wb") as file:
            file.write(header + words + counts)
        os.replace(temporary, path)  # readers see the old file or the whole new one
    except OSError:
        logger.warning("Could not keep jieba's dictionary in %s", path, exc_info=True)


def _cache_dir() -> Path:
    directory = _DEFAULT_CACHE_DIR
    try:
        from django.conf import settings
    except ImportError:
        pass
    else:
        if settings.configured:
            directory = Path(getattr(settings, "JIEBA_CACHE_DIR", directory))
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def _news_terms() -> list[str]:
    return _NEWS_DICTIONARY.read_text(encoding="utf-8").split()


def lowercase_twins(frequencies: dict[str, int]) -> list[tuple[str, int]]:
    """Casefolded forms of jieba's words with capitals (A股, T恤, CD机), at the same frequency.

    words() sees casefolded text, where jieba's own "A股" could never match. Computing them
    walks jieba's whole dictionary, so they are kept in dictionary/lowercase.txt (a test
    checks that the file is still what this function makes of jieba's dictionary).
    """
    twins: dict[str, int] = {}
    for word, frequency in frequencies.items():
        if frequency and word.casefold() != word:
            twin = normalize(word)
            if not frequencies.get(twin):
                twins[twin] = max(frequency, twins.get(twin, 0))
    return sorted(twins.items())


def _read_lowercase_twins() -> list[tuple[str, int]]:
    lines = _LOWERCASE_TWINS.read_text(encoding="utf-8").splitlines()
    return [(word, int(frequency)) for word, frequency in (line.rsplit(" ", 1) for line in lines)]


def _add_terms(reference: jieba.Tokenizer, terms: Iterable[str]) -> list[tuple[str, int]]:
    """Add terms at the frequency jieba suggests to keep each whole; return what was added."""
    # Each suggestion depends on the words added before it, so the order is fixed.
    return [_add_word(reference, term, reference.suggest_freq(term)) for term in sorted(terms)]


def _add_words(reference: jieba.Tokenizer, entries: list[tuple[str, int]]) -> list[tuple[str, int]]:
    return [_add_word(reference, word, frequency) for word, frequency in entries]


def _add_word(reference: jieba.Tokenizer, word: str, frequency: int) -> tuple[str, int]:
    previous = reference.FREQ.get(word, 0)
    reference.add_word(word, frequency)
    # jieba adds the new frequency to its total without taking out the old one, jieba-rs replaces
    # it; equal totals keep the probabilities of the two segmenters equal.
    reference.total -= previous
    return word, frequency


def _clone(reference: jieba.Tokenizer) -> jieba.Tokenizer:
    """A jieba tokenizer with a copy of reference's dictionary (~30 ms instead of a 0.6 s load)."""
    import jieba

    clone = jieba.Tokenizer()
    clone.tmp_dir = reference.tmp_dir
    clone.FREQ, clone.total = dict(reference.FREQ), reference.total
    clone.initialized = True  # or its first use would load dict.txt over the copy
    return clone


# Importing rjieba builds an instance of its own for its module-level functions (0.1 s and
# 25 MB here), which the project never calls: the first segmenter to load rjieba takes that
# instance rather than build a second (called with _Segmenter._fast_lock held).
_rjieba_own_taken = False


def _rjieba(additions: Iterable[tuple[str, int]]) -> rjieba.Jieba | None:
    """rjieba with jieba-rs's copy of dict.txt plus additions, or None when it is not installed."""
    global _rjieba_own_taken
    try:
        import rjieba
    except ImportError:
        return None
    own = None if _rjieba_own_taken else getattr(rjieba, "_DEFAULT_JIEBA", None)
    _rjieba_own_taken = True
    fast = own if isinstance(own, rjieba.Jieba) else rjieba.Jieba()
    for word, frequency in additions:
        fast.add_word(word, frequency, None)
    return fast


def warm_up(*, bulk: bool = False) -> None:
    """Load the dictionaries now rather than on the first request (gunicorn preloads this).

    bulk=True loads rjieba too, for a process that cuts whole texts: an indexer, or a web
    master whose workers cut article pages' texts for their related articles.
    """
    segmenter = _segmenter()
    if bulk:
        segmenter.fast  # noqa: B018 (loads it)
    _opencc()
