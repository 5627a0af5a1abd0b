"""bench/REPORT.md from the results of bench.run: tables, the machine, and the targets."""

import math
import statistics

from .corpus import CLASSES

TARGET_SIZE = 100_000


def fmt(value, digits=1):
    if value is None:
        return "–"
    if isinstance(value, float):
        if value >= 100:
            return f"{value:,.0f}"
        return f"{value:.{digits}f}"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def ratio(theirs, ours):
    if not theirs or not ours:
        return "–"
    return f"{theirs / ours:,.0f}×" if theirs / ours >= 10 else f"{theirs / ours:.1f}×"


def mb(value):
    return None if value is None else value / 1e6


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    # A cell's own "|" (a word boundary in the corpus's notes, 了解|技术) would end the cell.
    lines += [
        "| " + " | ".join(fmt(cell).replace("|", "\\|") for cell in row) + " |" for row in rows
    ]
    return "\n".join(lines)


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def label(result):
    return f"{result['size']:,} · {result['database']}"


def rebuild_fast(result):
    runs = result.get("rebuild_fast") or []
    return median([run["seconds"] for run in runs]), runs


def http_run(result, page, connections):
    for run in (result.get("http") or {}).get("runs", []):
        if run["page"] == page and run["connections"] == connections:
            return run
    return None


def worker_memory(result):
    memory = (result.get("http") or {}).get("memory") or {}
    return memory.get("workers") or []


# -- targets ---------------------------------------------------------------------------------


def whoosh_pair(result):
    """(ours, Whoosh's) search results on the same documents, and how many.

    When Whoosh indexed only the first N articles within its budget, ours is the run on an
    index of those N (bench.run measures it); otherwise both searched the whole corpus.
    """
    whoosh_run = result.get("whoosh") or {}
    equal = whoosh_run.get("ours_at_equal")
    if equal:
        return equal["search"], whoosh_run.get("search") or {}, equal["documents"]
    return result.get("search") or {}, whoosh_run.get("search") or {}, result.get("size")


def targets(result):
    """(target, measured, met, margin) for one result."""
    rows = []
    search = result.get("search") or {}
    engine = result.get("engine") or {}

    def class_stat(stat):
        values = {
            cls: data["latency_ms"].get(stat)
            for cls, data in search.items()
            if isinstance(data, dict) and data.get("latency_ms")
        }
        worst = max(values, key=values.get) if values else None
        return worst, values.get(worst)

    # The targets at a million articles: p95 ≤ 50 ms, USS ≤ 150 MB, rebuild ≤ 15 min
    # (the 90 s per 100k below, scaled).
    million = result["size"] >= 1_000_000
    p95_limit, uss_limit = (50, 150) if million else (20, 100)
    worst, p95 = class_stat("p95")
    rows.append(
        _row(f"search p95 ≤ {p95_limit} ms, every class", p95, p95_limit, f"worst: {worst}")
    )
    worst, p50 = class_stat("p50")
    rows.append(_row("search p50 ≤ 8 ms, every class", p50, 8, f"worst: {worst}"))
    ratios = {
        cls: data["latency_ms"]["p50"] / engine[cls]["latency_ms"]["p50"]
        for cls, data in search.items()
        if isinstance(data, dict)
        and data.get("latency_ms")
        and (engine.get(cls) or {}).get("latency_ms", {}).get("p50")
    }
    worst = max(ratios, key=ratios.get) if ratios else None
    rows.append(
        _row(
            "our p50 ≤ 4× the engine's alone, every class",
            ratios.get(worst),
            4,
            f"worst: {worst}",
        )
    )
    ours_equal, whoosh, documents = whoosh_pair(result)
    for cls in ("common", "phrase"):
        ours = (ours_equal.get(cls) or {}).get("latency_ms", {}).get("p95")
        theirs = (whoosh.get(cls) or {}).get("latency_ms", {}).get("p95")
        if ours and theirs:
            speedup = theirs / ours
            met = speedup >= 20
            rows.append(
                (
                    f"≥ 20× faster than Whoosh at p95, {cls}",
                    f"{speedup:,.1f}× ({fmt(ours)} vs {fmt(theirs)} ms)",
                    met,
                    f"{speedup / 20:.1f}× the target; both on {documents:,} articles",
                )
            )
        else:
            rows.append((f"≥ 20× faster than Whoosh at p95, {cls}", "not measured", None, ""))
    run = http_run(result, "search_distinct", 8)
    rows.append(
        _row(
            "search page p95 ≤ 100 ms at 8 clients",
            run and run["p95_ms"],
            100,
            "distinct URLs (uncached)",
        )
    )
    run = http_run(result, "search", 8)
    rows.append(
        _row(
            "… the same few search URLs, repeated",
            run and run["p95_ms"],
            100,
            "served from the page cache once seen",
        )
    )
    runs32 = [r for r in (result.get("http") or {}).get("runs", []) if r["connections"] == 32]
    if runs32:
        errors = sum(r["errors"] for r in runs32)
        rows.append(("no errors at 32 clients", f"{errors} errors", errors == 0, "all three pages"))
    else:
        rows.append(("no errors at 32 clients", "not measured", None, ""))
    articles = [
        r["rps"] for r in (result.get("http") or {}).get("runs", []) if r["page"] == "article"
    ]
    best = max(articles) if articles else None
    rows.append(_row("article page ≥ 500 req/s, 2 workers", best, 500, "best of 1/8/32", low=True))
    seconds, _runs = rebuild_fast(result)
    rows.append(
        _row("rebuild ≤ 90 s per 100k, fast tokeniser (s)", seconds, 90 * result["size"] / 1e5)
    )
    jieba = result.get("rebuild_jieba")
    if jieba:
        projected = jieba["seconds"] * jieba["total"] / max(jieba["articles"], 1)
        note = (
            ""
            if jieba["finished"]
            else f"stopped at the budget; projected from {jieba['articles']:,}"
        )
        rows.append(
            _row(
                "rebuild ≤ 8 min per 100k, jieba alone (s)",
                projected,
                480 * result["size"] / 1e5,
                note,
            )
        )
    save = (result.get("save") or {}).get("found_ms", {}).get("p50")
    rows.append(_row("editor's save searchable ≤ 200 ms (median)", save, 200, "same process"))
    http = result.get("http") or {}
    save_http = (http.get("save_http") or {}).get("found_ms") or {}
    rows.append(_row("save searchable via the site ≤ 150 ms (median)", save_http.get("p50"), 150))
    rows.append(_row("… ≤ 400 ms (p95)", save_http.get("p95"), 400, "gunicorn + run_indexer"))
    retokenise = http.get("retokenise") or {}
    rows.append(
        _row(
            "search p95 while re-tokenising ≤ 1.5× idle",
            retokenise.get("p95_ratio"),
            1.5,
            f"{retokenise.get('articles', 0):,} articles cut again" if retokenise else "",
        )
    )
    reach = http.get("rebuild_reach") or {}
    rows.append(
        _row("rebuild_index reaches live workers ≤ 1 s", reach.get("first_new_s"), 1, "seconds")
    )
    workers = worker_memory(result)
    if workers:
        uss = max(w.get("uss", w["pss"]) for w in workers)
        rss = max(w["rss"] for w in workers)
        pss = max(w["pss"] for w in workers)
        rows.append(
            _row(
                f"each worker's private memory (USS) ≤ {uss_limit} MB",
                uss,
                uss_limit,
                f"PSS {pss:.0f} MB, RSS {rss:.0f} MB (the index is mapped, shared)",
            )
        )
    first = (result.get("http") or {}).get("first_request_s")
    rows.append(_row("first request after start ≤ 1 s", first, 1, "a search page"))
    return rows


def _row(name, value, limit, note="", low=False):
    """A target row; ``low`` means the value must be at least ``limit``."""
    if value is None:
        return (name, "not measured", None, note)
    met = value >= limit if low else value <= limit
    margin = value / limit
    how = f"{margin:.2f}× the limit" if not low else f"{margin:.2f}× the floor"
    return (name, fmt(float(value)), met, f"{how}; {note}" if note else how)


def mark(met):
    return {True: "met", False: "**missed**", None: "–"}[met]


# -- the report ------------------------------------------------------------------------------


def commands(results):
    found = []
    for result in results:
        for command in (
            result.get("command"),
            (result.get("whoosh") or {}).get("command"),
            result.get("command_note"),
        ):
            if command and command not in found:
                found.append(command)
    return found


def render(results, info):
    results = sorted(results, key=lambda r: (r["size"], r["database"] != "sqlite"))
    for result in results:
        # Whoosh searches its own index and never reads the database at query time, so a size's
        # Whoosh run on one database is the baseline for the other database too.
        if not result.get("whoosh"):
            for other in results:
                if other["size"] == result["size"] and other.get("whoosh"):
                    result["whoosh"] = dict(other["whoosh"], borrowed_from=other["database"])
                    break
    out = ["# Benchmark report", ""]
    out += [
        "Generated by `bench/run.py`; every figure below was measured in the run described here. "
        "Analysis, profiles and proposed product changes: `bench/FINDINGS.md`.",
        "",
        "## Machine and run",
        "",
        f"- Date: {info['date']}; wall time {info['wall_s'] / 60:.1f} min",
        f"- Commit when the report was written: `{info['commit']}`"
        + (" (work tree had changes)" if info["dirty"] else "")
        + "; when each part was measured: "
        + ", ".join(f"{label(r)} `{r.get('commit', '?')}`" for r in results)
        + "; the commit of every phase is under *Machine load while measuring*",
        f"- nproc {info['nproc']}, {info['cpu']}, {info['memory_gib']} GiB memory, "
        f"kernel {info['kernel']}",
        f"- Python {info['python']}, PostgreSQL {info['postgresql']}, {info['wrk']}",
        "- Packages: " + ", ".join(f"{k} {v}" for k, v in info["packages"].items()),
        f"- This report: `{info['command']}` (the Makefile: `make bench`, `make bench-smoke`)",
        *[f"- Measured by: `{command}`" for command in commands(results)],
        "",
        "A noisy 2-core machine: wrk, gunicorn's two workers and the database share the two "
        "cores. Latencies are percentiles of repeated runs; ratios compare figures taken in the "
        "same run.",
        "",
    ]
    if not results:
        return "\n".join([*out, "No results."])
    if info.get("missing"):
        out += ["**Not measured in this run:** " + ", ".join(info["missing"]) + ".", ""]
    for result in results:
        if result.get("reconstructed"):
            out += [f"**{label(result)}** was reconstructed {result['reconstructed']}.", ""]
        if (result.get("http") or {}).get("save_http_error"):
            out += [
                f"**{label(result)}**: the editor's save over HTTP failed: "
                f"{result['http']['save_http_error']}.",
                "",
            ]
    out += corpus_section(results)
    out += targets_section(results)
    out += import_section(results)
    out += [
        "## Import speed, before and after",
        "",
        *import_speed_lines(info.get("imports", [])),
        "",
    ]
    out += index_section(results)
    out += tokenise_section(results)
    out += search_section(results)
    out += http_section(results)
    out += memory_section(results)
    out += save_section(results)
    out += lifecycle_section(results)
    out += sizes_section(results)
    out += scaling_section(results)
    out += load_section(results)
    out += reruns_section(results)
    out += [
        "## How it was measured",
        "",
        f"- Import: {import_method(results)}; MB/s counts the source files' UTF-8 bytes.",
        "- Index: `Indexer.rebuild()` (what `rebuild_index` runs) in a fresh process (fast = "
        "rjieba in bulk mode; jieba = `search.tokenize.fast_available` forced to False). "
        "MB/s counts the indexed text (title, deck, headings, bodies) as UTF-8.",
        "- Search: `SearchForm(data).params()` then `searching.run(params)`: 20 highlighted "
        "hits and the year, month, author and publication facets; after warm-up, the queries "
        "of each class in turn. Whoosh: `SearchQuerySet().filter(content=AutoQuery(q))` with "
        "the same filters, sort, facets and `.highlight()`, 20 hits.",
        "- HTTP: gunicorn with `newsarchive/gunicorn.conf.py`, production settings, 2 sync "
        "workers, on 127.0.0.1; wrk with `bench/wrk_report.lua` spreading requests over the "
        "search URLs of the query classes, 200 article URLs, or the front page; each run "
        "bounded in time. Errors = non-2xx answers + socket errors (connect, read, write, "
        "timeout).",
        "- Memory: `/proc/<pid>/smaps_rollup` of the master and each worker after the load.",
        "- Editor's save: a section body and the article saved in one `transaction.atomic()`, "
        "then `searching.run` polled every 5 ms (same process; the index catches up in "
        "`on_commit`), and the search API of the running gunicorn polled (another process).",
        "- Whoosh baseline: `bench/whoosh_settings.py`, `bench/whoosh_backend.py` (haystack's "
        "backend with `jieba.analyse.ChineseAnalyzer`), `bench/whoosh_app`; haystack's own "
        "`update_index`, stopped at the time budget if it runs over (then its rate is over the "
        "documents committed so far and its searches ran on that partial index).",
        "",
    ]
    return "\n".join(out) + "\n"


def corpus_section(results):
    out = ["## Corpus", ""]
    seen = {}
    for result in results:
        seen.setdefault(result["size"], result)
    rows = []
    for result in seen.values():
        c = result["corpus"]
        rows.append(
            (
                c["articles"],
                c["files"],
                c["bytes"] / 1e6,
                round(c["chars"] / c["articles"]),
            )
        )
    out.append(table(["articles", "files (days)", "MB (UTF-8)", "chars per article"], rows))
    out += [
        "",
        "Query words, picked from each generated corpus (articles containing the text):",
        "",
    ]
    for size, result in seen.items():
        rows = []
        for q in result.get("queries", []):
            extra = " ".join(f"{k}={v}" for k, v in q.get("params", {}).items())
            rows.append(
                (CLASSES.get(q["cls"], q["cls"]), q["q"], extra, q["docs"] or "–", q["note"])
            )
        out += [f"**{size:,} articles**", ""]
        out.append(table(["class", "query", "filters", "articles", "note"], rows))
        out.append("")
    return out


def targets_section(results):
    out = ["## Targets", ""]
    chosen = sorted(results, key=lambda r: r["size"] != TARGET_SIZE)
    out.append(
        "Targets are set for 100k articles on this 2-core machine; smaller corpora are shown "
        "for reference, with the rebuild limits scaled to their size. A million articles has "
        "targets of its own: search p95 ≤ 50 ms, each worker's USS ≤ 150 MB, rebuild ≤ 15 min. "
        "Whoosh ratios use the Whoosh run of the same corpus size."
    )
    out.append("")
    for result in chosen:
        out += [f"**{label(result)}**", ""]
        rows = [(name, value, mark(met), margin) for name, value, met, margin in targets(result)]
        out.append(table(["target", "measured", "", "by how much"], rows))
        out.append("")
    return out


def import_speed_lines(results):
    """The table of bench.importing's results (before and after), with how they were taken."""
    if not results:
        return ["No import speed measured (python -m bench.importing)."]
    lines = [
        "| articles | database | before (art/s) | after (art/s) | after ÷ before | after (s) "
        "| CPU s: saving process | CPU s: reading processes | load before / after | code after |",
        "|--:|---|--:|--:|--:|--:|--:|--:|---|---|",
    ]
    for item in results:
        before, after = item["before"], item["after"]
        lines.append(
            f"| {after['articles']:,} | {item['database']} | {before['articles_per_s']:.0f} "
            f"| {after['articles_per_s']:.0f} "
            f"| {after['articles_per_s'] / before['articles_per_s']:.1f}× "
            f"| {after['seconds']:.0f} | {after['cpu_main']:.0f} | {after['cpu_workers']:.0f} "
            f"| {before['load']} / {after['load']} | {item['after_commit'][:9]} |"
        )
    first = results[0]
    sizes = " ".join(str(size) for size in sorted({item["size"] for item in results}))
    return [
        *lines,
        "",
        f"- Before: `{first['baseline']}` ({first['baseline_commit'][:9]}), one process, "
        "`Importer.import_file` for each day's file, as `import_articles FILE --date DAY` ran "
        f"then. After: `Loader(jobs={first['after']['jobs']})`, as `import_articles DIR --jobs "
        f"{first['after']['jobs']}` runs it. Each into a fresh, migrated database (production "
        "settings) with no indexer running; the triggers log every article.",
        f"- Measured {first['date']}; each size is the first days of the generated 100,000-article "
        "corpus holding that many articles. CPU seconds include each process's start.",
        f"- Command: `python -m bench.importing --baseline {first['baseline']} --sizes {sizes}` "
        "(`--after-only` measured the later code again).",
    ]


def import_method(results):
    """How the imports of ``results`` were run: by the loader since it exists, else file by file."""
    jobs = {r[key]["jobs"] for r in results for key in ("import",) if "jobs" in r.get(key, {})}
    if jobs:
        listed = ", ".join(str(n) for n in sorted(jobs))
        return (
            f"`Loader(jobs={listed}).load(files)` over the corpus directory, as "
            f"`import_articles DIR --jobs {listed}` runs it (articles.loading)"
        )
    return "`Importer.import_file` file by file, one Importer for the whole corpus"


def import_section(results):
    rows = []
    for r in results:
        for key, how in (
            ("import", "bulk"),
            ("import_as_shipped", "with run_indexer following"),
        ):
            i = r.get(key)
            if not i:
                continue
            note = (
                ""
                if i.get("finished", True)
                else f"{fmt(i['files'])} of {fmt(i['all_files'])} files"
            )
            if key == "import" and i.get("catch_up_seconds") is None:
                note = "no catch-up: the rebuild below builds the index from the same log"
            elif key == "import":
                note = f"the indexer then caught up in {i['catch_up_seconds']:.0f} s"
            rows.append(
                (
                    label(r),
                    how,
                    i["articles"],
                    i["seconds"],
                    i["articles_per_s"],
                    i["mb_per_s"],
                    note,
                )
            )
    return [
        "## Import",
        "",
        f"{import_method(results)}; the database's "
        "triggers log every article. Bulk: no indexer meanwhile, then one catches up with the "
        "whole log. With run_indexer following: the indexer applies the log while the import "
        "goes on, as on a running site; stopped after a time budget.",
        "",
        table(["corpus", "how", "articles", "s", "articles/s", "MB/s", "note"], rows),
        "",
    ]


def index_section(results):
    rows = []
    for r in results:
        seconds, runs = rebuild_fast(r)
        fast = runs[0] if runs else {}
        rate = r["size"] / seconds if seconds else None
        mb = fast.get("mb_per_s", 0) * fast.get("seconds", 0) / seconds if seconds else None
        rows.append((label(r), "ours, rjieba", seconds, rate, mb, f"median of {len(runs)}"))
        jieba = r.get("rebuild_jieba")
        if jieba:
            note = "finished" if jieba["finished"] else f"stopped at {jieba['articles']:,}"
            rows.append(
                (
                    label(r),
                    "ours, jieba alone",
                    jieba["seconds"],
                    jieba["articles_per_s"],
                    jieba["mb_per_s"],
                    note,
                )
            )
        whoosh = r.get("whoosh")
        if whoosh and not whoosh.get("borrowed_from"):
            stopped = whoosh.get("stopped")
            if whoosh["finished"]:
                note = "finished"
            elif stopped == "budget":
                note = (
                    f"stopped at the {whoosh['budget_s']:.0f} s budget with "
                    f"{whoosh['documents']:,} documents"
                )
            else:  # an earlier run that did not record why, or a failure
                note = f"did not finish ({stopped or 'reason not recorded'}): " + (
                    f"{whoosh['documents']:,} documents"
                )
            ours_rate = rate or 0
            rows.append(
                (
                    label(r),
                    "Whoosh + jieba",
                    whoosh["seconds"],
                    whoosh["articles_per_s"],
                    None,
                    f"{note}; ours is {ratio(ours_rate, whoosh['articles_per_s'])} faster",
                )
            )
    return [
        "## Indexing (full rebuild)",
        "",
        table(["corpus", "indexer", "s", "articles/s", "MB/s", "note"], rows),
        "",
    ]


def tokenise_section(results):
    rows = []
    for r in results:
        t = r.get("tokenise")
        if not t:
            continue
        for name in (
            "rjieba_cut_raw",
            "jieba_lcut_raw",
            "words_fast",
            "words_jieba",
            "word_text_fast",
            "grams",
            "normalize",
        ):
            if name not in t:
                continue
            rows.append((label(r), name, t["bytes"] / 1e6, t[name]["seconds"], t[name]["mb_per_s"]))
    if not rows:
        return []
    return [
        "## Tokeniser alone (the upper limit for indexing)",
        "",
        "`search.tokenize.words(text, fast=…)`, `ChineseAnalyzer().grams(text)` and "
        "`normalize(text)` on the indexed text of the first articles, one process, one core; "
        "`*_raw` is the bare segmenter (rjieba's or jieba's cut of the normalised text), to "
        "show what building words with offsets and sub-words adds; `word_text_fast` is what "
        "the index takes (the same words joined by spaces, without offsets). Runs before 30 "
        "November afternoon measured `grams` wrongly (each character taken as a value of its "
        "own): their grams rows are several times too slow.",
        "",
        table(["corpus", "function", "MB", "s", "MB/s"], rows),
        "",
    ]


def search_section(results):
    out = [
        "## Search latency (searching.run, 20 highlighted hits with facets)",
        "",
        "ms; p50 / p95 / p99 over the repeated runs of each class (`statistics.quantiles`, "
        "method 'inclusive'), after the same warm-up for every engine; every search counts "
        "its facets (`SEARCH_FACET_CACHE=0`: the product keeps them for a search's other pages "
        "and orders, which these repeated queries would hit), as the product counts them: "
        "authors only up to `SEARCH_AUTHOR_FACET_MAX_MATCHES` matches (20,000; above it the "
        "page offers to count them). *engine alone*: the "
        "tantivy queries of the same searches, timed without us (parsing, facets, snippets). "
        "Whoosh: the same queries through haystack, compared with ours on the same documents "
        "(when Whoosh indexed only the first N articles in its budget, ours was measured again "
        "on an index of those N). *hits* is the number of matching articles for the class's "
        "first query (ours / Whoosh): where Whoosh finds nothing it is fast for a bad reason.",
        "",
    ]
    for r in results:
        search = r.get("search") or {}
        engine = r.get("engine") or {}
        ours_equal, whoosh, documents = whoosh_pair(r)
        rows = []
        for cls, data in search.items():
            ours = data["latency_ms"]
            alone = (engine.get(cls) or {}).get("latency_ms") or {}
            theirs = (whoosh.get(cls) or {}).get("latency_ms") or {}
            ours_same = (ours_equal.get(cls) or {}).get("latency_ms") or {}
            ours_hits = data["queries"][0]["count"] if data["queries"] else None
            theirs_hits = (
                whoosh[cls]["queries"][0]["count"] if whoosh.get(cls, {}).get("queries") else None
            )
            fallback = any(q.get("fallback") for q in data["queries"])
            rows.append(
                (
                    CLASSES.get(cls, cls),
                    ours.get("p50"),
                    ours.get("p95"),
                    ours.get("p99"),
                    alone.get("p50"),
                    ratio(ours.get("p50"), alone.get("p50")),
                    theirs.get("p50"),
                    theirs.get("p95"),
                    ratio(theirs.get("p95"), ours_same.get("p95")),
                    f"{fmt(ours_hits)} / {fmt(theirs_hits)}" + (" (fallback)" if fallback else ""),
                    f"{ours.get('n', 0)} / {theirs.get('n', 0) or '–'}",
                )
            )
        heading = f"**{label(r)}**"
        whoosh_run = r.get("whoosh") or {}
        if whoosh_run.get("borrowed_from"):
            heading += f" (Whoosh: the run on {whoosh_run['borrowed_from']})"
        if whoosh_run and not whoosh_run.get("finished"):
            stopped = whoosh_run.get("stopped")
            why = {
                "budget": "all it committed within its time budget",
                None: "all it committed before it stopped",
            }.get(stopped, f"all it committed before it stopped ({stopped})")
            heading += (
                f" (Whoosh searched its partial index: {whoosh_run['documents']:,} of "
                f"{r['size']:,} articles, {why}"
                + (
                    f"; Whoosh/ours compares with ours on the same {documents:,})"
                    if whoosh_run.get("ours_at_equal")
                    else ")"
                )
            )
        out += [heading, ""]
        out.append(
            table(
                [
                    "class",
                    "ours p50",
                    "p95",
                    "p99",
                    "engine alone p50",
                    "ours ÷ engine p50",
                    "Whoosh p50",
                    "p95",
                    "Whoosh/ours p95",
                    "hits",
                    "runs",
                ],
                rows,
            )
        )
        out.append("")
    return out


def http_section(results):
    out = ["## HTTP (gunicorn, 2 workers, wrk on 127.0.0.1)", ""]
    for r in results:
        http = r.get("http")
        if r.get("http_skipped"):
            out += [f"**{label(r)}**: not measured, {r['http_skipped']}.", ""]
        if not http:
            continue
        rows = [
            (
                run["page"],
                run["connections"],
                run["rps"],
                run["p50_ms"],
                run["p95_ms"],
                run["p99_ms"],
                run["non2xx"],
                run["socket_errors"],
            )
            for run in http["runs"]
        ]
        out += [f"**{label(r)}** ({http['duration_s']} s a run)", ""]
        out.append(
            table(
                ["page", "clients", "req/s", "p50 ms", "p95 ms", "p99 ms", "non-2xx", "socket"],
                rows,
            )
        )
        out.append("")
    return out


def memory_section(results):
    rows = []
    for r in results:
        http = r.get("http")
        if not http:
            continue
        idle = http.get("memory_idle", {}).get("workers", [])
        after = http.get("memory", {}).get("workers", [])
        master = http.get("memory", {}).get("master", {})
        rows.append(
            (
                label(r),
                http.get("first_request_s"),
                http.get("first_article_s"),
                master.get("rss"),
                " / ".join(fmt(w["rss"], 0) for w in idle),
                " / ".join(fmt(w["rss"], 0) for w in after),
                " / ".join(fmt(w["pss"], 0) for w in after),
            )
        )
    if not rows:
        return []
    return [
        "## Start-up and memory",
        "",
        "First request: seconds from starting gunicorn until a search page answered 200; the "
        "first article page is timed right after. Memory in MB; workers after start (idle) and "
        "after the load.",
        "",
        table(
            [
                "corpus",
                "first search (s)",
                "then article (s)",
                "master RSS",
                "workers RSS idle",
                "workers RSS loaded",
                "workers PSS loaded",
            ],
            rows,
        ),
        "",
    ]


def phase_code(result, phase):
    """The commit the last run of ``phase`` measured (+ = uncommitted changes)."""
    codes = [code for name, code in result.get("code") or [] if name == phase]
    return codes[-1] if codes else ""


def save_section(results):
    rows = []
    for r in results:
        save = r.get("save") or {}
        found = save.get("found_ms") or {}
        commit = save.get("commit_ms") or {}
        http = ((r.get("http") or {}).get("save_http") or {}).get("found_ms") or {}
        rows.append(
            (
                label(r),
                commit.get("p50"),
                commit.get("max"),
                found.get("p50"),
                found.get("max"),
                http.get("p50"),
                http.get("max"),
                f"{found.get('n')} of {commit.get('n')}",
                phase_code(r, "save"),
            )
        )
    return [
        "## An editor's save reaching the index",
        "",
        "ms from the start of the save until a search finds the new text (searches give up "
        "after 30 s).",
        "",
        table(
            [
                "corpus",
                "commit (p50)",
                "commit (max)",
                "searchable, same process (p50)",
                "max",
                "via the site (p50)",
                "max",
                "found",
                "code",
            ],
            rows,
        ),
        "",
    ]


def lifecycle_section(results):
    rows = []
    for r in results:
        http = r.get("http") or {}
        save = (http.get("save_http") or {}).get("found_ms") or {}
        retokenise = http.get("retokenise") or {}
        idle = retokenise.get("idle_ms") or {}
        busy = retokenise.get("busy_ms") or {}
        reach = http.get("rebuild_reach") or {}
        rows.append(
            (
                label(r),
                save.get("p50"),
                save.get("p95"),
                save.get("max"),
                f"{retokenise.get('word', '')} ({retokenise.get('articles', 0):,})",
                retokenise.get("applied_s"),
                idle.get("p95"),
                busy.get("p95"),
                retokenise.get("p95_ratio"),
                reach.get("rebuild_s"),
                reach.get("first_new_s"),
            )
        )
    return [
        "## The index's lifecycle (gunicorn, 2 workers, with run_indexer beside it)",
        "",
        "- Save: ms from the start of an editor's save (a section and its article, one "
        "transaction) until the search API of the running site finds the new text.",
        "- Re-tokenise: an editor adds a dictionary word that occurs in the given number of "
        "articles; the indexer cuts them all again while one client searches the API (distinct "
        "URLs, so nothing comes from the page cache): p95 in ms before (idle) and until the index "
        "has applied the word (busy).",
        "- Rebuild: seconds `rebuild_index` took, and from its end until the first API answer "
        "from the new generation.",
        "",
        table(
            [
                "corpus",
                "save p50",
                "save p95",
                "save max",
                "word (articles)",
                "applied (s)",
                "idle p95",
                "busy p95",
                "ratio",
                "rebuild (s)",
                "new generation served (s)",
            ],
            rows,
        ),
        "",
    ]


def reruns_section(results):
    """Phases measured again after the run (python -m bench.run --rerun PHASE), and why."""
    lines = []
    for r in results:
        for rerun in r.get("reruns") or []:
            phase = rerun["phase"]
            # The HTTP phase starts with urls; rebuild_fast is the rebuild phase, in fast mode.
            worker_phase = {"http": "urls", "rebuild_fast": "rebuild"}.get(phase, phase)
            codes = [code for name, code in r.get("code") or [] if name == worker_phase]
            before = f" (first run on {codes[-2]})" if len(codes) > 1 else ""
            line = f"- {label(r)}, {phase}: `{rerun['command']}` on {codes[-1]}{before}"
            earlier = rerun.get("before") or {}
            if phase == "save" and earlier.get("commit_ms"):
                line += (
                    f"; the first measurement: commit p50 {fmt(earlier['commit_ms']['p50'])} ms, "
                    f"max {fmt(earlier['commit_ms']['max'])} ms"
                )
            lines.append(line)
    if not lines:
        return []
    return [
        "## Measured again",
        "",
        "Phases measured a second time on the database and index the run kept; the tables above "
        "show the second measurement. Why: `bench/FINDINGS.md`.",
        "",
        *lines,
        "",
    ]


def load_section(results):
    rows = []
    for r in results:
        if not r.get("loadavg"):
            continue
        codes = r.get("code") or []
        cells = []
        for index, (phase, load) in enumerate(r["loadavg"]):
            code = f" @{codes[index][1]}" if index < len(codes) else ""
            cells.append(f"{phase} {load}{code}")
        rows.append((label(r), ", ".join(cells)))
    if not rows:
        return []
    return [
        "## Machine load while measuring",
        "",
        "The 1-minute load average as each measuring process started (2 cores: above 2 means "
        "something else was competing for the CPU, such as another session's test run).",
        "",
        table(["corpus", "phase: load @commit (+ = uncommitted changes in the tree)"], rows),
        "",
    ]


def sizes_section(results):
    rows = []
    for r in results:
        whoosh = r.get("whoosh") or {}
        rows.append(
            (
                label(r),
                mb(r.get("index_bytes")),
                mb(whoosh.get("index_bytes")),
                whoosh.get("documents"),
                mb(r.get("database_bytes")),
                r["corpus"]["bytes"] / 1e6,
            )
        )
    return [
        "## Sizes on disk",
        "",
        table(
            [
                "corpus",
                "our index (MB)",
                "Whoosh index (MB)",
                "Whoosh documents",
                "database (MB)",
                "source text (MB)",
            ],
            rows,
        ),
        "",
    ]


def scaling_section(results):
    """Cost against size, per database, with the log-log slope from the size before.

    A slope of 1 is linear growth; 0 is a cost that does not grow with the archive.
    """
    measures = (
        ("import (s)", lambda r: (r.get("import") or {}).get("seconds")),
        ("rebuild (s)", lambda r: rebuild_fast(r)[0]),
        ("index (MB)", lambda r: r.get("index_bytes") and r["index_bytes"] / 2**20),
        ("search p50, worst class (ms)", lambda r: _worst(r, "p50")),
        ("search p95, worst class (ms)", lambda r: _worst(r, "p95")),
        ("worker USS (MB)", lambda r: _memory(r, "uss")),
        ("worker PSS (MB)", lambda r: _memory(r, "pss")),
        ("worker RSS (MB)", lambda r: _memory(r, "rss")),
    )
    out = []
    for database in sorted({r["database"] for r in results}):
        runs = [r for r in results if r["database"] == database and not r.get("quick")]
        if len(runs) < 2:
            continue
        rows = []
        for name, measure in measures:
            values = [measure(r) for r in runs]
            cells = []
            for index, (run, value) in enumerate(zip(runs, values, strict=True)):
                cell = fmt(value)
                before, size_before = (
                    (values[index - 1], runs[index - 1]["size"])
                    if index
                    else (
                        None,
                        None,
                    )
                )
                if value and before:
                    slope = math.log(value / before) / math.log(run["size"] / size_before)
                    cell += f" (slope {slope:.2f})"
                cells.append(cell)
            rows.append((name, *cells))
        commits = {r.get("commit", "")[:9] for r in runs}
        mixed = (
            [
                f"**The sizes were measured by different code ({', '.join(sorted(commits))}): "
                "the slopes mix what the code changed with what the size did.**",
                "",
            ]
            if len(commits) > 1
            else []
        )
        out += [
            f"## Cost against size · {database}",
            "",
            "Each cost at each size measured, with its log-log slope from the size before: "
            "1 grows as the archive does, 0 does not grow.",
            "",
            *mixed,
            table(["cost", *(f"{r['size']:,} articles" for r in runs)], rows),
            "",
        ]
    return out


def _worst(result, stat):
    values = [
        data["latency_ms"].get(stat)
        for data in (result.get("search") or {}).values()
        if isinstance(data, dict) and data.get("latency_ms")
    ]
    values = [value for value in values if value is not None]
    return max(values) if values else None


def _memory(result, name):
    workers = worker_memory(result)
    values = [worker.get(name) for worker in workers if worker.get(name) is not None]
    return max(values) if values else None
