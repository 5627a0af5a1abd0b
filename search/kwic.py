"""Keyword in context: every occurrence of the query's terms, with the words around it."""

import datetime
from dataclasses import dataclass, field

from . import capabilities, searching
from .query import parse

MAX_DOCUMENTS = 200
CONTEXT_CHARS = 30


@dataclass
class Line:
    published_on: datetime.date
    title: str
    left: str
    match: str
    right: str
    href: str


@dataclass
class Concordance:
    parsed: object
    lines: list = field(default_factory=list)
    documents: int = 0
    truncated: bool = False


def concordance(params, max_documents=MAX_DOCUMENTS, width=CONTEXT_CHARS, using="default"):
    parsed = parse(params["q"])
    result = Concordance(parsed=parsed)
    terms = [term.text for term in parsed.positive_terms()]
    if parsed.tree is None or not terms:
        return result
    sqs = searching.base_queryset(params, using).filter(searching.to_sq(parsed.tree))
    hits = sqs[:max_documents]
    result.documents = len(hits)
    result.truncated = sqs.count() > max_documents
    engine = capabilities.backend(using)
    for hit in hits:
        anchors = hit.anchors or []
        for line in capabilities.concordance(engine, hit.text or "", terms, width=width):
            anchor = anchors[line.line] if line.line < len(anchors) else ""
            href = f"{hit.url}#{anchor}" if anchor else hit.url
            result.lines.append(
                Line(hit.published_on, hit.title, line.left, line.match, line.right, href)
            )
    return result
