"""Small text rules shared by the importer, the models and the admin."""

import re

# Browsers send a textarea's line breaks as \r\n: "\r\n\r\n" must end a paragraph too.
_PARAGRAPH_BREAK = re.compile(r"\r?\n[ \t\u3000\r]*\n")
_SENTENCE_END = set("。！？!?…；;")
_CLOSING_QUOTES = set("”’」』\"'")
_BRACKETS = {")": "(", "）": "（", "】": "【", "》": "《"}


def split_paragraphs(body):
    """The paragraphs of a section body: blocks separated by a blank line."""
    return [block.strip() for block in _PARAGRAPH_BREAK.split(body.strip()) if block.strip()]


def join_paragraphs(paragraphs):
    return "\n\n".join(paragraphs)


def ends_sentence(text):
    """Whether ``text`` ends a sentence, so that a page break after it is a real paragraph end.

    Closing quotes after the stop belong to the sentence (…格局。”), and so does
    a trailing bracketed note after a finished sentence (…。(完)).
    """
    text = text.rstrip()
    while text and text[-1] in _CLOSING_QUOTES:
        text = text[:-1].rstrip()
    if not text:
        return False
    if text[-1] in _SENTENCE_END:
        return True
    opening = _BRACKETS.get(text[-1])
    if opening and opening in text:
        return ends_sentence(text[: text.rindex(opening)])
    return False
