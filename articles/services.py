"""Writes that do real work on articles: keeping their key figures in step with the text."""

import hashlib

from .figures import extract_figures
from .models import Figure
from .script import simplified_copy


def figures_in(paragraph):
    """The figures a paragraph reports, whichever script it is printed in."""
    return extract_figures(paragraph, reading=simplified_copy(paragraph))


def figures_for(section, by_paragraph=None):
    """Unsaved Figure rows for every figure printed in ``section``, in reading order.

    ``by_paragraph``: the figures of each paragraph, when they were found already (in parallel).
    """
    if by_paragraph is None:
        by_paragraph = [figures_in(paragraph) for paragraph in section.paragraphs]
    for paragraph_number, in_paragraph in enumerate(by_paragraph, start=1):
        seen = {}
        for index, found in enumerate(in_paragraph):
            occurrence = seen.get((found.text, found.sentence), 0)
            seen[(found.text, found.sentence)] = occurrence + 1
            yield Figure(
                article_id=section.article_id,
                section=section,
                paragraph=paragraph_number,
                position=figure_position(section, paragraph_number, index),
                text=found.text[:80],
                value=found.value,
                value_from=found.value_from,
                unit=found.unit[:20],
                qualifier=found.qualifier[:10],
                label=found.label[:80],
                sentence=found.sentence,
                key=_key(section, found, occurrence),
            )


def figure_position(section, paragraph, index):
    """A figure's place in reading order: by section, paragraph, then order in the paragraph."""
    return (section.position * 1000 + paragraph) * 100 + index


def _key(section, found, occurrence):
    """What identifies an extracted figure across re-extractions: where and what was printed."""
    sentence = hashlib.sha1(found.sentence.encode(), usedforsecurity=False).hexdigest()[:12]
    return f"{section.anchor}|{sentence}|{occurrence}|{found.text[:40]}"


def create_figures(sections, found=None):
    """Insert the figures of freshly created sections (``found``: each one's, if known)."""
    found = found or [None] * len(sections)
    return Figure.objects.bulk_create(
        figure
        for section, in_section in zip(sections, found, strict=True)
        for figure in figures_for(section, in_section)
    )


_EXTRACTED_FIELDS = [
    "section_id",
    "paragraph",
    "position",
    "text",
    "value",
    "value_from",
    "unit",
    "qualifier",
    "label",
    "sentence",
]


def refresh_figures(article):
    """Extract figures again after the text changed, keeping every editor's correction.

    Extracted figures are matched to existing ones by key; figures an editor
    corrected or hid are never touched, and a fresh extraction of the same
    printed figure is not added next to them.
    """
    existing = list(Figure.objects.filter(article=article))
    corrected = {figure.key for figure in existing if figure.is_edited}
    previous = {figure.key: figure for figure in existing if not figure.is_edited}
    to_create, to_update = [], []
    for section in article.sections.order_by("position", "id"):
        for figure in figures_for(section):
            if figure.key in corrected:
                continue
            old = previous.pop(figure.key, None)
            if old is None:
                to_create.append(figure)
            elif any(getattr(old, name) != getattr(figure, name) for name in _EXTRACTED_FIELDS):
                for name in _EXTRACTED_FIELDS:
                    setattr(old, name, getattr(figure, name))
                to_update.append(old)
    Figure.objects.filter(pk__in=[figure.pk for figure in previous.values()]).delete()
    Figure.objects.bulk_update(to_update, _EXTRACTED_FIELDS)
    Figure.objects.bulk_create(to_create)
    return bool(previous or to_update or to_create)
