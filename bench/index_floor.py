"""What tantivy alone costs to index our documents: python -m bench.index_floor --var … --database …

The floor under a rebuild. The first --articles published articles of an archive (--var, its
NEWSARCHIVE_VAR_DIR, and --database, its DATABASE_URL, such as what `python -m bench.run
--sizes 10000` leaves in bench/out/10000-sqlite) are prepared and analysed first, untimed, as
`rebuild_index` prepares and analyses them. Then the documents are written into a fresh
tantivy index on disk with the writer a bulk rebuild opens (its heap, two indexing threads),
committed, and the merges waited for; timed are the wall seconds and the CPU seconds of the
process (tantivy's threads included), --repeats times, alternating these variants of the same
documents:

- *as indexed*: every field, as the product writes them;
- *without grams*: no exact-match gram fields (characters and bigrams with positions);
- *without words*: no word fields;
- *without stored text*: the text fields are not stored (snippets need them).

The measuring runs in a child process with the archive's production environment; the report
goes to bench/INDEX-FLOOR.md (--report).
"""

import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

from . import run

REPORT = run.REPO / "bench" / "INDEX-FLOOR.md"
VARIANTS = ("as indexed", "without grams", "without words", "without stored text")

PROGRAM = r"""
import json, resource, shutil, sys, tempfile, time

import django

django.setup()
import tantivy
from haystack import connections

from search.backends.common import analysed
from search.backends.fields import TEXT
from search.backends.tantivy.schema import DocumentBuilder, tokenizers
from search.indexer import Indexer, _reads

count, repeats = int(sys.argv[1]), int(sys.argv[2])
backend = connections["default"].get_backend()
backend.setup()
indexer = Indexer()
published = indexer.articles().order_by("pk")
last = list(published.values_list("pk", flat=True)[count - 1 : count])
documents, articles, text_bytes = [], 0, 0
for batch in _reads(published.filter(pk__lte=last[0]) if last else published):
    for prepared in indexer._prepared(batch):
        text_bytes += len(prepared["text"].encode())
        documents.append(analysed(backend.specs, backend.analyzer, prepared))
    articles += len(batch)


def variant(name, document):
    values, streams = document
    if name == "without grams":
        return values, {field: s for field, s in streams.items() if not field.endswith("__g")}
    if name == "without words":
        return values, {field: s for field, s in streams.items() if not field.endswith("__w")}
    if name == "without stored text":
        kept = {field: v for field, v in values.items() if backend.specs[field].kind != TEXT}
        return kept, streams
    return document


def cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


builder = DocumentBuilder(backend.specs)
measured = {}
for _ in range(repeats):
    for name in json.loads(sys.argv[3]):
        built = [builder.build(variant(name, document)) for document in documents]
        directory = tempfile.mkdtemp(prefix="index-floor-")
        try:
            index = tantivy.Index(backend.schema, path=directory)
            for tokenizer, analyzer in tokenizers().items():
                index.register_tokenizer(tokenizer, analyzer)
            writer = index.writer(heap_size=backend.writer_heap * 4, num_threads=2)
            started, cpu_started = time.perf_counter(), cpu()
            for document in built:
                writer.add_document(document)
            writer.commit()
            writer.wait_merging_threads()
            measured.setdefault(name, []).append(
                {"seconds": time.perf_counter() - started, "cpu_seconds": cpu() - cpu_started}
            )
        finally:
            shutil.rmtree(directory, ignore_errors=True)
print(json.dumps({"articles": articles, "text_bytes": text_bytes, "measured": measured}))
"""


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--var", type=Path, required=True)
    parser.add_argument("--database", required=True)
    parser.add_argument("--articles", type=int, default=3000)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--report", type=Path, default=REPORT)
    options = parser.parse_args(argv)
    env = run.tree_environment(run.REPO, options.var, options.database, os.urandom(32).hex())
    done = subprocess.run(
        [sys.executable, "-c", PROGRAM, str(options.articles), str(options.repeats),
         json.dumps(VARIANTS)],
        env=env, cwd=run.REPO, capture_output=True, text=True, check=True,
    )  # fmt: skip
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["command"] = "python -m bench.index_floor " + " ".join(
        argv if argv is not None else sys.argv[1:]
    )
    result["commit"] = run.git_commit()
    result["at"] = datetime.datetime.now().isoformat(timespec="minutes")
    result["load"] = round(os.getloadavg()[0], 2)
    options.report.write_text(report(result))
    print(options.report.read_text())


def report(result):
    articles = result["articles"]
    base = statistics.median(m["cpu_seconds"] for m in result["measured"]["as indexed"])
    lines = [
        "# What tantivy alone costs to index our documents",
        "",
        f"Written by `python -m bench.index_floor` (see its docstring). {articles:,} articles "
        f"({result['text_bytes'] / 1e6:.1f} MB of text), prepared and analysed beforehand; "
        "timed: tantivy's writer adding them, committing and merging, in one process with two "
        "indexing threads. Medians of the repeats; CPU seconds include tantivy's threads.",
        "",
        "| documents | wall s | CPU s | CPU ms an article | CPU s per 100k articles "
        "| share of *as indexed* |",
        "|---|--:|--:|--:|--:|--:|",
    ]
    for name, runs in result["measured"].items():
        wall = statistics.median(m["seconds"] for m in runs)
        cpu = statistics.median(m["cpu_seconds"] for m in runs)
        lines.append(
            f"| {name} | {wall:.2f} | {cpu:.2f} | {cpu / articles * 1000:.2f} "
            f"| {cpu / articles * 100_000:.0f} | {cpu / base:.0%} |"
        )
    per_100k = base / articles * 100_000
    lines += [
        "",
        f"- Runs: {', '.join(str(len(runs)) for runs in result['measured'].values())} each, "
        f"alternating; load average {result['load']} at the end; {result['at']}, "
        f"code {result['commit']}.",
        f"- Command: `{result['command']}`.",
        f"- On two cores, tantivy's own work as indexed needs at least {per_100k / 2:.0f} s of "
        "wall time per 100,000 articles, before any of ours (reading, preparing, analysing).",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
