"""Find the figures an article reports, for the 数说 (key figures) panel.

A figure is a number with what it counts: "260亿美元", "20.2%", "超1900架次", "从10天压缩到7天".
`extract_figures` reads one paragraph and returns each figure with its normalised value, its
unit, a short label saying what it measures and the sentence it sits in, so the article page
can link the figure to its sentence and editors can correct it in the admin.

Pure standard library on purpose: the importer, the model's save() and the tests call it
without Django.

The rules are heuristics tuned on newspaper prose, in this order of importance:

* Only numbers that carry a unit ("个", "%", "倍", "美元", ...) or a magnitude ("260亿")
  are figures. Dates, times and year spans never carry one ("2015年", "11月10日", "10周年",
  "10年来"), nor do ordinals ("第三个") or category counts ("三大特点"), so most of the
  exclusions fall out of this rule; the rest are explicit below.
* A Chinese numeral must be followed by a unit, and a bare "一" before a measure word is the
  indefinite article ("一座工业园"), not a count.
* Numbers inside short quotations, book titles and fixed political slogans are names.
"""

import bisect
import functools
import re
from dataclasses import dataclass
from decimal import Context, Decimal, localcontext
from itertools import repeat
from typing import NamedTuple

__all__ = ["FoundFigure", "extract_figures", "parse_number", "split_sentences"]


class FoundFigure(NamedTuple):
    """One figure found in a paragraph; `paragraph[start:end] == text`.

    A named tuple: an import makes some twenty an article, and one is made in a third of the
    time of a frozen dataclass.
    """

    text: str  # as printed, without qualifier or label: "1900架次", "从10天压缩到7天"
    value: Decimal  # normalised: "260亿美元" -> 26000000000, "20.2%" -> 20.2
    unit: str  # "美元", "%", "个", "人次" ...; "" for a bare magnitude such as "14亿"
    label: str  # what it measures, at most LABEL_MAX_CHARS, drawn from the sentence
    sentence: str  # the whole sentence containing the figure, as printed
    start: int
    end: int
    value_from: Decimal | None = None  # the "from" side of a from–to pair
    qualifier: str = ""  # approximation word as printed: "超", "近", "约", "以上", "余" ...


LABEL_MAX_CHARS = 24

# --- numbers -------------------------------------------------------------------------------

_DIGITS = "0-9０-９"
_FULLWIDTH = str.maketrans("０１２３４５６７８９．", "0123456789.")

_CN_DIGITS = {
    "〇": 0, "零": 0, "一": 1, "壹": 1, "二": 2, "贰": 2, "两": 2, "三": 3, "叁": 3,
    "四": 4, "肆": 4, "五": 5, "伍": 5, "六": 6, "陆": 6, "七": 7, "柒": 7,
    "八": 8, "捌": 8, "九": 9, "玖": 9,
}  # fmt: skip
_CN_SMALL_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_CN_BIG_UNITS = {"万": 10**4, "萬": 10**4, "亿": 10**8, "億": 10**8}

# An Arabic number: thousands separators only in groups of three, an optional decimal part.
_ARABIC = (
    rf"(?:[{_DIGITS}]{{1,3}}(?:,[{_DIGITS}]{{3}})+(?![{_DIGITS}])|[{_DIGITS}]+)"
    rf"(?:[.．][{_DIGITS}]+)?"
)

_NUMBER_TOKEN = re.compile(
    rf"(?P<arabic>{_ARABIC})"
    rf"|(?P<digit>[{''.join(_CN_DIGITS)}])"
    rf"|(?P<small>[{''.join(_CN_SMALL_UNITS)}])"
    rf"|(?P<big>[{''.join(_CN_BIG_UNITS)}])"
)

# Longer than any real figure; also keeps every value exact within _EXACT's precision.
_MAX_NUMBER_CHARS = 40
_EXACT = Context(prec=100)
_ONE = Decimal(1)


class _NumeralReader:
    """Reads numeral tokens left to right the way Chinese numbers are spoken.

    "三千五百万" is 3·1000 + 5·100, then 万 scales the section; 亿 scales everything below it,
    so "1万亿" is 10**12. Arabic numbers take a digit's place: "25.24万", "3亿5000万".
    """

    def __init__(self) -> None:
        self.yi = Decimal(0)  # the part already scaled by 亿
        self.wan = Decimal(0)  # the part already scaled by 万, below 亿
        self.section = Decimal(0)  # the part below 万
        self.digit: Decimal | None = None  # a digit still waiting for its unit
        self.last_small = 10**4  # small units must fall within a section: 千 > 百 > 十
        self.implied = 1  # unit of a trailing lone digit: "三千五" means 3500

    def feed(self, token: re.Match[str]) -> bool:
        """Take one token; False when the sequence is not a well-formed number."""
        if token.group("arabic"):
            text = token.group("arabic").translate(_FULLWIDTH).replace(",", "")
            return self._digit(Decimal(text), text)
        if token.group("digit"):
            return self._digit(Decimal(_CN_DIGITS[token.group()]), token.group())
        if token.group("small"):
            return self._small(_CN_SMALL_UNITS[token.group()])
        return self._big(_CN_BIG_UNITS[token.group()])

    def _digit(self, value: Decimal, text: str) -> bool:
        # Two digits in a row ("三四个", "二〇二四") are a range or a year, not one number;
        # only a 零 placeholder may be followed by a digit ("一百零五").
        if self.digit is not None and self.digit != 0:
            return False
        if value == 0 or len(text) > 1:
            self.implied = 1  # "一百零五", "3万25": only a lone digit borrows the next unit
        self.digit = value
        return True

    def _small(self, unit: int) -> bool:
        if unit >= self.last_small:
            return False
        if self.digit is None:
            # Only 十 may stand without its digit, and only at the head of a section: 十二, 十万.
            if unit != 10 or self.section:
                return False
            self.digit = _ONE
        self.section += self.digit * unit
        self.digit = None
        self.last_small = unit
        self.implied = unit // 10
        return True

    def _big(self, unit: int) -> bool:
        below = self.section + (self.digit or 0)
        if unit == 10**4:
            if not below or self.wan:
                return False
            self.wan = below * unit
            self.implied = 1000
        else:
            below += self.wan
            if not below or self.yi:
                return False
            self.yi = below * unit
            self.wan = Decimal(0)
            self.implied = 10**7
        self.section = Decimal(0)
        self.digit = None
        self.last_small = 10**4
        return True

    def value(self) -> Decimal:
        trailing = self.digit * self.implied if self.digit is not None else 0
        return self.yi + self.wan + self.section + trailing


def _tidy(value: Decimal) -> Decimal:
    """Drop the noise that arithmetic leaves: 252400.00 -> 252400, 20.20 -> 20.2."""
    if value == value.to_integral_value():
        return value.quantize(_ONE)
    return value.normalize()


@functools.lru_cache(maxsize=4096)  # newspapers print the same few numbers over and over
def parse_number(text: str) -> Decimal | None:
    """Parse an Arabic, Chinese or mixed number: "260亿", "1.5万", "三千五百万", "12,345".

    Returns None for anything that is not a single well-formed number, including units and
    percent signs: those belong to `extract_figures`.
    """
    text = text.strip()
    if not text or len(text) > _MAX_NUMBER_CHARS:
        return None
    reader = _NumeralReader()
    pos = 0
    with localcontext(_EXACT):
        while pos < len(text):
            token = _NUMBER_TOKEN.match(text, pos)
            if token is None or not reader.feed(token):
                return None
            pos = token.end()
        return _tidy(reader.value())


# --- sentences -----------------------------------------------------------------------------

# A run of terminators ends a sentence, together with the closing quotes or brackets after it.
_SENTENCE_END = re.compile(r"[。！？!?；;]+[”’」』）)】》\"']*")


def split_sentences(paragraph: str) -> list[tuple[int, int]]:
    """Split a paragraph into (start, end) sentence spans, without surrounding whitespace."""
    ends = [end_mark.end() for end_mark in _SENTENCE_END.finditer(paragraph)]
    spans = map(_trimmed, repeat(paragraph), [0, *ends], [*ends, len(paragraph)])
    return [(start, end) for start, end in spans if start < end]


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    """(start, end) of text[start:end] without surrounding whitespace."""
    piece = text[start:end]
    stripped = piece.lstrip()
    start += len(piece) - len(stripped)
    return start, start + len(stripped.rstrip())


# --- finding candidate numbers -------------------------------------------------------------

# Capital numerals (壹贰叁…) are left to parse_number: in running text 陆, 伍 and 拾 are far more
# often names and words ("陆家嘴") than numbers.
_CN_NUMERALS = "〇零一二两三四五六七八九十百千万亿"

_NUMBER = re.compile(
    # The look-ahead lets the engine skip the characters no number starts with, most of a text.
    rf"(?=[{_DIGITS}{_CN_NUMERALS}])"
    r"(?P<percent_words>百分之)?(?:"
    # The look-arounds refuse pieces of a malformed number such as "1.2.3".
    rf"(?<![{_DIGITS}.．])(?P<arabic>{_ARABIC})(?![{_DIGITS}]|[.．][{_DIGITS}])"
    r"(?P<magnitude>万亿|千万|百万|万|亿)?"
    rf"|(?P<chinese>[{_CN_NUMERALS}]+))"
)

# Measure words: the counted noun may follow them ("18个省份").
_CLASSIFIERS = frozenset("个项家名位户辆件台套所座条批场只头艘列趟种款篇份张栋架处支株棵笔宗次")
_MEASURES = (
    "%", "％", "个百分点", "百分点", "倍",
    "元", "美元", "欧元", "港元", "日元", "英镑", "韩元", "新加坡元",
    "人", "人次", "乘次", "架次", "班", "天", "小时", "分钟", "岁", "成",
    "吨", "公斤", "千克", "克", "升", "千瓦", "千瓦时", "兆瓦", "度", "标箱", "TEU",
    "平方米", "平方公里", "平方千米", "立方米", "公顷", "亩", "公里", "千米", "米", "厘米", "毫米",
    "摄氏度", "℃",
)  # fmt: skip
# Longest first, so that "人次" wins over "人" and "个百分点" over "个".
_UNIT = re.compile(
    "|".join(map(re.escape, sorted({*_CLASSIFIERS, *_MEASURES}, key=len, reverse=True)))
)
_UNIT_ALIASES = {"％": "%"}
# The indefinite article "一" ("一座工业园", "一种模式") only counts before these ("百分之一",
# "一成": a tenth).
_UNITS_FOR_ONE = frozenset({"%", "倍", "个百分点", "百分点", "成"})
# A distance that names a race ("100米决赛", "4×100米接力"), not a figure.
_RACE = re.compile(r"决赛|预赛|半决赛|复赛|比赛|赛跑|跨栏|栏|自由泳|仰泳|蛙泳|蝶泳|混合泳|接力")
# An age that describes a group ("60岁以上老年人"), not a figure.
_AGE_GROUP = re.compile(r"(?:及?以上|以下)(?=[\u4e00-\u9fff])")

# What follows a number that makes it a date, a time or a period: "2015年", "10周年", "10时",
# "前10个月". Checked before units, hence the look-aheads for "日元" and "分钟".
_DATE_WORD = re.compile(r"周年|世纪|年|个多?月|月|日(?!元)|号|时|点|分(?!钟)|秒")

# Approximation words before the number. The look-behinds keep verbs that merely end in the
# same character: 赶超, 最近 (recently), 签约, 节约, 制约 ...
_PREFIX_QUALIFIER = re.compile(
    r"(?:不少于|不低于|不超过|超过|将近|接近|大约|突破|不到|不足|至少|最多|最高|逾"
    r"|(?<!赶)超|(?<![最附临靠贴就])近|(?<![签节制预合条公违履集缔隐])约)\Z"
)
_PREFIX_QUALIFIER_REACH = 4  # longest qualifier plus the look-behind character
_INNER_QUALIFIERS = "余多"  # sits between number and unit: "10余个", "300多家"
_SUFFIX_QUALIFIER = re.compile(r"以上|以下|以内|左右")

# Fixed slogans with a numeral and a unit inside; other names ("一带一路", "十五五") never
# carry a unit, so the unit rule already keeps them out.
_SLOGANS = (
    "五位一体", "四个全面", "四个意识", "四个自信", "两个确立", "两个维护", "两个结合",
    "两个一百年", "三个代表", "三个务必", "八项规定", "一成不变",
)  # fmt: skip
# Short quotations are names or slogans ("“1小时经济圈”"); 《》 are titles.
_PROTECTED = re.compile(
    "|".join(
        [
            *map(re.escape, _SLOGANS),
            r"“[^“”]{1,10}”",
            r"‘[^‘’]{1,10}’",
            r"「[^「」]{1,10}」",
            r"《[^《》]{1,40}》",
        ]
    )
)


@dataclass(slots=True)
class _Candidate:
    start: int  # text span
    end: int
    value: Decimal
    unit: str
    qualifier: str
    left: int  # where the label text stops: before the qualifier or the "从" of a pair
    right: int  # after the text and any trailing qualifier
    is_figure: bool  # False for a bare number, kept only as the "from" side of a pair
    value_from: Decimal | None = None


class _Protected:
    """Spans of a paragraph whose numbers are names, with a fast membership test."""

    def __init__(self, paragraph: str) -> None:
        self.spans = [m.span() for m in _PROTECTED.finditer(paragraph)]
        self.starts = [start for start, _ in self.spans]

    def __contains__(self, pos: int) -> bool:
        i = bisect.bisect_right(self.starts, pos) - 1
        return i >= 0 and pos < self.spans[i][1]


def _is_latin(char: str) -> bool:
    return char.isascii() and char.isalpha()


def _read_unit(paragraph: str, pos: int, limit: int) -> tuple[str, str, int] | None:
    """Read "[余|多] unit" at pos; return (inner qualifier, unit, end) or None."""
    inner = ""
    if pos < limit and paragraph[pos] in _INNER_QUALIFIERS:
        inner, pos = paragraph[pos], pos + 1
    unit = _UNIT.match(paragraph, pos, limit)
    if unit is None:
        return None
    return inner, _UNIT_ALIASES.get(unit.group(), unit.group()), unit.end()


def _chinese_number_end(paragraph: str, match: re.Match[str], limit: int) -> int:
    """Where a run of Chinese numerals ends as a number.

    The run is greedy, so "五千瓦" reads as "五千" + "瓦"; give a trailing 千 or 百 back when
    that lets a unit start there ("五" + "千瓦", "三" + "百分点").
    """
    end = match.end()
    if (
        _read_unit(paragraph, end, limit) is None
        and end - match.start("chinese") > 1
        and paragraph[end - 1] in "千百"
        and _read_unit(paragraph, end - 1, limit) is not None
    ):
        return end - 1
    return end


def _is_name_or_word(
    paragraph: str, match: re.Match[str], number_end: int, unit: str, protected: _Protected
) -> bool:
    """True when the number is part of a name, an ordinal or a vague word, not a figure."""
    start = match.start()
    before = paragraph[start - 1] if start else ""
    chinese = paragraph[match.start("chinese") : number_end] if match.group("chinese") else ""
    return (
        before == "第"  # ordinal: 第三个, 第1
        or (chinese != "" and before in ("数", "几"))  # vague: 数十个, 几百家
        or (chinese == "一" and unit not in _UNITS_FOR_ONE)  # article: 一座, 一种
        or _is_latin(before)  # model names: C919
        or (not unit and number_end < len(paragraph) and _is_latin(paragraph[number_end]))  # 5G
        or start in protected
    )


def _read_candidate(
    paragraph: str, match: re.Match[str], limit: int, protected: _Protected
) -> _Candidate | None:
    is_chinese = match.group("chinese") is not None
    number_start = match.start("chinese" if is_chinese else "arabic")
    number_end = _chinese_number_end(paragraph, match, limit) if is_chinese else match.end()
    value = parse_number(paragraph[number_start:number_end])
    if value is None:
        return None

    inner = ""
    end = number_end
    if match.group("percent_words"):
        unit = "%"  # 百分之十二
    elif _DATE_WORD.match(paragraph, number_end, limit):
        return None
    elif (unit_match := _read_unit(paragraph, number_end, limit)) is not None:
        inner, unit, end = unit_match
    else:
        unit = ""
    if _is_name_or_word(paragraph, match, number_end, unit, protected):
        return None
    if (unit in ("米", "公里") and _RACE.match(paragraph, end, limit)) or (
        unit == "岁" and _AGE_GROUP.match(paragraph, end, limit)
    ):
        return None

    start = match.start()
    prefix = _PREFIX_QUALIFIER.search(paragraph, max(0, start - _PREFIX_QUALIFIER_REACH), start)
    suffix = _SUFFIX_QUALIFIER.match(paragraph, end, limit)
    qualifiers = [prefix.group() if prefix else "", inner, suffix.group() if suffix else ""]
    return _Candidate(
        start=start,
        end=end,
        value=value,
        unit=unit,
        qualifier=next((q for q in qualifiers if q), ""),
        left=prefix.start() if prefix else start,
        right=suffix.end() if suffix else end,
        # A Chinese numeral needs a unit; an Arabic one a unit or a magnitude ("人口14亿").
        is_figure=bool(unit) or bool(match.group("magnitude")),
    )


def _candidates(
    paragraph: str, matches: list[re.Match[str]], end: int, protected: _Protected
) -> list[_Candidate]:
    found = []
    for match in matches:
        candidate = _read_candidate(paragraph, match, end, protected)
        if candidate is not None:
            found.append(candidate)
    return found


def _by_sentence(paragraph: str, numbers: list[re.Match[str]]):
    """Each sentence holding a number: ((start, end), the numbers in it), the sentences of
    split_sentences.

    A number never spans a sentence's end (no terminator or space belongs to one), so the
    numbers found in the whole paragraph are the numbers found in each sentence. Only the
    sentences holding a number are trimmed: most hold none.
    """
    pending = iter(numbers)
    number = next(pending)
    start = 0
    for end_mark in _SENTENCE_END.finditer(paragraph):
        end = end_mark.end()
        if number.start() < end:
            inside = []
            while number is not None and number.start() < end:
                inside.append(number)
                number = next(pending, None)
            yield _trimmed(paragraph, start, end), inside
            if number is None:
                return
        start = end
    yield _trimmed(paragraph, start, len(paragraph)), [number, *pending]


# --- from–to pairs -------------------------------------------------------------------------

_IN_CLAUSE = "[^，,、；;：:]"
# "从" (or "由", not "由于") shortly before the first number: "从最初每周5班", "从2015年的3个".
_PAIR_OPENER = re.compile(rf"(?:从|由(?!于)){_IN_CLAUSE}{{0,8}}\Z")
_PAIR_OPENER_REACH = 10
# Between the two numbers: a short verb, then 到 or 至, then a few words: "加密至每周",
# "增长到2024年的".
_PAIR_GAP = re.compile(rf"{_IN_CLAUSE}{{0,6}}?(?:到|至){_IN_CLAUSE}{{0,8}}")


# Units of one dimension, in a common measure, so that a pair may change unit: "由2小时缩短至40分钟"
# has value_from 120 (minutes).
_IN_COMMON_MEASURE = {
    "秒": Decimal(1), "分钟": Decimal(60), "小时": Decimal(3600), "天": Decimal(86400),
    "毫米": Decimal("0.001"), "厘米": Decimal("0.01"), "米": Decimal(1),
    "公里": Decimal(1000), "千米": Decimal(1000),
}  # fmt: skip
_DIMENSION = {
    **dict.fromkeys(("秒", "分钟", "小时", "天"), "time"),
    **dict.fromkeys(("毫米", "厘米", "米", "公里", "千米"), "length"),
}


def _value_from(previous: _Candidate, candidate: _Candidate) -> Decimal | None:
    """The "from" value of a pair in the "to" value's unit, or None if they cannot pair."""
    if previous.unit in ("", candidate.unit):
        return previous.value
    dimension = _DIMENSION.get(previous.unit)
    if dimension is None or dimension != _DIMENSION.get(candidate.unit):
        return None
    with localcontext(_EXACT):
        ratio = _IN_COMMON_MEASURE[previous.unit] / _IN_COMMON_MEASURE[candidate.unit]
        return _tidy(previous.value * ratio)


def _merge_pairs(paragraph: str, sentence_start: int, found: list[_Candidate]) -> list[_Candidate]:
    """Fold "从10天压缩到7天" into one figure: value 7, value_from 10."""
    merged: list[_Candidate] = []
    for candidate in found:
        previous = merged[-1] if merged else None
        opener = None
        # The opener may not reach back over another number ("从3个省份5个城市…").
        reach = max(sentence_start, merged[-2].right if len(merged) > 1 else 0)
        value_from = _value_from(previous, candidate) if previous is not None else None
        if (
            previous is not None
            and candidate.is_figure
            and previous.value_from is None
            and value_from is not None
            and _PAIR_GAP.fullmatch(paragraph, previous.right, candidate.left)
        ):
            reach = max(reach, previous.left - _PAIR_OPENER_REACH)
            opener = _PAIR_OPENER.search(paragraph, reach, previous.left)
        if previous is not None and opener is not None:
            merged[-1] = _Candidate(
                start=opener.start(),
                end=candidate.end,
                value=candidate.value,
                unit=candidate.unit,
                qualifier=candidate.qualifier,
                left=opener.start(),
                right=candidate.right,
                is_figure=True,
                value_from=value_from,
            )
        else:
            merged.append(candidate)
    return merged


# --- labels --------------------------------------------------------------------------------

_CLAUSE_MARKS = r"，,、；;：:“”‘’\"「」『』（）()《》【】\[\]。！？!?\s"
_MAJOR_MARKS = r"，,；;：:。！？!?\s"
# Greedy, so the match ends just after the last mark.
_UP_TO_CLAUSE_MARK = re.compile(rf".*[{_CLAUSE_MARKS}]", re.DOTALL)
_UP_TO_MAJOR_MARK = re.compile(rf".*[{_MAJOR_MARKS}]", re.DOTALL)
# A noun after a measure word ends at a clause mark or a quotation.
_NOUN_PHRASE_END = re.compile(rf"[{_MAJOR_MARKS}“”‘’\"「」（）()《》]")
_LABEL_REACH = 48  # how far back a label may start; labels are short, sentences are not

# A leading date says when, not what: "2024年渝新航线客运量" -> "渝新航线客运量".
_LEADING_TIME = re.compile(
    rf"^(?:(?:今年|去年|明年|[{_DIGITS}]{{4}}年|[{_DIGITS}]{{1,2}}(?:[—–~-][{_DIGITS}]{{1,2}})?月份?"
    rf"|[{_DIGITS}]{{1,2}}日)(?:底|末|初|以来|来)?)+"
)
# Connectors around the measured thing. The look-arounds keep words that start or end with the
# same character: 共同, 达成, 超市, 约束, 了解 / 通达, 到达, 作为, 行为, 截至.
_LEADING_WORDS = re.compile(
    r"^(?:比如|例如|其中|已经|已|共(?!同)|达到|达(?!成)|为|超过|超(?![市级])|约(?![束定])|了(?!解)|的)+"
)
_TRAILING_WORDS = re.compile(
    r"(?:可达到|可达|达到|高达|(?<![通到抵送下直])达|(?<![行作成认因称以])为|是|了|的"
    r"|共计|合计|总计|总共|一共|共|已经|已|(?<!截)至|到)+\Z"
)
_CUMULATIVE = "累计"  # opens the measured quantity: what precedes it is the subject
# Labels that only say how something changed lack their subject: "同比增长" after a figure.
_ELLIPTICAL = re.compile(
    r"^(?:同比|环比|较|比(?:上年|去年|同期)|增长|下降|增加|减少|提高|提升|降低|上涨|下跌|上升)"
)
# A label that only names a kind of measure ("…项目347个、金额260亿美元"): the thing measured is
# the one before it, lent as for an elliptical label, without its leading adverbs.
_GENERIC_MEASURE = re.compile(
    r"^(?:总?金额|总额|规模|数量|总量|人数|增幅|增速|占比|比重|总数|均价|单价)$"
)
_ADVERBS = re.compile(r"^(?:累计|共计|合计|总计|全年|今年|目前|已经|已|共)+")
_DISTRIBUTIVE = "分别"  # "A、B、C同比分别增长x、y和z": pair each value with its item
_LIST_GAP = re.compile(r"[、和及与,，\s]*")
_LIST_SEPARATOR = re.compile(r"[、和及与]")
_COMPARISON_AT_END = re.compile(r"(?:同比|环比)\Z")
# A noun after a measure word starts with a CJK character that is not a particle.
_NOUN_START = re.compile(r"[\u4e00-\u9fff](?<![的和与及或等以左上下同])")
_HEAD_MAX_CHARS = 8  # a verb phrase before "18个省份" is kept only when short


def _clause_start(paragraph: str, low: int, pos: int, marks: re.Pattern[str]) -> int:
    found = marks.match(paragraph, low, pos)
    return found.end() if found else low


def _clean_label(text: str) -> str:
    text = _LEADING_TIME.sub("", text.strip())
    cumulative = text.find(_CUMULATIVE)
    if cumulative > 0:
        text = text[cumulative:]
    text = _LEADING_WORDS.sub("", text)
    return _TRAILING_WORDS.sub("", text).strip()


def _cap(label: str) -> str:
    """Keep a label within LABEL_MAX_CHARS, preferring the head noun after the last 的."""
    if len(label) > LABEL_MAX_CHARS:
        label = label.rpartition("的")[2] or label
    return label[-LABEL_MAX_CHARS:]


def _noun_after(paragraph: str, pos: int, limit: int) -> str:
    """The noun a measure word introduces: "18个省份" -> "省份".

    Runs to the next clause mark or figure; a relative clause before the head noun is dropped
    ("33项具有首创性、高辨识度的制度型开放成果" -> "制度型开放成果").
    """
    if not _NOUN_START.match(paragraph, pos, limit):
        return ""
    phrase = paragraph[pos:limit]
    mark = _NOUN_PHRASE_END.search(phrase)
    if mark:
        phrase = phrase[: mark.start()]
    return phrase.rstrip("的").rsplit("的", 1)[-1].split("、", 1)[0].strip()


def _label(paragraph: str, sentence: tuple[int, int], figures: list[_Candidate], i: int) -> str:
    """Label figure i from its clause: the noun before it, or the noun after its measure word."""
    sentence_start, sentence_end = sentence
    figure = figures[i]
    low = max(sentence_start, figure.left - _LABEL_REACH)
    clause_start = _clause_start(paragraph, low, figure.left, _UP_TO_CLAUSE_MARK)
    previous_end = figures[i - 1].right if i else sentence_start
    before = _clean_label(paragraph[max(clause_start, previous_end) : figure.left])
    if before and figure.unit not in _CLASSIFIERS:
        return before

    limit = figures[i + 1].left if i + 1 < len(figures) else sentence_end
    noun = _noun_after(paragraph, figure.right, min(limit, figure.right + _LABEL_REACH))
    if not noun:
        return before
    # The verb phrase before the clause's first figure is shared by a list of counts:
    # "辐射国内18个省份75个城市" -> "辐射国内省份", "辐射国内城市".
    first = i
    while first and figures[first - 1].left >= clause_start:
        if "的" in paragraph[figures[first - 1].right : figures[first].left]:
            return noun  # "30多个国家的500余名嘉宾" is no list sharing one verb
        first -= 1
    head = _clean_label(paragraph[clause_start : figures[first].left])
    if head.endswith("等") or len(head) > _HEAD_MAX_CHARS:
        head = ""  # an enumeration ("制造、物流等") or a long subject adds nothing
    return head + noun


def _distribute(
    paragraph: str, sentence_start: int, figures: list[_Candidate], labels: list[str]
) -> None:
    """Relabel "…分别增长20.2%、13.6%和2.5%" in place, one listed item per value."""
    if paragraph.find(_DISTRIBUTIVE, sentence_start, figures[-1].left if figures else 0) < 0:
        return  # most sentences
    i = 0
    while i < len(figures):
        figure = figures[i]
        low = max(sentence_start, figure.left - _LABEL_REACH)
        clause_start = _clause_start(paragraph, low, figure.left, _UP_TO_MAJOR_MARK)
        clause = paragraph[clause_start : figure.left]
        at = clause.rfind(_DISTRIBUTIVE)
        if at < 0:
            i += 1
            continue
        group_end = i + 1
        while group_end < len(figures) and _LIST_GAP.fullmatch(
            paragraph, figures[group_end - 1].right, figures[group_end].left
        ):
            group_end += 1
        size = group_end - i

        items, verb = clause[:at], clause[at + len(_DISTRIBUTIVE) :]
        comparison = _COMPARISON_AT_END.search(items)
        if comparison:  # "同比分别增长" compares each item: the 同比 belongs to the verb
            items, verb = items[: comparison.start()], comparison.group() + verb
        verb = _clean_label(verb)
        names = [name for name in map(_clean_label, _LIST_SEPARATOR.split(items)) if name]
        if len(names) != size:
            # The items are the figures listed just before: "起降架次超1900架次,旅客吞吐量…"
            names = labels[i - size : i] if i >= size else [""] * size
        labels[i:group_end] = [name + verb for name in names]
        i = group_end


def _labels(paragraph: str, sentence: tuple[int, int], figures: list[_Candidate]) -> list[str]:
    labels: list[str] = []
    subject = ""  # the last complete label, lent to a following "同比增长"
    for i in range(len(figures)):
        label = _label(paragraph, sentence, figures, i)
        if _ELLIPTICAL.match(label) and subject:
            label = subject + label
        elif _GENERIC_MEASURE.match(label) and subject:
            label = _ADVERBS.sub("", subject) + label
        elif label:
            subject = label
        labels.append(label)
    _distribute(paragraph, sentence[0], figures, labels)
    return [_cap(label) for label in labels]


# --- public entry point --------------------------------------------------------------------


def extract_figures(paragraph: str, reading: str | None = None) -> list[FoundFigure]:
    """Return the figures a paragraph reports, in order of appearance.

    ``reading`` is a copy of the paragraph to read it by, character for character: the
    simplified copy of a paragraph printed in traditional characters (articles.script). The
    rules match in it; texts, sentences, labels and qualifiers come back as printed, units in
    the reading's (simplified) form, so that 個 and 个 are one unit.
    """
    if reading is None or reading == paragraph:
        return _extract(paragraph)
    if len(reading) != len(paragraph):
        raise ValueError("A reading must match the paragraph character for character.")
    printed = _printed_forms(paragraph, reading)
    spans = split_sentences(reading)
    figures = []
    for found in _extract(reading):
        start, end = next(span for span in spans if span[0] <= found.start < span[1])
        figures.append(
            found._replace(
                text=paragraph[found.start : found.end],
                sentence=paragraph[start:end],
                label=found.label.translate(printed),
                qualifier=found.qualifier.translate(printed),
            )
        )
    return figures


def _printed_forms(paragraph: str, reading: str) -> dict[int, str]:
    """For each character the reading changed, the printed form it most often stands for."""
    seen: dict[str, dict[str, int]] = {}
    for printed, read in zip(paragraph, reading, strict=True):
        if printed != read:
            forms = seen.setdefault(read, {})
            forms[printed] = forms.get(printed, 0) + 1
    return {ord(read): max(forms, key=forms.get) for read, forms in seen.items()}


def _extract(paragraph: str) -> list[FoundFigure]:
    """Return the figures a paragraph reports, in order of appearance."""
    numbers = list(_NUMBER.finditer(paragraph))
    if not numbers:
        return []
    protected = _Protected(paragraph)
    figures: list[FoundFigure] = []
    for (start, end), inside in _by_sentence(paragraph, numbers):
        candidates = _merge_pairs(paragraph, start, _candidates(paragraph, inside, end, protected))
        found = [candidate for candidate in candidates if candidate.is_figure]
        sentence = paragraph[start:end]
        labels = _labels(paragraph, (start, end), found)
        for candidate, label in zip(found, labels, strict=True):
            figures.append(
                FoundFigure(
                    text=paragraph[candidate.start : candidate.end],
                    value=candidate.value,
                    unit=candidate.unit,
                    label=label,
                    sentence=sentence,
                    start=candidate.start,
                    end=candidate.end,
                    value_from=candidate.value_from,
                    qualifier=candidate.qualifier,
                )
            )
    return figures
