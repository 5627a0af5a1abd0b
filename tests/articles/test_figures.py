"""Tests for articles.figures: the figures (数说) an article reports.

The seed article tables copy paragraphs of the real seed text, joined where a page break cut
them, exactly as the importer hands them to `extract_figures`.
"""

from decimal import Decimal
from typing import NamedTuple

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from articles.figures import (
    LABEL_MAX_CHARS,
    FoundFigure,
    extract_figures,
    parse_number,
    split_sentences,
)
from tests.conftest import SEED_PATH


class F(NamedTuple):
    """An expected figure; values are strings so the table reads like the article."""

    text: str
    value: str
    unit: str
    label: str
    qualifier: str = ""
    value_from: str | None = None


def found(paragraph: str) -> list[F]:
    return [
        F(
            f.text,
            str(f.value),
            f.unit,
            f.label,
            f.qualifier,
            None if f.value_from is None else str(f.value_from),
        )
        for f in extract_figures(paragraph)
    ]


def texts(paragraph: str) -> list[str]:
    return [f.text for f in extract_figures(paragraph)]


def assert_well_formed(paragraph: str, figures: list[FoundFigure]) -> None:
    """The invariants every result must keep, whatever the input."""
    previous_end = 0
    for figure in figures:
        assert paragraph[figure.start : figure.end] == figure.text
        assert figure.start >= previous_end, "figures overlap or are out of order"
        previous_end = figure.end
        assert figure.text in figure.sentence
        assert figure.sentence in paragraph
        assert len(figure.label) <= LABEL_MAX_CHARS
        assert isinstance(figure.value, Decimal)


# The first seed article (lines 3–23) reports no figures at all.
ARTICLE_1 = [
    pytest.param(
        "重庆日报讯(记者 王天翊)11月10日上午,市委书记袁家军前往重庆高新区,深入企业和科研院所,宣讲"
        "党的二十届四中全会精神,调研推动新质生产力发展工作。袁家军强调,要全面学习全面贯彻党的二十"
        "届四中全会精神,深化落实习近平总书记视察重庆重要讲话重要指示精神,扎实推动科技创新和产业创"
        "新深度融合,不断催生新质生产力,厚植高质量发展新动能。",
        id="line7",
    ),
    pytest.param(
        "市领导刘尚进、郑向东、马震参加。清安储能技术公司是国家级高新技术企业,致力于推动储能安全"
        "、智慧能源领域技术攻关和产业发展。袁家军同企业负责人交谈,了解技术研发、市场拓展和产业发"
        "展趋势等情况,观看智慧零碳产业园区应用场景展示。袁家军指出,党的二十届四中全会要求加快建设"
        "新型能源体系,积极稳妥推进和实现碳达峰。希望企业加强原始创新和关键核心技术攻关,持续提升产"
        "品安全性和可靠性,不断提高市场竞争力,积极助力重庆构建新型能源体系,为如期实现碳达峰目标贡"
        "献力量。",
        id="line9+11",
    ),
    pytest.param(
        "北京大学重庆大数据研究院探索创新科技成果转化模式,在科技引领、产业带动等方面发挥了重要作"
        "用。袁家军听取研究院建设情况介绍,了解科技创新和企业孵化成果,考察中国商飞工业软件创新中心"
        "重庆分中心。他指出,要持续发挥北京大学学科与人才优势,积极对接重庆产业发展需求,深化校地合"
        "作、校企合作,不断提高科技成果转化质效。调研时,袁家军还来到青年科技工作者中,宣讲党的二十"
        "届四中全会精神,就推动科技创新和产业创新深度融合,加快建设现代化产业体系等进行了交流。",
        id="line13+15",
    ),
    pytest.param(
        "西部科学城智能网联汽车创新中心围绕智能车脑、智能云脑、智能安全等开展关键共性技术攻关,取"
        "得积极成效。袁家军考察西部智能网联汽车示范中心和相关实验室,观看“车路云一体化”测评系统演"
        "示,了解创新生态布局、信息安全平台建设等情况。他指出,要进一步加强与科研机构、汽车企业合作"
        ",强化AI赋能,打造产业技术基础公共服务平台,探索制定技术规范和行业标准,更好带动产业链上下游"
        "企业协同发展、整体提升,积极助力重庆打造智能网联新能源汽车之都。",
        id="line17",
    ),
    pytest.param(
        "袁家军在调研中强调,全市各级各部门要深入学习贯彻党的二十届四中全会精神,一体推进教育科技人"
        "才发展,着力提升市域创新体系整体效能,全面增强自主创新能力,不断催生新质生产力。要强化企业"
        "科技创新主体地位,推动创新资源加快向企业集聚,建强以龙头链主企业为主导的产业创新综合体,促"
        "进产学研协同联动,推动大中小企业协同创新、融通发展。要培育壮大新兴产业和未来产业,全面实施"
        "“人工智能+”行动,支持企业开展新技术新产品新场景应用示范,着力提升产业发展能级。要持续创新"
        "体制机制,健全科技金融服务体系,完善高端人才引进机制,深化科技开放合作,积极营造一流创新生态"
        ",不断激发各类主体创新创造活力。",
        id="line19+21",
    ),
    pytest.param("有关区,市有关部门负责人参加。", id="line23"),
]

# The second seed article (lines 31–83): every paragraph with every figure it reports.
ARTICLE_2 = [
    pytest.param(
        "11月10日,记者从中新(重庆)战略性互联互通示范项目(以下简称中新互联互通项目)实施10周年成效"
        "新闻发布会上获悉,10年来,中新互联互通项目累计签约政府和商业合作项目347个、金额260亿美元,"
        "累计跨境融资金额217亿美元,双方探索形成33项具有首创性、高辨识度的制度型开放成果。",
        [
            F("347个", "347", "个", "累计签约政府和商业合作项目"),
            F("260亿美元", "26000000000", "美元", "签约政府和商业合作项目金额"),
            F("217亿美元", "21700000000", "美元", "累计跨境融资金额"),
            F("33项", "33", "项", "双方探索形成制度型开放成果"),
        ],
        id="line31",
    ),
    pytest.param(
        "“中新互联互通项目成功构建起中国(重庆)与新加坡‘点对点’对接,带动中国西部地区与东盟国家‘面"
        "对面’合作的全新格局。”市商务委主任、市中新项目管理局局长章勇武表示,借助中新互联互通项目,"
        "越来越多的重庆企业通过新加坡走向全球市场,而来自新加坡的国际化医疗、教育、文旅资源也走进"
        "山城百姓的日常生活。",
        [],
        id="line33",
    ),
    pytest.param(
        "中新互联互通项目,是中新第三个政府间合作项目。商务部亚洲司副司长李岸介绍,从苏州的一座“工"
        "业园”,到天津的一座“生态城”,再到重庆的“互联互通”,体现了中新政府间合作不断与时俱进的鲜明特"
        "点。",
        [],
        id="line37",
    ),
    pytest.param(
        "“自2015年11月启动以来,中新互联互通项目突破传统‘园区载体’模式,以重庆、新加坡‘双枢纽’为核"
        "心,以金融、航空、物流、信息四大现代服务业领域合作为重点,构建起跨区域、跨国界的要素流动通"
        "道。”李岸介绍,比如陆海新通道开通后,重庆到新加坡的铁海联运时长从10天压缩到7天,单箱成本降"
        "低25%,重庆的汽车零部件、农产品等通过通道出口,企业物流成本降了、订单多了,这是传统园区模式"
        "难以实现的。",
        [
            F("从10天压缩到7天", "7", "天", "重庆到新加坡的铁海联运时长", "", "10"),
            F("25%", "25", "%", "单箱成本降低"),
        ],
        id="line39",
    ),
    pytest.param(
        "中新互联互通项目定位“服务西部”,10年来成效明显。比如中新跨境融资通道,已辐射西部10个省区市"
        ";陆海新通道带动西部地区对东盟进出口总额突破1万亿元,真正实现“重庆带动、西部受益”。",
        [
            F("10个", "10", "个", "辐射西部省区市"),
            F("1万亿元", "1000000000000", "元", "陆海新通道带动西部地区对东盟进出口总额", "突破"),
        ],
        id="line41",
    ),
    pytest.param(
        "此外,中新互联互通项目也注重创新,十年间探索了ODLP(合格境内有限合伙人)、数字人民币跨境结算"
        "等开放政策。在海关监管领域首创“一单两报”“保税航材分拨”等模式并在全国推广,这些制度创新为"
        "西部内陆地区开放提供了可复制的经验。",
        [],
        id="line43+47",
    ),
    pytest.param(
        "“中新互联互通项目具有互联互通、带动西部、制度创新的三大突出特点。”李岸说,项目不仅是中新"
        "共建“一带一路”的标志性成果,更成为西部内陆地区“走出去”的重要平台。商务部将一如既往地支持"
        "中新互联互通项目建设向着更高水平、更高标准发展。",
        [],
        id="line49",
    ),
    pytest.param(
        "中新互联互通项目聚焦“现代互联互通和现代服务经济”主题,在金融、航空、物流、信息四大重点领"
        "域取得丰硕成果。",
        [],
        id="line53",
    ),
    pytest.param(
        "物流领域孕育的陆海新通道,已辐射国内18个省份75个城市163个铁路站点,对外通达127个国家和地区"
        "581个港口,让中新交往与产业合作的“广度”与“密度”不断增强。",
        [
            F("18个", "18", "个", "辐射国内省份"),
            F("75个", "75", "个", "辐射国内城市"),
            F("163个", "163", "个", "辐射国内铁路站点"),
            F("127个", "127", "个", "对外通达国家和地区"),
            F("581个", "581", "个", "对外通达港口"),
        ],
        id="line55",
    ),
    pytest.param(
        "信息领域投用了中新国际互联网数据专用通道,跨境数据传输效率提升了3倍以上,赋能我市制造、物"
        "流、教育、医疗、文娱等10余个重点行业开展国际合作。",
        [
            F("3倍", "3", "倍", "跨境数据传输效率提升", "以上"),
            F("10余个", "10", "个", "重点行业开展国际合作", "余"),
        ],
        id="line57",
    ),
    pytest.param(
        "航空领域建成了渝新空中走廊,航线从最初每周5班加密至每周24班。今年1—10月,渝新航班起降架次"
        "超1900架次,旅客吞吐量超23万人次、货邮吞吐量超1400吨,同比分别增长20.2%、13.6%和2.5%。",
        [
            F("从最初每周5班加密至每周24班", "24", "班", "航线", "", "5"),
            F("1900架次", "1900", "架次", "渝新航班起降架次", "超"),
            F("23万人次", "230000", "人次", "旅客吞吐量", "超"),
            F("1400吨", "1400", "吨", "货邮吞吐量", "超"),
            F("20.2%", "20.2", "%", "渝新航班起降架次同比增长"),
            F("13.6%", "13.6", "%", "旅客吞吐量同比增长"),
            F("2.5%", "2.5", "%", "货邮吞吐量同比增长"),
        ],
        id="line59",
    ),
    pytest.param(
        "金融领域共同打造中新跨境电商服务平台,创新NRA账户(境外机构境内外汇账户)模式,服务西部企业"
        "跨境结算超4亿元。",
        [
            F("4亿元", "400000000", "元", "服务西部企业跨境结算", "超"),
        ],
        id="line61",
    ),
    pytest.param(
        "市中新项目管理局副局长孙照勇表示,除了四大重点领域外,中新互联互通项目还把合作拓展到更多领"
        "域。",
        [],
        id="line63",
    ),
    pytest.param(
        "科技教育合作方面,新加坡国立大学在两江新区设立重庆研究院,通过引入新加坡科研资源及体系,孵"
        "化科创企业45家、培养博士103人。重庆与新方高等院校共同搭建人才培养通道,渝新两地师生每年交"
        "流规模达500人次以上。",
        [
            F("45家", "45", "家", "孵化科创企业"),
            F("103人", "103", "人", "培养博士"),
            F("500人次", "500", "人次", "渝新两地师生每年交流规模", "以上"),
        ],
        id="line65",
    ),
    pytest.param(
        "文化旅游合作方面,重庆与新加坡彼此成为重要的游客来源地和出游目的地。10年来,渝新往来人次较"
        "2015年增长5倍、新加坡来渝入境过夜游客增长7倍。2024年渝新航线客运量达25.24万人次、同比增"
        "长237.3%,渝新航线出入境人数占重庆出入境人数的20%,成为渝新深化文旅合作的生动例证。",
        [
            F("5倍", "5", "倍", "渝新往来人次较2015年增长"),
            F("7倍", "7", "倍", "新加坡来渝入境过夜游客增长"),
            F("25.24万人次", "252400", "人次", "渝新航线客运量"),
            F("237.3%", "237.3", "%", "渝新航线客运量同比增长"),
            F("20%", "20", "%", "渝新航线出入境人数占重庆出入境人数"),
        ],
        id="line67+69",
    ),
    pytest.param(
        "走过10年,中新互联互通项目将开启新的发展篇章。",
        [],
        id="line73",
    ),
    pytest.param(
        "对此,章勇武介绍,在“十五五”开局与中新关系升级的背景下,下一步,中新互联互通项目将重点围绕数"
        "字经济、绿色发展两大领域挖掘新增长点,充分发挥重庆应用场景丰富和新加坡科技创新能力较强优"
        "势,通过协同创新,推动合作从“通道共建”向“产业共兴”“民生共享”深化,助力西部地区产业转型升级,"
        "让红利更多惠及企业与市民。",
        [],
        id="line75",
    ),
    pytest.param(
        "数字经济方面,重点解决企业“跨境数据流通难”、市民“数字化服务体验升级”的需求。比如,在数字陆"
        "海新通道建设上,将推动扩大重庆口岸与新加坡港集装箱数据的共享范围,拓展至陆海新通道沿线省区"
        "市及国际中转段,实现“一单到底”,进一步助力企业简化报关流程,提升报关效率;开展数字人民币跨境"
        "结算试点,在跨境贸易等场景扩大应用。",
        [],
        id="line77",
    ),
    pytest.param(
        "绿色发展方面,中新互联互通项目将围绕探索推进陆海新通道绿色可持续发展、绿色金融服务、航空"
        "领域绿色可持续发展、物流枢纽低碳化布局、绿色低碳产业园区建设等方面加强合作。",
        [],
        id="line79",
    ),
    pytest.param(
        "比如绿色低碳产业园区合作,重庆将引入新加坡“虚拟电厂+微电网”技术,探索与新加坡企业共建绿色"
        "低碳产业园,进一步实现清洁能源高效利用与碳排放精准管控,提升重庆的产业“含绿量”,助力重庆制"
        "造业企业更顺畅对接国际客户绿色采购标准。",
        [],
        id="line81",
    ),
    pytest.param(
        "“我们力争到2030年,将中新互联互通项目打造成国际数字规则开放合作和绿色发展国际合作新示范。"
        "”章勇武说,中新互联互通项目将努力在数字贸易、跨境算力、人工智能、绿色低碳等领域形成双向赋"
        "能、辨识度高、具有较强竞争力的互联互通项目,为区域经济高质量发展注入新活力,为多边合作提供"
        "新支撑。 据《重庆日报》",
        [],
        id="line83",
    ),
]


# --- the seed text ---------------------------------------------------------------------------


def test_seed_paragraphs_are_copied_exactly() -> None:
    # Page breaks only split lines, so each joined paragraph is a run of the seed's body text.
    body = "".join(
        line
        for line in SEED_PATH.read_text(encoding="utf-8").splitlines()
        if not line.startswith("#")
    )
    for param in [*ARTICLE_1, *ARTICLE_2]:
        paragraph = param.values[0]
        assert paragraph in body


@pytest.mark.parametrize("paragraph", ARTICLE_1)
def test_article_without_figures(paragraph: str) -> None:
    # 11月10日上午, 二十届四中全会, “人工智能+”, 一体化, 一流 ... are no figures.
    assert extract_figures(paragraph) == []


@pytest.mark.parametrize(("paragraph", "expected"), ARTICLE_2)
def test_article_figures(paragraph: str, expected: list[F]) -> None:
    figures = extract_figures(paragraph)
    assert found(paragraph) == expected
    assert_well_formed(paragraph, figures)


def test_article_figures_link_to_their_sentence() -> None:
    [paragraph] = [param.values[0] for param in ARTICLE_2 if param.id == "line59"]
    by_text = {f.text: f for f in extract_figures(paragraph)}
    assert (
        by_text["从最初每周5班加密至每周24班"].sentence
        == "航空领域建成了渝新空中走廊,航线从最初每周5班加密至每周24班。"
    )
    assert by_text["2.5%"].sentence.startswith("今年1—10月,")
    assert by_text["2.5%"].sentence.endswith("和2.5%。")


@pytest.mark.parametrize(
    "excluded",
    [
        "10周年", "10年来", "十年间", "2015年11月", "第三个", "三大特点", "四大", "两大",
        "1—10月", "2024年", "2030年", "十五五", "一单两报", "一单到底", "11月10日", "一座",
        "一带一路", "一如既往", "双枢纽", "走过10年",
    ],
)  # fmt: skip
def test_article_has_no_figure_inside(excluded: str) -> None:
    for param in ARTICLE_2:
        paragraph = param.values[0]
        for figure in extract_figures(paragraph):
            at = paragraph.find(excluded)
            while at >= 0:
                assert not (figure.start < at + len(excluded) and at < figure.end), figure
                at = paragraph.find(excluded, at + 1)


@pytest.mark.parametrize(
    ("heading", "expected"),
    [
        ("中新互联互通项目10年合作硕果累累", []),
        ("互联互通 带动西部 制度创新 中新互联互通项目呈现三大特点", []),
        (
            "航线加密至每周24班 渝新往来人次10年增长5倍",
            [F("24班", "24", "班", "航线加密至每周"), F("5倍", "5", "倍", "渝新往来人次10年增长")],
        ),
        ("未来聚焦数字经济和绿色发展 打造国际合作新示范", []),
    ],
)
def test_seed_headings(heading: str, expected: list[F]) -> None:
    # Spaces separate a heading's phrases, so they bound labels too.
    assert found(heading) == expected


# --- parse_number ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("347", "347"),
        ("20.2", "20.2"),
        ("12,345", "12345"),
        ("1,234,567.5", "1234567.5"),
        ("１２３．５", "123.5"),
        ("260亿", "26000000000"),
        ("1.5万", "15000"),
        ("25.24万", "252400"),
        ("0.5万", "5000"),
        ("1万亿", "1000000000000"),
        ("3千万", "30000000"),
        ("5百万", "5000000"),
        ("3亿5000万", "350000000"),
        ("二十", "20"),
        ("十", "10"),
        ("十二", "12"),
        ("两", "2"),
        ("零", "0"),
        ("一百零五", "105"),
        ("一万零五百", "10500"),
        ("三千五百万", "35000000"),
        ("一万二千", "12000"),
        ("二十三万", "230000"),
        ("十万", "100000"),
        # Spoken shorthand: a trailing lone digit takes the next lower unit.
        ("三千五", "3500"),
        ("一万二", "12000"),
        ("壹佰贰拾", "120"),
        (" 12 ", "12"),
    ],
)
def test_parse_number(text: str, expected: str) -> None:
    value = parse_number(text)
    assert value == Decimal(expected)
    assert str(value) == expected  # normalised: no "252400.00", no exponent


@pytest.mark.parametrize(
    "text",
    [
        "", " ", "abc", "%", "20%", "百分之十二", "万", "百", "亿亿", "亿万", "1万万", "1亿2亿",
        "千百", "五百千", "三四", "二〇二四", "1.2.3万", "1,2345", "1.", ".5", "-5", "1e5",
        "1" * 50,
    ],
)  # fmt: skip
def test_parse_number_rejects(text: str) -> None:
    assert parse_number(text) is None


# --- split_sentences ---------------------------------------------------------------------------


def spans_text(paragraph: str) -> list[str]:
    return [paragraph[start:end] for start, end in split_sentences(paragraph)]


def test_split_sentences_keeps_closing_quote() -> None:
    paragraph = "“带动合作的全新格局。”章勇武表示,借助项目走向全球。"
    assert spans_text(paragraph) == ["“带动合作的全新格局。”", "章勇武表示,借助项目走向全球。"]


def test_split_sentences_terminators() -> None:
    paragraph = "好的!真的?是；再见;走吗？走！末尾没有句号"
    assert spans_text(paragraph) == [
        "好的!",
        "真的?",
        "是；",
        "再见;",
        "走吗？",
        "走！",
        "末尾没有句号",
    ]


def test_split_sentences_runs_brackets_and_whitespace() -> None:
    paragraph = "  等等。。。 (完。) 据《重庆日报》 "
    assert spans_text(paragraph) == ["等等。。。", "(完。)", "据《重庆日报》"]
    assert split_sentences("") == []
    assert split_sentences(" \n ") == []


def test_split_sentences_does_not_split_decimals() -> None:
    assert spans_text("增长20.2%。下降1.5%") == ["增长20.2%。", "下降1.5%"]


# --- number forms --------------------------------------------------------------------------


def test_fullwidth_digits_and_percent_are_kept_as_printed() -> None:
    assert found("营业收入达１２３．５亿元,增长２０．５％。") == [
        F("１２３．５亿元", "12350000000", "元", "营业收入"),
        F("２０．５％", "20.5", "%", "营业收入增长"),
    ]


def test_percent_in_words() -> None:
    assert found("全年利润增长百分之十二。") == [F("百分之十二", "12", "%", "全年利润增长")]


def test_chinese_numerals_with_unit() -> None:
    assert found("全年接待游客三千万人次。") == [
        F("三千万人次", "30000000", "人次", "全年接待游客")
    ]
    assert found("新增就业一万二千人,建成十个园区") == [
        F("一万二千人", "12000", "人", "新增就业"),
        F("十个", "10", "个", "建成园区"),
    ]


def test_magnitude_with_currency_and_bare_magnitude() -> None:
    assert found("全市GDP达3.2万亿元,人口超3000万。") == [
        F("3.2万亿元", "3200000000000", "元", "全市GDP"),
        F("3000万", "30000000", "", "人口", "超"),
    ]


def test_thousands_separators() -> None:
    assert found("共接待1,234,567人次") == [F("1,234,567人次", "1234567", "人次", "接待")]


def test_units_are_matched_longest_first() -> None:
    assert [
        (f.text, f.unit) for f in extract_figures("增长3.2个百分点,运送50万标箱,发电5千瓦时")
    ] == [
        ("3.2个百分点", "个百分点"),
        ("50万标箱", "标箱"),
        ("5千瓦时", "千瓦时"),
    ]
    # The greedy numeral run gives 千 back to the unit.
    assert found("储能五千瓦时") == [F("五千瓦时", "5", "千瓦时", "储能")]


def test_list_of_percentages() -> None:
    assert texts("同比分别增长20.2%、13.6%和2.5%。") == ["20.2%", "13.6%", "2.5%"]


def test_joined_paragraph_across_page_break() -> None:
    paragraph = "渝新航线出入境人数占重庆出入境人数的20%,成为渝新深化文旅合作的生动例证。"
    assert found(paragraph) == [F("20%", "20", "%", "渝新航线出入境人数占重庆出入境人数")]


@pytest.mark.parametrize(
    ("paragraph", "expected"),
    [
        (
            "前三季度,全市实现地区生产总值2.3万亿元,同比增长5.8%。",
            [
                F("2.3万亿元", "2300000000000", "元", "全市实现地区生产总值"),
                F("5.8%", "5.8", "%", "全市实现地区生产总值同比增长"),
            ],
        ),
        (
            "截至目前,中欧班列(成渝)累计开行超3.5万列,占全国开行总量的40%以上。",
            [
                F("3.5万列", "35000", "列", "累计开行", "超"),
                F("40%", "40", "%", "占全国开行总量", "以上"),
            ],
        ),
        (
            "全市新增城镇就业30.5万人,城镇调查失业率为5.3%。",
            [
                F("30.5万人", "305000", "人", "全市新增城镇就业"),
                F("5.3%", "5.3", "%", "城镇调查失业率"),
            ],
        ),
        (
            "该校今年招收新生3200名,其中研究生800名、本科生2400名。",
            [
                F("3200名", "3200", "名", "该校今年招收新生"),
                F("800名", "800", "名", "研究生"),
                F("2400名", "2400", "名", "本科生"),
            ],
        ),
        (
            "重庆有38个区县,常住人口3191万。",
            [F("38个", "38", "个", "重庆有区县"), F("3191万", "31910000", "", "常住人口")],
        ),
        (
            "“十四五”以来,全市累计建成5G基站10.5万个。",
            [F("10.5万个", "105000", "个", "累计建成5G基站")],
        ),
        ("1至9月,全市规上工业增加值增长7.2%。", [F("7.2%", "7.2", "%", "全市规上工业增加值增长")]),
    ],
)
def test_typical_reports(paragraph: str, expected: list[F]) -> None:
    assert found(paragraph) == expected


# --- qualifiers --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("paragraph", "text", "qualifier"),
    [
        ("起降架次超1900架次", "1900架次", "超"),
        ("总投资超过500亿元", "500亿元", "超过"),
        ("参与近3万人", "3万人", "近"),
        ("接近300家", "300家", "接近"),
        ("投资约5亿元", "5亿元", "约"),
        ("培训逾2000人次", "2000人次", "逾"),
        ("进出口总额突破1万亿元", "1万亿元", "突破"),
        ("不足10%", "10%", "不足"),
        ("提升了3倍以上", "3倍", "以上"),
        ("交流规模达500人次以上", "500人次", "以上"),
        ("耗时10天左右", "10天", "左右"),
        ("10余个重点行业", "10余个", "余"),
        ("300多家企业", "300多家", "多"),
        ("10万余人参与", "10万余人", "余"),
        ("客运量达25.24万人次", "25.24万人次", ""),  # 达 is not an approximation
        ("最近3天", "3天", ""),  # 最近 means recently
        ("签约3个项目", "3个", ""),  # 签约 is a verb
        ("节约3吨", "3吨", ""),
    ],
)
def test_qualifiers(paragraph: str, text: str, qualifier: str) -> None:
    [figure] = extract_figures(paragraph)
    assert (figure.text, figure.qualifier) == (text, qualifier)
    assert not (qualifier and qualifier in figure.label)


# --- from–to pairs -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("paragraph", "expected"),
    [
        (
            "铁海联运时长从10天压缩到7天",
            F("从10天压缩到7天", "7", "天", "铁海联运时长", "", "10"),
        ),
        (
            "航线从最初每周5班加密至每周24班。",
            F("从最初每周5班加密至每周24班", "24", "班", "航线", "", "5"),
        ),
        ("项目总数由12个增加至30个。", F("由12个增加至30个", "30", "个", "项目总数", "", "12")),
        ("规模从5到10万人", F("从5到10万人", "100000", "人", "规模", "", "5")),
        ("从2015年的3个增加到10个", F("从2015年的3个增加到10个", "10", "个", "", "", "3")),
        ("人数从1万增至超3万人", F("从1万增至超3万人", "30000", "人", "人数", "超", "10000")),
        (
            "投资从2020年的100亿元增长到2024年的300亿元。",
            F(
                "从2020年的100亿元增长到2024年的300亿元",
                "30000000000",
                "元",
                "投资",
                "",
                "10000000000",
            ),
        ),
    ],
)
def test_from_to_pairs(paragraph: str, expected: F) -> None:
    assert found(paragraph) == [expected]


def test_from_to_needs_an_opener_and_one_dimension() -> None:
    assert texts("由于3个原因,增加到10个") == ["3个", "10个"]
    assert texts("从3个增加到10吨") == ["3个", "10吨"]  # different things: not one quantity
    assert texts("从2015年到2024年") == []


@pytest.mark.parametrize(
    ("paragraph", "value_from", "value", "unit"),
    [
        ("通行时间由2小时缩短至40分钟。", "120", "40", "分钟"),
        ("从3天缩短到10小时。", "72", "10", "小时"),
        ("线路从800米延长到1.2公里。", "0.8", "1.2", "公里"),
    ],
)
def test_a_pair_may_change_unit_within_a_dimension(paragraph, value_from, value, unit) -> None:
    (figure,) = extract_figures(paragraph)
    assert (figure.value_from, figure.value, figure.unit) == (
        Decimal(value_from),
        Decimal(value),
        unit,
    )


# --- labels ------------------------------------------------------------------------------------


def test_label_noun_after_measure_word_shares_the_verb() -> None:
    assert found("已辐射国内18个省份75个城市163个铁路站点,对外通达127个国家和地区。") == [
        F("18个", "18", "个", "辐射国内省份"),
        F("75个", "75", "个", "辐射国内城市"),
        F("163个", "163", "个", "辐射国内铁路站点"),
        F("127个", "127", "个", "对外通达国家和地区"),
    ]


def test_label_drops_relative_clause_and_enumeration() -> None:
    assert (
        found("双方形成33项具有首创性、高辨识度的制度型开放成果。")[0].label
        == "双方形成制度型开放成果"
    )
    assert found("赋能制造、物流等10余个重点行业。")[0].label == "重点行业"


def test_label_strips_dates_and_connectors() -> None:
    assert found("2024年渝新航线客运量达25.24万人次")[0].label == "渝新航线客运量"
    assert found("比如单箱成本降低了25%")[0].label == "单箱成本降低"
    assert found("今年1—10月共完成投资5亿元")[0].label == "完成投资"
    assert found("对外通达127个港口")[0].label == "对外通达港口"  # 通达 keeps its 达
    assert found("建成后年产值可达300亿元")[0].label == "建成后年产值"


def test_label_list_sharing_a_verb_stops_at_de() -> None:
    assert found("活动吸引了来自30多个国家和地区的500余名嘉宾参加。") == [
        F("30多个", "30", "个", "活动吸引了来自国家和地区", "多"),
        F("500余名", "500", "名", "嘉宾参加", "余"),
    ]


def test_label_starts_at_cumulative() -> None:
    assert found("中新互联互通项目累计签约了12个项目。")[0].label == "累计签约项目"


def test_label_lends_subject_to_change() -> None:
    assert found("客运量25万人次、同比增长23%、环比增长5%。") == [
        F("25万人次", "250000", "人次", "客运量"),
        F("23%", "23", "%", "客运量同比增长"),
        F("5%", "5", "%", "客运量环比增长"),
    ]
    assert found("同比增长23%")[0].label == "同比增长"  # nothing to lend


def test_label_distributes_over_listed_items() -> None:
    assert found("出口、进口同比分别增长5%和3%。") == [
        F("5%", "5", "%", "出口同比增长"),
        F("3%", "3", "%", "进口同比增长"),
    ]
    assert found("新签约项目120个,总投资超过500亿元,分别增长20%和35%。")[2:] == [
        F("20%", "20", "%", "新签约项目增长"),
        F("35%", "35", "%", "总投资增长"),
    ]
    # Nothing to pair with: fall back to the shared verb.
    assert [f.label for f in extract_figures("同比分别增长20.2%、13.6%和2.5%。")] == [
        "同比增长"
    ] * 3


def test_label_is_capped() -> None:
    paragraph = (
        "这是一段非常非常长的没有任何标点符号的用来测试标签长度上限的主语"
        "和它的很长很长的营业收入5亿元"
    )
    [figure] = extract_figures(paragraph)
    assert len(figure.label) <= LABEL_MAX_CHARS
    assert figure.label.endswith("营业收入")


# --- what is not a figure ------------------------------------------------------------------


@pytest.mark.parametrize(
    "paragraph",
    [
        "11月10日上午,市委书记前往高新区",
        "2015年11月启动以来",
        "今年1—10月",
        "到2030年",
        "上午10时,下午3点",
        "实施10周年",
        "10年来成效明显,十年间探索了政策,走过10年",
        "前10个月,前三个月",
        "中新第三个政府间合作项目,排名第1",
        "呈现三大特点,四大重点领域,两大领域,十大工程",
        "党的二十届四中全会精神",
        "在“十五五”开局之际",
        "首创“一单两报”模式,实现“一单到底”,共建“一带一路”",
        "以重庆、新加坡“双枢纽”为核心",
        "一体化,一流,统一,进一步,一如既往,之一,一体推进,万一,一些",
        "从苏州的一座“工业园”,到天津的一座“生态城”",
        "一种模式,一批项目,一次会议",
        "全面实施“人工智能+”行动",
        "打造“1小时经济圈”和“15分钟生活圈”",
        "坚持五位一体总体布局,做到两个维护",
        "印发《关于支持100个项目的通知》",
        "数十个项目落地,几百家企业入驻",
        "5G网络,C919大飞机",
        "万州区、九龙坡区、陆家嘴、两江新区、渝新两地",
        "千家万户,千万不能,三四个人",
        "工业4.0,版本2.0",
    ],
)
def test_not_figures(paragraph: str) -> None:
    assert extract_figures(paragraph) == []


def test_one_counts_only_where_it_is_not_an_article() -> None:
    assert texts("增长一倍,下降一个百分点,占百分之一,两个国家") == [
        "一倍",
        "一个百分点",
        "百分之一",
        "两个",
    ]


def test_latin_unit_and_model_names() -> None:
    assert found("5G基站3000个,C919交付5架,吞吐量约500万TEU") == [
        F("3000个", "3000", "个", "5G基站"),
        F("5架", "5", "架", "C919交付"),
        F("500万TEU", "5000000", "TEU", "吞吐量", "约"),
    ]


def test_currency_is_not_a_date() -> None:
    assert found("出口100亿日元,用时3分钟") == [
        F("100亿日元", "10000000000", "日元", "出口"),
        F("3分钟", "3", "分钟", "用时"),
    ]


# --- robustness --------------------------------------------------------------------------------


ODD_INPUTS = [
    "",
    " ",
    "\n\n",
    "。。。",
    "%%%",
    "％",
    "亿亿",
    "万",
    "1.2.3万",
    "百分之",
    "百分之百",
    "从",
    "从到至",
    "分别",
    "分别增长",
    "“",
    "”。",
    "第",
    "1",
    "一",
    "１２,",
    "1,",
    ",1",
    "1,2,3,4个",
    "....1....",
    "个个个",
    "超超超5个",
    "\x00\ufffd\U0001f600",
    "1" * 10_000,
    "一" * 10_000,
    "1." * 5_000,
    "3个" * 5_000,
    "从1个到" * 2_000,
    "分别增长" + "5%、" * 2_000,
    "“" * 5_000 + "3个" * 1_000,
    ("旅客吞吐量超23万人次、同比增长237.3%," * 300)[:10_000],
]


@pytest.mark.parametrize("paragraph", ODD_INPUTS, ids=range(len(ODD_INPUTS)))
def test_odd_inputs_never_raise(paragraph: str) -> None:
    assert_well_formed(paragraph, extract_figures(paragraph))
    split_sentences(paragraph)
    parse_number(paragraph)


# Characters that steer the extractor down its less trodden paths.
_TRICKY = st.sampled_from(
    [
        *"0123456789０９.．,，、。；;%％万亿千百十零一二两三四五个家人次天倍元吨美",
        *("从", "到", "至", "由", "分别", "同比", "增长", "超", "约", "近", "余", "多", "以上"),
        *("的", "第", "年", "月", "日", "“", "”", "《", "》", "(", ")", " ", "累计", "G", "TEU"),
    ]
)


@settings(database=None, max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_TRICKY, max_size=80).map("".join) | st.text(max_size=200))
def test_any_text_gives_well_formed_figures(paragraph: str) -> None:
    assert_well_formed(paragraph, extract_figures(paragraph))


def test_found_figure_is_frozen() -> None:
    [figure] = extract_figures("孵化科创企业45家")
    with pytest.raises(AttributeError):
        figure.value = Decimal(0)  # type: ignore[misc]
    assert not hasattr(figure, "__dict__")


# --- Chinese numerals against an independent reader (cn2an) -------------------------------------


@settings(max_examples=500, deadline=None)
@given(st.integers(min_value=0, max_value=10**16 - 1))
def test_chinese_numerals_read_as_cn2an_writes_them(number: int) -> None:
    import cn2an

    written = cn2an.an2cn(number)  # 十二万零三十四
    assert parse_number(written) == Decimal(number)
