"""The article as a reader sees it: sections, numbered paragraphs and linked figures.

Each key figure links to its sentence: the sentence is wrapped in an element
with its own id inside the paragraph (figures printed in one sentence share
it). When an editor has changed the text so that the sentence is gone, the
figure links to its paragraph instead, and to its section if that is gone too.
"""

from dataclasses import dataclass, field


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


def read(article):
    """(sections, figures) ready for the template, from prefetched sections and figures."""
    by_paragraph = {}
    for figure in article.figures.all():
        by_paragraph.setdefault((figure.section_id, figure.paragraph), []).append(figure)
    sections, figures, anchors = [], [], {}
    for section in article.sections.all():
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
