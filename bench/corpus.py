"""A deterministic synthetic corpus in the seed's text format, and the queries to run on it.

Articles are built from the seed's own sentences mixed with sentences of words drawn from jieba's
dictionary in proportion to their frequency there. jieba's frequencies follow Zipf's law, so the
corpus has very common words (的, 发展), words in about 1% of articles, and a long tail of words
that occur in a handful of articles. One file per day, 2006 to 2025, as the paper prints them.

The query words are picked from the generated text itself, by counting in how many articles each
candidate occurs as a substring (the archive matches exact strings), so every class holds whatever
the corpus size.

jieba is read as a data file, never imported: the benchmark must not warm the product's segmenter.
"""

import datetime
import importlib.util
import itertools
import json
import multiprocessing
import random
import re
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SEED = REPO / "fixtures" / "source" / "000_3fa01ea9ce329daf.txt"
FIRST_DAY = datetime.date(2006, 1, 1)
LAST_DAY = datetime.date(2025, 12, 31)
MIN_CHARS, MAX_CHARS, MODE_CHARS = 800, 3000, 1100
CORPUS_VERSION = 1

_HAN = re.compile(r"^[\u4e00-\u9fa5]+$")
_SENTENCE = re.compile(r"[^。！？]+[。！？]”?")

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏飞宇浩然俊晓雪琳欣怡婷昊天翊骏"
    "博文思远嘉豪子涵梓轩雨萱若曦一鸣志强建国海燕春梅晨阳佳琪梦瑶诗雅凯瑞宏达国庆卫东"
)
ROLES = ("记者", "记者", "记者", "首席记者", "实习生", "通讯员")
PAPER_PREFIXES = ("新重庆-重庆日报", "重庆日报", "")
UNITS = ("个", "家", "人次", "亿元", "万元", "吨", "架次", "公里", "万人", "项")


@dataclass
class Query:
    cls: str
    q: str
    params: dict = field(default_factory=dict)  # extra search parameters: from, to, sort
    docs: int = 0  # articles containing the text (for classes where that is meaningful)
    note: str = ""


@dataclass
class Corpus:
    path: Path
    articles: int
    files: int
    bytes: int
    chars: int
    queries: list
    article_urls: list  # (date, title) of a spread of articles, for the article-page load

    @classmethod
    def load(cls, path):
        data = json.loads((Path(path) / "corpus.json").read_text())
        data["queries"] = [Query(**item) for item in data["queries"]]
        return cls(path=Path(path), **{k: v for k, v in data.items() if k != "path"})

    def save(self):
        data = asdict(self)
        data.pop("path")
        (self.path / "corpus.json").write_text(json.dumps(data, ensure_ascii=False, indent=1))

    def day_files(self):
        """(date, path) of every file, in date order."""
        for path in sorted(self.path.glob("*.txt")):
            yield datetime.date.fromisoformat(path.stem), path


def jieba_dictionary():
    """(word, frequency) of every all-Chinese entry of jieba's dict.txt, read as a plain file."""
    spec = importlib.util.find_spec("jieba")
    if spec is None or spec.origin is None:
        raise RuntimeError("jieba is not installed; its dictionary is the corpus's vocabulary")
    path = Path(spec.origin).parent / "dict.txt"
    entries = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) >= 2 and _HAN.match(parts[0]):
            entries[parts[0]] = max(entries.get(parts[0], 0), int(parts[1]))
    return sorted(entries.items(), key=lambda item: (-item[1], item[0]))


def seed_sentences():
    """The seed's body sentences (not titles, decks, bylines or headings), page breaks mended."""
    blocks = []
    pending = ""
    for line in SEED.read_text(encoding="utf-8").splitlines():
        line = line.strip().replace(" 据《重庆日报》", "")
        if not line or line.startswith("#") or ("记者" in line and len(line) < 40):
            continue  # titles, headings and the byline line
        pending += line
        if pending.endswith(("。", "！", "？", "”")):
            blocks.append(pending)
            pending = ""
    sentences = []
    for block in blocks:
        if len(block) >= 30:
            sentences.extend(match.group(0) for match in _SENTENCE.finditer(block))
    sentences = [sentence for sentence in sentences if not sentence.startswith("重庆日报讯")]
    return [sentence for sentence in sentences if len(sentence) >= 12]


class Generator:
    def __init__(self, seed=20251111):
        self.random = random.Random(seed)
        self.vocabulary = jieba_dictionary()
        self.words = [word for word, _frequency in self.vocabulary]
        self.cumulative = list(itertools.accumulate(f for _w, f in self.vocabulary))
        self.frequency = dict(self.vocabulary)
        self.total = self.cumulative[-1]
        self.seed = seed_sentences()
        self.authors = self._authors(300)

    # -- pieces

    def _authors(self, count):
        names = set()
        rng = random.Random(7)
        while len(names) < count:
            given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
            names.add(rng.choice(SURNAMES) + given)
        return sorted(names)

    def tokens(self, count):
        return self.random.choices(self.words, cum_weights=self.cumulative, k=count)

    def sentence(self):
        rng = self.random
        if rng.random() < 0.3:
            return rng.choice(self.seed)
        parts = []
        for _clause in range(rng.randint(1, 3)):
            clause = "".join(self.tokens(rng.randint(4, 9)))
            if rng.random() < 0.15:
                clause += f"{rng.randint(2, 980)}{rng.choice(UNITS)}"
            parts.append(clause)
        return "，".join(parts) + "。"

    def paragraph(self, chars):
        text = ""
        while len(text) < chars:
            text += self.sentence()
        return text

    def title(self, taken):
        while True:
            title = "".join(self.tokens(self.random.randint(4, 9)))[:28]
            if len(title) >= 6 and title not in taken:
                taken.add(title)
                return title

    def byline(self, lead):
        """(byline line or "", lead paragraph) in one of the two printed shapes."""
        rng = self.random
        credits = []
        for index in range(rng.choice((1, 1, 2, 2, 3))):
            role = rng.choice(ROLES[:4]) if index == 0 else rng.choice(ROLES)
            credits.append((role, rng.choice(self.authors)))
        if rng.random() < 0.5:
            prefix = rng.choice(PAPER_PREFIXES)
            parts = []
            for index, (role, name) in enumerate(credits):
                parts.append(f"{prefix}{role}" if index == 0 else role)
                parts.append(name)
            return " ".join(parts), lead
        credit = " ".join(f"{role} {name}" for role, name in credits)
        return "", f"重庆日报讯({credit}){lead}"

    def article(self, taken):
        rng = self.random
        length = int(rng.triangular(MIN_CHARS, MAX_CHARS, MODE_CHARS))
        sections = rng.choice((1, 1, 2, 3, 3, 4, 5))
        lines = [f"# {self.title(taken)}", ""]
        if rng.random() < 0.4:
            lines += [f"## {''.join(self.tokens(rng.randint(5, 12)))[:40]}", ""]
        per_section = max(length // sections, 120)
        first = True
        for number in range(sections):
            if number:
                lines += [f"#### {''.join(self.tokens(rng.randint(3, 7)))[:30]}", ""]
            budget = per_section
            while budget > 0:
                size = min(budget, rng.randint(80, 260))
                text = self.paragraph(size)
                budget -= len(text)
                if first:
                    byline, text = self.byline(text)
                    if byline:
                        lines += [byline, ""]
                    first = False
                if rng.random() < 0.08 and len(text) > 40:
                    cut = rng.randint(10, len(text) - 10)
                    while text[cut - 1] in "。！？”":  # a page break never falls on a sentence end
                        cut -= 1
                    lines += [text[:cut], "", "", text[cut:], ""]
                else:
                    lines += [text, ""]
        if rng.random() < 0.4:
            lines[-2] += " 据《重庆日报》"
        return "\n".join(lines)


def days_with_counts(count, rng):
    """(date, number of articles) for every day that has any, spread evenly over 20 years."""
    days = [FIRST_DAY + datetime.timedelta(n) for n in range((LAST_DAY - FIRST_DAY).days + 1)]
    base, extra = divmod(count, len(days))
    lucky = set(rng.sample(range(len(days)), extra))
    return [
        (day, base + (index in lucky)) for index, day in enumerate(days) if base + (index in lucky)
    ]


def generate(count, directory, seed=20251111):
    """Write ``count`` articles into ``directory`` (kept when it already holds the same corpus)."""
    directory = Path(directory)
    marker = directory / "corpus.json"
    if marker.exists():
        corpus = Corpus.load(directory)
        stamp = json.loads(marker.read_text())
        if (
            corpus.articles == count
            and stamp.get("queries")
            and _stamp(directory)
            == (
                CORPUS_VERSION,
                seed,
            )
        ):
            return corpus
    # Generating holds every text in memory to pick the queries: gigabytes at a million
    # articles, which a long-lived caller (bench.run) would otherwise keep for hours.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=context) as child:
        return child.submit(_write, count, directory, seed).result()


def _write(count, directory, seed):
    directory.mkdir(parents=True, exist_ok=True)
    for old in directory.glob("*.txt"):
        old.unlink()
    generator = Generator(seed)
    texts, titles = [], []
    total_bytes = total_chars = files = 0
    for day, articles in days_with_counts(count, generator.random):
        taken = set()
        bodies = [generator.article(taken) for _ in range(articles)]
        text = "\n\n".join(bodies) + "\n"
        data = text.encode("utf-8")
        (directory / f"{day.isoformat()}.txt").write_bytes(data)
        total_bytes += len(data)
        total_chars += len(text)
        files += 1
        for body in bodies:
            texts.append(body)
            titles.append((day.isoformat(), body.split("\n", 1)[0][2:]))
    queries = pick_queries(generator, texts)
    spread = random.Random(seed + 1)
    sample = sorted(spread.sample(range(len(titles)), min(200, len(titles))))
    corpus = Corpus(
        path=directory,
        articles=len(texts),
        files=files,
        bytes=total_bytes,
        chars=total_chars,
        queries=queries,
        article_urls=[titles[i] for i in sample],
    )
    corpus.save()
    (directory / "stamp.json").write_text(json.dumps([CORPUS_VERSION, seed]))
    return corpus


def _stamp(directory):
    path = directory / "stamp.json"
    return tuple(json.loads(path.read_text())) if path.exists() else None


# -- query words ---------------------------------------------------------------------------


def document_frequency(text, texts):
    return sum(1 for body in texts if text in body)


def _closest(candidates, texts, target, count, low=1, high=None):
    """The ``count`` candidates whose document frequency is nearest ``target`` (within bounds)."""
    scored = []
    for candidate in dict.fromkeys(candidates):
        docs = document_frequency(candidate, texts)
        if docs >= low and (high is None or docs <= high):
            scored.append((abs(docs - target) / max(target, 1), candidate, docs))
    scored.sort()
    return [(candidate, docs) for _distance, candidate, docs in scored[:count]]


def _sample(texts, size, rng):
    return texts if len(texts) <= size else rng.sample(texts, size)


def pick_queries(generator, texts):
    """Concrete queries for every class, chosen by how many articles they occur in."""
    rng = random.Random(99)
    n = len(texts)
    tokens_per_article = sum(len(t) for t in texts) / n / 2.1  # about 2.1 characters a word
    vocabulary = [(w, f) for w, f in generator.vocabulary if 2 <= len(w) <= 4]
    sample = _sample(texts, 4000, rng)
    scale = n / len(sample)

    def expected_docs(frequency):
        per_token = frequency / generator.total
        return n * (1 - (1 - per_token) ** tokens_per_article)

    def by_expectation(target, length=(2, 4), limit=40):
        near = sorted(
            (abs(expected_docs(f) - target), w)
            for w, f in vocabulary
            if length[0] <= len(w) <= length[1]
        )
        pool = [w for _d, w in near[: limit * 5]]
        return rng.sample(pool, min(limit, len(pool)))

    queries = []
    rare_target = max(1.0, 0.0001 * n)
    for word, docs in _closest(by_expectation(rare_target, (3, 4)), texts, rare_target, 3):
        queries.append(Query("rare", word, docs=docs))
    medium_target = max(2.0, 0.01 * n)
    medium = _closest(by_expectation(medium_target, (2, 3)), texts, medium_target, 3)
    queries += [Query("medium", word, docs=docs) for word, docs in medium]
    # Common: two-character words in well over 30% of articles, estimated on a sample first.
    commons = []
    for word, _f in vocabulary[:400]:
        if len(word) == 2:
            share = document_frequency(word, sample) / len(sample)
            if 0.3 < share < 0.8:
                commons.append((share, word))
    commons.sort(reverse=True)
    common = [(w, document_frequency(w, texts)) for _s, w in commons[:3]]
    queries += [Query("common", word, docs=docs) for word, docs in common]
    # Two words ANDed: a common word with a medium one, and two medium-common ones.
    pairs = [(common[0][0], medium[0][0]), (common[1][0], common[2][0])]
    pairs.append((medium[1][0], common[0][0]))
    for first, second in pairs:
        docs = sum(1 for body in texts if first in body and second in body)
        queries.append(Query("and", f"{first} {second}", docs=docs))
    # Phrases: 2-3 dictionary words that follow each other in the seed's sentences.
    phrases = []
    for sentence in generator.seed:
        words = forward_max_match(sentence, generator.frequency)
        for size in (2, 3):
            for start in range(len(words) - size + 1):
                chunk = words[start : start + size]
                if all(len(w) >= 2 for w in chunk) and len("".join(chunk)) <= 8:
                    phrases.append(("".join(chunk), chunk))
    rng.shuffle(phrases)
    target = 0.05 * n
    scored = sorted(
        (abs(document_frequency(p, sample) * scale - target), p, chunk)
        for p, chunk in phrases[:300]
    )
    chosen = []
    for _d, phrase, chunk in scored:
        if phrase not in {c[0] for c in chosen}:
            chosen.append((phrase, chunk))
        if len(chosen) == 3:
            break
    for phrase, chunk in chosen:
        queries.append(
            Query(
                "phrase",
                f'"{phrase}"',
                docs=document_frequency(phrase, texts),
                note=" + ".join(chunk),
            )
        )
    # Exact substrings across a word boundary: end of one word + start of the next.
    crossings = []
    for sentence in generator.seed:
        words = forward_max_match(sentence, generator.frequency)
        for left, right in itertools.pairwise(words):
            if len(left) >= 2 and len(right) >= 2 and _HAN.match(left + right):
                for a, b in ((1, 1), (1, 2), (2, 1)):
                    text = left[-a:] + right[:b]
                    if text not in generator.frequency:
                        crossings.append((text, f"{left}|{right}"))
    rng.shuffle(crossings)
    notes = dict(crossings)
    for text, _docs in _closest([t for t, _n in crossings[:200]], sample, 0.03 * len(sample), 3):
        queries.append(
            Query("substring", text, docs=document_frequency(text, texts), note=notes[text])
        )
    # Single characters: frequent, middling and rarer ones.
    for char in ("城", "港", "鹰"):
        queries.append(Query("char", char, docs=document_frequency(char, texts)))
    # Questions that occur nowhere whole, so the search falls back to partial matches.
    for first, second in ((medium[0][0], medium[1][0]), (medium[2][0], common[0][0])):
        question = f"{first}和{second}有什么关系"
        queries.append(Query("question", question, docs=document_frequency(question, texts)))
    # Date-filtered and date-sorted: the heaviest words, so most hits are filtered or sorted.
    for year, (word, _docs) in zip((2010, 2016, 2023), common, strict=True):
        params = {"from": f"{year}-01-01", "to": f"{year}-12-31"}
        queries.append(Query("date_filter", word, params=params))
    for sort, (word, docs) in zip(
        ("newest", "oldest", "newest"), [*common[:2], medium[0]], strict=True
    ):
        queries.append(Query("date_sort", word, params={"sort": sort}, docs=docs))
    return queries


def forward_max_match(text, dictionary, longest=6):
    """Split ``text`` into dictionary words, longest match first (a stand-in for jieba)."""
    words, start = [], 0
    while start < len(text):
        for size in range(min(longest, len(text) - start), 0, -1):
            piece = text[start : start + size]
            if size == 1 or piece in dictionary:
                words.append(piece)
                start += size
                break
    return words


CLASSES = {
    "rare": "rare word (~0.01% of articles)",
    "medium": "medium word (~1%)",
    "common": "common word (>30%)",
    "and": "two words ANDed",
    "phrase": "2–3 word phrase (quoted)",
    "substring": "substring across a word boundary",
    "char": "single character",
    "question": "question → partial matches",
    "date_filter": "common word, one year",
    "date_sort": "sorted by date",
}
