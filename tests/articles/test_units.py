from decimal import Decimal

import pytest

from articles.units import NO_UNIT, family_name, family_of, normalize


@pytest.mark.parametrize(
    ("value", "unit", "family", "base_value"),
    [
        # Magnitudes an editor types into the unit scale the value; currencies stay apart.
        ("260", "亿美元", "美元", "26000000000"),
        ("26000000000", "美元", "美元", "26000000000"),
        ("85", "亿元", "元", "8500000000"),
        ("3.5", "万元", "元", "35000"),
        ("120", "元", "元", "120"),
        ("1.2", "万亿元", "元", "1200000000000"),
        ("2000", "亿港元", "港元", "200000000000"),
        ("5", "千万元", "元", "50000000"),
        ("300", "百万欧元", "欧元", "300000000"),
        ("2", "新加坡元", "新加坡元", "2"),
        # Traditional forms read as their simplified units.
        ("85", "億元", "元", "8500000000"),
        ("2000", "億港元", "港元", "200000000000"),
        ("5", "萬標箱", "标箱", "50000"),
        ("3", "萬噸", "吨", "30000"),
        ("12", "個", "个", "12"),
        # Weights in 吨, lengths in 米, areas in 平方米, volumes in 立方米.
        ("5", "万吨", "吨", "50000"),
        ("500", "公斤", "吨", "0.5"),
        ("500", "千克", "吨", "0.5"),
        ("3", "公里", "米", "3000"),
        ("3", "千米", "米", "3000"),
        ("20", "厘米", "米", "0.2"),
        ("2", "平方公里", "平方米", "2000000"),
        ("3", "公顷", "平方米", "30000"),
        ("15", "亩", "平方米", "10000"),
        ("2", "升", "立方米", "0.002"),
        # Durations in 小时; energy, power, temperature.
        ("2", "天", "小时", "48"),
        ("30", "分钟", "小时", "0.5"),
        ("1", "万千瓦时", "千瓦时", "10000"),
        ("100", "万度", "千瓦时", "1000000"),
        ("2", "兆瓦", "千瓦", "2000"),
        ("7", "千瓦", "千瓦", "7"),
        ("-3", "℃", "℃", "-3"),
        ("25", "摄氏度", "℃", "25"),
        # Rates: % (and 成, tens of percent); points and multiples are families of their own.
        ("20.2", "%", "%", "20.2"),
        ("20.2", "％", "%", "20.2"),
        ("3", "成", "%", "30"),
        ("1.5", "个百分点", "个百分点", "1.5"),
        ("1.5", "百分点", "个百分点", "1.5"),
        ("2", "倍", "倍", "2"),
        # Counts: each measure word is its own family, magnitudes still scale.
        ("347", "个", "个", "347"),
        ("24", "班", "班", "24"),
        ("1900", "架次", "架次", "1900"),
        ("100", "万人次", "人次", "1000000"),
        ("5", "TEU", "标箱", "5"),
        # A bare magnitude, typed or printed.
        ("14", "亿", NO_UNIT, "1400000000"),
        ("1400000000", "", NO_UNIT, "1400000000"),
    ],
)
def test_normalize(value, unit, family, base_value):
    measure = normalize(Decimal(value), unit)
    assert measure.family == family
    assert abs(measure.value - Decimal(base_value)) < Decimal("1e-9")  # 亩 is 10000/15 m²


def test_currencies_are_kept_apart():
    families = {family_of(unit) for unit in ("元", "亿元", "万元")}
    assert families == {"元"}
    assert len({family_of(unit) for unit in ("元", "美元", "港元", "欧元", "日元")}) == 5
    assert normalize(Decimal(1), "亿美元").is_currency
    assert not normalize(Decimal(1), "吨").is_currency


def test_units_that_begin_like_a_magnitude_are_units():
    assert family_of("千瓦") == "千瓦"
    assert family_of("千米") == "米"
    assert family_of("千克") == "吨"
    assert family_of("百分点") == "个百分点"


def test_family_names():
    assert family_name("吨") == "重量"
    assert family_name(NO_UNIT) == "无单位"
    assert family_name("美元") == "美元"
