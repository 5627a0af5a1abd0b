"""The archive's text format: reading it (`parse`), writing it (`render`), and its rules.

Every rule of the format is here, as newspapers print it:

- ``# `` starts an article and gives its title. A ``## `` or ``### `` line right after a title
  is the deck; a ``## `` after body text starts the next article. ``#### `` (or ``### `` after
  body text) starts a section. Other levels, and text before the first title, are errors.
- **Bylines**, in either script (keywords are looked for in a simplified copy of the text, made
  by articles.script; names are kept as printed; see articles.bylines):
  a line under the title (新重庆-重庆日报首席记者 杨骏 实习生 李俊晓, 本报记者 张三 李四,
  文/记者 张三 图/李四, 张三 摄); a dateline opening the lead (重庆日报讯(记者 王天翊)…,
  新华社北京11月10日电（记者 张三）…), which stays in the text; or a byline glued to the start of
  the lead (記者 陳嘉欣6月17日,…), which is taken out of it. A lead that starts like a byline
  whose name cannot be told from the text stays text, with a warning.
- **Sources**: the last paragraph when it is one (据《重庆日报》, 據《大公報》, 据人民网,
  （来源：中新网）, 来源：新华网), or the same after the last sentence of the last paragraph; and
  an agency's dateline at the start of the lead (新华社北京11月10日电). 据 without book-title
  marks counts only before a name ending as media names do (网, 社, 台, 报…), never 据统计.
- **Page breaks** cut paragraphs mid-sentence: a block that does not end a sentence is joined
  with the next one.
- **Script**: an article is zh-Hans or zh-Hant, whichever most of its script-specific characters
  are (articles.script.detect).
- Everything else is kept exactly as printed: normalisation belongs to search. Lines longer than
  MAX_LINE_CHARS, control characters, binary or non-UTF-8 input and files over MAX_FILE_BYTES
  are refused with a message that names the line.

`parse()` is pure and raises `MalformedSource` naming the line and the problem; what it is
unsure of becomes a warning on the article, with its line. `render()` writes articles back in
the format: ``parse(render(articles)) == articles``.
"""

import re
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.translation import gettext as _

from . import script
from .bylines import (
    Credit,
    agency_dateline,
    parse_byline,
    parse_dateline,
    split_lead_byline,
    starts_like_a_byline,
)
from .text import ends_sentence

MAX_LINE_CHARS = 10_000
MAX_FILE_BYTES = 50_000_000

_HEADING = re.compile(r"^(#{1,6})(?:\s+(.*))?$")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# A source line, on a simplified copy of the text: 据《重庆日报》, 据人民网(报道), （来源：中新网）,
# 来源：新华网. 据 without book-title marks counts only before a name that ends as media names
# do (网, 社, 台, 报…): 据统计 and 据了解 open sentences, not sources.
_SOURCE_FORM = re.compile(
    r"(?:据《[^《》\n]{1,40}》(?:报道|消息)?"
    r"|据[^\s，。、；：！？,;:《》“”\"()（）]{1,16}?(?:网|社|台|报|刊|新闻|客户端|公众号)(?:报道|消息)?"
    r"|[(（]\s*(?:稿件)?来源\s*[：:]\s*[^()（）\n]{1,30}?\s*[)）]"
    r"|(?:稿件)?来源\s*[：:]\s*[^\s()（）。！？]{1,30})[。.]?"
)
_SOURCE_AT_END = re.compile(r"\s*(据《[^《》\n]{1,40}》(?:报道|消息)?)\s*$")
_SENTENCE_END = re.compile(r"[。！？!?][”’」』]?")


class MalformedSource(ValueError):
    """The input is not in the archive's text format; nothing was saved.

    ``code`` names the problem for programs (``"empty"``, ``"no_text"``…);
    ``message`` explains it to a person, in their language.
    """

    def __init__(self, message, line=None, path=None, code=None):
        self.message = message
        self.line = line
        self.path = path
        self.code = code
        super().__init__(str(self))

    def __str__(self):
        where = []
        if self.path:
            where.append(str(self.path))
        if self.line:
            where.append(_("line %(line)d") % {"line": self.line})
        return f"{', '.join(where)}: {self.message}" if where else self.message


@dataclass
class ParsedSection:
    heading: str
    line: int = field(compare=False)  # where it was read, not part of what it says
    paragraphs: list[str] = field(default_factory=list)
    # Its key figures, as articles.services.figure_rows, when found ahead of saving.
    figures: list | None = field(default=None, compare=False, repr=False)


@dataclass
class ParsedArticle:
    title: str
    line: int = field(compare=False)
    deck: str = ""
    byline: str = ""
    credits: list[Credit] = field(default_factory=list)
    source: str = ""
    sections: list[ParsedSection] = field(default_factory=list)
    script: str = script.SIMPLIFIED
    warnings: list[tuple[int, str]] = field(default_factory=list, compare=False)
    slug_base: str = field(default="", compare=False, repr=False)  # its title's pinyin, if known

    @property
    def has_body(self):
        return any(section.paragraphs for section in self.sections)


# Reading ------------------------------------------------------------------


def read_source(path):
    """The text of ``path``, or MalformedSource for empty, binary, too large or non-UTF-8 input.

    At most MAX_FILE_BYTES + 1 bytes are read, whatever the file says its size is: a pipe or a
    device (which report no size) gets the same clear error as a large file.
    """
    path = Path(path)
    try:
        with open(path, "rb") as stream:
            data = stream.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise MalformedSource(
            _("The file cannot be read: %(error)s") % {"error": error.strerror},
            path=path,
            code="unreadable",
        ) from error
    if len(data) > MAX_FILE_BYTES:
        raise MalformedSource(
            _("The file is larger than %(limit)d bytes, the limit for one file.")
            % {"limit": MAX_FILE_BYTES},
            path=path,
            code="too_large",
        )
    try:
        return decode(data)
    except MalformedSource as error:
        error.path = path
        raise


def decode(data):
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise MalformedSource(
            _("This looks like a binary file, not text (it contains NUL bytes)."),
            line=line,
            code="binary",
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise MalformedSource(
            _("The text is not valid UTF-8 (byte %(offset)d).") % {"offset": error.start},
            line=line,
            code="encoding",
        ) from error
    return text


# Parsing ------------------------------------------------------------------


def parse(text):
    """Parse the text format into articles, or raise MalformedSource."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise MalformedSource(_("The file is empty."), line=1, code="empty")
    articles = []
    article = None
    for number, line in enumerate(text.split("\n"), start=1):
        if len(line) > MAX_LINE_CHARS:
            raise MalformedSource(
                _("The line is %(length)d characters long; the limit is %(limit)d.")
                % {"length": len(line), "limit": MAX_LINE_CHARS},
                line=number,
                code="line_too_long",
            )
        _check_characters(line, number)
        line = line.strip()
        if not line:
            continue
        heading = _HEADING.match(line)
        if heading:
            level, content = len(heading[1]), (heading[2] or "").strip()
            if not content:
                raise MalformedSource(_("The heading is empty."), line=number, code="empty_heading")
            article = _read_heading(level, content, number, article, articles)
        else:
            _read_text(line, number, article)
    for parsed in articles:
        _finish(parsed)
    return articles


def _check_characters(line, number):
    control = _CONTROL.search(line)
    if control:
        raise MalformedSource(
            _("The line contains the control character U+%(code)04X.") % {"code": ord(control[0])},
            line=number,
            code="control_character",
        )


def _read_heading(level, content, number, article, articles):
    """Apply one heading line; return the article that is now open."""
    if level == 1 or (level == 2 and (article is None or article.has_body)):
        article = ParsedArticle(title=content, line=number)
        articles.append(article)
        return article
    if article is None:
        raise MalformedSource(
            _("A heading comes before any article title (a line starting with “# ”)."),
            line=number,
            code="heading_before_title",
        )
    if level in (2, 3) and not article.has_body and not article.sections:
        if article.deck:
            raise MalformedSource(
                _("The article already has a deck; a second one is not allowed."),
                line=number,
                code="second_deck",
            )
        if article.byline:
            raise MalformedSource(
                _("The deck must come before the byline."), line=number, code="deck_after_byline"
            )
        article.deck = content
        return article
    if level in (3, 4):
        article.sections.append(ParsedSection(heading=content, line=number))
        return article
    raise MalformedSource(
        _(
            "Headings of level %(level)d are not part of the format; "
            "use “### ” or “#### ” for a section."
        )
        % {"level": level},
        line=number,
        code="heading_level",
    )


def _read_text(line, number, article):
    if article is None:
        raise MalformedSource(
            _("Text comes before any article title (a line starting with “# ”)."),
            line=number,
            code="text_before_title",
        )
    if not article.sections and not article.byline:
        credits = parse_byline(line)
        if credits:
            article.byline, article.credits = line, credits
            return
    if not article.sections:
        article.sections.append(ParsedSection(heading="", line=number))
    article.sections[-1].paragraphs.append(line)


def _finish(article):
    """Source line, lead credits, script and page-break repair, once an article is complete."""
    _take_source_line(article)
    for section in article.sections:
        section.paragraphs = repair_page_breaks(section.paragraphs)
    article.sections = [section for section in article.sections if section.paragraphs]
    if not article.sections:
        raise MalformedSource(
            _("The article “%(title)s” has no text.") % {"title": article.title},
            line=article.line,
            code="no_text",
        )
    lead = article.sections[0]
    if not article.source:
        article.source = agency_dateline(lead.paragraphs[0])
    if not article.byline:
        _take_lead_credits(article, lead)
    article.script = script.detect(_opening(article, script.DETECT_SAMPLE))


def _opening(article, length):
    """The first ``length`` characters of an article's text, title first."""
    parts, total = [article.title, article.deck], len(article.title) + len(article.deck)
    for section in article.sections:
        for paragraph in section.paragraphs:
            if total >= length:
                return "".join(parts)[:length]
            parts.append(paragraph)
            total += len(paragraph)
    return "".join(parts)[:length]


def _take_lead_credits(article, lead):
    """Credits from the lead: a dateline (kept in the text, as printed) or a byline glued to
    its start (taken out of the text)."""
    first = lead.paragraphs[0]
    dateline = parse_dateline(first)
    if dateline:
        article.byline, article.credits = dateline
        return
    glued = split_lead_byline(first)
    if glued:
        article.byline, article.credits, lead.paragraphs[0] = glued
    elif starts_like_a_byline(first):
        article.warnings.append(
            (
                lead.line,
                _(
                    "The first paragraph starts like a byline, but the name cannot be told "
                    "apart from the text; it was kept as text: %(start)s"
                )
                % {"start": first[:20]},
            )
        )


def _take_source_line(article):
    """The source line: the last paragraph when it is one, or what follows its last sentence."""
    sections = [section for section in article.sections if section.paragraphs]
    if not sections:
        return
    paragraphs = sections[-1].paragraphs
    last = paragraphs[-1]
    simplified = script.simplified_copy(last)
    if _SOURCE_FORM.fullmatch(simplified.strip()):
        article.source = last.strip()
        paragraphs.pop()
        return
    ends = list(_SENTENCE_END.finditer(simplified))
    tail_start = ends[-1].end() if ends else 0
    match = _SOURCE_AT_END.search(simplified)
    if tail_start and _SOURCE_FORM.fullmatch(simplified[tail_start:].strip()):
        start = tail_start
    elif match:
        start = match.start()
    else:
        return
    article.source = last[start:].strip()
    paragraphs[-1] = last[:start].rstrip()


def repair_page_breaks(blocks):
    """Join each block that stops mid-sentence with the block after it."""
    paragraphs = []
    pending = ""
    for block in blocks:
        pending += block
        if ends_sentence(pending):
            paragraphs.append(pending)
            pending = ""
    if pending:
        paragraphs.append(pending)
    return paragraphs


# Writing ------------------------------------------------------------------


def render(articles):
    """Articles back in the text format, so that ``parse(render(articles)) == articles``."""
    blocks = []
    for article in articles:
        blocks.append(f"# {article.title}")
        if article.deck:
            blocks.append(f"## {article.deck}")
        lead = article.sections[0].paragraphs[0] if article.sections else ""
        if article.byline and parse_dateline(lead) is None:
            blocks.append(article.byline)
        for section in article.sections:
            if section.heading:
                blocks.append(f"#### {section.heading}")
            blocks.extend(section.paragraphs)
        if article.source and article.source != agency_dateline(lead):
            blocks.append(article.source)
    return "\n\n".join(blocks) + "\n"
