"""One measurement, run in its own process with Django set up: python -m bench.worker PHASE ARGS.

bench.run starts one process per phase, so that each phase starts cold the way a command does,
and so that the product and the Whoosh baseline never share a process. Every phase writes its
result as JSON to the path given with --out.
"""

import argparse
import contextlib
import itertools
import json
import statistics
import sys
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path


def setup():
    import django

    django.setup()


def percentiles(values):
    """p50/p95/p99/mean/max of latencies in ms: ``statistics.quantiles``, method 'inclusive'
    (linear interpolation between the sample's order statistics, as numpy's default)."""
    if not values:
        return {}
    if len(values) == 1:
        cuts = values * 99  # quantiles needs two points; one sample is every percentile
    else:
        cuts = statistics.quantiles(values, n=100, method="inclusive")
    return {
        "n": len(values),
        "p50": cuts[49],
        "p95": cuts[94],
        "p99": cuts[98],
        "mean": statistics.fmean(values),
        "max": max(values),
    }


# -- the product --------------------------------------------------------------------------------


def phase_import(args):
    """Import the corpus directory as `import_articles DIR --jobs N` does (articles.loading).

    The database's triggers log every article; the index is left to the indexer. --mode
    deferred: nothing indexes meanwhile, and one indexer catches up once at the end (timed apart,
    as catch_up_seconds), unless --no-catch-up: the caller's rebuild phase then builds the index
    from the same log. --mode as_shipped: the same import while `run_indexer` follows it (the
    caller starts it); --budget stops it after that many seconds.
    """
    from bench.corpus import Corpus

    setup()
    from articles.importer import DEFAULT_PUBLICATION
    from articles.loading import Loader, source_files
    from articles.models import Article

    corpus = Corpus.load(args.corpus)
    files, refused = source_files([corpus.path])
    assert not refused, refused[:3]
    loader = Loader(DEFAULT_PUBLICATION, Article.Status.PUBLISHED, jobs=args.jobs)
    started = time.perf_counter()
    done = {"files": 0, "bytes": 0}

    class OutOfTime(Exception):
        pass

    def progress(size, _summary):
        done["files"] += 1
        done["bytes"] += size
        if args.budget and time.perf_counter() - started > args.budget:
            raise OutOfTime

    with contextlib.suppress(OutOfTime):  # the batch being saved then is rolled back
        loader.load(files, progress)
    seconds = time.perf_counter() - started
    created = Article.objects.count()
    done_files, done_bytes = done["files"], done["bytes"]
    catch_up_seconds = None if args.no_catch_up else 0.0
    if args.mode == "deferred" and not args.no_catch_up:
        from search.indexer import Indexer

        Indexer().catch_up()
        catch_up_seconds = time.perf_counter() - started - seconds
    return {
        "mode": args.mode,
        "jobs": args.jobs,
        "catch_up_seconds": catch_up_seconds,
        "articles": created,
        "in_database": Article.objects.count(),
        "files": done_files,
        "all_files": len(files),
        "finished": done_files == len(files),
        "bytes": done_bytes,
        "seconds": seconds,
        "articles_per_s": created / seconds,
        "mb_per_s": done_bytes / 1e6 / seconds,
    }


class OutOfTime(Exception):
    pass


def phase_rebuild(args):
    setup()
    from search import tokenize
    from search.indexer import Indexer

    jobs = args.jobs
    if args.mode == "jieba":
        tokenize.fast_available = lambda: False  # what bulk mode checks before it uses rjieba
        jobs = 1  # spawned workers would not inherit the patch
    indexer = Indexer()
    index_queryset = indexer.search_index.index_queryset()
    total = index_queryset.count()
    text_bytes = _text_bytes()
    done = 0
    started = time.perf_counter()
    deadline = started + args.budget if args.budget else None

    def progress(count):
        nonlocal done
        done += count
        if deadline and time.perf_counter() > deadline:
            raise OutOfTime

    try:
        added = indexer.rebuild(progress=progress, jobs=jobs)
        finished = True
    except OutOfTime:
        added, finished = done, False
    seconds = time.perf_counter() - started
    return {
        "mode": args.mode,
        "jobs": jobs,
        "fast_available": tokenize.fast_available(),
        "articles": added,
        "total": total,
        "finished": finished,
        "seconds": seconds,
        "articles_per_s": added / seconds,
        "mb_per_s": text_bytes * (added / max(total, 1)) / 1e6 / seconds,
    }


def phase_rebuild_first(args):
    """Our index of the first --count published articles, in the order haystack's update_index
    indexes them (by pk): the product's side of the comparison with Whoosh at equal size."""
    setup()
    from search.indexer import Indexer

    class FirstArticles(Indexer):
        def articles(self):
            published = super().articles()
            pks = published.order_by("pk").values_list("pk", flat=True)
            last = list(pks[max(args.count, 1) - 1 : max(args.count, 1)])
            return published.filter(pk__lte=last[0]) if last else published

    started = time.perf_counter()
    added = FirstArticles().rebuild(jobs=args.jobs)
    return {"articles": added, "seconds": time.perf_counter() - started}


def phase_engine(args):
    """The engine alone: the very queries a search sends to tantivy, timed without us.

    Each query goes once through searching.run, which records the tantivy queries it compiles
    (a question that finds nothing sends a second one, its fallback); the timed part is then
    only tantivy's: the top 20 hits, in the search's order, with the count of matches, and
    their stored documents. By relevance, they are ranked as the backend ranks them, common
    words ranked again with the boost for words close together (a rescore). No parsing,
    facets, snippets or templates: what a search costs when everything of ours is taken away.
    """
    setup()
    import tantivy

    from search import capabilities, searching

    engine = capabilities.backend()
    queries = json.loads(Path(args.queries).read_text())
    captured = []
    run = engine._run

    def recording(searcher, compiled, **kwargs):
        captured.append((compiled, kwargs.get("sort_by") or []))
        return run(searcher, compiled, **kwargs)

    engine._run = recording
    compiled = {}
    for query in queries:
        captured.clear()
        form = searching.SearchForm(_query_dict(query))
        form.is_valid()
        searching.run(form.params())
        compiled[query["q"], json.dumps(query.get("params", {}))] = list(captured)

    def once(query):
        searcher = engine.refresh().searcher()
        started = time.perf_counter()
        count = None
        for one, sort_by in compiled[query["q"], json.dumps(query.get("params", {}))]:
            if not sort_by:
                # By relevance, as the backend ranks: common words ranked again (a rescore).
                hits, count = engine._ranked(searcher, one, one.query, one.plain, [], 0, 20, True)
                for _score, address in hits:
                    searcher.doc(address)
                continue
            order = tantivy.Order.Desc if sort_by[0].startswith("-") else tantivy.Order.Asc
            name = sort_by[0].lstrip("-")
            result = searcher.search(one.query, 20, count=True, order_by_field=name, order=order)
            for _score, address in result.hits:
                searcher.doc(address)
            count = result.count
        return (time.perf_counter() - started) * 1000, {"count": count}

    return _latencies(queries, once, args, lambda outcome: outcome)


def _text_bytes():
    """UTF-8 bytes of the indexed text (title, deck, headings, bodies) of published articles."""
    from django.db.models import Sum
    from django.db.models.functions import Length

    from articles.models import Article, Section

    published = Article.objects.published()
    chars = (published.aggregate(n=Sum(Length("title")) + Sum(Length("deck")))["n"] or 0) + (
        Section.objects.filter(article__in=published).aggregate(
            n=Sum(Length("body")) + Sum(Length("heading"))
        )["n"]
        or 0
    )
    return chars * 3  # nearly all of it is CJK, three bytes a character


def phase_tokenise(args):
    """Throughput of the tokeniser alone on the indexed text of the first articles."""
    setup()
    from articles.models import Article
    from search import tokenize
    from search.analysis import ChineseAnalyzer
    from search.search_indexes import ArticleIndex

    index = ArticleIndex()
    texts, size = [], 0
    for article in Article.objects.published().with_sections().order_by("pk").iterator(500):
        text = index.prepare_text(article)
        texts.append(text)
        size += len(text.encode())
        if size >= args.bytes:
            break
    analyzer = ChineseAnalyzer()
    tokenize.words("预热")  # loads jieba and rjieba outside the timings
    result = {"bytes": size, "articles": len(texts), "fast_available": tokenize.fast_available()}
    segmenter = tokenize._segmenter()  # the raw segmenters, to show what words() adds to them
    runs = {
        "rjieba_cut_raw": lambda t: segmenter.fast.cut(tokenize.normalize(t), True),
        "jieba_lcut_raw": lambda t: segmenter.reference.lcut(tokenize.normalize(t)),
        "words_fast": lambda t: tokenize.words(t, fast=True),
        "words_jieba": lambda t: tokenize.words(t, fast=False),
        "word_text_fast": lambda t: tokenize.word_text(t, fast=True),  # what the index takes
        "grams": lambda t: analyzer.grams([t]),  # one value: the text
        "normalize": tokenize.normalize,
    }
    for name, function in runs.items():
        started = time.perf_counter()
        for text in texts:
            function(text)
        seconds = time.perf_counter() - started
        result[name] = {"seconds": seconds, "mb_per_s": size / 1e6 / seconds}
    return result


def _query_dict(query):
    from django.http import QueryDict

    data = QueryDict(mutable=True)
    data["q"] = query["q"]
    for key, value in query.get("params", {}).items():
        data[key] = value
    return data


def phase_search(args):
    setup()
    from search import searching

    queries = json.loads(Path(args.queries).read_text())

    def once(query):
        form = searching.SearchForm(_query_dict(query))
        form.is_valid()
        params = form.params()
        started = time.perf_counter()
        outcome = searching.run(params)
        elapsed = (time.perf_counter() - started) * 1000
        return elapsed, outcome

    return _latencies(queries, once, args, _describe_outcome)


def _describe_outcome(outcome):
    highlighted = sum(1 for hit in outcome.hits if any("<mark>" in h for h, _ in hit.snippets))
    return {
        "count": outcome.count,
        "hits": len(outcome.hits),
        "highlighted": highlighted,
        "fallback": outcome.fallback,
        "facets": sum(len(v) for v in outcome.facets.values()),
        "uncounted_facets": sorted(outcome.uncounted_facets),
    }


def _latencies(queries, once, args, describe):
    """Warm up, then run each class's queries in turn: up to --runs a class, or --seconds."""
    by_class = {}
    for query in queries:
        by_class.setdefault(query["cls"], []).append(query)
    result = {}
    for cls, members in by_class.items():
        details = []
        for query in members:
            for _ in range(args.warmup):
                once(query)
            _elapsed, outcome = once(query)
            details.append(
                {"q": query["q"], "params": query.get("params", {}), **describe(outcome)}
            )
        timings = []
        started = time.perf_counter()
        index = 0
        while len(timings) < args.runs and time.perf_counter() - started < args.seconds:
            elapsed, _outcome = once(members[index % len(members)])
            timings.append(elapsed)
            index += 1
        result[cls] = {"latency_ms": percentiles(timings), "queries": details}
    return result


def phase_save(args):
    """An editor's save reaching the index: save a section and the article, then search for it."""
    setup()
    from search import searching

    def search_count(token):
        return searching.run({"q": token, "sort": "relevance", "page": 1}, facets=False).count

    samples = _saves(args.runs, "校订", search_count)
    return {
        "runs": samples,
        "found_ms": percentiles([s["found_ms"] for s in samples if s["found_ms"] is not None]),
        "commit_ms": percentiles([s["commit_ms"] for s in samples]),
    }


def phase_save_http(args):
    """The same, seen by a reader of the running site: poll the search API of another process."""
    setup()

    def api_count(token):
        url = f"{args.base}/api/search/?" + urllib.parse.urlencode({"q": token})
        with urllib.request.urlopen(url, timeout=10) as response:
            return json.loads(response.read())["count"]

    samples = [{"found_ms": s["found_ms"]} for s in _saves(args.runs, "网校", api_count)]
    return {
        "runs": samples,
        "found_ms": percentiles([s["found_ms"] for s in samples if s["found_ms"] is not None]),
    }


def _saves(runs, prefix, count):
    """Add a paragraph with a new token to an article ``runs`` times, as the admin saves it;
    time the commit and how long until ``count(token)`` finds it."""
    from django.db import transaction

    from articles.models import Article

    articles = list(Article.objects.published().order_by("?").values_list("pk", flat=True)[:50])
    samples = []
    for index in range(runs):
        token = prefix + uuid.uuid4().hex[:8]
        article = Article.objects.with_sections().get(pk=articles[index % len(articles)])
        section = article.sections.all()[0]
        section.body = f"{section.body}\n\n编辑补记{token}。"
        started = time.perf_counter()
        with transaction.atomic():  # what the admin's change view does: one transaction
            section.save()
            article.save()
        committed = time.perf_counter()
        found = _wait_until_found(lambda t=token: count(t), started)
        samples.append({"commit_ms": (committed - started) * 1000, "found_ms": found})
    return samples


def _wait_until_found(count, started, timeout=30.0):
    while time.perf_counter() - started < timeout:
        if count():
            return (time.perf_counter() - started) * 1000
        time.sleep(0.005)
    return None


def _api(base, params):
    """One search API request: (ms, the index state it answered from)."""
    url = f"{base}/api/search/?" + urllib.parse.urlencode(params)
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=30) as response:
        body = json.loads(response.read())
    return (time.perf_counter() - started) * 1000, body["index"]


def _health(base):
    with urllib.request.urlopen(f"{base}/healthz", timeout=30) as response:
        return json.loads(response.read())["index"]


def phase_retokenise(args):
    """Reader searches over HTTP, idle and while the indexer cuts thousands of articles again.

    A dictionary word that occurs in about 4,000 articles (fewer in a small corpus) is added, as
    an editor adds one; the same stream of searches (one client, distinct URLs so that no page
    comes from the cache) runs before, and until the indexer has applied the word.
    """
    setup()
    from articles.models import Article
    from search.models import DictionaryWord

    queries = [q for q in json.loads(Path(args.queries).read_text()) if q["cls"] != "question"]
    target = min(4000, Article.objects.count() // 3)
    word, articles = _word_in(target)
    stream = (
        {"q": q["q"], **q["params"], "bench": f"{uuid.uuid4().hex[:8]}"}
        for q in itertools.cycle(queries)
    )
    idle = []
    deadline = time.perf_counter() + args.seconds
    while time.perf_counter() < deadline:
        idle.append(_api(args.base, next(stream))[0])
    DictionaryWord.objects.create(word=word, note="benchmark")
    started = time.perf_counter()
    busy, applied_s = [], None
    while time.perf_counter() - started < args.budget:
        busy.append(_api(args.base, next(stream))[0])
        if len(busy) % 10 == 0 and _health(args.base)["lag_changes"] == 0:
            applied_s = time.perf_counter() - started
            break
    idle_p = percentiles(idle)
    busy_p = percentiles(busy)
    return {
        "word": word,
        "articles": articles,
        "applied_s": applied_s,
        "idle_ms": idle_p,
        "busy_ms": busy_p,
        "p95_ratio": busy_p["p95"] / idle_p["p95"] if busy_p and idle_p else None,
    }


def _word_in(target, candidates=60):
    """A word of the corpus (not yet a dictionary word) in about ``target`` articles."""
    from haystack.inputs import Exact
    from haystack.query import SearchQuerySet

    from articles.models import Article, Section
    from search import tokenize
    from search.models import DictionaryWord

    taken = set(DictionaryWord.objects.values_list("word", flat=True))
    words = []
    for body in Section.objects.order_by("pk").values_list("body", flat=True)[:400:7]:
        for word in tokenize.segment(body):
            if 2 <= len(word) <= 4 and word.isalpha() and word not in taken and word not in words:
                words.append(word)
    counted = []
    for word in words[:: max(1, len(words) // candidates)]:
        found = SearchQuerySet().models(Article).filter(content=Exact(word)).count()
        counted.append((abs(found - target), word, found))
    _distance, word, found = min(counted)
    return word, found


def phase_rebuild_reach(args):
    """How soon live gunicorn workers serve a generation that rebuild_index has just switched in."""
    setup()
    import subprocess

    before = {_api(args.base, {"q": "重庆"})[1]["generation"] for _ in range(4)}
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "manage.py", "rebuild_index", "--noinput", "-v0"],
        check=True,
        capture_output=True,
    )
    rebuilt = time.perf_counter()
    answers = []
    while time.perf_counter() - rebuilt < 30:
        _ms, index = _api(args.base, {"q": "重庆", "bench": uuid.uuid4().hex[:8]})
        answers.append((time.perf_counter() - rebuilt, index["generation"]))
        if len(answers) >= 8 and all(g not in before for _at, g in answers[-4:]):
            break
    first_new = next((at for at, generation in answers if generation not in before), None)
    last_old = max((at for at, generation in answers if generation in before), default=0.0)
    return {
        "rebuild_s": rebuilt - started,
        "first_new_s": first_new,
        "last_old_s": last_old if any(g in before for _at, g in answers) else None,
        "answers": len(answers),
        "new_answers": sum(generation not in before for _at, generation in answers),
    }


# -- the baseline: haystack + Whoosh + jieba's ChineseAnalyzer ----------------------------------


def phase_whoosh_search(args):
    setup()
    from haystack.inputs import AutoQuery
    from haystack.query import SearchQuerySet

    queries = json.loads(Path(args.queries).read_text())

    def once(query):
        params = query.get("params", {})
        started = time.perf_counter()
        sqs = SearchQuerySet().filter(content=AutoQuery(query["q"]))
        if params.get("from"):
            sqs = sqs.filter(published_on__gte=params["from"])
        if params.get("to"):
            sqs = sqs.filter(published_on__lte=params["to"])
        if params.get("sort") in ("newest", "oldest"):
            sqs = sqs.order_by("-published_on" if params["sort"] == "newest" else "published_on")
        sqs = sqs.facet("year").facet("month").facet("author").facet("publication").highlight()
        hits = list(sqs[:20])
        outcome = {
            "count": sqs.count(),
            "hits": len(hits),
            "highlighted": sum(
                1
                for hit in hits
                if any("<em" in (h or "") for h in (hit.highlighted or {}).get("text", []))
            )
            if hits
            else 0,
            "facets": sum(len(v) for v in (sqs.facet_counts().get("fields") or {}).values()),
            "fallback": False,
        }
        return (time.perf_counter() - started) * 1000, outcome

    return _latencies(queries, once, args, lambda outcome: outcome)


def phase_whoosh_count(args):
    setup()
    from haystack import connections

    backend = connections["default"].get_backend()
    backend.setup()
    return {"documents": backend.index.refresh().doc_count()}


def phase_urls(args):
    """Addresses of a spread of published articles, for the article-page load."""
    setup()
    from articles.models import Article

    pks = list(Article.objects.published().values_list("pk", flat=True).order_by("pk"))
    step = max(1, len(pks) // args.runs)
    chosen = Article.objects.filter(pk__in=pks[::step][: args.runs])
    return {"urls": [article.get_absolute_url() for article in chosen]}


PHASES = {
    "urls": phase_urls,
    "import": phase_import,
    "rebuild": phase_rebuild,
    "rebuild_first": phase_rebuild_first,
    "engine": phase_engine,
    "tokenise": phase_tokenise,
    "search": phase_search,
    "save": phase_save,
    "save_http": phase_save_http,
    "retokenise": phase_retokenise,
    "rebuild_reach": phase_rebuild_reach,
    "whoosh_search": phase_whoosh_search,
    "whoosh_count": phase_whoosh_count,
}


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.worker")
    parser.add_argument("phase", choices=PHASES)
    parser.add_argument("--out", required=True)
    parser.add_argument("--corpus")
    parser.add_argument("--queries")
    parser.add_argument(
        "--mode", default="", choices=["", "fast", "jieba", "deferred", "as_shipped"]
    )
    parser.add_argument("--budget", type=float, default=0)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--count", type=int, default=0)
    parser.add_argument("--bytes", type=int, default=3_000_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--base")
    parser.add_argument("--no-catch-up", action="store_true")
    args = parser.parse_args(argv)
    result = PHASES[args.phase](args)
    Path(args.out).write_text(json.dumps(result, ensure_ascii=False, indent=1, default=str))


if __name__ == "__main__":
    sys.exit(main())
