"""Readable, stable URL slugs for Chinese titles.

A slug is the pinyin of the title, one syllable per hyphen, cut at a syllable
boundary. It is set once when an article is created and never regenerated from
a later title, so links keep working after an editor corrects a title.
"""

import re
from functools import lru_cache

from django.utils.text import slugify

MAX_SLUG_LENGTH = 48
_SEPARATORS = re.compile(r"[-\s]+")
_SYLLABLE = re.compile(r"[a-z]+")  # pinyin as pypinyin gives it: already a slug


def pinyin_slug(text, max_length=MAX_SLUG_LENGTH):
    """Return the hyphenated pinyin of ``text``, at most ``max_length`` characters."""
    # Imported here: pypinyin's dictionaries take ~55 MB, and only writers need them,
    # not every web worker that serves readers.
    from pypinyin.seg.simpleseg import seg

    # A letter, digit or Chinese character gives at least one character of slug, so the rest of
    # a long title rarely reaches it (a title mostly of punctuation gets a shorter slug); a few
    # more characters keep the last word's reading (重庆, not 重 + 庆).
    head = text[: max_length + 8]
    # pypinyin cuts the text into words (seg) and reads each; the same words recur from title
    # to title, so each word's reading is kept (an import reads a title in 60 µs, not 250).
    syllables = [syllable for word in seg(head) for syllable in _syllables(word)]
    words = [
        part if _SYLLABLE.fullmatch(part) else slugify(part)
        for syllable in syllables
        for part in _SEPARATORS.split(syllable)
    ]
    slug = ""
    for word in filter(None, words):
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > max_length:
            break
        slug = candidate
    return slug or "article"


def unique_slug(base, taken):
    """Return ``base``, or ``base-2``, ``base-3``… whichever is not in ``taken``."""
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


@lru_cache(maxsize=50_000)
def _syllables(word):
    """The pinyin of one of pypinyin's words, unknown characters kept as they are."""
    from pypinyin import Style, lazy_pinyin

    return tuple(lazy_pinyin(word, style=Style.NORMAL, errors=_as_they_are))


def _as_they_are(chars):
    return chars
