"""Keyword in context: every occurrence of the query's terms, with the words around it."""

import datetime
from dataclasses import dataclass, field

from . import capabilities, searching
from .budget import Budget
from .query import parse

CONTEXT_CHARS = 30
# How the lines are ordered: as the articles rank, or alphabetically by the context nearest the
# match (the left context read backwards from the match, as concordancers sort it).
ORDERS = {
    "document": None,
    "left": lambda line: line.left[::-1],
    "right": lambda line: line.right,
}


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
    budget: Budget
    lines: list = field(default_factory=list)
    documents: int = 0


def concordance(
    params, budget=None, width=CONTEXT_CHARS, using="default", order="document", bylines=False
):
    """The lines of the matching articles, best first (or sorted by ``order``), within
    ``budget`` (settings' "kwic"). Matches in bylines only with ``bylines``."""
    parsed = parse(params["q"])
    result = Concordance(parsed=parsed, budget=budget or Budget.named("kwic"))
    terms = [term.text for term in parsed.positive_terms()]
    if parsed.tree is None or not terms:
        return result
    sqs = searching.base_queryset(params, using).filter(searching.to_sq(parsed.tree))
    hits = sqs[: result.budget.documents]
    result.budget.more_documents_than(sqs.count())
    engine = capabilities.backend(using)
    for hit in hits:
        anchors = hit.anchors or []
        text_lines = (hit.text or "").split("\n")
        byline = getattr(hit, "byline", "") or ""
        size = 0
        plain = getattr(hit, "text_is_plain", False) is True
        for line in capabilities.concordance(engine, hit.text or "", terms, width, plain):
            if not bylines and byline and text_lines[line.line] == byline:
                continue
            anchor = anchors[line.line] if line.line < len(anchors) else ""
            href = f"{hit.url}#{anchor}" if anchor else hit.url
            result.lines.append(
                Line(hit.published_on, hit.title, line.left, line.match, line.right, href)
            )
            size += len((line.left + line.match + line.right + hit.title + href).encode())
        result.documents += 1
        if not result.budget.spend(size):
            break
    if ORDERS.get(order):
        result.lines.sort(key=ORDERS[order])
    return result
