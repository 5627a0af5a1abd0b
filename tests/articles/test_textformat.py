"""The text format as newspapers write it: bylines, sources, scripts, in both scripts."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from articles.bylines import AFTER_ROLES, ROLES, Credit
from articles.script import SIMPLIFIED, TRADITIONAL, converter
from articles.textformat import ParsedArticle, ParsedSection, parse, render

LEAD = "6月17日，特区政府公布新一轮支持措施，惠及企业3000家。"
BODY = "措施将在今年内落实。"


def traditional(text):
    return converter("s2t").convert(text)


def one(text):
    (article,) = parse(text)
    return article


def credits(article):
    return [(credit.name, credit.role) for credit in article.credits]


# -- bylines


BYLINE_LINES = [
    ("(记者 王天翊)", [("王天翊", "记者")]),
    ("新重庆-重庆日报首席记者 杨骏 实习生 李俊晓", [("杨骏", "首席记者"), ("李俊晓", "实习生")]),
    ("本报记者 张三 李四", [("张三", "本报记者"), ("李四", "本报记者")]),
    (
        "本报记者 张三 通讯员 李四 王五",
        [("张三", "本报记者"), ("李四", "通讯员"), ("王五", "通讯员")],
    ),
    ("文/记者 张三 图/李四", [("张三", "记者"), ("李四", "图")]),
    ("文/张三", [("张三", "文")]),
    ("张三 摄", [("张三", "摄影")]),
    ("记者 张三 报道", [("张三", "记者")]),
    ("通讯员 欧阳小明", [("欧阳小明", "通讯员")]),
    ("记者 阿卜杜·热合曼", [("阿卜杜·热合曼", "记者")]),
]


@pytest.mark.parametrize("script", ["simplified", "traditional"])
@pytest.mark.parametrize(("byline", "expected"), BYLINE_LINES)
def test_byline_lines_in_both_scripts(script, byline, expected):
    convert = traditional if script == "traditional" else str
    if byline.startswith("("):
        text = f"# 标题\n\n重庆日报讯{convert(byline)}{convert(LEAD)}\n"
    else:
        text = f"# 标题\n\n{convert(byline)}\n\n{convert(LEAD)}\n"
    article = one(text)
    names = [(convert(name), role) for name, role in expected]
    assert credits(article) == names
    assert article.sections[0].paragraphs[0].endswith(convert(LEAD))


@pytest.mark.parametrize(
    ("lead", "byline", "names", "rest"),
    [
        ("记者 陈嘉欣6月17日，特区政府", "记者 陈嘉欣", [("陈嘉欣", "记者")], "6月17日，特区政府"),
        ("記者 陳嘉欣6月17日，特區政府", "記者 陳嘉欣", [("陳嘉欣", "记者")], "6月17日，特區政府"),
        (
            "本报记者 张三 李四 今天上午，市政府",
            "本报记者 张三 李四",
            [("张三", "本报记者"), ("李四", "本报记者")],
            "今天上午，市政府",
        ),
        ("记者 王天翊 11月10日上午，", "记者 王天翊", [("王天翊", "记者")], "11月10日上午，"),
    ],
)
def test_a_byline_glued_to_the_lead_is_taken_out_of_it(lead, byline, names, rest):
    article = one(f"# 标题\n\n{lead}{BODY}\n")
    assert article.byline == byline
    assert credits(article) == names
    assert article.sections[0].paragraphs[0] == rest + BODY
    assert article.warnings == []


def test_a_byline_the_text_runs_into_stays_text_with_a_warning():
    article = one(f"# 标题\n\n本报记者 王伟今天宣布{BODY}\n")
    assert article.byline == ""
    assert article.sections[0].paragraphs[0].startswith("本报记者 王伟今天")
    ((line, message),) = article.warnings
    assert line == 3
    assert "本报记者 王伟今天" in message


def test_an_agency_dateline_is_the_source_and_its_credit_the_byline():
    article = one(f"# 标题\n\n新华社北京11月10日电（记者 张三）{LEAD}\n")
    assert article.source == "新华社北京11月10日电"
    assert credits(article) == [("张三", "记者")]
    assert article.sections[0].paragraphs[0].startswith("新华社北京11月10日电")


def test_text_that_only_mentions_reporters_is_text():
    for lead in ("11月10日，记者从发布会上获悉，", "记者从发布会上获悉，", "张三 李四 今天"):
        article = one(f"# 标题\n\n{lead}{BODY}\n")
        assert article.byline == ""
        assert article.sections[0].paragraphs[0] == lead + BODY


# -- sources


@pytest.mark.parametrize("script", ["simplified", "traditional"])
@pytest.mark.parametrize(
    "source",
    [
        "据《重庆日报》",
        "据《重庆日报》报道",
        "据人民网",
        "据新华社",
        "（来源：中新网）",
        "来源：新华网",
    ],
)
def test_source_lines_on_their_own_paragraph(script, source):
    convert = traditional if script == "traditional" else str
    article = one(f"# 标题\n\n{convert(LEAD)}\n\n{convert(source)}\n")
    assert article.source == convert(source)
    assert article.sections[0].paragraphs == [convert(LEAD)]


@pytest.mark.parametrize("source", ["据人民网", "据《大公报》", "（来源：中新网）"])
def test_a_source_glued_to_the_last_paragraph(source):
    article = one(f"# 标题\n\n{LEAD}{source}\n")
    assert article.source == source
    assert article.sections[0].paragraphs == [LEAD]


@pytest.mark.parametrize("ending", ["据统计", "据了解，项目进展顺利。", "据介绍"])
def test_sentences_that_open_with_ju_are_not_sources(ending):
    article = one(f"# 标题\n\n{LEAD}\n\n{ending}\n")
    assert article.source == ""


# -- scripts


def test_the_articles_script_is_detected():
    assert one(f"# 标题\n\n{LEAD}\n").script == SIMPLIFIED
    assert one(f"# {traditional('标题')}\n\n{traditional(LEAD)}\n").script == TRADITIONAL
    # A simplified article quoting a traditional name stays simplified.
    assert one(f"# 标题\n\n{LEAD}香港的「國泰航空」表示，{BODY}\n").script == SIMPLIFIED


def test_text_is_kept_as_printed_in_either_script():
    article = one(f"# {traditional('标题')}\n\n{traditional(LEAD)}\n")
    assert article.sections[0].paragraphs == [traditional(LEAD)]


# -- parse ∘ render


HAN = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)
# Names, never a role word (a reporter named 通讯员 cannot be told from the role).
names = st.text(HAN, min_size=2, max_size=3).filter(
    lambda name: not any(word in converter("t2s").convert(name) for word in (*ROLES, *AFTER_ROLES))
)
sentences = st.builds(
    lambda words, end: words + end, st.text(HAN, min_size=1, max_size=30), st.sampled_from("。！？")
)
sections = st.builds(
    ParsedSection,
    heading=st.text(HAN, min_size=2, max_size=12),
    line=st.just(0),
    paragraphs=st.lists(
        st.lists(sentences, min_size=1, max_size=3).map("".join), min_size=1, max_size=4
    ),
)


def _article(title, deck, people, role, lead, rest, source, script):
    convert = traditional if script == "traditional" else str
    return ParsedArticle(
        title=convert(title),
        line=0,
        deck=convert(deck),
        byline=convert(" ".join([role, *people])) if people else "",
        credits=[Credit(convert(name), role) for name in people],
        source=convert(source),
        sections=[
            ParsedSection("", 0, [convert(p) for p in lead]),
            *(
                ParsedSection(convert(s.heading), 0, [convert(p) for p in s.paragraphs])
                for s in rest
            ),
        ],
    )


articles = st.builds(
    _article,
    title=st.text(HAN, min_size=2, max_size=20),
    deck=st.one_of(st.just(""), st.text(HAN, min_size=2, max_size=20)),
    people=st.lists(names, max_size=3, unique=True),
    role=st.sampled_from(["记者", "本报记者", "通讯员", "实习生"]),
    lead=st.lists(st.lists(sentences, min_size=1, max_size=3).map("".join), min_size=1),
    rest=st.lists(sections, max_size=3),
    source=st.sampled_from(["", "据《重庆日报》", "据人民网", "来源：新华网"]),
    script=st.sampled_from(["simplified", "traditional"]),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(articles, min_size=1, max_size=3))
def test_parse_of_render_gives_the_same_articles(generated):
    first = parse(render(generated))
    assert parse(render(first)) == first
    for original, parsed in zip(generated, first, strict=True):
        assert (parsed.title, parsed.deck, parsed.source) == (
            original.title,
            original.deck,
            original.source,
        )
        assert parsed.credits == original.credits
