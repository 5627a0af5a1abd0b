"""A small reader for rendered pages: elements with attributes and text, by tag or by id."""

from dataclasses import dataclass, field
from html.parser import HTMLParser

_VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "wbr",
}


@dataclass
class Element:
    tag: str
    attrs: dict
    text: str = ""
    children: list = field(default_factory=list)

    def find_all(self, tag):
        found = []
        for child in self.children:
            if child.tag == tag:
                found.append(child)
            found.extend(child.find_all(tag))
        return found

    @property
    def hrefs(self):
        return [link.attrs.get("href") for link in self.find_all("a")]


class Page(HTMLParser):
    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.root = Element("document", {})
        self._open = [self.root]
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        element = Element(tag, dict(attrs))
        self._open[-1].children.append(element)
        if tag not in _VOID:
            self._open.append(element)

    def handle_endtag(self, tag):
        for depth in range(len(self._open) - 1, 0, -1):
            if self._open[depth].tag == tag:
                del self._open[depth:]
                return

    def handle_data(self, data):
        for element in self._open:
            element.text += data

    def find_all(self, tag):
        return self.root.find_all(tag)

    def one(self, tag):
        found = self.find_all(tag)
        assert len(found) == 1, f"{len(found)} <{tag}> elements"
        return found[0]

    def by_id(self, element_id):
        found = [element for element in self.all() if element.attrs.get("id") == element_id]
        assert len(found) == 1, f"{len(found)} elements with id {element_id!r}"
        return found[0]

    def all(self):
        stack, found = list(self.root.children), []
        while stack:
            element = stack.pop(0)
            found.append(element)
            stack[:0] = element.children
        return found

    @property
    def ids(self):
        return [element.attrs["id"] for element in self.all() if "id" in element.attrs]

    @property
    def hrefs(self):
        return self.root.hrefs


def page(response):
    assert response["Content-Type"].startswith("text/html")
    return Page(response.content.decode())
