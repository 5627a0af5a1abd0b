"""Make the traditional-Chinese catalog (zh_Hant) from the simplified one (zh_Hans), with OpenCC.

The interface is written once, in simplified Chinese; its traditional form is converted, never
edited by hand. `make messages` runs this after makemessages:

    .venv/bin/python scripts/traditional_catalog.py
"""

from pathlib import Path

import opencc
import polib

LOCALE = Path(__file__).resolve().parent.parent / "locale"
SOURCE = LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.po"
TARGET = LOCALE / "zh_Hant" / "LC_MESSAGES" / "django.po"


def main():
    converter = opencc.OpenCC("s2t")
    catalog = polib.pofile(str(SOURCE))
    catalog.metadata["Language"] = "zh_Hant"
    for entry in catalog:
        entry.msgstr = converter.convert(entry.msgstr)
        entry.msgstr_plural = {
            index: converter.convert(text) for index, text in entry.msgstr_plural.items()
        }
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    catalog.save(str(TARGET))
    print(f"wrote {TARGET.relative_to(LOCALE.parent)}")


if __name__ == "__main__":
    main()
