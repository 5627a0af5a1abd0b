"""Telling the scripts apart, and reading traditional text through a simplified copy."""

from articles.script import (
    CHARACTERS_FILE,
    SIMPLIFIED,
    TRADITIONAL,
    characters_of_each_script,
    converter,
    detect,
    simplified_copy,
)


def test_the_shipped_characters_are_opencc_s():
    assert (
        CHARACTERS_FILE.read_text(encoding="utf-8") == "\n".join(characters_of_each_script()) + "\n"
    )


def test_detect():
    assert detect("香港特區政府今年投入85億元推動創新科技發展。") == TRADITIONAL
    assert detect("香港特区政府今年投入85亿元推动创新科技发展。") == SIMPLIFIED
    assert detect("重庆日报讯，香港「國泰航空」今天宣布增加航班，企业表示欢迎。") == SIMPLIFIED
    assert detect("2025年11月10日") == SIMPLIFIED


def test_a_simplified_copy_keeps_every_position():
    text = "據《大公報》報道，記者陳嘉欣6月17日"
    copy = simplified_copy(text)
    assert copy == "据《大公报》报道，记者陈嘉欣6月17日"
    assert len(copy) == len(text)
    plain = "重庆日报讯(记者 王天翊)"
    assert simplified_copy(plain) is plain  # nothing to convert: the text itself


def test_the_converter_is_shared_with_search():
    from search import tokenize

    assert tokenize._opencc() is converter("t2s")
