"""Reading reporters and their roles out of bylines and datelines."""

import pytest

from articles.bylines import Credit, parse_byline, parse_dateline


@pytest.mark.parametrize(
    ("text", "credits"),
    [
        (
            "新重庆-重庆日报首席记者 杨骏 实习生 李俊晓",
            [Credit("杨骏", "首席记者"), Credit("李俊晓", "实习生")],
        ),
        (
            "新重庆-重庆日报记者 张三 通讯员 李四",
            [Credit("张三", "记者"), Credit("李四", "通讯员")],
        ),
        ("记者 王天翊", [Credit("王天翊", "记者")]),
        ("记者王天翊", [Credit("王天翊", "记者")]),
        ("本报记者 张三 李四", [Credit("张三", "本报记者"), Credit("李四", "本报记者")]),
        ("摄影记者 欧阳小明", [Credit("欧阳小明", "摄影记者")]),
    ],
)
def test_byline_credits_in_printed_order(text, credits):
    assert parse_byline(text) == credits


@pytest.mark.parametrize(
    "text",
    [
        "",
        "记者",  # a role without a name credits nobody
        "11月10日,记者从发布会上获悉,项目累计签约347个。",
        "有关区,市有关部门负责人参加。",
        "张三 李四",  # names without a role
        "记者 张三 " + "李四 " * 30,  # longer than any byline
        "记者 Zhang San",
    ],
)
def test_text_that_is_not_a_byline(text):
    assert parse_byline(text) is None


def test_dateline_credit():
    lead = "重庆日报讯(记者 王天翊)11月10日上午,市委书记袁家军前往重庆高新区"
    assert parse_dateline(lead) == ("记者 王天翊", [Credit("王天翊", "记者")])


def test_dateline_with_full_width_brackets():
    lead = "本报讯（记者 张三 通讯员 李四）昨日,"
    assert parse_dateline(lead) == (
        "记者 张三 通讯员 李四",
        [Credit("张三", "记者"), Credit("李四", "通讯员")],
    )


@pytest.mark.parametrize(
    "lead",
    [
        "11月10日,记者从中新(重庆)战略性互联互通示范项目获悉",
        "重庆日报讯(以下简称中新项目)今年",
        "“中新互联互通项目成功构建起中国(重庆)与新加坡",
    ],
)
def test_leads_without_a_dateline(lead):
    assert parse_dateline(lead) is None
