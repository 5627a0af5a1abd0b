"""Units a figure is measured in, grouped so that figures can be compared across the archive.

A figure's value is stored as printed, scaled by its magnitude words (articles.figures reads
"260亿美元" as 26000000000 美元), so most units already arrive in their base form. An editor may
still type a unit with a magnitude ("亿元", value 260), a traditional form ("噸", "億港元") or a
unit of the same kind in another size ("万吨", "公里", "公顷"). `normalize` maps each to its
**family** and to the value in the family's **base unit**:

- currencies stay apart, each its own family (元, 美元, 港元…), whatever the magnitude:
  亿元, 万元 and 元 are one family, 美元 another;
- weights compare in 吨, lengths in 米, areas in 平方米, volumes in 立方米, durations in 小时,
  energy in 千瓦时 (度), power in 千瓦, temperatures in ℃;
- a rate (%) is a rate; 成 is tens of percent (三成 = 30%); percentage points (个百分点) and
  multiples (倍) are families of their own;
- every other unit (a measure word such as 个, 家, 架次, 人次) is a family by itself.

A figure with no unit (a bare magnitude such as "人口14亿") belongs to the family NO_UNIT.
"""

import functools
from dataclasses import dataclass
from decimal import Decimal

from .script import to_simplified

# Magnitude words an editor may put in front of a unit ("亿元"), longest first.
_MAGNITUDES = (
    ("万亿", Decimal(10) ** 12),
    ("千万", Decimal(10) ** 7),
    ("百万", Decimal(10) ** 6),
    ("亿", Decimal(10) ** 8),
    ("万", Decimal(10) ** 4),
    ("千", Decimal(10) ** 3),
    ("百", Decimal(10) ** 2),
)

NO_UNIT = "无"  # the family of bare numbers ("人口14亿")
CURRENCIES = ("元", "美元", "欧元", "港元", "日元", "英镑", "韩元", "新加坡元", "澳门元", "新台币")

# unit -> (family, how many of the family's base unit one of it is)
_MEASURES = {
    "%": ("%", Decimal(1)),
    "％": ("%", Decimal(1)),
    "成": ("%", Decimal(10)),
    "个百分点": ("个百分点", Decimal(1)),
    "百分点": ("个百分点", Decimal(1)),
    "倍": ("倍", Decimal(1)),
    "吨": ("吨", Decimal(1)),
    "公斤": ("吨", Decimal("0.001")),
    "千克": ("吨", Decimal("0.001")),
    "斤": ("吨", Decimal("0.0005")),
    "克": ("吨", Decimal("0.000001")),
    "米": ("米", Decimal(1)),
    "公里": ("米", Decimal(1000)),
    "千米": ("米", Decimal(1000)),
    "厘米": ("米", Decimal("0.01")),
    "毫米": ("米", Decimal("0.001")),
    "平方米": ("平方米", Decimal(1)),
    "平方公里": ("平方米", Decimal(1_000_000)),
    "平方千米": ("平方米", Decimal(1_000_000)),
    "公顷": ("平方米", Decimal(10_000)),
    "亩": ("平方米", Decimal(10_000) / Decimal(15)),
    "立方米": ("立方米", Decimal(1)),
    "升": ("立方米", Decimal("0.001")),
    "小时": ("小时", Decimal(1)),
    "天": ("小时", Decimal(24)),
    "分钟": ("小时", Decimal(1) / Decimal(60)),
    "秒": ("小时", Decimal(1) / Decimal(3600)),
    "千瓦时": ("千瓦时", Decimal(1)),
    "度": ("千瓦时", Decimal(1)),
    "千瓦": ("千瓦", Decimal(1)),
    "兆瓦": ("千瓦", Decimal(1000)),
    "摄氏度": ("℃", Decimal(1)),
    "℃": ("℃", Decimal(1)),
    "标箱": ("标箱", Decimal(1)),
    "TEU": ("标箱", Decimal(1)),
}

# The families a reader picks from, in the order the explorer lists them, with their names.
FAMILY_NAMES = {
    "%": "百分比",
    "个百分点": "百分点",
    "倍": "倍数",
    "吨": "重量",
    "米": "长度",
    "平方米": "面积",
    "立方米": "体积",
    "小时": "时长",
    "千瓦时": "电量",
    "千瓦": "功率",
    "℃": "温度",
    "标箱": "集装箱",
    NO_UNIT: "无单位",
}


@dataclass(frozen=True)
class Measure:
    family: str  # "元", "美元", "吨", "%", "个" …; NO_UNIT for a bare number
    value: Decimal  # in the family's base unit: 5万吨 -> 50000 (吨)

    @property
    def is_currency(self):
        return self.family in CURRENCIES


def family_of(unit):
    """The family of ``unit`` (see the module docstring), without a value."""
    return _split(unit)[1]


def normalize(value, unit):
    """``value`` ``unit`` as a Measure: its family and its value in the family's base unit."""
    scale, family, factor = _split(unit)
    return Measure(family, Decimal(value) * scale * factor)


def family_name(family):
    """What the explorer calls a family: 重量 for 吨, 无单位 for bare numbers, else the unit."""
    return FAMILY_NAMES.get(family, family)


@functools.lru_cache(maxsize=4096)
def _split(unit):
    """(magnitude, family, factor to the family's base unit) of a unit as printed or typed.

    Remembered: an archive prints few distinct units, and indexing the key figures asks for
    each figure's twice (its family and its amount)."""
    unit = to_simplified((unit or "").strip())
    scale = Decimal(1)
    if unit not in _MEASURES and unit not in CURRENCIES:
        # "千瓦", "千米", "千克" and "百分点" are units, not magnitudes before 瓦, 米, 克, 分点.
        for word, magnitude in _MAGNITUDES:
            if unit.startswith(word):
                scale, unit = magnitude, unit[len(word) :]
                break
    if unit in CURRENCIES:
        return scale, unit, Decimal(1)
    family, factor = _MEASURES.get(unit, (unit or NO_UNIT, Decimal(1)))
    return scale, family, factor
