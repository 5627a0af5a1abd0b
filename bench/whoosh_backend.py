"""haystack's Whoosh backend with jieba's ChineseAnalyzer, made the way the tutorials make it.

The tutorials copy ``haystack/backends/whoosh_backend.py`` into the project, import
``jieba.analyse.ChineseAnalyzer`` and put it where the schema says ``StemmingAnalyzer()``.
Rather than keep a 1,100-line copy of haystack in this repository, the copy is made from the
installed haystack when this module is imported, with exactly those two edits. Everything else,
including highlighting with StemmingAnalyzer, is haystack's own.
"""

import importlib.util
from pathlib import Path

_spec = importlib.util.find_spec("haystack.backends.whoosh_backend")
_source = Path(_spec.origin).read_text(encoding="utf-8")
_EDITS = {
    "from whoosh.analysis import StemmingAnalyzer\n": (
        "from whoosh.analysis import StemmingAnalyzer\nfrom jieba.analyse import ChineseAnalyzer\n"
    ),
    "analyzer=field_class.analyzer or StemmingAnalyzer()": "analyzer=ChineseAnalyzer()",
}
for _old, _new in _EDITS.items():
    if _source.count(_old) != 1:
        raise RuntimeError(f"haystack's whoosh backend changed; cannot apply the edit {_old!r}")
    _source = _source.replace(_old, _new)
exec(compile(_source, f"{_spec.origin} (with jieba's ChineseAnalyzer)", "exec"))
