"""The article as a reader sees it: sections, numbered paragraphs and linked figures.

Each key figure links to its sentence: the sentence is wrapped in an element
with its own id inside the paragraph (figures printed in one sentence share
it). When an editor has changed the text so that the sentence is gone, the
figure links to its paragraph instead, and to its section if that is gone too.

The 数说 panel shows at most PANEL_SIZE figures, chosen by salience, in reading order; the
others wait behind "全部 N 项". Salience, highest first:

1. sums of money (元, 美元…);
2. rates and multiples (%, 个百分点, 倍, 成) and measured quantities (人次, 吨, 公里, 天…);
3. counts with a measure word (个, 家, 项…); the article's first figure counts as a quantity.

Ties go to the figure printed first. A figure that repeats an earlier value and unit is not
chosen (the first mention is). Dates are never figures (articles.figures).
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.http import urlencode

PANEL_SIZE = 8
_MONEY = frozenset({"元", "美元", "欧元", "港元", "日元", "英镑", "韩元", "新加坡元"})
_RATES = frozenset({"%", "个百分点", "百分点", "倍", "成"})
# Measure words (articles.figures._CLASSIFIERS): a count of things, the least telling figure.
_COUNTS = frozenset("个项家名位户辆件台套所座条批场只头艘列趟种款篇份张栋架处支株棵笔宗次")
_HUNDREDTH = Decimal("0.01")
_SUFFIX_QUALIFIERS = {"以上", "以下", "以内", "左右"}
_INNER_QUALIFIERS = {"余", "多"}  # between the number and the unit: 10余个


@dataclass
class Part:
    text: str
    anchor: str = ""  # set when this part is a figure's sentence


@dataclass
class Paragraph:
    anchor: str
    number: int
    parts: list[Part]


@dataclass
class SectionView:
    anchor: str
    heading: str
    paragraphs: list[Paragraph] = field(default_factory=list)


@dataclass
class FigureView:
    figure: object
    href: str

    @property
    def value(self):
        """Number and unit, with the qualifier where it is printed: 260亿美元, 超1900架次,
        5班 → 24班. The phrase around them is the sentence's, which the tile links to."""
        figure = self.figure
        qualifier = figure.qualifier
        inner = qualifier if qualifier in _INNER_QUALIFIERS else ""
        value = f"{format_value(figure.value)}{inner}{figure.unit}"
        if figure.value_from is not None:
            value = f"{format_value(figure.value_from)}{figure.unit} → {value}"
        if not qualifier or inner:
            return value
        if qualifier in _SUFFIX_QUALIFIERS:
            return f"{value}{qualifier}"
        return f"{qualifier}{value}"

    @property
    def explore_query(self):
        """The figures explorer's query for figures like this one: its label, in its unit."""
        label = self.figure.label.replace('"', "")
        return urlencode({"q": f'"{label}"' if label else "", "unit": self.figure.unit})


def format_value(value):
    """A Decimal as newspapers print it: 260亿, 1.5万, 347, 20.2."""
    for magnitude, word in ((10**12, "万亿"), (10**8, "亿"), (10**4, "万")):
        if abs(value) >= magnitude and (value / magnitude) == (value / magnitude).quantize(
            _HUNDREDTH
        ):
            return f"{_plain(value / magnitude)}{word}"
    return _plain(value)


def _plain(value):
    return f"{value.normalize():f}"


def salience(view, first=False):
    """How telling a figure is for the panel: 3 money, 2 rates and quantities, 1 counts."""
    unit = view.figure.unit
    if unit in _MONEY:
        return 3
    if unit in _RATES or (unit and unit not in _COUNTS) or first:
        return 2
    return 1


def curate(views, size=PANEL_SIZE):
    """The figures the 数说 panel shows (in reading order): the module's salience rule."""
    seen, candidates = set(), []
    for position, view in enumerate(views):
        key = (view.figure.value, view.figure.unit)
        if key in seen:
            continue
        seen.add(key)
        candidates.append((-salience(view, first=position == 0), position, view))
    chosen = sorted(candidates, key=lambda item: item[:2])[:size]
    return [view for _score, _position, view in sorted(chosen, key=lambda item: item[1])]


def read(article):
    """(sections, figures) ready for the template, from prefetched sections and figures."""
    own_sections = {section.pk: section for section in article.sections.all()}
    by_paragraph = {}
    for figure in article.figures.all():
        if figure.section_id in own_sections:  # what Figure.anchor reads, without a query
            figure.section = own_sections[figure.section_id]
        by_paragraph.setdefault((figure.section_id, figure.paragraph), []).append(figure)
    sections, figures, anchors = [], [], {}
    for section in own_sections.values():
        anchors[section.pk] = section.anchor
        view = SectionView(anchor=section.anchor, heading=section.heading)
        for number, text in enumerate(section.paragraphs, start=1):
            anchor = section.paragraph_anchor(number)
            placed = by_paragraph.pop((section.pk, number), [])
            parts, links = _mark_sentences(text, placed)
            view.paragraphs.append(Paragraph(anchor=anchor, number=number, parts=parts))
            figures.extend(
                FigureView(figure, "#" + links.get(figure.pk, anchor)) for figure in placed
            )
        sections.append(view)
    # Left over: corrected figures (kept by re-extraction) whose paragraph an
    # editor has since removed. They still belong to their section.
    for (section_pk, _number), orphans in by_paragraph.items():
        figures.extend(FigureView(figure, "#" + anchors[section_pk]) for figure in orphans)
    figures.sort(key=lambda view: (view.figure.position, view.figure.pk))
    return sections, figures


def _mark_sentences(text, figures):
    """Split ``text`` so that each figure's sentence is its own part; map figure → anchor."""
    spans = {}
    for figure in figures:
        start = text.find(figure.sentence) if figure.sentence else -1
        if start != -1:
            spans.setdefault((start, start + len(figure.sentence)), []).append(figure)
    parts, links, position = [], {}, 0
    for (start, end), owners in sorted(spans.items()):
        if start < position:  # overlapping sentences: link the later ones to the paragraph
            continue
        anchor = f"fig-{owners[0].pk}"
        for owner in owners:
            links[owner.pk] = anchor
        if start > position:
            parts.append(Part(text[position:start]))
        parts.append(Part(text[start:end], anchor))
        position = end
    if position < len(text) or not parts:
        parts.append(Part(text[position:]))
    return parts, links
