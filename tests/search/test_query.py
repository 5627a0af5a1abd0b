"""Tests for search.query, the search-box query language.

Warnings are compared by code only: their messages get translated.
"""

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from search.query import (
    MAX_DEPTH,
    MAX_NEAR_DISTANCE,
    MAX_QUERY_CHARS,
    MAX_TERMS,
    NEAR_DISTANCE,
    And,
    Near,
    Not,
    Or,
    ParsedQuery,
    QueryWarning,
    Term,
    parse,
    to_text,
)

ALL_CODES = {
    "unbalanced_quote",
    "unbalanced_paren",
    "too_deep",
    "empty_group",
    "dangling_operator",
    "empty_field",
    "lone_plus",
    "punctuation_only",
    "near_default",
    "near_too_far",
    "near_one_term",
    "near_operands",
    "wildcard",
    "unknown_field",
    "soft_operator",
    "truncated",
    "too_many_terms",
    "control_chars",
    "only_negative",
    "empty",
}


def T(text, field=None, quoted=False):
    return Term(text, field, quoted)


def Q(text, field=None):
    return Term(text, field, quoted=True)


def A(*children):
    return And(children)


def O(*children):  # noqa: E743 - reads like the operator it builds
    return Or(children)


def NR(first, second, distance):
    return Near(first, second, distance)


def N(child):
    return Not(child)


TOO_LONG = "重庆" * 2500  # 5,000 characters
MANY_TERMS = " ".join(f"词{i}" for i in range(MAX_TERMS + 8))
DEEP = "(" * (MAX_DEPTH + 1) + "重庆" + ")" * (MAX_DEPTH + 1)

# (query, expected tree, expected warning codes in order)
CASES = [
    # Archive queries
    ("新质生产力", T("新质生产力"), []),
    ("陸海新通道", T("陸海新通道"), []),
    ('"二十届四中全会要求"', Q("二十届四中全会要求"), []),
    ("“二十届四中全会要求”", Q("二十届四中全会要求"), []),
    ("保税航材分拨", T("保税航材分拨"), []),
    ("中国（重庆）", T("中国（重庆）"), []),
    ("中国(重庆)", T("中国(重庆)"), []),
    ("ODLP", T("ODLP"), []),
    ("新加坡 -陆海新通道", A(T("新加坡"), N(T("陆海新通道"))), []),
    ("新加坡 NOT 陆海新通道", A(T("新加坡"), N(T("陆海新通道"))), []),
    ("重庆 OR 新加坡", O(T("重庆"), T("新加坡")), []),
    ("标题:重庆", T("重庆", "title"), []),
    ("作者：杨骏", T("杨骏", "author"), []),
    ('title:"中新 互联"', Q("中新 互联", "title"), []),
    ("人工智能+", T("人工智能+"), []),
    ("+重庆", T("重庆"), []),
    ("重庆和新加坡的航班每周有多少班", T("重庆和新加坡的航班每周有多少班"), []),
    # Syntax alone
    ("+", None, ["lone_plus", "empty"]),
    (":", None, ["punctuation_only", "empty"]),
    ("()", None, ["empty_group", "empty"]),
    ("(", None, ["unbalanced_paren", "empty"]),
    (")", None, ["unbalanced_paren", "empty"]),
    (")(", None, ["unbalanced_paren", "unbalanced_paren", "empty"]),
    ('"', None, ["unbalanced_quote", "empty"]),
    ("OR", None, ["dangling_operator", "empty"]),
    ("NOT", None, ["dangling_operator", "empty"]),
    ("- -", None, ["dangling_operator", "empty"]),
    ("……", None, ["punctuation_only", "empty"]),
    ("", None, ["empty"]),
    (" \u3000\t\n ", None, ["empty"]),
    # Whitespace and AND
    ("重庆\u3000新加坡", A(T("重庆"), T("新加坡")), []),
    ("重庆\t新加坡\n航班", A(T("重庆"), T("新加坡"), T("航班")), []),
    ("重庆 AND 新加坡", A(T("重庆"), T("新加坡")), []),
    ("重庆 重庆", A(T("重庆"), T("重庆")), []),
    ("重庆 and 新加坡", A(T("重庆"), T("新加坡")), ["soft_operator"]),
    ("AND AND 重庆", T("重庆"), ["dangling_operator"]),
    ("重庆 AND", T("重庆"), ["dangling_operator"]),
    # Quotes
    ('"中新 互联 NOT 项目"', Q("中新 互联 NOT 项目"), []),
    ("＂中新 互联＂", Q("中新 互联"), []),
    ("「中新 互联」", Q("中新 互联"), []),
    ('"他说“你好”"', Q("他说“你好”"), []),
    ("“人工智能+”行动", A(Q("人工智能+"), T("行动")), []),
    ("推进“人工智能+”行动", T("推进“人工智能+”行动"), []),
    ("“未闭合", Q("未闭合"), ["unbalanced_quote"]),
    ("重庆 “中新 互联", A(T("重庆"), Q("中新 互联")), ["unbalanced_quote"]),
    ('重庆 ""', T("重庆"), ["empty_group"]),
    # Exclusion
    ('-"中新 互联"', N(Q("中新 互联")), ["only_negative"]),
    ('新加坡 NOT "中新 互联"', A(T("新加坡"), N(Q("中新 互联"))), []),
    (
        "-(航班 OR 航线) 新加坡",
        A(N(O(T("航班"), T("航线"))), T("新加坡")),
        [],
    ),
    ("新重庆-重庆日报", T("新重庆-重庆日报"), []),
    ("-标题:重庆 新加坡", A(N(T("重庆", "title")), T("新加坡")), []),
    ("NOT NOT 重庆", T("重庆"), []),
    ("-(-重庆)", T("重庆"), []),
    ("重庆 - 新加坡", A(T("重庆"), T("新加坡")), ["dangling_operator"]),
    ("重庆 NOT", T("重庆"), ["dangling_operator"]),
    ("(重庆 -)", T("重庆"), ["dangling_operator"]),
    ("重庆 -)", T("重庆"), ["dangling_operator", "unbalanced_paren"]),
    ("-OR 重庆", A(N(T("OR")), T("重庆")), []),
    ("-陆海新通道", N(T("陆海新通道")), ["only_negative"]),
    ("-陆海新通道 -新加坡", A(N(T("陆海新通道")), N(T("新加坡"))), ["only_negative"]),
    ('-"" 重庆', T("重庆"), ["empty_group"]),
    # OR
    ("新加坡 航班 OR 航线", A(T("新加坡"), O(T("航班"), T("航线"))), []),
    ("航班 OR 航线 新加坡", A(O(T("航班"), T("航线")), T("新加坡")), []),
    ("a OR b OR c", O(T("a"), T("b"), T("c")), []),
    ("a OR OR b", O(T("a"), T("b")), ["dangling_operator"]),
    ("重庆 | 新加坡", O(T("重庆"), T("新加坡")), []),
    ("重庆|新加坡", T("重庆|新加坡"), []),
    ("重庆 or 新加坡", O(T("重庆"), T("新加坡")), ["soft_operator"]),
    ("OR 重庆", T("重庆"), ["dangling_operator"]),
    ("重庆 OR", T("重庆"), ["dangling_operator"]),
    ("重庆 OR AND 新加坡", A(T("重庆"), T("新加坡")), ["dangling_operator"] * 2),
    ("重庆 OR -新加坡", O(T("重庆"), N(T("新加坡"))), []),
    # Fields
    ("TITLE:重庆", T("重庆", "title"), []),
    ("Author：杨骏", T("杨骏", "author"), []),
    ("標題:重慶", T("重慶", "title"), []),
    ("标题:", None, ["empty_field", "empty"]),
    ("标题： 重庆", T("重庆"), ["empty_field"]),
    ('标题:""', None, ["empty_group", "empty"]),
    ("foo:bar", T("foo:bar"), ["unknown_field"]),
    ("http://x.com", T("http://x.com"), ["unknown_field"]),
    # Proximity
    ('"陆海 通道"~5', NR(Q("陆海"), Q("通道"), 5), []),
    ("“陆海 通道”～５ 重庆", A(NR(Q("陆海"), Q("通道"), 5), T("重庆")), []),
    ("陆海 NEAR/5 通道", NR(T("陆海"), T("通道"), 5), []),
    ("陆海 NEAR／0 通道", NR(T("陆海"), T("通道"), 0), []),
    ("陆海 NEAR 通道", NR(T("陆海"), T("通道"), NEAR_DISTANCE), ["near_default"]),
    ('"陆海 通道"~', NR(Q("陆海"), Q("通道"), NEAR_DISTANCE), ["near_default"]),
    ('"陆海 通道"~99', NR(Q("陆海"), Q("通道"), MAX_NEAR_DISTANCE), ["near_too_far"]),
    ("陆海 near/5 通道", NR(T("陆海"), T("通道"), 5), ["soft_operator"]),
    ("陆海 near 通道", A(T("陆海"), T("near"), T("通道")), []),
    ('"陆海"~5', Q("陆海"), ["near_one_term"]),
    ('标题:"陆海 通道"~5', NR(Q("陆海", "title"), Q("通道", "title"), 5), []),
    ("标题:(陆海 NEAR/5 通道)", NR(T("陆海", "title"), T("通道", "title"), 5), []),
    ("标题:陆海 NEAR/5 通道", A(T("陆海", "title"), T("通道")), ["near_operands"]),
    (
        '"陆海 新 通道"~3',
        A(NR(Q("陆海"), Q("新"), 3), NR(Q("新"), Q("通道"), 3)),
        [],
    ),
    ("a NEAR/2 b NEAR/3 c", A(NR(T("a"), T("b"), 2), NR(T("b"), T("c"), 3)), []),
    ("-陆海 NEAR/5 通道 重庆", A(N(NR(T("陆海"), T("通道"), 5)), T("重庆")), []),
    ("重庆 OR 陆海 NEAR/5 通道", O(T("重庆"), NR(T("陆海"), T("通道"), 5)), []),
    ("(重庆 OR 新加坡) NEAR/5 航班", A(O(T("重庆"), T("新加坡")), T("航班")), ["near_operands"]),
    ("NEAR/5 通道", T("通道"), ["dangling_operator"]),
    ("陆海 NEAR/5", T("陆海"), ["dangling_operator"]),
    ("陆海 NEAR/5 -通道", A(T("陆海"), N(T("通道"))), ["dangling_operator"]),
    ('"NEAR/5"', Q("NEAR/5"), []),
    # Constructs the language does not have: read one documented way, and said so
    ("陆海*", T("陆海"), ["wildcard"]),
    ("标题:重庆＊", T("重庆", "title"), ["wildcard"]),
    ("*", None, ["punctuation_only", "empty"]),
    ("版面:头版", T("版面:头版"), ["unknown_field"]),
    ("航班 或 航线", O(T("航班"), T("航线")), ["soft_operator"]),
    ("航班 或者 航线", O(T("航班"), T("航线")), ["soft_operator"]),
    ("重庆 并且 新加坡", A(T("重庆"), T("新加坡")), ["soft_operator"]),
    ("新加坡 不含 陆海新通道", A(T("新加坡"), N(T("陆海新通道"))), ["soft_operator"]),
    ("新加坡 not 陆海新通道", A(T("新加坡"), N(T("陆海新通道"))), ["soft_operator"]),
    ('航班 "或" 航线', A(T("航班"), Q("或"), T("航线")), []),
    ("10:30", T("10:30"), []),
    ("标题党", T("标题党"), []),
    ("标题:OR", T("OR", "title"), []),
    ("标题:作者:杨骏", T("作者:杨骏", "title"), []),
    ("标题:(航班 OR 航线)", O(T("航班", "title"), T("航线", "title")), []),
    ("标题:(重庆 作者:杨骏)", A(T("重庆", "title"), T("杨骏", "author")), []),
    # Plus
    ('+"中新 互联"', Q("中新 互联"), []),
    ("重庆 + 新加坡", A(T("重庆"), T("新加坡")), ["lone_plus"]),
    ("C++", T("C++"), []),
    ("+OR", T("OR"), []),
    # Brackets
    ("(航班 OR 航线) 新加坡", A(O(T("航班"), T("航线")), T("新加坡")), []),
    ("(航班 OR 航线)新加坡", A(O(T("航班"), T("航线")), T("新加坡")), []),
    ("(中国(重庆) OR 新加坡)", O(T("中国(重庆)"), T("新加坡")), []),
    ("(中国（重庆） OR 新加坡)", O(T("中国（重庆）"), T("新加坡")), []),
    ("((重庆))", T("重庆"), []),
    ("(重庆 新加坡) OR 北京", O(A(T("重庆"), T("新加坡")), T("北京")), []),
    (
        "(重庆 OR 新加坡) (航班 OR 航线)",
        A(O(T("重庆"), T("新加坡")), O(T("航班"), T("航线"))),
        [],
    ),
    ("(重庆 新加坡", A(T("重庆"), T("新加坡")), ["unbalanced_paren"]),
    ("重庆 新加坡)", A(T("重庆"), T("新加坡")), ["unbalanced_paren"]),
    ("中国(重庆", T("中国(重庆"), []),
    ("(中国(重庆)", T("中国(重庆)"), ["unbalanced_paren"]),
    (DEEP, T("重庆"), ["too_deep"]),
    # Limits and odd characters
    (TOO_LONG, T("重庆" * (MAX_QUERY_CHARS // 2)), ["truncated"]),
    (MANY_TERMS, A(*(T(f"词{i}") for i in range(MAX_TERMS))), ["too_many_terms"]),
    ("🚄 重庆", A(T("🚄"), T("重庆")), []),
    ("2025 ℃", A(T("2025"), T("℃")), []),
    ("\x00\x07", None, ["empty"]),
    ("重庆\x00\x07", T("重庆"), []),
    ("重\x00庆\x07", T("重庆"), ["control_chars"]),
    ("新加坡\u200b航班", T("新加坡航班"), ["control_chars"]),
    ("\u200b", None, ["empty"]),
    ("\ufeff重庆", T("重庆"), []),
    ("重\ud800庆", T("重庆"), ["control_chars"]),
    ("重庆 ，", T("重庆"), ["punctuation_only"]),
]


def codes(parsed: ParsedQuery) -> list[str]:
    return [warning.code for warning in parsed.warnings]


@pytest.mark.parametrize(("query", "tree", "warning_codes"), CASES, ids=[c[0][:30] for c in CASES])
def test_parse(query, tree, warning_codes):
    parsed = parse(query)
    assert parsed.raw == query
    assert parsed.tree == tree
    assert codes(parsed) == warning_codes


@pytest.mark.parametrize(("query", "tree", "warning_codes"), CASES, ids=[c[0][:30] for c in CASES])
def test_canonical_text_parses_back(query, tree, warning_codes):
    if tree is not None:
        assert parse(str(parse(query))).tree == tree


def test_table_covers_every_warning_code():
    assert {code for _query, _tree, case_codes in CASES for code in case_codes} == ALL_CODES


def test_warning_details_point_at_the_fragment():
    assert parse("重庆 OR").warnings == (QueryWarning("dangling_operator", "OR"),)
    assert parse("标题： 重庆").warnings == (QueryWarning("empty_field", "标题："),)
    assert parse("重庆 “中新 互联").warnings == (QueryWarning("unbalanced_quote", "“中新 互联"),)
    assert parse("新加坡\u200b航班").warnings == (QueryWarning("control_chars", "U+200B"),)


@pytest.mark.parametrize(
    ("tree", "text"),
    [
        (A(T("新加坡"), O(T("航班"), T("航线"))), "新加坡 航班 OR 航线"),
        (O(A(T("重庆"), T("新加坡")), T("北京")), "(重庆 新加坡) OR 北京"),
        (A(N(O(T("航班"), T("航线"))), T("新加坡")), "-(航班 OR 航线) 新加坡"),
        (N(Q("中新 互联", "author")), '-author:"中新 互联"'),
        (T("重庆", "title"), "title:重庆"),
        (Q('他说"你好"'), '“他说"你好"”'),
        (Q('"甲" “乙'), '“"甲" “乙”'),
        (T("OR"), "+OR"),
        (T("-重庆"), "+-重庆"),
        (N(T("NOT")), "-NOT"),
        (T("OR", "title"), "title:OR"),
        (O(A(T("a"), T("中国(")), T("b")), "(a 中国( ) OR b"),
        # Not producible by parse(): these texts cannot be bare words, so they get quoted.
        (T("中新 互联"), '"中新 互联"'),
        (T("标题:重庆"), '"标题:重庆"'),
        (T("(重庆"), '"(重庆"'),
        (NR(Q("陆海"), Q("通道"), 5), '"陆海 通道"~5'),
        (NR(T("陆海"), T("通道"), 5), "陆海 NEAR/5 通道"),
        (NR(Q("陆海", "title"), Q("通道", "title"), 5), 'title:"陆海 通道"~5'),
        (NR(T("NEAR"), Q("首席记者 杨骏"), 3), '+NEAR NEAR/3 "首席记者 杨骏"'),
        (N(NR(T("a"), T("b"), 1)), "-(a NEAR/1 b)"),
        (T("near/5"), "+near/5"),
    ],
)
def test_to_text(tree, text):
    assert to_text(tree) == text


def test_positive_terms_skip_negated_and_duplicates():
    parsed = parse("重庆 -新加坡 (航班 OR 重庆) 标题:重庆 NOT (中新 OR 航线)")
    assert parsed.positive_terms() == [T("重庆"), T("航班"), T("重庆", "title")]
    assert parse("").positive_terms() == []
    assert parse("陆海 NEAR/5 通道 -(a NEAR b)").positive_terms() == [T("陆海"), T("通道")]


def test_the_language_and_the_engine_agree_on_the_farthest_near():
    from search.backends.analysis import MAX_NEAR_DISTANCE as ENGINE_MAX

    assert MAX_NEAR_DISTANCE == ENGINE_MAX


@pytest.mark.parametrize(
    ("query", "question"),
    [
        ("重庆和新加坡的航班每周有多少班", True),
        ("重庆 新加坡 航班", False),
        ("", False),
        ('"重庆"', False),
        ("标题:重庆", False),
        ("重庆 OR 新加坡", False),
        ("重庆 -新加坡", False),
    ],
)
def test_is_question(query, question):
    assert parse(query).is_question() is question


def test_str_is_canonical_text():
    assert str(parse("作者：杨骏  NOT “中新 互联” | 航班")) == 'author:杨骏 -"中新 互联" OR 航班'
    assert str(parse("")) == ""


@pytest.fixture
def english_messages():
    """Messages are lazy; evaluating one needs settings.  Under pytest-django they are already
    configured; under ``-p no:django`` the translation machinery is simply switched off."""
    from django.conf import settings

    if not settings.configured:
        settings.configure(USE_I18N=False)


@pytest.mark.usefixtures("english_messages")
@pytest.mark.parametrize("code", sorted(ALL_CODES))
def test_every_code_has_a_message(code):
    message = QueryWarning(code, "标题:").message
    assert isinstance(message, str)
    assert message
    assert "%(" not in message


# --- Properties -------------------------------------------------------------------------------

SYNTAX_ALPHABET = ' "“”-+():：|ORNOTANDtitle标题作者中国重庆~/5'
SNIPPETS = [
    "NEAR/5",
    "NEAR",
    "near/3",
    "~2",
    "~",
    "重庆",
    "新加坡",
    "OR",
    "AND",
    "NOT",
    "|",
    "-",
    "+",
    "(",
    ")",
    '"',
    "“",
    "”",
    "标题:",
    "author：",
    "中国(重庆)",
    "中国(",
    "人工智能+",
    "-x",
    ":",
    "\u200b",
    "\t",
]

# Every code point.  st.characters() can draw lone surrogates and control characters but seldom
# does, so they are mixed in explicitly.
any_text = st.lists(st.one_of(st.characters(), st.characters(categories=["Cs", "Cc", "Cf"]))).map(
    "".join
)
queries = st.one_of(
    any_text,
    st.text(alphabet=SYNTAX_ALPHABET),
    # Whole tokens joined with and without spaces reach deeper into the grammar.
    st.lists(st.sampled_from(SNIPPETS)).map(" ".join),
    st.lists(st.sampled_from(SNIPPETS)).map("".join),
)
PROPERTY = settings(deadline=None, max_examples=500)


def iter_nodes(node):
    yield node
    if isinstance(node, Near):
        yield node.first
        yield node.second
    elif isinstance(node, Not):
        yield from iter_nodes(node.child)
    elif isinstance(node, And | Or):
        for child in node.children:
            yield from iter_nodes(child)


def terms_of(node):
    return [n for n in iter_nodes(node) if isinstance(n, Term)]


@PROPERTY
@given(any_text)
def test_never_raises_on_any_text(text):
    parsed = parse(text)
    assert parsed.raw == text
    str(parsed)


@PROPERTY
@given(st.text(alphabet=SYNTAX_ALPHABET))
def test_never_raises_on_syntax_soup(text):
    parsed = parse(text)
    assert (parsed.tree is None) == ("empty" in codes(parsed))


@PROPERTY
@given(queries)
def test_terms_are_clean_and_the_tree_well_formed(text):
    tree = parse(text).tree
    for term in terms_of(tree):
        assert term.text
        assert term.text.strip()
        assert not any(unicodedata.category(ch) in ("Cc", "Cf", "Cs") for ch in term.text)
        assert term.field in (None, "title", "author")
    for node in iter_nodes(tree):
        if isinstance(node, And | Or):
            assert len(node.children) >= 2
            assert not any(isinstance(child, type(node)) for child in node.children)
        if isinstance(node, Not):
            assert not isinstance(node.child, Not)
        if isinstance(node, Near):
            assert node.first.field == node.second.field
            assert 0 <= node.distance <= MAX_NEAR_DISTANCE


@PROPERTY
@given(queries)
def test_canonical_text_round_trips(text):
    tree = parse(text).tree
    if tree is None:
        return
    canonical = to_text(tree)
    # Canonical text can be longer than what was typed (标题: becomes title:); past the input
    # cap it would be truncated, so the guarantee stops there.
    if len(canonical) <= MAX_QUERY_CHARS:
        reparsed = parse(canonical)
        assert reparsed.tree == tree
        assert set(codes(reparsed)) <= {"only_negative"}
        assert to_text(reparsed.tree) == canonical


@PROPERTY
@given(queries)
def test_term_count_is_capped(text):
    assert len(terms_of(parse(text).tree)) <= MAX_TERMS


@PROPERTY
@given(st.lists(st.sampled_from(["重庆", "-新加坡", "(", ")", "OR"]), min_size=200).map(" ".join))
def test_long_structured_input_is_capped(text):
    # The general strategies rarely produce inputs long enough to reach the caps.
    parsed = parse(text)
    assert "truncated" in codes(parsed)
    assert len(terms_of(parsed.tree)) <= MAX_TERMS


# What 解析为 shows: the whole tree, readable in Chinese (the misreported queries first).
EXPLAINED = [
    ("航班 OR 航线", "「航班」 或者 「航线」"),
    ("重庆 AND 新加坡", "「重庆」 并且 「新加坡」"),
    ("新加坡 NOT 陆海新通道", "「新加坡」 不含 「陆海新通道」"),
    ("新加坡 -陆海新通道", "「新加坡」 不含 「陆海新通道」"),
    (
        "新加坡 (航班 OR 航线) -陆海新通道",
        "「新加坡」 并且 （「航班」 或者 「航线」） 不含 「陆海新通道」",
    ),
    ("(重庆 新加坡) OR 航线", "（「重庆」 并且 「新加坡」） 或者 「航线」"),
    ("标题:重庆 作者:杨骏", "标题中：「重庆」 并且 作者：「杨骏」"),
    ('"首席记者 杨骏"', "「首席记者 杨骏」"),
    ("-重庆", "不含 「重庆」"),
    ("航班 或 航线", "「航班」 或者 「航线」"),
    ('"陆海 通道"~5', "「陆海」与「通道」相距不超过 5 字"),
    ("陆海 NEAR/5 通道 -重庆", "「陆海」与「通道」相距不超过 5 字 不含 「重庆」"),
    ("标题:(陆海 NEAR/0 通道)", "标题中：「陆海」与「通道」相距不超过 0 字"),
    ("-陆海 NEAR/5 通道 重庆", "「重庆」 不含 （「陆海」与「通道」相距不超过 5 字）"),
    ("陆海*", "「陆海」"),
    ("版面:头版", "「版面:头版」"),
    ("", ""),
]


@pytest.mark.parametrize(("query", "shown"), EXPLAINED)
def test_the_explanation_shows_the_whole_tree(query, shown):
    from django.utils import translation

    from search.query import describe

    with translation.override("zh-hans"):
        assert describe(parse(query).tree) == shown
