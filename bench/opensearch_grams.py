"""Which exact-substring field for OpenSearch: its own CJK bigrams, or the project's grams?

    python -m bench.opensearch_grams [--url URL] [--report bench/OPENSEARCH-GRAMS.md]

The issue offered two ways to find every substring exactly on OpenSearch: the standard
tokenizer with the ``cjk_width`` and ``cjk_bigram`` filters (analysis-common, unigrams kept
for one-character queries), or the grams the project's analyser computes (search/backends/
analysis.py), split on whitespace. Both fields index the same documents, the seed's paragraphs
and generated articles in the seed's format, several lines each; then every substring of 1 to 6
characters of a sample of lines, and as many strings that occur nowhere (two halves of
different lines), is asked as a phrase on each field. A string is right when the field finds
exactly the documents whose normalised text contains it within one line (the brute-force
answer). The report counts, per field, the strings answered wrong, with examples.
"""

import argparse
import datetime
import os
import random
import sys
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
INDEX = "bench-gram-fields"


def documents(count=300):
    from bench.corpus import generate
    from tests.search.test_tokenize import seed_paragraphs

    paragraphs = seed_paragraphs()
    docs = ["\n".join(paragraphs[i : i + 3]) for i in range(0, len(paragraphs), 3)]
    corpus = generate(count, REPO / "bench" / "out" / f"corpus-{count}")
    for path in sorted(corpus.path.glob("*.txt"))[:60]:
        docs += [body for body in path.read_text().split("\n\n") if body.strip()]
    return docs


def strings(docs, normalize, rng, per_length=400):
    lines = [line for doc in docs for line in doc.split("\n") if line.strip()]
    asked = []
    for length in range(1, 7):
        for _ in range(per_length):
            line = rng.choice(lines)
            if len(line) >= length:
                start = rng.randrange(len(line) - length + 1)
                asked.append(line[start : start + length])
    for _ in range(per_length):
        first, second = rng.choice(lines), rng.choice(lines)
        asked.append(first[-2:] + second[:2])  # across two lines: mostly nowhere
    expected = {}
    normal_lines = [[normalize(line) for line in doc.split("\n")] for doc in docs]
    for text in dict.fromkeys(asked):
        needle = normalize(text).strip()
        if needle and "\n" not in needle:
            expected[text] = {
                n for n, ls in enumerate(normal_lines) if any(needle in x for x in ls)
            }
    return expected


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.opensearch_grams")
    parser.add_argument("--url", default=os.environ.get("OPENSEARCH_URL", "http://127.0.0.1:9200"))
    parser.add_argument("--report", default=str(REPO / "bench" / "OPENSEARCH-GRAMS.md"))
    options = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsarchive.settings.dev")
    os.environ.setdefault("SECRET_KEY", "bench-only")
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    from opensearchpy import OpenSearch
    from opensearchpy.helpers import bulk

    from search.analysis import ChineseAnalyzer
    from search.backends.opensearch.mapping import GRAMS_ANALYZER, index_body
    from search.backends.opensearch.query import DslCompiler
    from search.tokenize import normalize

    analyzer = ChineseAnalyzer()
    client = OpenSearch(hosts=[options.url], timeout=60)
    analysis = index_body({})["settings"]["analysis"]
    analysis["analyzer"]["cjk"] = {
        "type": "custom",
        "tokenizer": "standard",
        "filter": ["cjk_width", "lowercase", "cjk_bigram"],
    }
    analysis["filter"]["cjk_bigram"] = {"type": "cjk_bigram", "output_unigrams": True}
    mappings = {
        "properties": {
            "ours": {"type": "text", "analyzer": GRAMS_ANALYZER},
            "cjk": {"type": "text", "analyzer": "cjk", "position_increment_gap": 100},
        }
    }
    docs = documents()
    rng = random.Random(2025)
    expected = strings(docs, normalize, rng)
    client.indices.delete(index=INDEX, ignore_unavailable=True)
    client.indices.create(
        index=INDEX,
        body={
            "settings": {"number_of_shards": 1, "number_of_replicas": 0, "analysis": analysis},
            "mappings": mappings,
        },
    )
    try:
        bulk(
            client,
            (
                {"_index": INDEX, "_id": n, "ours": analyzer.grams([doc]), "cjk": doc.split("\n")}
                for n, doc in enumerate(docs)
            ),
            refresh=True,
        )
        compiler = DslCompiler({}, analyzer, "text")

        def ours(text):
            phrase = analyzer.gram_phrase(text)
            if len(phrase) == 1:
                return compiler.term("ours", phrase[0][1])
            return compiler.phrase("ours", phrase)

        def cjk(text):
            return {"match_phrase": {"cjk": {"query": text}}}

        wrong = {"ours": Counter(), "cjk": Counter()}
        examples = {"ours": [], "cjk": []}
        for text, answer in expected.items():
            for field, build in (("ours", ours), ("cjk", cjk)):
                body = {"query": build(text), "size": 10_000, "_source": False}
                hits = client.search(index=INDEX, body=body)["hits"]["hits"]
                found = {int(hit["_id"]) for hit in hits}
                if found != answer:
                    kind = "missed" if answer - found else "extra"
                    wrong[field][kind] += 1
                    examples[field].append((text, kind, len(answer), len(found)))
    finally:
        client.indices.delete(index=INDEX, ignore_unavailable=True)

    lines = [
        "# Exact substrings on OpenSearch: CJK bigrams or the project's grams",
        "",
        f"Measured {datetime.date.today().isoformat()} with `python -m bench.opensearch_grams` "
        f"(OpenSearch at {options.url}): {len(docs)} documents (the seed's paragraphs, three to "
        "a document, and generated articles in the seed's format), "
        f"{len(expected)} distinct strings asked as phrases (substrings of 1–6 characters of "
        "random lines, and strings made of the end of one line and the start of another). A "
        "field answers a string right when it finds exactly the documents whose normalised "
        "text holds it within one line.",
        "",
        "| field | strings answered wrong | missing documents | with extra documents |",
        "|---|--:|--:|--:|",
    ]
    names = {
        "ours": "the project's grams (whitespace analyser, line breaks as stop words)",
        "cjk": "standard tokenizer + cjk_width + lowercase + cjk_bigram (unigrams kept)",
    }
    for field in ("ours", "cjk"):
        total = sum(wrong[field].values())
        lines.append(
            f"| {names[field]} | {total} of {len(expected)} | {wrong[field]['missed']} "
            f"| {wrong[field]['extra']} |"
        )
    lines += [
        "",
        "What the wrong strings hold (a string counts once, in the first kind that fits):",
        "",
        "| field | punctuation, symbols or spaces | digits or Latin letters | Chinese only |",
        "|---|--:|--:|--:|",
    ]
    for field in ("ours", "cjk"):
        kinds = Counter(_kind(text) for text, *_rest in examples[field])
        lines.append(
            f"| {field} | {kinds['punctuation']} | {kinds['alphanumeric']} | {kinds['chinese']} |"
        )
    lines += ["", "Examples (string, what went wrong, documents expected, found):", ""]
    for field in ("ours", "cjk"):
        by_kind = {}
        for item in sorted(examples[field], key=lambda item: (-len(item[0].strip()), item[0])):
            by_kind.setdefault(_kind(item[0]), []).append(item)
        for items in by_kind.values():
            for text, kind, want, got in items[:4]:
                lines.append(f"- {field}: `{text}`: {kind} ({want} expected, {got} found)")
    lines += [
        "",
        "The standard tokenizer drops punctuation, symbols and whitespace, so a string that "
        "holds them is missed (a lone mark) or found wherever its other characters stand "
        "together (`#### 三` finds every 三); it keeps a run of digits or Latin letters as one "
        "token, so part of a number or a word is not found (`015年增长`); and the bigram filter "
        "pairs Chinese characters that punctuation separates, so a Chinese-only string is "
        "also found where a mark stands inside it (the Chinese-only rows are all one document "
        "too many). Besides, the field would need OpenCC's traditional-to-simplified mapping, "
        "which no OpenSearch filter applies. The project's grams are computed from the "
        "normalised text by the same code that feeds "
        "tantivy: every substring is found, in both engines alike. The backend uses them.",
        "",
    ]
    Path(options.report).write_text("\n".join(lines))
    print("\n".join(lines))


def _kind(text):
    if any(not char.isalnum() for char in text):
        return "punctuation"
    if any(char.isascii() for char in text):
        return "alphanumeric"
    return "chinese"


if __name__ == "__main__":
    main()
