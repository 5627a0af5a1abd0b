"""Writes that do real work on articles: keeping their key figures in step with the text."""

import hashlib

from .bulk import insert_rows
from .figures import extract_figures
from .models import Figure
from .script import simplified_copy


def figures_in(paragraph):
    """The figures a paragraph reports, whichever script it is printed in."""
    return extract_figures(paragraph, reading=simplified_copy(paragraph))


# What extraction sets on a figure, in the order figure_rows gives it.
_ROW_FIELDS = (
    "paragraph",
    "position",
    "text",
    "value",
    "value_from",
    "unit",
    "qualifier",
    "label",
    "sentence",
    "key",
)


def figure_rows(section_position, anchor, by_paragraph):
    """The values (in _ROW_FIELDS order) of each figure a section's paragraphs report.

    ``by_paragraph``: each paragraph's figures, from figures_in. Needs no database, so the
    importer runs it in its reading processes.
    """
    for paragraph_number, in_paragraph in enumerate(by_paragraph, start=1):
        seen, hashes = {}, {}
        for index, found in enumerate(in_paragraph):
            occurrence = seen.get((found.text, found.sentence), 0)
            seen[(found.text, found.sentence)] = occurrence + 1
            if found.sentence not in hashes:  # a sentence often reports several figures
                hashes[found.sentence] = _sentence_hash(found.sentence)
            yield (
                paragraph_number,
                figure_position(section_position, paragraph_number, index),
                found.text[:80],
                found.value,
                found.value_from,
                found.unit[:20],
                found.qualifier[:10],
                found.label[:80],
                found.sentence,
                _key(anchor, hashes[found.sentence], found, occurrence),
            )


def figures_for(section):
    """Unsaved Figure rows for every figure printed in ``section``, in reading order."""
    by_paragraph = [figures_in(paragraph) for paragraph in section.paragraphs]
    for values in figure_rows(section.position, section.anchor, by_paragraph):
        yield Figure(
            article_id=section.article_id,
            section=section,
            **dict(zip(_ROW_FIELDS, values, strict=True)),
        )


def figure_position(section_position, paragraph, index):
    """A figure's place in reading order: by section, paragraph, then order in the paragraph."""
    return (section_position * 1000 + paragraph) * 100 + index


def _key(anchor, sentence_hash, found, occurrence):
    """What identifies an extracted figure across re-extractions: where and what was printed."""
    return f"{anchor}|{sentence_hash}|{occurrence}|{found.text[:40]}"


def _sentence_hash(sentence):
    return hashlib.sha1(sentence.encode(), usedforsecurity=False).hexdigest()[:12]


def insert_figures(sections):
    """Insert figure rows: ``sections`` gives (article id, section id, figure_rows) for each."""
    return insert_rows(
        Figure,
        ("article", "section", *_ROW_FIELDS),
        (
            (article_id, section_id, *values)
            for article_id, section_id, rows in sections
            for values in rows
        ),
    )


# What a fresh extraction may change on a figure it matched by key (so: not the key).
_EXTRACTED_FIELDS = ["section_id", *(name for name in _ROW_FIELDS if name != "key")]


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
