"""tantivy and OpenSearch side by side: python -m bench.opensearch --sizes 10000 100000
--report bench/OPENSEARCH.md

For each size: the corpus (bench.corpus, kept if it exists), one SQLite database imported once
with `import_articles DIR --jobs 2`, then for each engine in turn (tantivy, then OpenSearch on a
node of its own, `scripts/opensearch start --name bench`, ports 9280/9380):

1. `rebuild_index --noinput` (both indexes, articles and figures), wall seconds, and the index
   size (tantivy: bytes on disk; OpenSearch: `_cat/indices` store size of the generations);
2. search latency per query class (bench.worker's search phase: searching.run, as bench.run);
3. HTTP: gunicorn (production settings, 2 workers) under wrk at 1, 8 and 32 connections on the
   search pages bench.run loads (bench.run.run_http, without its save/retokenise/rebuild phases);
4. memory: the gunicorn workers' USS/PSS/RSS, and the OpenSearch JVM's RSS;
5. parity: for every corpus query, the count and the set of article ids on each engine.

Results go to bench/out/opensearch/result-<size>.json; the report is written from them, so
--report-only rewrites it without measuring. The bench node is stopped, and its indexes deleted,
at the end of each size and on failure.
"""

import argparse
import contextlib
import datetime
import hashlib
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

from . import corpus as corpus_module
from . import run
from .corpus import CLASSES
from .report import fmt, table

REPO = run.REPO
ROOT = run.OUT / "opensearch"
PYTHON = run.PYTHON
ENGINES = ("tantivy", "opensearch")
NODE, HTTP_PORT, TRANSPORT_PORT = "bench", 9280, 9380
NODE_DIR = REPO / "var" / "opensearch" / NODE
SCRIPT = REPO / "scripts" / "opensearch"
log = run.log


def prefix(size):
    return f"bench-{size}"


# -- the node ---------------------------------------------------------------------------------


def node_url():
    return f"http://127.0.0.1:{HTTP_PORT}"


def start_node():
    started = time.perf_counter()
    finished = subprocess.run(
        [
            str(SCRIPT),
            "start",
            *("--name", NODE),
            *("--http-port", str(HTTP_PORT)),
            *("--transport-port", str(TRANSPORT_PORT)),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    if finished.returncode:
        raise RuntimeError(f"scripts/opensearch start failed:\n{finished.stderr[-3000:]}")
    url = finished.stdout.strip()
    assert url == node_url(), url
    return url, time.perf_counter() - started


def stop_node():
    subprocess.run([str(SCRIPT), "stop", "--name", NODE], cwd=REPO, check=False)


def node_pid():
    try:
        return int((NODE_DIR / "opensearch.pid").read_text().strip())
    except (OSError, ValueError):
        return None


def jvm_memory():
    pid = node_pid()
    if pid is None:
        return None
    try:
        return run.memory(pid)["master"]
    except OSError:
        return None


def jvm_cpu_seconds():
    """CPU seconds (user + system) the bench node's JVM has used, or None without a node."""
    pid = node_pid()
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def node_get(path):
    with urllib.request.urlopen(node_url() + path, timeout=60) as response:
        return json.loads(response.read())


def node_delete(path):
    request = urllib.request.Request(node_url() + path, method="DELETE")
    with urllib.request.urlopen(request, timeout=120) as response:
        return json.loads(response.read())


def bench_indices(size):
    """The generation indexes of this size's aliases: _cat/indices, sizes in bytes."""
    try:
        found = node_get(f"/_cat/indices/{prefix(size)}-*?format=json&bytes=b")
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return []
        raise
    return sorted(found, key=lambda row: row["index"])


def delete_bench_indices(size):
    for row in bench_indices(size):
        node_delete(f"/{row['index']}")


def node_facts():
    """What the node says about itself, and the heap its JVM was started with."""
    facts = {"url": node_url()}
    with contextlib.suppress(OSError, ValueError, KeyError):
        root = node_get("/")
        facts["version"] = root["version"]["number"]
        facts["lucene"] = root["version"]["lucene_version"]
        nodes = node_get("/_nodes/jvm")["nodes"]
        jvm = next(iter(nodes.values()))["jvm"]
        facts["jvm"] = f"{jvm['vm_name']} {jvm['version']}"
        facts["heap_max_mb"] = jvm["mem"]["heap_max_in_bytes"] / 2**20
        facts["nodes"] = len(nodes)
    return facts


def index_facts(size):
    """Docs, store size, segments, shards and replicas of each generation of this size."""
    rows = []
    for row in bench_indices(size):
        settings = node_get(f"/{row['index']}/_settings")[row["index"]]["settings"]["index"]
        segments = node_get(f"/_cat/segments/{row['index']}?format=json")
        rows.append(
            {
                "index": row["index"],
                "docs": int(row["docs.count"]),
                "store_bytes": int(row["store.size"]),
                "primary_bytes": int(row["pri.store.size"]),
                "segments": len(segments),
                "shards": int(settings["number_of_shards"]),
                "replicas": int(settings["number_of_replicas"]),
            }
        )
    return rows


# -- one engine on one size ---------------------------------------------------------------------


class EngineCombo(run.Combo):
    """One size on SQLite, searched through one engine; the database is shared by the engines."""

    def __init__(self, size, engine, options):
        super().__init__(size, "sqlite", options)
        self.engine = engine
        self.base = ROOT / str(size)
        self.dir = self.base / engine
        self.var = self.base / "var"
        self.index = self.base / "tantivy-index"
        self.figure_index = self.base / "tantivy-figure-index"
        self.logs = self.dir / "logs"
        self.result = {"engine": engine}

    def env(self, settings="newsarchive.settings.prod"):
        env = {
            key: value
            for key, value in super().env(settings).items()
            if not key.startswith(("OPENSEARCH_", "SEARCH_ENGINE"))
        }
        env["FIGURE_INDEX_PATH"] = str(self.figure_index)
        env["SEARCH_ENGINE"] = self.engine
        if self.engine == "opensearch":
            env.update(
                {
                    "OPENSEARCH_URL": node_url(),
                    "OPENSEARCH_INDEX_PREFIX": prefix(self.size),
                    "OPENSEARCH_SHARDS": "1",
                    "OPENSEARCH_REPLICAS": "0",
                }
            )
        return env

    def rebuild(self):
        """`manage.py rebuild_index --noinput`: wall seconds, and when each index was done."""
        self.result.setdefault("loadavg", []).append(("rebuild", round(os.getloadavg()[0], 2)))
        self.result.setdefault("code", []).append(("rebuild", run.code_version()))
        env = self.env() | {"PYTHONUNBUFFERED": "1"}
        done = []
        arguments = ["rebuild_index", "--noinput"]
        if self.size in self.options.articles_only:
            arguments += ["--using", "default"]  # the articles' index alone
        jvm_before = jvm_cpu_seconds()
        with open(self.logs / "rebuild.log", "a") as stderr:
            started = time.perf_counter()
            process = subprocess.Popen(
                [PYTHON, "manage.py", *arguments],
                env=env,
                cwd=REPO,
                stdout=subprocess.PIPE,
                stderr=stderr,
                text=True,
            )
            for line in process.stdout:
                # "Indexed N articles (using); ..." as each index is switched in
                done.append({"line": line.strip(), "at_s": time.perf_counter() - started})
            _pid, status, usage = os.wait4(process.pid, 0)  # its CPU time, threads included
            process.returncode = os.waitstatus_to_exitcode(status)
            seconds = time.perf_counter() - started
        if process.returncode:
            tail = "".join((self.logs / "rebuild.log").read_text().splitlines(True)[-20:])
            raise RuntimeError(f"rebuild_index failed ({self.logs / 'rebuild.log'}):\n{tail}")
        jvm_after = jvm_cpu_seconds()
        return {
            "seconds": seconds,
            "indexes": done,
            "command": "manage.py " + " ".join(arguments),
            "cpu_s": usage.ru_utime + usage.ru_stime,
            "jvm_cpu_s": None if jvm_before is None else jvm_after - jvm_before,
        }

    def index_size(self):
        if self.engine == "tantivy":
            return {
                "articles_bytes": run.tree_bytes(self.index) if self.index.exists() else None,
                "figures_bytes": (
                    run.tree_bytes(self.figure_index) if self.figure_index.exists() else None
                ),
            }
        rows = index_facts(self.size)
        by_alias = {}
        for row in rows:
            alias = row["index"].split("--g")[0].rsplit("-", 1)[1]  # articles / figures
            by_alias[alias] = row
        return {
            "articles_bytes": (by_alias.get("articles") or {}).get("store_bytes"),
            "figures_bytes": (by_alias.get("figures") or {}).get("store_bytes"),
            "generations": rows,
        }

    def parity(self, queries_file):
        out = self.dir / "parity.json"
        with open(self.logs / "parity.log", "a") as stderr:
            subprocess.run(
                [PYTHON, "-m", "bench.opensearch", "_parity", str(queries_file), str(out)],
                env=self.env(),
                cwd=REPO,
                stdout=stderr,
                stderr=stderr,
                check=True,
            )
        return json.loads(out.read_text())


def measure_engine(combo, corpus, queries_file, plan):
    result = combo.result
    for directory in (combo.dir, combo.logs):
        directory.mkdir(parents=True, exist_ok=True)
    if combo.engine == "tantivy":
        shutil.rmtree(combo.index, ignore_errors=True)
        shutil.rmtree(combo.figure_index, ignore_errors=True)
    else:
        delete_bench_indices(combo.size)
        result["node"] = node_facts()
        result["jvm_idle"] = jvm_memory()
    log(f"{combo.size} · {combo.engine}: rebuild_index")
    result["rebuild"] = combo.rebuild()
    log(f"  {result['rebuild']['seconds']:.1f} s")
    result["index"] = combo.index_size()
    if combo.engine == "opensearch":
        result["jvm_after_rebuild"] = jvm_memory()

    log("  searching through searching.run (bench.worker search): a first pass, then measured")
    result["search_first"] = combo.worker(
        "search",
        queries=queries_file,
        runs=plan["first_pass_runs"],
        warmup=1,
        seconds=plan["first_pass_seconds"],
    )
    result["search"] = combo.worker(
        "search",
        queries=queries_file,
        runs=plan["search_runs"],
        warmup=plan["warmup"],
        seconds=plan["search_seconds"],
    )
    if shutil.which("wrk") is None:
        result["http_skipped"] = "wrk is not installed"
    else:
        log("  HTTP: gunicorn under wrk")
        result.setdefault("loadavg", []).append(("http", round(os.getloadavg()[0], 2)))
        result["http"] = run.run_http(combo, corpus, plan)
    if combo.engine == "opensearch":
        result["jvm_after_http"] = jvm_memory()
        result["index_after"] = index_facts(combo.size)
    log("  parity: count and article ids of every query")
    parity = combo.parity(queries_file)
    result["parity_summary"] = {
        "queries": len(parity),
        "listed_equals_count": sum(1 for row in parity if row["listed"] == row["count"]),
    }
    return result, parity


def measure_size(size, options):
    plan = plan_for(options)
    corpus = corpus_module.generate(size, run.OUT / f"corpus-{size}")
    base = ROOT / str(size)
    result = {
        "size": size,
        "corpus": {
            "articles": corpus.articles,
            "files": corpus.files,
            "bytes": corpus.bytes,
            "chars": corpus.chars,
        },
        "command": command_line(options.argv),
        "commit": run.git_commit(),
        "started": datetime.datetime.now().isoformat(timespec="seconds"),
        "plan": plan,
    }
    started = time.perf_counter()
    importer = EngineCombo(size, "tantivy", options)
    importer.dir = base
    importer.logs = base / "logs"
    queries_file = base / "queries.json"
    database = base / "var" / "bench.sqlite3"
    if options.skip_import and database.exists() and (base / "import.json").exists():
        log(f"{size}: reusing the imported database {database}")
        result["import"] = json.loads((base / "import.json").read_text())
    else:
        log(f"{size}: a fresh SQLite database; import_articles {corpus.path} --jobs 2")
        importer.prepare()  # removes base, makes var/ and logs/, migrates
        queries_file.write_text(
            json.dumps([vars(q) for q in corpus.queries], ensure_ascii=False, indent=1)
        )
        load = round(os.getloadavg()[0], 2)
        began = time.perf_counter()
        importer.manage("import_articles", str(corpus.path), "--jobs", "2", "-v0")
        seconds = time.perf_counter() - began
        result["import"] = {
            "seconds": seconds,
            "articles_per_s": corpus.articles / seconds,
            "mb_per_s": corpus.bytes / 1e6 / seconds,
            "loadavg": load,
            "database_bytes": importer.database_bytes(),
        }
        (base / "import.json").write_text(json.dumps(result["import"], indent=1))
        log(f"  {seconds:.0f} s ({corpus.articles / seconds:.0f} articles/s)")

    parities = {}
    result["engines"] = {}
    for engine in ENGINES:
        combo = EngineCombo(size, engine, options)
        if engine == "opensearch":
            log(f"{size}: starting the bench node")
            _url, start_s = start_node()
            try:
                combo.result["node_start_s"] = start_s
                measured, parities[engine] = measure_engine(combo, corpus, queries_file, plan)
            finally:
                with contextlib.suppress(OSError, urllib.error.URLError):
                    delete_bench_indices(size)
                stop_node()
        else:
            measured, parities[engine] = measure_engine(combo, corpus, queries_file, plan)
        result["engines"][engine] = measured
    result["parity"] = compare(parities, corpus.queries)
    log(
        f"{size}: parity, {result['parity']['compared']} queries compared, "
        f"{result['parity']['differ']} differ"
    )
    result["wall_s"] = time.perf_counter() - started
    return result


def again(size, engine, options):
    """Measure once more, on the database a run left, what ran while something else loaded the
    machine: `rebuild_index` (--again-phases rebuild), the search phase (search) and the HTTP
    load (http); on tantivy, search and http alone use the index on disk. Kept beside the
    first figures, never instead."""
    phases = options.again_phases
    if engine == "opensearch" and "rebuild" not in phases:
        raise SystemExit("OpenSearch's index is deleted after each run: rebuild it too")
    result = json.loads(result_path(size).read_text())
    combo = EngineCombo(size, engine, options)
    combo.result = {}
    for directory in (combo.dir, combo.logs):
        directory.mkdir(parents=True, exist_ok=True)
    measured = result["engines"][engine]
    queries_file = ROOT / str(size) / "queries.json"
    plan = plan_for(options)

    def once():
        when = datetime.datetime.now().isoformat(timespec="seconds")
        if "rebuild" in phases:
            log(f"{size} · {engine}: rebuild_index again")
            if engine == "tantivy":
                shutil.rmtree(combo.index, ignore_errors=True)
                shutil.rmtree(combo.figure_index, ignore_errors=True)
            rebuild = combo.rebuild()
            rebuild["index"] = combo.index_size()
            rebuild["loadavg"] = combo.result["loadavg"][-1][1]
            rebuild["code"] = combo.result["code"][-1][1]
            rebuild["run_command"] = command_line(options.argv)
            rebuild["when"] = when
            log(f"  {rebuild['seconds']:.1f} s")
            measured.setdefault("rebuild_again", []).append(rebuild)
        if "search" in phases:
            log(f"{size} · {engine}: the search phase again")
            load = round(os.getloadavg()[0], 2)
            first = combo.worker(
                "search",
                queries=queries_file,
                runs=plan["first_pass_runs"],
                warmup=1,
                seconds=plan["first_pass_seconds"],
            )
            search = combo.worker(
                "search",
                queries=queries_file,
                runs=plan["search_runs"],
                warmup=plan["warmup"],
                seconds=plan["search_seconds"],
            )
            measured.setdefault("search_again", []).append(
                {
                    "first": first,
                    "measured": search,
                    "loadavg": load,
                    "code": run.code_version(),
                    "run_command": command_line(options.argv),
                    "when": datetime.datetime.now().isoformat(timespec="seconds"),
                }
            )
        if "http" in phases and shutil.which("wrk"):
            log(f"{size} · {engine}: HTTP again")
            load = round(os.getloadavg()[0], 2)
            corpus = corpus_module.generate(size, run.OUT / f"corpus-{size}")  # kept: the same
            http = run.run_http(combo, corpus, plan)
            measured.setdefault("http_again", []).append(
                {
                    "http": http,
                    "jvm": jvm_memory(),
                    "loadavg": load,
                    "code": run.code_version(),
                    "run_command": command_line(options.argv),
                    "when": datetime.datetime.now().isoformat(timespec="seconds"),
                }
            )

    if engine == "opensearch":
        start_node()
        try:
            delete_bench_indices(size)
            once()
        finally:
            with contextlib.suppress(OSError, urllib.error.URLError):
                delete_bench_indices(size)
            stop_node()
    else:
        once()
    result_path(size).write_text(json.dumps(result, ensure_ascii=False, indent=1, default=str))


# -- parity -------------------------------------------------------------------------------------


def phase_parity(queries_path, out_path):
    """In a process with Django set up for one engine: every query's count, page and ids.

    The page (20 hits, facets) is searching.run's answer. The ids are every match of the very
    query searching.run sent (captured as the backend compiled it), listed by the engine in
    django_id order, past OpenSearch's 10,000-hit window: tantivy's searcher ordered by the
    django_id column, OpenSearch's search_after on django_id.
    """
    import django

    django.setup()
    from haystack.constants import DJANGO_ID, ID

    from bench.worker import _query_dict
    from search import capabilities, searching

    engine = capabilities.backend("default")
    sent = []
    original = engine._run

    def capture(*args, **kwargs):
        sent.append((args[-1], args[0]))  # the compiled query; tantivy passes its searcher first
        return original(*args, **kwargs)

    engine._run = capture

    def listed(compiled, searcher):
        if hasattr(engine, "conn"):  # OpenSearch
            ids, after = [], None
            while True:
                body = {
                    "query": compiled.query,
                    "size": 10_000,
                    "sort": [{DJANGO_ID: "asc"}, {ID: "asc"}],
                    "_source": False,
                    "track_total_hits": False,
                }
                if after is not None:
                    body["search_after"] = after
                hits = engine.conn.search(index=engine.alias, body=body)["hits"]["hits"]
                ids += [int(hit["sort"][0]) for hit in hits]
                if len(hits) < 10_000:
                    return ids
                after = hits[-1]["sort"]
        import tantivy

        total = searcher.search(compiled.query, 1, count=True).count
        if not total:
            return []
        hits = searcher.search(
            compiled.query, total, count=False, order_by_field=DJANGO_ID, order=tantivy.Order.Asc
        ).hits
        return [int(value) for value, _address in hits]

    requests = []
    if hasattr(engine, "conn"):
        # Every request the client sends: how many a search takes, and the server's "took".
        transport = engine.conn.transport
        perform = transport.perform_request

        def counted(*args, **kwargs):
            began = time.perf_counter()
            answer = perform(*args, **kwargs)
            took = answer.get("took") if isinstance(answer, dict) else None
            requests.append(((time.perf_counter() - began) * 1000, took))
            return answer

        transport.perform_request = counted

    truth = Truth()
    rows = []
    for query in json.loads(Path(queries_path).read_text()):
        form = searching.SearchForm(_query_dict(query))
        form.is_valid()
        params = form.params()
        searching.run(params)  # warm
        requests.clear()
        began = time.perf_counter()
        outcome = searching.run(params)
        run_ms = (time.perf_counter() - began) * 1000
        calls = list(requests)
        sent.clear()
        counted_outcome = searching.run(params, page_size=1, facets=False)
        compiled, searcher = sent[-1]
        ids = sorted(listed(compiled, searcher))
        facets = {name: [list(item) for item in items] for name, items in outcome.facets.items()}
        rows.append(
            {
                "cls": query["cls"],
                "q": query["q"],
                "params": query.get("params", {}),
                "count": outcome.count,
                "count_again": counted_outcome.count,
                "listed": len(ids),
                "distinct": len(set(ids)),
                "fallback": outcome.fallback,
                "page": [hit.pk for hit in outcome.hits],
                "page_in_ids": set(hit.pk for hit in outcome.hits) <= set(ids),
                "facets": facets,
                "facet_errors": truth.check(facets, ids),
                "run_ms": run_ms,
                "requests": len(calls),
                "requests_ms": sum(ms for ms, _took in calls),
                "took_ms": sum(took or 0 for _ms, took in calls),
                "ids_sha1": hashlib.sha1(",".join(map(str, ids)).encode()).hexdigest(),
                "ids": ids,
            }
        )
    Path(out_path).write_text(json.dumps(rows, ensure_ascii=False))


class Truth:
    """The facets of a set of article ids, counted in the database."""

    def __init__(self):
        from articles.models import Article

        self.authors, self.publication, self.month = {}, {}, {}
        for pk, name in Article.objects.values_list("pk", "bylines__author__name"):
            self.authors.setdefault(pk, set())
            if name:
                self.authors[pk].add(name)
        for pk, name, day in Article.objects.values_list("pk", "publication__name", "published_on"):
            self.publication[pk] = name
            self.month[pk] = f"{day:%Y-%m}"

    def counts(self, name, ids):
        counter = Counter()
        for pk in ids:
            if name == "author":
                counter.update(self.authors.get(pk, ()))
            elif name == "publication":
                counter[self.publication[pk]] += 1
            elif name == "month":
                counter[self.month[pk]] += 1
            elif name == "year":
                counter[self.month[pk][:4]] += 1
        return counter

    def check(self, facets, ids):
        """Entries an engine got wrong: a count, or a value missing from a top list."""
        errors = []
        for name, items in facets.items():
            counter = self.counts(name, ids)
            for key, count in items:
                if counter.get(key) != count:
                    errors.append(f"{name} {key}: {count}, the database {counter.get(key)}")
            if name in ("author", "publication"):
                best = sorted(counter.values(), reverse=True)[: len(items)]
                if sorted((count for _key, count in items), reverse=True) != best:
                    errors.append(f"{name}: not the {len(items)} most frequent values")
            else:  # year: all of them; month: the newest 24
                newest = sorted(counter.items(), reverse=True)[: len(items)]
                if [tuple(item) for item in items] != newest:
                    errors.append(f"{name}: not the database's list")
        return errors


def compare(parities, queries):
    """What differs between the engines, query by query; facets are checked on the database."""
    first, second = (parities[engine] for engine in ENGINES)
    differ, facet_notes = [], []
    same_page = same_facets = 0
    wrong = dict.fromkeys(ENGINES, 0)
    for a, b in zip(first, second, strict=True):
        assert a["q"] == b["q"]
        problems = []
        if a["count"] != b["count"]:
            problems.append(f"count {a['count']} vs {b['count']}")
        if a["ids_sha1"] != b["ids_sha1"]:
            only_a = sorted(set(a["ids"]) - set(b["ids"]))
            only_b = sorted(set(b["ids"]) - set(a["ids"]))
            problems.append(
                f"ids: {len(only_a)} only on tantivy {only_a[:5]}, "
                f"{len(only_b)} only on OpenSearch {only_b[:5]}"
            )
        if a["fallback"] != b["fallback"]:
            problems.append(f"fallback {a['fallback']} vs {b['fallback']}")
        for engine, row in zip(ENGINES, (a, b), strict=True):
            if not (row["listed"] == row["count"] == row["count_again"] == row["distinct"]):
                problems.append(
                    f"{engine}: count {row['count']} / again {row['count_again']} but "
                    f"{row['listed']} ids listed ({row['distinct']} distinct)"
                )
            if not row["page_in_ids"]:
                problems.append(f"{engine}: a hit of the first page is not among the ids")
        label = {"cls": a["cls"], "q": a["q"], "params": a["params"], "count": a["count"]}
        if problems:
            differ.append({**label, "problems": problems})
        same_page += a["page"] == b["page"]
        same_facets += a["facets"] == b["facets"]
        for engine, row in zip(ENGINES, (a, b), strict=True):
            wrong[engine] += bool(row["facet_errors"])
        if a["facet_errors"] or b["facet_errors"]:
            facet_notes.append(
                {**label, ENGINES[0]: a["facet_errors"], ENGINES[1]: b["facet_errors"]}
            )
    return {
        "compared": len(first),
        "differ": len(differ),
        "differences": differ,
        "same_first_page": same_page,
        "same_facets": same_facets,
        "facets_wrong": wrong,
        "facet_errors": facet_notes,
        "total_ids": sum(row["listed"] for row in first),
    }


# -- the run --------------------------------------------------------------------------------------


def plan_for(options):
    return {
        "search_runs": options.search_runs,
        "search_seconds": options.search_seconds,
        "warmup": 3,
        # A first pass of the search phase, so that both engines are measured warm (the JVM
        # compiles its hot paths as it runs); its figures are kept apart.
        "first_pass_runs": 50,
        "first_pass_seconds": 15,
        "http": True,
        "http_seconds": options.http_seconds,
        "http_warmup": 2,
        "connections": [1, 8, 32],
        "pages": ["search", "search_distinct"],
        "http_extras": (),
        "save_runs": 0,
    }


def command_line(argv):
    return "python -m bench.opensearch " + " ".join(argv)


def result_path(size):
    return ROOT / f"result-{size}.json"


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python -m bench.opensearch", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--report", default=str(REPO / "bench" / "OPENSEARCH.md"))
    parser.add_argument("--report-only", action="store_true", help="rewrite the report only")
    parser.add_argument(
        "--skip-import",
        action="store_true",
        help="reuse the database an earlier run imported for a size (bench/out/opensearch/SIZE)",
    )
    parser.add_argument("--search-runs", type=int, default=200)
    parser.add_argument("--search-seconds", type=float, default=60)
    parser.add_argument("--http-seconds", type=int, default=12)
    parser.add_argument(
        "--again",
        "--rebuild-again",
        dest="again",
        choices=ENGINES,
        help="only measure --again-phases once more with this engine on the database an "
        "earlier run left, and add the figures to its results beside the first",
    )
    parser.add_argument(
        "--again-phases",
        nargs="+",
        choices=["rebuild", "search", "http"],
        default=["rebuild", "search", "http"],
    )
    parser.add_argument(
        "--articles-only",
        type=int,
        nargs="*",
        default=[],
        metavar="SIZE",
        help="sizes at which to rebuild the articles' index alone (--using default), to save time",
    )
    options = parser.parse_args(argv)
    options.argv = list(argv)
    options.secret = secrets.token_urlsafe(50)
    options.quick = False
    options.keep = False
    return options


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "_parity":
        phase_parity(argv[1], argv[2])
        return 0
    options = parse_args(argv)
    ROOT.mkdir(parents=True, exist_ok=True)
    try:
        if options.again:
            for size in options.sizes:
                again(size, options.again, options)
        elif not options.report_only:
            for size in options.sizes:
                result = measure_size(size, options)
                result_path(size).write_text(
                    json.dumps(result, ensure_ascii=False, indent=1, default=str)
                )
                log(f"wrote {result_path(size)}")
    finally:
        stop_node()  # whatever happened: no bench node is left running
    results = [
        json.loads(result_path(size).read_text())
        for size in options.sizes
        if result_path(size).exists()
    ]
    info = run.machine(["sqlite"])
    info["java"] = java_version()
    from importlib.metadata import PackageNotFoundError, version

    for name in ("opensearch-py", "django-haystack-opensearch"):
        try:
            info["packages"][name] = version(name)
        except PackageNotFoundError:
            info["packages"][name] = "not installed"
    info["report_command"] = command_line(options.argv)
    Path(options.report).write_text(render(results, info))
    log(f"wrote {options.report}")
    return 0


def java_version():
    try:
        finished = subprocess.run(["java", "-version"], capture_output=True, text=True)
    except OSError:
        return "not installed"
    return (finished.stderr or finished.stdout).strip().splitlines()[0]


# -- the report -----------------------------------------------------------------------------------


ENGINE_NAMES = {"tantivy": "tantivy", "opensearch": "OpenSearch"}

# The HTTP tables' columns: each engine's throughput, latency and errors, side by side.
HTTP_COLUMNS = [
    "search pages",
    "clients",
    *("tantivy req/s", "p50 ms", "p99 ms", "errors"),
    *("OpenSearch req/s", "p50 ms", "p99 ms", "errors"),
]


def cell(value, digits=1):
    return fmt(value, digits)


def mib(value):
    return None if value is None else value / 2**20


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def times(theirs, ours):
    """``theirs`` as a multiple of ``ours``: 2.5×."""
    if not theirs or not ours:
        return "–"
    return f"{theirs / ours:.1f}×"


def engines(result):
    return [(name, result["engines"][name]) for name in ENGINES if name in result["engines"]]


def rebuild_split(rebuild):
    """Seconds of the articles' index and of the figures' (from when each was switched in)."""
    marks = {"default": None, "figures": None}
    previous = 0.0
    for mark in rebuild["indexes"]:
        for using in marks:
            if f"({using})" in mark["line"]:
                marks[using] = mark["at_s"] - previous
                previous = mark["at_s"]
    return marks["default"], marks["figures"]


def http_run(measured, page, connections):
    for one in (measured.get("http") or {}).get("runs", []):
        if one["page"] == page and one["connections"] == connections:
            return one
    return None


def workers(measured, moment="memory"):
    return ((measured.get("http") or {}).get(moment) or {}).get("workers") or []


def parity_rows(result, engine):
    path = ROOT / str(result["size"]) / engine / "parity.json"
    return json.loads(path.read_text()) if path.exists() else []


def render(results, info):
    out = [
        "# tantivy and OpenSearch, side by side",
        "",
        "Written by `python -m bench.opensearch` (bench/opensearch.py) from the results in "
        "`bench/out/opensearch/`. The same SQLite database, imported once per size, is indexed "
        "and searched through each engine in turn, in the same run: tantivy (the default, an "
        "embedded index on the host's disk), then OpenSearch (one local node). tantivy stays "
        "the default engine; OpenSearch (`SEARCH_ENGINE=opensearch`) is the option for an "
        "archive that outgrows one machine.",
        "",
    ]
    out += machine_section(results, info)
    if not results:
        return "\n".join([*out, "No results.", ""])
    out += summary_section(results)
    for result in results:
        out += size_section(result)
    out += notes_section(results)
    out += method_section()
    return "\n".join(out) + "\n"


def machine_section(results, info):
    node = (
        next((m.get("node") for r in results for _n, m in engines(r) if m.get("node")), None) or {}
    )
    generations = [
        g
        for r in results
        for _n, m in engines(r)
        for g in (m.get("index") or {}).get("generations", [])
    ]
    shards = sorted({(g["shards"], g["replicas"]) for g in generations})
    commits = sorted({r.get("commit", "?")[:9] for r in results})
    lines = [
        "## Machine and run",
        "",
        f"- Measured {', '.join(r['started'] for r in results)}; commit "
        + ", ".join(f"`{c}`" for c in commits)
        + f" (the report was written at `{info['commit'][:9]}`"
        + (", with uncommitted changes in the tree" if info["dirty"] else "")
        + ")",
        f"- {info['nproc']} cores ({info['cpu']}), {info['memory_gib']} GiB memory, "
        f"kernel {info['kernel']}; Python {info['python']}; {info['wrk']}; "
        f"{info.get('java', '')}",
        "- Packages: " + ", ".join(f"{k} {v}" for k, v in info["packages"].items()),
        f"- OpenSearch {node.get('version', '?')} (Lucene {node.get('lucene', '?')}, "
        f"{node.get('jvm', '?')}), {node.get('nodes', '?')} node started from the Maven jars "
        f"by `scripts/opensearch start --name {NODE} --http-port {HTTP_PORT} "
        f"--transport-port {TRANSPORT_PORT}`, heap {fmt(node.get('heap_max_mb'), 0)} MB; "
        "its indexes: "
        + (", ".join(f"{s} shard, {r} replicas" for s, r in shards) or "?")
        + ". The node runs on the same 2 cores as gunicorn, wrk and the database.",
        "- Database: SQLite, imported with `manage.py import_articles DIR --jobs 2`.",
        *[f"- Measured by: `{c}`" for c in dict.fromkeys(r["command"] for r in results)],
        *[f"- Measured again by: `{c}`" for c in again_commands(results)],
        f"- This report: `{info['report_command']}`",
        "",
        "Other sessions share this machine (a developer's OpenSearch node and test runs "
        "came and went); the 1-minute load average as each phase started is under *Load*. "
        "Engines were measured back to back, not at the same time.",
        "",
    ]
    return lines


def again_commands(results):
    found = []
    for r in results:
        for _name, m in engines(r):
            for key in ("rebuild_again", "search_again", "http_again"):
                for one in m.get(key, []):
                    found.append(one.get("run_command"))
    return [c for c in dict.fromkeys(found) if c]


def summary_section(results):
    rows = []
    for r in results:
        for name, m in engines(r):
            index = m.get("index") or {}
            rebuild, search, http, jvm = quiet(m)
            again = any(m.get(key) for key in ("rebuild_again", "search_again", "http_again"))
            p50s = [data["latency_ms"].get("p50") for data in (search or {}).values()]
            distinct = http_run(http, "search_distinct", 8) or {}
            cached = http_run(http, "search", 8) or {}
            worker = workers(http)
            rows.append(
                (
                    f"{r['size']:,}",
                    ENGINE_NAMES[name],
                    rebuild["seconds"],
                    mib((index.get("articles_bytes") or 0) + (index.get("figures_bytes") or 0)),
                    median(p50s),
                    max((d["latency_ms"].get("p95") or 0) for d in search.values())
                    if search
                    else None,
                    cached.get("rps"),
                    distinct.get("rps"),
                    sum(w["uss"] for w in worker) if worker else None,
                    (jvm or {}).get("rss"),
                    "measured again, quiet" if again else "the run",
                )
            )
    parity = ", ".join(
        f"{r['size']:,}: {r['parity']['differ']} of {r['parity']['compared']} queries differ"
        for r in results
    )
    articles_only = [
        f"{r['size']:,}"
        for r in results
        if "--using default" in r["engines"]["tantivy"]["rebuild"].get("command", "")
    ]
    return [
        "## Summary",
        "",
        table(
            [
                "articles",
                "engine",
                "rebuild (s)",
                "indexes (MiB)",
                "search p50, median of classes (ms)",
                "worst class p95 (ms)",
                "cached search pages req/s (8 clients)",
                "uncached search pages req/s (8 clients)",
                "2 workers USS (MB)",
                "JVM RSS (MB)",
                "figures from",
            ],
            rows,
        ),
        "",
        f"Parity (count and set of article ids of every corpus query): {parity}."
        + (
            f" At {', '.join(articles_only)} articles the rebuild and the index size are the "
            "articles' index alone (see below)."
            if articles_only
            else ""
        )
        + " Where a phase ran while another session loaded the machine, it was measured again "
        "on a quiet machine and the summary shows that figure; both are in the tables below.",
        "",
    ]


def size_section(r):
    size = r["size"]
    articles_only = any(
        "--using default" in m["rebuild"].get("command", "") for _n, m in engines(r)
    )
    out = [f"## {size:,} articles", ""]
    c = r["corpus"]
    imp = r["import"]
    out += [
        f"Corpus: {c['articles']:,} articles in {c['files']:,} daily files, "
        f"{c['bytes'] / 1e6:,.0f} MB of text. Import: {imp['seconds']:.0f} s "
        f"({imp['articles_per_s']:.0f} articles/s), database "
        f"{imp['database_bytes'] / 1e6:,.0f} MB. Wall time of this size: "
        f"{r.get('wall_s', 0) / 60:.0f} min.",
        "",
    ]
    # rebuild
    rows = []
    for name, m in engines(r):
        load = dict(m.get("loadavg", [])).get("rebuild")
        for number, rebuild in enumerate([m["rebuild"], *m.get("rebuild_again", [])]):
            articles_s, figures_s = rebuild_split(rebuild)
            index = (m.get("index") if number == 0 else rebuild.get("index")) or {}
            generations = {
                g["index"].split("--g")[0].rsplit("-", 1)[1]: g
                for g in index.get("generations", [])
            }
            cpu = rebuild.get("cpu_s")
            jvm = rebuild.get("jvm_cpu_s")
            rows.append(
                (
                    ENGINE_NAMES[name] + ("" if number == 0 else f", again ({rebuild['when']})"),
                    rebuild["loadavg"] if number else load,
                    rebuild["seconds"],
                    articles_s,
                    figures_s,
                    size / articles_s if articles_s else None,
                    " / ".join(fmt(v, 0) for v in (cpu, jvm) if v is not None) or "–",
                    mib(index.get("articles_bytes")),
                    None if articles_only else mib(index.get("figures_bytes")),
                    " / ".join(
                        f"{g['docs']:,} docs, {g['segments']} segments"
                        for g in generations.values()
                    )
                    or "–",
                )
            )
    out += [
        "### Rebuild and index size",
        "",
        f"`{r['engines']['tantivy']['rebuild']['command']}` in a fresh process, wall seconds; "
        "each index's share from when it was switched in; the load average as it started "
        "(2 cores). CPU: seconds the rebuild process used (its threads included) / the "
        "JVM used meanwhile, where measured. "
        "Index size: tantivy's directories on disk; OpenSearch's `_cat/indices` store size of "
        "the generation behind each alias, right after the rebuild."
        + (
            " **At this size only the articles' index was rebuilt** (`--using default`), to "
            "keep the run within its time: search pages never read the figures' index."
            if articles_only
            else ""
        ),
        "",
        table(
            [
                "engine",
                "load",
                "rebuild (s)",
                "articles' index (s)",
                "figures' index (s)",
                "articles/s (articles' index)",
                "CPU s",
                "articles' index (MiB)",
                "figures' index (MiB)",
                "OpenSearch generations",
            ],
            rows,
        ),
        "",
    ]
    # search
    tantivy = r["engines"].get("tantivy", {}).get("search", {})
    opensearch = r["engines"].get("opensearch", {}).get("search", {})
    tantivy_first = r["engines"].get("tantivy", {}).get("search_first", {})
    opensearch_first = r["engines"].get("opensearch", {}).get("search_first", {})
    rows = []
    for cls in tantivy or opensearch:
        t = (tantivy.get(cls) or {}).get("latency_ms", {})
        o = (opensearch.get(cls) or {}).get("latency_ms", {})
        t_first = (tantivy_first.get(cls) or {}).get("latency_ms", {})
        o_first = (opensearch_first.get(cls) or {}).get("latency_ms", {})
        queries = (tantivy.get(cls) or opensearch.get(cls))["queries"]
        rows.append(
            (
                CLASSES.get(cls, cls),
                t.get("p50"),
                t.get("p95"),
                t.get("p99"),
                o.get("p50"),
                o.get("p95"),
                o.get("p99"),
                times(o.get("p50"), t.get("p50")),
                " / ".join(fmt(q["count"]) for q in queries),
                f"{t.get('n', 0)} / {o.get('n', 0)}",
                f"{fmt(t_first.get('p50'))} / {fmt(o_first.get('p50'))}",
            )
        )
    out += [
        "### Search latency (searching.run: 20 highlighted hits, the facets)",
        "",
        "ms over the repeated runs of each class's queries (bench.worker's search phase, as "
        "bench.run measures it), one process, after a first pass of the same phase (up to 50 "
        "runs a class) that warms both engines; its p50 is the last column (tantivy / "
        "OpenSearch). *runs*: tantivy / OpenSearch.",
        "",
        table(
            [
                "class",
                "tantivy p50",
                "p95",
                "p99",
                "OpenSearch p50",
                "p95",
                "p99",
                "OpenSearch / tantivy p50",
                "matches of each query",
                "runs",
                "first pass p50",
            ],
            rows,
        ),
        "",
    ]
    out += search_again_lines(r)
    out += cost_lines(r)
    # HTTP
    rows = []
    pages = [p for p in ("search", "search_distinct")]
    for page in pages:
        for connections in (1, 8, 32):
            t = http_run(r["engines"].get("tantivy", {}), page, connections)
            o = http_run(r["engines"].get("opensearch", {}), page, connections)
            if not (t or o):
                continue
            t, o = t or {}, o or {}
            rows.append(
                (
                    "cached" if page == "search" else "uncached",
                    connections,
                    t.get("rps"),
                    t.get("p50_ms"),
                    t.get("p99_ms"),
                    errors(t),
                    o.get("rps"),
                    o.get("p50_ms"),
                    o.get("p99_ms"),
                    errors(o),
                )
            )
    seconds = (r["engines"]["tantivy"].get("http") or {}).get("duration_s")
    out += [
        "### HTTP (gunicorn, 2 sync workers, production settings; wrk on 127.0.0.1)",
        "",
        f"{seconds} s a run after a 2 s warm-up, the indexer running beside gunicorn as in "
        "production. *cached*: the search URLs of the query classes, served from the page "
        "cache once seen (each answer still asks the engine for the index's version); "
        "*uncached*: every request a new URL (an ignored parameter), so each one searches. "
        "Errors: non-2xx + socket errors.",
        "",
        table(
            HTTP_COLUMNS,
            rows,
        ),
        "",
    ]
    out += http_again_lines(r)
    # memory
    rows = []
    for name, m in engines(r):
        for moment, label in (("memory_idle", "after start"), ("memory", "after the load")):
            ws = workers(m, moment)
            if not ws:
                continue
            rows.append(
                (
                    ENGINE_NAMES[name],
                    label,
                    " / ".join(fmt(w.get("uss"), 0) for w in ws),
                    " / ".join(fmt(w["pss"], 0) for w in ws),
                    " / ".join(fmt(w["rss"], 0) for w in ws),
                    fmt(((m.get("http") or {}).get(moment) or {}).get("master", {}).get("rss"), 0),
                )
            )
    opensearch_m = r["engines"].get("opensearch", {})
    jvm = [
        (label, (opensearch_m.get(key) or {}).get("rss"))
        for key, label in (
            ("jvm_idle", "started, empty"),
            ("jvm_after_rebuild", "after the rebuild"),
            ("jvm_after_http", "after search and HTTP"),
        )
    ]
    out += [
        "### Memory (MB)",
        "",
        "gunicorn's two workers (each: USS = pages no other process shares, PSS, RSS) from "
        "`/proc/PID/smaps_rollup`; USS counts the memory a third worker would add.",
        "",
        table(["engine", "when", "workers USS", "PSS", "RSS", "master RSS"], rows),
        "",
        "OpenSearch's JVM (heap fixed at 512 MB), RSS: "
        + "; ".join(f"{label} {fmt(value, 0)}" for label, value in jvm)
        + ". With tantivy the index lives in the gunicorn workers (memory-mapped files, "
        "counted in their RSS as they are read); with OpenSearch it lives in the JVM.",
        "",
    ]
    out += parity_section(r)
    out += load_lines(r)
    return out


def http_again_lines(r):
    """The HTTP load measured again, when it was (on a quieter machine)."""
    passes = {name: m["http_again"][-1] for name, m in engines(r) if m.get("http_again")}
    if not passes:
        return []
    rows = []
    for page in ("search", "search_distinct"):
        for connections in (1, 8, 32):
            t = http_run(passes.get("tantivy") or {}, page, connections) or {}
            o = http_run(passes.get("opensearch") or {}, page, connections) or {}
            if not (t or o):
                continue
            rows.append(
                (
                    "cached" if page == "search" else "uncached",
                    connections,
                    t.get("rps"),
                    t.get("p50_ms"),
                    t.get("p99_ms"),
                    errors(t),
                    o.get("rps"),
                    o.get("p50_ms"),
                    o.get("p99_ms"),
                    errors(o),
                )
            )
    memory = []
    for name, one in passes.items():
        ws = workers(one)
        memory.append(
            f"{ENGINE_NAMES[name]} workers USS "
            + " / ".join(fmt(w.get("uss"), 0) for w in ws)
            + ", RSS "
            + " / ".join(fmt(w["rss"], 0) for w in ws)
            + (f", JVM RSS {fmt(one['jvm']['rss'], 0)}" if one.get("jvm") else "")
        )
    notes = [
        f"{ENGINE_NAMES[n]} {one['when']} (load {one['loadavg']})" for n, one in passes.items()
    ]
    return [
        "Measured again on a quieter machine, " + "; ".join(notes) + ":",
        "",
        table(
            HTTP_COLUMNS,
            rows,
        ),
        "",
        "Memory after that load (MB): " + "; ".join(memory) + ".",
        "",
    ]


def errors(run_):
    if not run_:
        return None
    return f"{run_['non2xx']} + {run_['socket_errors']}"


def cost_lines(r):
    rows = parity_rows(r, "opensearch")
    if not rows:
        return []
    tantivy_rows = parity_rows(r, "tantivy")
    requests = median([row["requests"] for row in rows])
    run_ms = median([row["run_ms"] for row in rows])
    in_requests = median([row["requests_ms"] for row in rows])
    took = median([row["took_ms"] for row in rows])
    tantivy_ms = median([row["run_ms"] for row in tantivy_rows])
    return [
        f"Where an OpenSearch search's time goes (one more warm `searching.run` of every "
        f"query, medians over the {len(rows)} queries): {fmt(requests, 0)} requests to the "
        f"node, {fmt(run_ms)} ms in all, of which {fmt(in_requests)} ms waiting on the "
        f"requests and {fmt(took)} ms the node's own `took` (its search time); tantivy: "
        f"{fmt(tantivy_ms)} ms in all for the same queries.",
        "",
    ]


def parity_section(r):
    parity = r["parity"]
    out = [
        "### Parity",
        "",
        f"Every corpus query ({parity['compared']}), through `searching.run` on each engine: "
        "the count, whether it fell back to partial words, and the set of every matching "
        "article id (the query searching.run sent, captured in the backend and listed by the "
        f"engine in id order, past OpenSearch's 10,000-hit window; {parity['total_ids']:,} ids "
        "in all). Each engine's count, a second count and the number of ids listed must agree, "
        "and the first page's hits must be among the ids.",
        "",
        f"**{parity['differ']} of {parity['compared']} queries differ.**",
        "",
    ]
    for item in parity["differences"]:
        out.append(
            f"- {CLASSES.get(item['cls'], item['cls'])} `{item['q']}` {item['params'] or ''}: "
            + "; ".join(item["problems"])
        )
    if parity["differences"]:
        out.append("")
    wrong = parity.get("facets_wrong", {})
    out += [
        f"Beyond the brief: the first page (20 hits) is in the same order on both engines for "
        f"{parity['same_first_page']} of {parity['compared']} queries (scores and ties may "
        f"order them differently), and the facets (years, 24 newest months, 20 authors, "
        f"publications) are identical for {parity['same_facets']}. Each engine's facets were "
        "counted again in the database from the ids: wrong facets in "
        + ", ".join(f"{wrong.get(e, 0)} queries on {ENGINE_NAMES[e]}" for e in ENGINES)
        + ".",
        "",
    ]
    for item in parity.get("facet_errors", [])[:12]:
        for engine in ENGINES:
            if item.get(engine):
                out.append(
                    f"- {ENGINE_NAMES[engine]}, {CLASSES.get(item['cls'], item['cls'])} "
                    f"`{item['q']}` ({item['count']:,} matches): "
                    + "; ".join(item[engine][:3])
                    + (f"; and {len(item[engine]) - 3} more" if len(item[engine]) > 3 else "")
                )
    if parity.get("facet_errors"):
        more = len(parity["facet_errors"]) - 12
        out += [f"- … and {more} more queries" if more > 0 else "", ""]
    return out


def load_lines(r):
    cells, codes = [], {}
    for name, m in engines(r):
        cells += [f"{ENGINE_NAMES[name]} {phase} {load}" for phase, load in m.get("loadavg", [])]
        for phase, code in m.get("code", []):
            codes.setdefault(code, []).append(f"{ENGINE_NAMES[name]} {phase}")
    return [
        f"Load (1-minute average as each phase started, 2 cores): import "
        f"{r['import'].get('loadavg', '?')}, " + ", ".join(cells) + ". Code measured (`+`: "
        "with uncommitted changes in the tree; another session was changing search/ "
        "meanwhile): "
        + "; ".join(
            f"`{code}` {', '.join(dict.fromkeys(phases))}" for code, phases in codes.items()
        )
        + ".",
        "",
    ]


def search_again_lines(r):
    """The search phase measured again, when it was (on a quieter machine)."""
    rows, notes = [], []
    passes = {name: m["search_again"][-1] for name, m in engines(r) if m.get("search_again")}
    if not passes:
        return []
    tantivy = (passes.get("tantivy") or {}).get("measured") or {}
    opensearch = (passes.get("opensearch") or {}).get("measured") or {}
    for cls in tantivy or opensearch:
        t = (tantivy.get(cls) or {}).get("latency_ms", {})
        o = (opensearch.get(cls) or {}).get("latency_ms", {})
        rows.append(
            (
                CLASSES.get(cls, cls),
                t.get("p50"),
                t.get("p95"),
                t.get("p99"),
                o.get("p50"),
                o.get("p95"),
                o.get("p99"),
                times(o.get("p50"), t.get("p50")),
            )
        )
    for name, one in passes.items():
        notes.append(f"{ENGINE_NAMES[name]} {one['when']} (load {one['loadavg']}, `{one['code']}`)")
    return [
        "Measured again (the same phase, first pass then measured) on a quieter machine, "
        + "; ".join(notes)
        + ":",
        "",
        table(
            [
                "class",
                "tantivy p50",
                "p95",
                "p99",
                "OpenSearch p50",
                "p95",
                "p99",
                "OpenSearch / tantivy p50",
            ],
            rows,
        ),
        "",
    ]


def class_p50s(search):
    return {cls: data["latency_ms"].get("p50") for cls, data in (search or {}).items()}


def last_again(m, key):
    return (m.get(key) or [None])[-1]


def quiet(m):
    """The figures of an engine on a size, the quieter re-measurement where there is one."""
    rebuild = last_again(m, "rebuild_again") or m["rebuild"]
    search = (last_again(m, "search_again") or {}).get("measured") or m.get("search")
    http = (last_again(m, "http_again") or {}).get("http") or m.get("http")
    jvm = (last_again(m, "http_again") or {}).get("jvm") or m.get("jvm_after_http")
    return rebuild, search, {"http": http}, jvm


def notes_section(results):
    out = ["## Notes", ""]
    by_size = {r["size"]: r for r in results}
    # answers
    parts = [
        f"{size:,} articles: {r['parity']['differ']} of {r['parity']['compared']} queries "
        f"differ ({r['parity']['total_ids']:,} ids compared)"
        for size, r in by_size.items()
    ]
    out.append(
        "- **The same answers.** "
        + "; ".join(parts)
        + ". Counts, fallbacks and the sets of matching articles agree. Order does not "
        "always: the first page is in the same order for "
        + " and ".join(
            f"{r['parity']['same_first_page']} of {r['parity']['compared']}" for r in results
        )
        + " queries (the engines score on their own; the brief asks for counts and sets, and "
        "each first page is among its engine's ids)."
    )
    wrong = [(r, r["parity"].get("facets_wrong", {})) for r in results]
    if any(counts.get("tantivy") for _r, counts in wrong):
        first = next(r for r, counts in wrong if counts.get("tantivy"))
        later = [r for r, counts in wrong if not any(counts.values())]
        out.append(
            f"- **A facet bug, found on the way (in tantivy, not OpenSearch).** At "
            f"{first['size']:,} articles tantivy's author facet was wrong for "
            f"{first['parity']['facets_wrong']['tantivy']} of {first['parity']['compared']} "
            "queries (counts in its top 20 too low, values missing from it), OpenSearch's "
            "matched the database: each tantivy segment sent only its own top values. The "
            "check against the database found it; `e5f2afe` (another session) made both "
            "engines count facets exactly"
            + (
                ", and at "
                + ", ".join(f"{r['size']:,}" for r in later)
                + " articles, measured after it, both engines' facets are right for every query."
                if later
                else "."
            )
        )
    # rebuild
    lines, cpu = [], []
    for size, r in by_size.items():
        t, o = r["engines"].get("tantivy"), r["engines"].get("opensearch")
        if not (t and o):
            continue
        t_rebuild, o_rebuild = quiet(t)[0], quiet(o)[0]
        text = (
            f"{size:,} articles: OpenSearch {fmt(o_rebuild['seconds'], 0)} s, tantivy "
            f"{fmt(t_rebuild['seconds'], 0)} s "
            f"({times(o_rebuild['seconds'], t_rebuild['seconds'])})"
        )
        if t.get("rebuild_again") or o.get("rebuild_again"):
            text += (
                f", measured again on a quiet machine (in the run, at load "
                f"{dict(t.get('loadavg', [])).get('rebuild')} / "
                f"{dict(o.get('loadavg', [])).get('rebuild')} while another session's test "
                f"suite ran: {fmt(t['rebuild']['seconds'], 0)} s and "
                f"{fmt(o['rebuild']['seconds'], 0)} s)"
            )
        lines.append(text)
        if t_rebuild.get("cpu_s") and o_rebuild.get("cpu_s") and o_rebuild.get("jvm_cpu_s"):
            o_cpu = o_rebuild["cpu_s"] + o_rebuild["jvm_cpu_s"]
            cpu.append(
                f"at {size:,} articles tantivy's rebuild process used {fmt(t_rebuild['cpu_s'], 0)}"
                f" CPU seconds ({t_rebuild['cpu_s'] / t_rebuild['seconds']:.1f} cores on "
                f"average: Python and tantivy's indexing threads, side by side in one process); "
                f"OpenSearch's rebuild process {fmt(o_rebuild['cpu_s'], 0)} and the JVM "
                f"{fmt(o_rebuild['jvm_cpu_s'], 0)}, {fmt(o_cpu, 0)} in all "
                f"({times(o_cpu, t_rebuild['cpu_s'])} tantivy's) but "
                f"{o_cpu / o_rebuild['seconds']:.1f} cores on average"
            )
    out.append(
        "- **Rebuild.** "
        + "; ".join(lines)
        + ". "
        + (
            "Where the CPU time was measured, "
            + "; ".join(cpu)
            + ". So the work is about the same; OpenSearch's is less parallel: the rebuild "
            "process prepares a batch, sends it as one bulk request and waits while the node "
            "indexes it, where tantivy's threads index while Python prepares the next batch. "
            if cpu
            else ""
        )
        + "The Python side is the same for both engines (read the articles, prepare each "
        "document, cut its words with the project's analyser: OpenSearch receives the words "
        "already cut and only splits them on spaces)."
    )
    ten = by_size.get(10_000)
    if ten and ten["engines"].get("tantivy"):
        t_articles, t_figures = rebuild_split(ten["engines"]["tantivy"]["rebuild"])
        o_articles, o_figures = rebuild_split(ten["engines"]["opensearch"]["rebuild"])
        figures = [
            g["docs"]
            for g in ten["engines"]["opensearch"]["index"].get("generations", [])
            if "-figures--g" in g["index"]
        ]
        if t_figures and o_figures:
            out.append(
                "- **The figures' index** takes most of a full rebuild: at 10,000 articles "
                f"{fmt(t_figures, 0)} s of tantivy's {fmt(t_articles + t_figures, 0)} s and "
                f"{fmt(o_figures, 0)} s of OpenSearch's {fmt(o_articles + o_figures, 0)} s "
                + (f"({figures[0] / 10_000:.0f} figures an article). " if figures else "")
                + "At that rate a full rebuild at 100,000 articles "
                f"would take about {fmt((t_articles + t_figures) * 10 / 60, 0)} and "
                f"{fmt((o_articles + o_figures) * 10 / 60, 0)} minutes on this machine, more "
                "than the run's time: at 100,000 the run rebuilt the articles' index alone "
                "(search pages never read the figures')."
            )
    # index size
    sizes = []
    for size, r in by_size.items():
        t, o = r["engines"].get("tantivy"), r["engines"].get("opensearch")
        if t and o:
            ti, oi = t["index"].get("articles_bytes"), o["index"].get("articles_bytes")
            segments = [g["segments"] for g in o["index"].get("generations", [])][:1]
            sizes.append(
                f"{size:,}: {fmt(mib(oi), 0)} MiB against {fmt(mib(ti), 0)} "
                f"({times(oi, ti)}; {segments[0] if segments else '?'} segments, not merged)"
            )
    out.append(
        "- **Index size.** OpenSearch's articles' index is bigger on disk: "
        + "; ".join(sizes)
        + ". It keeps the stored fields as `_source` JSON and Lucene's own postings and "
        "positions for the same two derived fields (words, exact-match grams)."
    )
    # search
    lines, costs, rare = [], [], []
    for size, r in by_size.items():
        t, o = r["engines"].get("tantivy"), r["engines"].get("opensearch")
        if not (t and o):
            continue
        t_p50, o_p50 = class_p50s(quiet(t)[1]), class_p50s(quiet(o)[1])
        rare.append(
            f"{fmt(o_p50.get('rare'))} ms against {fmt(t_p50.get('rare'))} at {size:,} articles"
        )
        ratios = [o_p50[c] / t_p50[c] for c in t_p50 if t_p50.get(c) and o_p50.get(c)]
        lines.append(
            f"{size:,} articles: p50 median of the classes {fmt(median(o_p50.values()))} ms "
            f"against {fmt(median(t_p50.values()))} ms, {min(ratios):.1f}–{max(ratios):.1f}× "
            "by class"
        )
        rows = parity_rows(r, "opensearch")
        tantivy_rows = parity_rows(r, "tantivy")
        if rows and tantivy_rows:
            costs.append(
                f"{size:,}: {fmt(median([x['run_ms'] for x in rows]))} ms a search, "
                f"{fmt(median([x['requests_ms'] for x in rows]))} ms of it waiting on "
                f"{fmt(median([x['requests'] for x in rows]), 0)} requests whose server-side "
                f"`took` adds up to {fmt(median([x['took_ms'] for x in rows]), 0)} ms; "
                f"tantivy's whole `searching.run`: "
                f"{fmt(median([x['run_ms'] for x in tantivy_rows]))} ms"
            )
    out.append(
        "- **Search latency.** "
        + "; ".join(lines)
        + " (the quieter re-measurement where there is one). Each OpenSearch search is two "
        "HTTP requests (the index's state, then the query with its facets) and a JSON answer "
        "holding the 20 hits' stored text; medians: "
        + "; ".join(costs)
        + " (one more warm pass over every query, in the parity process). The node's own "
        "search time is not small beside tantivy's whole search, and the round trips and "
        "the JSON come on top of it; the Python around them (parsing, snippets) is the same "
        "on both. That cost, fixed per search, weighs most on small queries: a rare word takes "
        + "; ".join(rare)
        + "."
    )
    # HTTP
    lines, single = [], []
    for size, r in by_size.items():
        t, o = r["engines"].get("tantivy"), r["engines"].get("opensearch")
        if not (t and o):
            continue
        th, oh = quiet(t)[2], quiet(o)[2]
        cells = []
        for page in ("search", "search_distinct"):
            pairs = [
                f"{fmt((http_run(oh, page, c) or {}).get('rps'), 0)} vs "
                f"{fmt((http_run(th, page, c) or {}).get('rps'), 0)}"
                for c in (1, 8, 32)
            ]
            cells.append(("cached " if page == "search" else "uncached ") + " / ".join(pairs))
        lines.append(f"{size:,}: " + "; ".join(cells))
        one_t = http_run(th, "search_distinct", 1) or {}
        one_o = http_run(oh, "search_distinct", 1) or {}
        single.append(
            f"{fmt(one_o.get('p50_ms'))} against {fmt(one_t.get('p50_ms'))} ms at {size:,}"
        )
    out.append(
        "- **HTTP** (req/s at 1 / 8 / 32 clients, OpenSearch vs tantivy; the quieter "
        "re-measurement where there is one): "
        + " — ".join(lines)
        + ". A cached page still asks the engine for the index's version (its cache key): "
        "with OpenSearch that is a request to the node, with tantivy a look at a file, so "
        "tantivy serves more of them. An uncached page at one client (p50 "
        + "; ".join(single)
        + ") costs the page itself (Django, the template, facets, snippets: the same on both) "
        "plus the search. With 8 or 32 clients the 2 cores are the limit, shared by "
        "gunicorn's two workers, wrk and, with OpenSearch, the JVM answering them. The "
        "figures of the first run at 100,000, taken while another session loaded the "
        "machine, were closer (OpenSearch even ahead at 32 clients): load moves these more "
        "than the engine does. No request failed: 0 non-2xx and 0 socket errors in every run "
        "on both engines."
    )
    # memory
    lines, uss = [], []
    for size, r in by_size.items():
        t, o = r["engines"].get("tantivy"), r["engines"].get("opensearch")
        if not (t and o):
            continue
        tw, ow = workers(quiet(t)[2]), workers(quiet(o)[2])
        jvm = quiet(o)[3] or {}
        uss.append(sum(w["uss"] for w in tw) - sum(w["uss"] for w in ow))
        lines.append(
            f"{size:,}: workers' USS {' / '.join(fmt(w['uss'], 0) for w in tw)} (tantivy) and "
            f"{' / '.join(fmt(w['uss'], 0) for w in ow)} (OpenSearch) MB, RSS "
            f"{' / '.join(fmt(w['rss'], 0) for w in tw)} and "
            f"{' / '.join(fmt(w['rss'], 0) for w in ow)}; the JVM {fmt(jvm.get('rss'), 0)} MB"
        )
    out.append(
        "- **Memory.** "
        + "; ".join(lines)
        + ". The workers' private memory is close on both engines (the two tantivy workers "
        "hold "
        + " and ".join(f"{fmt(float(d), 0)} MB" for d in uss)
        + " more than OpenSearch's: tantivy's index reader lives in the worker). "
        "tantivy's index is "
        "memory-mapped into each worker: their RSS grows with the parts searches read, pages "
        "of the shared page cache, not private memory. OpenSearch moves the index into a JVM "
        "(512 MB heap, the JVM's own memory, mapped index files): on one machine that is "
        "memory tantivy does not need; on several web hosts one node serves all of them."
    )
    out.append(
        "- **One node on one 2-core machine.** These numbers show OpenSearch's costs (a JVM "
        "beside the site, HTTP round trips, a bigger index), not what it is for: web hosts "
        "that share one index and one indexer instead of each keeping its own, replicas that "
        "survive a lost node, shards spread over machines. None of that can show here. "
        "**tantivy stays the default**; OpenSearch (`SEARCH_ENGINE=opensearch`) is for an "
        "archive whose web hosts outgrow one machine, and then it answers the same."
    )
    out.append(
        "- **A shared machine.** Another session ran its test suite (with OpenSearch nodes "
        "of its own) during parts of the run: the load averages are beside each phase, and "
        "what ran at a high load at 100,000 articles was measured again when the machine was "
        "quiet, shown beside the first figures. The code changed in search/ during the run "
        "too (another session's commits); each phase's commit is listed."
    )
    return [*out, ""]


def method_section():
    return [
        "## How it was measured",
        "",
        "- One SQLite database per size, imported once with `import_articles DIR --jobs 2` "
        "(production settings); both engines index and serve that same database.",
        "- Rebuild: `manage.py rebuild_index --noinput` in a fresh process, from an empty "
        "tantivy directory or no OpenSearch index.",
        "- Search: `python -m bench.worker search` (bench.run's phase): `SearchForm` then "
        "`searching.run(params)` for each query of each class, 3 warm-up runs each, then up to "
        "200 runs or 60 s a class.",
        "- HTTP: `bench.run.run_http` (gunicorn with `newsarchive/gunicorn.conf.py`, "
        "production settings, 2 workers, `run_indexer` beside it; wrk with "
        "`bench/wrk_report.lua`) on the search pages only, without bench.run's save, "
        "re-tokenise and rebuild phases.",
        "- Memory: `/proc/PID/smaps_rollup`; the JVM's pid from "
        "`var/opensearch/bench/opensearch.pid`.",
        "- Parity: `python -m bench.opensearch _parity` in a process per engine; compared in "
        "the parent. The ids of each engine are kept in "
        "`bench/out/opensearch/SIZE/ENGINE/parity.json`.",
        "- Measured again (`--again ENGINE [--again-phases rebuild search http]`): the same "
        "phases once more on the database a run left, when the first figures were taken while "
        "another session loaded the machine; both figures are kept and shown.",
        "- `--articles-only SIZE`: at that size `rebuild_index --noinput --using default`, the "
        "articles' index alone (the search pages and the parity check read only that one).",
        "- The bench node's indexes are deleted and the node stopped after each size, and on "
        "failure.",
        "",
    ]


if __name__ == "__main__":
    sys.exit(main())
