"""Parse what researchers type into the search box into a small boolean query tree.

Queries are mostly Chinese, typed with Chinese input methods, pasted from articles or written as
natural-language questions, so the language is forgiving: ``parse`` never raises.  Whatever it
cannot use is dropped and reported as a ``QueryWarning`` the search page can show.

Grammar, over the tokens produced by ``_Lexer`` (whitespace separates tokens)::

    query    = and_expr ;
    and_expr = { or_expr | "AND" } ;              (* juxtaposition means AND *)
    or_expr  = unary { ("OR" | "|") unary } ;     (* OR binds tighter than AND, as in Google *)
    unary    = ("NOT" | "-") unary | near ;       (* "-" is glued to its operand: -x, -"a b" *)
    near     = primary { "NEAR" ["/" n] primary } ;
    primary  = ["+"] ( term | [field] "(" and_expr ")" ) ;
    term     = [field] ( quoted ["~" [n]] | word ) ;
    field    = ( "标题" | "標題" | "title" | "作者" | "author" ) ( ":" | "：" ) ;
    quoted   = '"' text '"' | "“" text "”" | "＂" text "＂" | "「" text "」" ;

Proximity: ``陆海 NEAR/5 通道`` and ``"陆海 通道"~5`` both mean 陆海 and 通道 in one paragraph,
in either order, with at most 5 characters between them (``Near``).  Without a number the
distance is NEAR_DISTANCE; it goes up to MAX_NEAR_DISTANCE.  NEAR binds tighter than NOT, so
``-陆海 NEAR/5 通道`` excludes the pair.  ``"a b c"~5`` and ``a NEAR/5 b NEAR/5 c`` ask each
neighbouring pair to be near, and NEAR between anything but two terms of one field is read
as AND, with a warning.

What the language does not support is never searched silently as literal text; each case is
read one documented way and says so with a warning:

- ``陆海*`` (a wildcard): every term already matches inside longer words, so the ``*`` is
  dropped and ``陆海`` searched;
- ``版面:头版`` (a field the archive does not have): searched as the text ``版面:头版``;
- ``and``, ``or``, ``not`` and ``near/5`` in lower case, and ``或``, ``或者``, ``并且``,
  ``不含`` standing alone between terms, are read as the operators AND, OR, NOT and NEAR
  (quote them to search the words).  ``与`` and ``非`` are not operators: alone between
  two terms they are as likely to be text (与 in 重庆 与 新加坡 is part of a pasted phrase).

Where a character stands decides whether it is syntax, which is why this is a hand-written
scanner and not a regular expression: "(" only opens a group at the start of a token, ")" only
closes one when the word it ends has no "(" of its own left open (so 中国(重庆) stays one word),
"-" and "+" are only prefixes at the start of a token (新重庆-重庆日报, 人工智能+ are words),
quotes only open at the start of a token, and the operator words are only operators when they
stand alone and in upper case.  After a "-", "+" or field prefix the next word is taken
literally: ``-OR`` excludes the word "OR".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, replace

from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _

MAX_QUERY_CHARS = 256
MAX_TERMS = 32
# Brackets nested deeper than this are dropped.  Nobody needs more, and it keeps the recursive
# parser (about four stack frames per level) far from Python's recursion limit.
MAX_DEPTH = 16
# Proximity, in characters between the two terms.  Engines answer up to MAX_NEAR_DISTANCE
# exactly (search.backends.analysis has the same limit).
NEAR_DISTANCE = 10
MAX_NEAR_DISTANCE = 20

# Field prefixes, matched case-insensitively, to the field names the search layer knows.
_FIELDS = {"标题": "title", "標題": "title", "title": "title", "作者": "author", "author": "author"}
_FIELD_SEPARATORS = (":", "：")
# Opening quotation mark -> the closing mark it needs.  Pairs are strict so that a phrase can
# contain the other kinds of quotes: "他说“你好”" is one phrase.
_QUOTES = {'"': '"', "“": "”", "＂": "＂", "「": "」"}

# A term without a letter, digit or pictographic symbol (only ":" or "，", say) can only match
# noise, so it is dropped.  Private-use and unassigned code points are kept: old digitised
# texts use them for rare characters, and Python's Unicode tables lag behind new CJK blocks.
_CONTENT_CATEGORIES = frozenset({"So", "Co", "Cn"})


@dataclass(frozen=True, slots=True)
class Term:
    text: str  # exact string as typed (quotes/prefix/leading + removed); never empty
    field: str | None = None  # None (all text), "title" or "author"
    quoted: bool = False


@dataclass(frozen=True, slots=True)
class Not:
    child: Node


@dataclass(frozen=True, slots=True)
class And:
    children: tuple[Node, ...]  # >= 2 children, no And directly inside


@dataclass(frozen=True, slots=True)
class Or:
    children: tuple[Node, ...]  # >= 2 children, no Or directly inside


@dataclass(frozen=True, slots=True)
class Near:
    first: Term
    second: Term  # in the same field as ``first``
    distance: int  # at most this many characters between them, 0 to MAX_NEAR_DISTANCE


Node = Term | Not | And | Or | Near


@dataclass(frozen=True, slots=True)
class QueryWarning:
    code: str
    detail: str = ""  # the offending fragment, if any

    @property
    def message(self) -> str:
        """A sentence for the user, in the active language."""
        return _MESSAGES[self.code] % {
            "detail": self.detail,
            "max_chars": MAX_QUERY_CHARS,
            "max_terms": MAX_TERMS,
            "max_depth": MAX_DEPTH,
            "near_distance": NEAR_DISTANCE,
            "max_near_distance": MAX_NEAR_DISTANCE,
        }


# Lazy, so nothing is translated (or needs settings) until a message is shown.
_MESSAGES = {
    "unbalanced_quote": _(
        "The closing quotation mark is missing; the rest of the query was read as one phrase."
    ),
    "unbalanced_paren": _("A bracket without its partner was ignored: %(detail)s"),
    "too_deep": _("Brackets nested more than %(max_depth)d levels deep were ignored."),
    "empty_group": _("Empty brackets or quotation marks were ignored: %(detail)s"),
    "dangling_operator": _("“%(detail)s” has nothing to connect and was ignored."),
    "empty_field": _("“%(detail)s” is not followed by a search term and was ignored."),
    "lone_plus": _("A “+” standing on its own was ignored."),
    "punctuation_only": _("“%(detail)s” contains no letters or digits and was ignored."),
    "truncated": _("Queries are limited to %(max_chars)d characters; the rest was ignored."),
    "too_many_terms": _("Queries are limited to %(max_terms)d terms; the rest were ignored."),
    "control_chars": _("Invisible control characters were removed from the query."),
    "only_negative": _(
        "The query only names words to exclude: every article without them is shown. "
        "Add a word to search for."
    ),
    "empty": _("The query contains nothing to search for."),
    "near_default": _("“%(detail)s” gives no distance, so %(near_distance)d characters were used."),
    "near_too_far": _(
        "Proximity reaches at most %(max_near_distance)d characters, so “%(detail)s” was "
        "read as %(max_near_distance)d."
    ),
    "near_one_term": _(
        "“%(detail)s” names only one term, so it was searched as a phrase; proximity needs "
        'two, as in "陆海 通道"~5.'
    ),
    "near_operands": _(
        "NEAR joins two terms in the same field; around “%(detail)s” it was read as AND."
    ),
    "wildcard": _(
        "“%(detail)s”: a term already matches inside longer words, so the * was left out."
    ),
    "unknown_field": _(
        "“%(detail)s” is not a field the archive searches (标题:, 作者:), so it was searched "
        "as text."
    ),
    "soft_operator": _(
        "“%(detail)s” was read as an operator; put it in quotation marks to search for it."
    ),
}


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    raw: str  # the input as received
    tree: Node | None
    warnings: tuple[QueryWarning, ...]

    def positive_terms(self) -> list[Term]:
        """Terms not under a Not, in order, without duplicates (what to highlight)."""
        return list(dict.fromkeys(_positive_terms(self.tree)))

    def is_question(self) -> bool:
        """True for one unquoted string over all fields, as a natural-language question is.

        The search layer may then fall back to partial matching. Space-separated
        terms are an explicit AND and a quoted string an explicit phrase: those
        never fall back.
        """
        tree = self.tree
        return isinstance(tree, Term) and not tree.quoted and tree.field is None

    def __str__(self) -> str:
        return "" if self.tree is None else to_text(self.tree)


def parse(raw: str) -> ParsedQuery:
    """Parse a query as typed into the search box.  Never raises."""
    warnings: list[QueryWarning] = []
    text = _truncate(_clean(raw, warnings), warnings)
    tree = _Parser(_Lexer(text, warnings).tokenize(), warnings).parse()
    if tree is None:
        warnings.append(QueryWarning("empty"))
    elif next(_positive_terms(tree), None) is None:
        warnings.append(QueryWarning("only_negative"))
    # One slip can trigger the same warning several times ("a OR OR OR b"); once is enough.
    return ParsedQuery(raw, tree, tuple(dict.fromkeys(warnings)))


def to_text(node: Node) -> str:
    """Canonical query text for ``node``; parsing it gives back an equal tree.

    Round-tripping is exact for trees that came from ``parse`` (as long as the canonical text
    fits in MAX_QUERY_CHARS).  Other trees are rendered as closely as the syntax allows: an
    unquoted Term whose text cannot be written as a bare word ("a b", "(x") has to be quoted.
    """
    return _render(node)[0]


def combine(rows: list[tuple[str, str | None, str]]) -> Node | None:
    """A tree from the advanced form's rows of (operator, field, text), read left to right as
    CNKI reads them: "and", "or" or "not" joins each row to everything before it.

    Each row's text is one exact string (a phrase when it holds spaces); empty rows are skipped.
    """
    tree: Node | None = None
    for operator, field, text in rows:
        text = text.strip()
        if not text or not _has_content(text):
            continue
        term = Term(text, field, quoted=any(ch.isspace() for ch in text))
        if tree is None:
            tree = Not(term) if operator == "not" else term
        elif operator == "or":
            tree = _join(Or, [tree, term])
        else:
            tree = _join(And, [tree, Not(term) if operator == "not" else term])
    return tree


def describe(node: Node | None) -> str:
    """How a query was read, in the reader's language: every term, field and operator shown.

    「新加坡」 并且 （「航班」 或者 「航线」） 不含 「陆海新通道」; 标题中：「重庆」.
    """
    if node is None:
        return ""
    return _describe(node, inside=None)


def _describe(node: Node, inside: type | None) -> str:
    match node:
        case Term(text=text, field=field):
            prefix = {"title": gettext("in titles:"), "author": gettext("by author:")}
            return prefix.get(field, "") + f"「{text}」"
        case Near(first, second, distance):
            text = gettext("%(first)s within %(distance)d characters of %(second)s") % {
                "first": _describe(first, Near),
                "second": f"「{second.text}」",
                "distance": distance,
            }
            return f"（{text}）" if inside in (Not, Or) else text
        case Not(child):
            return pgettext("query operator", "NOT") + " " + _describe(child, Not)
        case Or(children):
            joined = " " + pgettext("query operator", "OR") + " "
            text = joined.join(_describe(child, Or) for child in children)
            return f"（{text}）" if inside is not None else text
        case And(children):
            joined = " " + pgettext("query operator", "AND") + " "
            wanted = [_describe(child, And) for child in children if not isinstance(child, Not)]
            unwanted = [_describe(child, And) for child in children if isinstance(child, Not)]
            text = " ".join([joined.join(wanted), *unwanted]).strip()
            return f"（{text}）" if inside is not None else text


def _positive_terms(node: Node | None) -> Iterator[Term]:
    match node:
        case Term():
            yield node
        case Near(first, second):
            yield first
            yield second
        case And(children) | Or(children):
            for child in children:
                yield from _positive_terms(child)
    # A Not hides its whole subtree; None has no terms.


# --- Cleaning ---------------------------------------------------------------------------------


def _clean(raw: str, warnings: list[QueryWarning]) -> str:
    """Remove control and format characters (NUL, zero-width space, BOM, lone surrogates...).

    Tabs and newlines are separators to the user, so they become plain spaces.  The removal is
    only worth a warning when it glued visible characters together (重\\x00庆 -> 重庆); pasted
    queries often carry a stray BOM or a trailing zero-width space, which changes nothing.
    """
    kept: list[str] = []
    removed: list[str] = []
    removal_pending = False  # something was removed since the last visible character
    glued = False
    for ch in raw:
        category = unicodedata.category(ch)
        if ch.isspace():
            kept.append(" " if category == "Cc" else ch)
            removal_pending = False
        elif category in ("Cc", "Cf", "Cs"):
            removed.append(f"U+{ord(ch):04X}")
            removal_pending = True
        else:
            glued = glued or (removal_pending and bool(kept) and not kept[-1].isspace())
            removal_pending = False
            kept.append(ch)
    if glued:
        warnings.append(QueryWarning("control_chars", " ".join(dict.fromkeys(removed))))
    return "".join(kept).strip()


def _truncate(text: str, warnings: list[QueryWarning]) -> str:
    if len(text) <= MAX_QUERY_CHARS:
        return text
    # The detail shows where the query was cut, not the whole (possibly huge) remainder.
    warnings.append(QueryWarning("truncated", text[MAX_QUERY_CHARS : MAX_QUERY_CHARS + 20]))
    return text[:MAX_QUERY_CHARS]


# --- Tokenizing -------------------------------------------------------------------------------


_TERM, _OPEN, _CLOSE, _AND, _OR, _NOT, _NEAR = "term", "(", ")", "AND", "OR", "NOT", "NEAR"
# Operator words (only when standing alone and in upper case) -> token kind.
_OPERATORS = {"AND": _AND, "OR": _OR, "NOT": _NOT, "|": _OR}
# Words read as operators when they stand alone, with a warning that says so.
_SOFT_OPERATORS = {
    "and": _AND, "or": _OR, "not": _NOT,
    "并且": _AND, "或": _OR, "或者": _OR, "不含": _NOT,
}  # fmt: skip
# NEAR, NEAR/5 (also with a full-width slash or digits); near/5 in lower case is a soft one.
_NEAR_WORD = re.compile(r"(?:(NEAR)|(?i:near)(?=[/／]))(?:[/／](\d+))?")
# After a closing quotation mark: "陆海 通道"~5.
_PROXIMITY = re.compile(r"[~～](\d*)")
# "版面:头版": a would-be field name (letters only, up to 8) before a colon, and text after it.
_FIELD_LIKE = re.compile(r"([^\W\d_]{1,8})[:：](?=\S)")


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # one of the kinds above
    source: str  # the text as typed, for warning details
    term: Term | None = None  # for _TERM
    field: str | None = None  # for _OPEN: a field prefix that applies to the whole group
    distance: int = 0  # for _NEAR


def _word_end(text: str, pos: int) -> int:
    """Index where the unquoted word starting at ``pos`` ends.

    A word runs to the next whitespace or to a ")" with no "(" to match inside the word: that
    keeps 中国(重庆) in one piece while the ")" of (航班 OR 航线) still closes its group.
    """
    open_parens = 0
    while pos < len(text):
        ch = text[pos]
        if ch.isspace():
            break
        if ch == "(":
            open_parens += 1
        elif ch == ")":
            if not open_parens:
                break
            open_parens -= 1
        pos += 1
    return pos


def _match_field(text: str, pos: int) -> tuple[str, int] | None:
    """(field, index after the separator) when a field prefix starts at ``pos``."""
    for name, field in _FIELDS.items():
        end = pos + len(name)
        if text[pos:end].lower() == name and text[end : end + 1] in _FIELD_SEPARATORS:
            return field, end + 1
    return None


class _Lexer:
    def __init__(self, text: str, warnings: list[QueryWarning]) -> None:
        self.text = text
        self.pos = 0
        self.depth = 0  # groups opened and not closed yet
        self.excess = 0  # "(" dropped for nesting deeper than MAX_DEPTH, not closed yet
        self.warnings = warnings
        self.tokens: list[_Token] = []

    def tokenize(self) -> list[_Token]:
        text = self.text
        while True:
            while self.pos < len(text) and text[self.pos].isspace():
                self.pos += 1
            if self.pos == len(text):
                return self.tokens
            ch = text[self.pos]
            if ch == ")":
                self._close()
            elif ch in "-+":
                self._signed(ch)
            else:
                self.tokens.extend(self._operand(plain=True))

    def _warn(self, code: str, detail: str = "") -> None:
        self.warnings.append(QueryWarning(code, detail))

    def _signed(self, sign: str) -> None:
        """A "-" (exclude) or "+" (require, i.e. nothing) at the start of a token."""
        self.pos += 1
        following = self.text[self.pos : self.pos + 1]
        if not following or following.isspace() or following == ")":
            self._warn("dangling_operator" if sign == "-" else "lone_plus", sign)
            return
        operand = self._operand(plain=False)
        # When the operand came to nothing (-"", -标题:) its own warning says so; a NOT without
        # an operand would only add a second, confusing one.
        if operand and sign == "-":
            self.tokens.append(_Token(_NOT, sign))
        self.tokens.extend(operand)

    def _operand(self, plain: bool) -> list[_Token]:
        """Read a group opening, quoted phrase, field term or word at the current position.

        ``plain`` is False right after "-" or "+": the word is then literal, never an operator.
        """
        start = self.pos
        ch = self.text[start]
        if ch == "(":
            return self._open(None)
        if ch in _QUOTES:
            return self._quoted(start, None)
        if (match := _match_field(self.text, start)) is not None:
            field, self.pos = match
            return self._fielded(start, field)
        self.pos = _word_end(self.text, start)
        word = self.text[start : self.pos]
        if plain and word in _OPERATORS:
            return [_Token(_OPERATORS[word], word)]
        if plain and word.lower() in _SOFT_OPERATORS:
            self._warn("soft_operator", word)
            return [_Token(_SOFT_OPERATORS[word.lower()], word)]
        if plain and (near := _NEAR_WORD.fullmatch(word)):
            upper, digits = near.group(1) is not None, near.group(2)
            if not upper:
                self._warn("soft_operator", word)
            return [_Token(_NEAR, word, distance=self._distance(word, digits))]
        if plain and _FIELD_LIKE.match(word):
            self._warn("unknown_field", word)
        return [_Token(_TERM, word, self._unstarred(word))]

    def _distance(self, source: str, digits: str | None) -> int:
        if not digits:
            self._warn("near_default", source)
            return NEAR_DISTANCE
        if int(digits) > MAX_NEAR_DISTANCE:
            self._warn("near_too_far", source)
            return MAX_NEAR_DISTANCE
        return int(digits)

    def _unstarred(self, word: str, field: str | None = None) -> Term:
        """The term for ``word``, without the trailing "*" of a would-be wildcard."""
        stem = word.rstrip("*＊")
        if stem != word and stem:
            self._warn("wildcard", word)
            word = stem
        return Term(word, field)

    def _fielded(self, start: int, field: str) -> list[_Token]:
        """What follows a field prefix: a phrase, a group (the field applies to all of it) or
        a word, taken literally (标题:OR is the word OR in titles)."""
        following = self.text[self.pos : self.pos + 1]
        if not following or following.isspace() or following == ")":
            self._warn("empty_field", self.text[start : self.pos])
            return []
        if following == "(":
            return self._open(field)
        if following in _QUOTES:
            return self._quoted(start, field)
        word_start = self.pos
        self.pos = _word_end(self.text, word_start)
        word = self.text[word_start : self.pos]
        return [_Token(_TERM, self.text[start : self.pos], self._unstarred(word, field))]

    def _quoted(self, start: int, field: str | None) -> list[_Token]:
        opening = self.pos
        closing = self.text.find(_QUOTES[self.text[opening]], opening + 1)
        proximity = None
        if closing < 0:
            # Most likely the closing mark was forgotten: keep everything the user typed.
            phrase = self.text[opening + 1 :]
            self.pos = len(self.text)
            self._warn("unbalanced_quote", self.text[start:])
        else:
            phrase = self.text[opening + 1 : closing]
            self.pos = closing + 1
            if not phrase.strip():
                self._warn("empty_group", self.text[start : self.pos])
            proximity = _PROXIMITY.match(self.text, self.pos)
        if not phrase.strip():
            return []
        if proximity is None:
            return [_Token(_TERM, self.text[start : self.pos], Term(phrase, field, quoted=True))]
        self.pos = proximity.end()
        source = self.text[start : self.pos]
        parts = phrase.split()
        if len(parts) == 1:
            self._warn("near_one_term", source)
            return [_Token(_TERM, source, Term(phrase, field, quoted=True))]
        # "a b c"~5 reads as a NEAR/5 b NEAR/5 c.
        near = _Token(_NEAR, source, distance=self._distance(source, proximity.group(1)))
        tokens = []
        for part in parts:
            tokens += [near, _Token(_TERM, source, Term(part, field, quoted=True))]
        return tokens[1:]

    def _open(self, field: str | None) -> list[_Token]:
        self.pos += 1
        if self.depth == MAX_DEPTH:
            self.excess += 1
            self._warn("too_deep")
            return []
        self.depth += 1
        return [_Token(_OPEN, "(", field=field)]

    def _close(self) -> None:
        self.pos += 1
        if self.excess:  # the partner of a "(" dropped for nesting too deep
            self.excess -= 1
        elif self.depth:
            self.depth -= 1
            self.tokens.append(_Token(_CLOSE, ")"))
        else:
            self._warn("unbalanced_paren", ")")


# --- Parsing ----------------------------------------------------------------------------------


def _has_content(text: str) -> bool:
    return any(
        (category := unicodedata.category(ch))[0] in "LN" or category in _CONTENT_CATEGORIES
        for ch in text
    )


def _join(kind: type[And] | type[Or], children: list[Node]) -> Node | None:
    """Combine children, flattening nested nodes of the same kind and collapsing 0 or 1."""
    flat: list[Node] = []
    for child in children:
        flat.extend(child.children if isinstance(child, kind) else (child,))
    if len(flat) < 2:
        return flat[0] if flat else None
    return kind(tuple(flat))


def _with_field(node: Node, field: str) -> Node:
    """Restrict the terms of a group to ``field`` (标题:(a OR b)); explicit fields win."""
    match node:
        case Term(field=None):
            return replace(node, field=field)
        case Term():
            return node
        case Not(child):
            return Not(_with_field(child, field))
        case Near(first, second, distance):
            return Near(_with_field(first, field), _with_field(second, field), distance)
        case And(children) | Or(children):
            return type(node)(tuple(_with_field(child, field) for child in children))


class _Parser:
    """Recursive descent over the tokens, one method per grammar rule.

    Every rule returns None when all it read was dropped, so a dropped piece silently vanishes
    from its parent instead of leaving a hole that would need a second warning.
    """

    def __init__(self, tokens: list[_Token], warnings: list[QueryWarning]) -> None:
        self.tokens = tokens
        self.pos = 0
        self.term_count = 0
        self.warnings = warnings

    def parse(self) -> Node | None:
        # The lexer only emits a ")" for a group it saw opened, and _primary consumes it, so
        # at the top level _and_expr reads to the end of the input.
        return self._and_expr()

    def _peek(self) -> str | None:
        return self.tokens[self.pos].kind if self.pos < len(self.tokens) else None

    def _starts_operand(self) -> bool:
        return self._peek() in (_TERM, _OPEN, _NOT)

    def _dangling(self, token: _Token) -> None:
        self.warnings.append(QueryWarning("dangling_operator", token.source))

    def _and_expr(self) -> Node | None:
        children: list[Node] = []
        while (kind := self._peek()) is not None and kind != _CLOSE:
            if kind in (_AND, _OR, _NEAR):
                token = self.tokens[self.pos]
                follows_operand = self.pos > 0 and self.tokens[self.pos - 1].kind in (_TERM, _CLOSE)
                self.pos += 1
                # An explicit AND changes nothing, but it must stand between two operands.  An
                # OR or NEAR seen here has nothing on its left: _or_expr and _near take every
                # one that has.
                if kind != _AND or not (follows_operand and self._starts_operand()):
                    self._dangling(token)
            elif (child := self._or_expr()) is not None:
                children.append(child)
        return _join(And, children)

    def _or_expr(self) -> Node | None:
        children: list[Node] = []
        if (first := self._unary()) is not None:
            children.append(first)
        while self._peek() == _OR:
            token = self.tokens[self.pos]
            self.pos += 1
            if not self._starts_operand():
                self._dangling(token)
            elif (child := self._unary()) is not None:
                children.append(child)
        return _join(Or, children)

    def _unary(self) -> Node | None:
        if self._peek() != _NOT:
            return self._near()
        token = self.tokens[self.pos]
        self.pos += 1
        if not self._starts_operand():
            self._dangling(token)
            return None
        child = self._unary()
        if child is None:
            return None
        # NOT NOT x is x.  Keeping double negation out of the tree keeps positive_terms() (and
        # with it highlighting and the only_negative check) right.
        return child.child if isinstance(child, Not) else Not(child)

    def _near(self) -> Node | None:
        """Operands joined by NEAR: each neighbouring pair of terms becomes a Near."""
        operands = [self._primary()]
        links = []  # the NEAR token between operands[i] and operands[i + 1]
        while self._peek() == _NEAR:
            token = self.tokens[self.pos]
            self.pos += 1
            if self._peek() not in (_TERM, _OPEN):
                self._dangling(token)
                continue
            links.append(token)
            operands.append(self._primary())
        pieces: list[Node] = []
        paired = set()
        for index, link in enumerate(links):
            first, second = operands[index], operands[index + 1]
            if isinstance(first, Term) and isinstance(second, Term) and first.field == second.field:
                pieces.append(Near(first, second, link.distance))
                paired.update((index, index + 1))
            elif first is not None and second is not None:
                self.warnings.append(QueryWarning("near_operands", link.source))
        loose = [node for index, node in enumerate(operands) if index not in paired and node]
        return _join(And, loose + pieces) if pieces else _join(And, loose)

    def _primary(self) -> Node | None:
        token = self.tokens[self.pos]
        self.pos += 1
        if token.kind == _TERM:
            return self._term(token)
        if self._peek() == _CLOSE:
            self.pos += 1
            self.warnings.append(QueryWarning("empty_group", "()"))
            return None
        inner = self._and_expr()
        if self._peek() == _CLOSE:
            self.pos += 1
        else:  # only the end of the input stops _and_expr short of a ")"
            self.warnings.append(QueryWarning("unbalanced_paren", "("))
        if inner is not None and token.field is not None:
            inner = _with_field(inner, token.field)
        return inner

    def _term(self, token: _Token) -> Term | None:
        term = token.term
        if not _has_content(term.text):
            self.warnings.append(QueryWarning("punctuation_only", token.source))
            return None
        if self.term_count == MAX_TERMS:
            self.warnings.append(QueryWarning("too_many_terms"))
            return None
        self.term_count += 1
        return term


# --- Canonical text ---------------------------------------------------------------------------


def _render(node: Node) -> tuple[str, bool]:
    """Render ``node``; the flag is True when the text ends in a word with a "(" left open."""
    match node:
        case Term():
            return _render_term(node, after_sign=False)
        case Not(Term() as term):
            text, open_end = _render_term(term, after_sign=True)
            return "-" + text, open_end
        case Not(child):
            return "-" + _group(child), False
        case Near(first, second, distance):
            pair = f"{first.text} {second.text}"
            if first.quoted and second.quoted and len(pair.split()) == 2:
                prefix = f"{first.field}:" if first.field else ""
                return f"{prefix}{_quote(pair)}~{distance}", False
            text, open_end = _render(second)
            return f"{_render(first)[0]} NEAR/{distance} {text}", open_end
        case And(children) | Or(children):
            # OR binds tighter than the implicit AND, so only an And inside an Or needs brackets.
            in_or = isinstance(node, Or)
            parts = [
                (_group(child), False) if in_or and isinstance(child, And) else _render(child)
                for child in children
            ]
            separator = " OR " if in_or else " "
            return separator.join(text for text, _open_end in parts), parts[-1][1]


def _group(node: Node) -> str:
    text, open_end = _render(node)
    # A word such as 中国( would swallow a ")" written right after it; keep them apart.
    return f"({text} )" if open_end else f"({text})"


def _render_term(term: Term, after_sign: bool) -> tuple[str, bool]:
    text = term.text
    prefix = f"{term.field}:" if term.field else ""
    if term.quoted or not _is_bare_word(text):
        return prefix + _quote(text), False
    open_end = text.count("(") > text.count(")")
    if term.field:  # after a field prefix any bare word is literal
        return prefix + text, open_end
    if _match_field(text, 0) is not None:
        return _quote(text), False
    if after_sign or (
        text not in _OPERATORS
        and text.lower() not in _SOFT_OPERATORS
        and not _NEAR_WORD.fullmatch(text)
        and not _FIELD_LIKE.match(text)
        and text[0] not in "-+"
    ):
        return text, open_end
    # "OR", "or", "版面:头版", "-x" and the like: a leading "+" makes the word literal without
    # quoting it.
    return "+" + text, open_end


def _is_bare_word(text: str) -> bool:
    """Whether the lexer reads ``text`` back as one unquoted word."""
    return (
        bool(text)
        and text[0] not in _QUOTES
        and text[0] != "("
        and text[-1] not in "*＊"  # a would-be wildcard
        and _word_end(text, 0) == len(text)
    )


def _quote(text: str) -> str:
    for opening, closing in _QUOTES.items():
        if closing not in text:
            return f"{opening}{text}{closing}"
    # Every closing mark occurs in the text.  parse() never produces such a phrase: a phrase
    # cannot contain its own closing mark.  Best effort for hand-built trees.
    return f'"{text}"'
