"""Telling the scripts apart, and reading traditional text through a simplified copy."""

from hypothesis import given
from hypothesis import strategies as st

from articles.script import (
    CHARACTERS_FILE,
    SIMPLIFIED,
    TRADITIONAL,
    _characters,
    characters_of_each_script,
    converter,
    detect,
    has_traditional,
    simplified_copy,
)

TRADITIONAL_ONLY = sorted(_characters()[0])
BEYOND_THE_BMP = [char for char in TRADITIONAL_ONLY if ord(char) > 0xFFFF]


def test_the_shipped_characters_are_opencc_s():
    assert (
        CHARACTERS_FILE.read_text(encoding="utf-8") == "\n".join(characters_of_each_script()) + "\n"
    )


def test_detect():
    assert detect("香港特區政府今年投入85億元推動創新科技發展。") == TRADITIONAL
    assert detect("香港特区政府今年投入85亿元推动创新科技发展。") == SIMPLIFIED
    assert detect("重庆日报讯，香港「國泰航空」今天宣布增加航班，企业表示欢迎。") == SIMPLIFIED
    assert detect("2025年11月10日") == SIMPLIFIED


@given(
    st.lists(
        st.one_of(
            st.characters(codec="utf-8"),
            st.sampled_from(TRADITIONAL_ONLY),
            st.sampled_from(BEYOND_THE_BMP),
            st.sampled_from("重庆日报陆海新通道𠀀𪚥"),
        )
    ).map("".join)
)
def test_has_traditional_is_a_lookup_of_every_character(text):
    assert has_traditional(text) == (not _characters()[0].isdisjoint(text))


def test_has_traditional_finds_characters_beyond_the_bmp():
    assert BEYOND_THE_BMP  # the shipped data has some, so the slow path is tested
    assert has_traditional(f"重庆{BEYOND_THE_BMP[0]}日报")
    assert not has_traditional("重庆𠀀日报")  # beyond the BMP, but in both scripts


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
