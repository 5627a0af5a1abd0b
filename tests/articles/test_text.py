"""Paragraphs, sentence ends and page-break repair."""

import pytest

from articles.text import ends_sentence, join_paragraphs, split_paragraphs
from articles.textformat import repair_page_breaks


@pytest.mark.parametrize(
    "text",
    [
        "有关区,市有关部门负责人参加。",
        "真的吗？",
        "“这是传统园区模式难以实现的。”",
        "提升报关效率;",
        "……据《重庆日报》报道。(完)",
        "成为渝新深化文旅合作的生动例证。  ",
    ],
)
def test_ends_sentence(text):
    assert ends_sentence(text)


@pytest.mark.parametrize(
    "text",
    [
        "袁家军指出,党的二十届四",
        "在海关监管领域首创“一单两报”“保税航材分",
        "渝新航线出入境人数占",
        "",
        "”",
    ],
)
def test_does_not_end_sentence(text):
    assert not ends_sentence(text)


def test_repair_joins_blocks_cut_mid_sentence():
    blocks = ["第一段。", "袁家军在调研中强调,全市各级各部", "门要深入学习。", "末段。"]
    assert repair_page_breaks(blocks) == [
        "第一段。",
        "袁家军在调研中强调,全市各级各部门要深入学习。",
        "末段。",
    ]


def test_repair_joins_a_break_across_three_blocks_and_keeps_an_unfinished_tail():
    assert repair_page_breaks(["甲", "乙", "丙。", "丁"]) == ["甲乙丙。", "丁"]


def test_split_and_join_paragraphs():
    body = "第一段。\n\n第二段。\n \n第三段。\n"
    assert split_paragraphs(body) == ["第一段。", "第二段。", "第三段。"]
    assert split_paragraphs(join_paragraphs(["甲。", "乙。"])) == ["甲。", "乙。"]
    assert split_paragraphs("一行\n同一段的第二行") == ["一行\n同一段的第二行"]


def test_paragraphs_typed_in_a_browser():
    # A textarea's line breaks arrive as \r\n.
    body = "第一段。\r\n\r\n第二段,\r\n同一段。\r\n \r\n第三段。\r\n"
    assert split_paragraphs(body) == ["第一段。", "第二段,\r\n同一段。", "第三段。"]
