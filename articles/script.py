"""Chinese scripts: which one a text is written in, and a simplified copy to read it with.

Traditional and simplified Chinese are the same language written with two sets of characters.
The archive keeps every text as printed; what reads it (the importer looking for 記者 or 據,
search matching 陸海 with 陆海) works on a simplified copy made by OpenCC. This module holds the
one OpenCC converter the project uses; search's normaliser (search.tokenize) takes it from here.

Which characters belong to one script only is shipped as data (script_characters.txt, made by
`characters_of_each_script`, which a test compares with OpenCC), so that telling a script and
skipping texts with nothing to convert take a set lookup, not a walk over OpenCC's tables.
"""

import re
from functools import cache
from pathlib import Path

SIMPLIFIED = "zh-Hans"
TRADITIONAL = "zh-Hant"
# Of a text's script-specific characters, the share in traditional form above which the text
# is traditional. Simplified texts keep a few traditional forms (names, quotations).
TRADITIONAL_SHARE = 0.5
DETECT_SAMPLE = 1000  # characters read to tell a text's script
CHARACTERS_FILE = Path(__file__).with_name("script_characters.txt")
_HAN_BLOCKS = [(0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x2A6DF)]


@cache
def converter(config):
    """The OpenCC converter for ``config`` ("t2s": traditional to simplified, "s2t": back)."""
    import opencc

    return opencc.OpenCC(config)


def to_simplified(text):
    return converter("t2s").convert(text)


def simplified_copy(text):
    """``to_simplified(text)``, character for character: positions in it are positions in
    ``text`` (OpenCC converts whole phrases, and a phrase may change length). A text with no
    traditional-only character is its own copy."""
    if not has_traditional(text):
        return text
    simplified = to_simplified(text)
    if len(simplified) == len(text):
        return simplified
    return "".join(to_simplified(char)[:1] or char for char in text)


def detect(text):
    """SIMPLIFIED or TRADITIONAL: the script most of ``text``'s script-specific characters use.

    Reads the first DETECT_SAMPLE characters. A text with no script-specific character (numbers,
    characters common to both) is simplified.
    """
    sample = text[:DETECT_SAMPLE]
    if not has_traditional(sample):
        return SIMPLIFIED  # most texts: no traditional-only character at all
    traditional, simplified = (characters.count(sample) for characters in _scripts())
    total = traditional + simplified
    return TRADITIONAL if total and traditional / total > TRADITIONAL_SHARE else SIMPLIFIED


def characters_of_each_script():
    """(characters only traditional text uses, characters only simplified text uses), by
    OpenCC: those its t2s converter changes, and those its s2t converter changes."""
    to_s, to_t = converter("t2s"), converter("s2t")
    traditional, simplified = [], []
    for first, last in _HAN_BLOCKS:
        for code in range(first, last + 1):
            char = chr(code)
            if to_s.convert(char) != char:
                traditional.append(char)
            if to_t.convert(char) != char:
                simplified.append(char)
    return "".join(traditional), "".join(simplified)


def has_traditional(text):
    """Whether ``text`` holds a character only traditional text uses.

    Called on every paragraph an import reads, so it is made fast (see _Characters).
    """
    return _scripts()[0].found_in(text)


_BEYOND_BMP = re.compile("[\U00010000-\U0010ffff]")


class _Characters:
    """The characters only one script uses, found fast.

    A regex scans a text in C for those of the Basic Multilingual Plane (ten times faster than
    looking each character up in a set, and than str.translate with a table of them); the few
    beyond it (rare CJK extensions) are looked up one by one, only in a text that has such
    characters at all. sre scans a class of BMP characters through a bitmap, but one with a
    character beyond it item by item, a hundred times slower.
    """

    def __init__(self, characters):
        common = sorted(char for char in characters if ord(char) <= 0xFFFF)
        self.common = re.compile("[" + "".join(map(re.escape, common)) + "]")
        self.rare = frozenset(char for char in characters if ord(char) > 0xFFFF)

    def found_in(self, text):
        if self.common.search(text) is not None:
            return True
        return _BEYOND_BMP.search(text) is not None and not self.rare.isdisjoint(text)

    def count(self, text):
        found = len(self.common.findall(text))
        if self.rare and _BEYOND_BMP.search(text) is not None:
            found += sum(char in self.rare for char in text)
        return found


@cache
def _scripts():
    """(traditional-only, simplified-only) characters, each as _Characters."""
    return tuple(map(_Characters, _characters()))


@cache
def _characters():
    """(traditional-only, simplified-only) characters, as frozensets, from the shipped file."""
    traditional, simplified = CHARACTERS_FILE.read_text(encoding="utf-8").split("\n")[:2]
    return frozenset(traditional), frozenset(simplified)


if __name__ == "__main__":  # python -m articles.script: write script_characters.txt again
    CHARACTERS_FILE.write_text("\n".join(characters_of_each_script()) + "\n", encoding="utf-8")
