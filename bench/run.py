"""The archive-scale benchmark: python -m bench.run --sizes 10000 100000 --report bench/REPORT.md

For each size it generates the corpus (bench.corpus), and for each database it imports it through
the importer, indexes it (fast tokeniser, then jieba alone), measures the tokeniser, searches
through searching.run, times an editor's save reaching the index, serves the site with gunicorn
under wrk on 127.0.0.1, and runs the Whoosh baseline on the same database. Each measurement runs
in its own process (bench.worker). Results go to bench/out/result-<size>-<database>.json and the
report is written from those files, so --report-only can rewrite it without measuring again.

--quick is the smoke run: few repetitions, SQLite only, no HTTP at 32 clients, no Whoosh.
"""

import argparse
import contextlib
import datetime
import functools
import json
import os
import platform
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from . import corpus as corpus_module
from . import report

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "bench" / "out"
PYTHON = sys.executable
BIN = Path(sys.executable).parent


@functools.cache
def pg_server():
    """A PostgreSQL server the benchmark may create databases on, as a URL without a database:
    DATABASE_URL's when it names one, else the local one scripts/postgres sets up."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        url = subprocess.run(
            [str(REPO / "scripts" / "postgres")], capture_output=True, text=True, check=True
        ).stdout.strip()
    return url.rsplit("/", 1)[0]


def pg_url(name):
    return f"{pg_server()}/{name}"


def psql(*arguments):
    return ["psql", pg_url("postgres"), "-v", "ON_ERROR_STOP=1", "-tAq", *arguments]


def tree_environment(tree, var, database_url, secret, **settings):
    """The environment of a process running ``tree``'s code with production settings on the
    archive in ``var`` (NEWSARCHIVE_VAR_DIR) and ``database_url``; ``settings`` adds or
    overrides variables. Nothing of this process's own Django, gunicorn or pytest settings
    leaks into it."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "GUNICORN_", "PYTEST_", "DATABASE_URL"))
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "newsarchive.settings.prod",
            "PYTHONPATH": str(tree),
            "NEWSARCHIVE_VAR_DIR": str(var),
            "DATABASE_URL": database_url,
            "SECRET_KEY": secret,
            "ALLOWED_HOSTS": "127.0.0.1",
            "DEBUG": "0",
            **settings,
        }
    )
    return env


# What every measured process of the site runs with.
MEASURING_SETTINGS = {
    # Every search counts its facets: the benchmark repeats its queries, which would otherwise
    # find them kept (search.searching) and measure less work.
    "SEARCH_FACET_CACHE": "0",
    # Every request comes from 127.0.0.1: the per-address limits are lifted, since the
    # benchmark measures the site, not its limits.
    **{f"RATE_LIMIT_{name}": "1000000/m" for name in ("SEARCH", "API", "KWIC", "EXPORT")},
}


def search_paths(queries):
    """The search page of each query (as queries.json holds them), questions left out."""
    return [
        "/search/?" + urllib.parse.urlencode({"q": query["q"], **query.get("params", {})})
        for query in queries
        if query["cls"] != "question"
    ]


def distinct_paths(paths, count=3000):
    """``count`` different URLs cycling through ``paths`` (an ignored parameter): no page cache
    serves them, as no cache would serve a stream of different researchers' queries."""
    return [f"{paths[n % len(paths)]}&bench={n}" for n in range(count)]


def search_timing(plan, queries_file):
    """The options of a phase that times the corpus's queries (search, engine)."""
    return {
        "queries": queries_file,
        "runs": plan["search_runs"],
        "warmup": plan["warmup"],
        "seconds": plan["search_seconds"],
    }


def log(message):
    stamp = datetime.datetime.now().strftime("%H:%M:%S")
    print(f"[{stamp}] {message}", file=sys.stderr, flush=True)


class Combo:
    """One corpus size on one database: its files, environment and results."""

    def __init__(self, size, database, options):
        self.size = size
        self.database = database
        self.options = options
        self.dir = OUT / f"{size}-{database}"
        self.var = self.dir / "var"
        self.index = self.dir / "index"
        self.whoosh = self.dir / "whoosh"
        self.logs = self.dir / "logs"
        self.pg_name = f"bench_{size}"
        self.result = {"size": size, "database": database, "quick": options.quick}

    @property
    def database_url(self):
        if self.database == "postgresql":
            return pg_url(self.pg_name)
        return f"sqlite:///{self.var / 'bench.sqlite3'}"

    def env(self, settings="newsarchive.settings.prod", index=None):
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("DJANGO_", "GUNICORN_", "PYTEST_"))
        }
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": settings,
                "PYTHONPATH": str(REPO),
                "PYTHONDONTWRITEBYTECODE": "1",
                "NEWSARCHIVE_VAR_DIR": str(self.var),
                "SEARCH_INDEX_PATH": str(index or self.index),
                "WHOOSH_INDEX_PATH": str(self.whoosh),
                "DATABASE_URL": self.database_url,
                "SECRET_KEY": self.options.secret,
                "ALLOWED_HOSTS": "127.0.0.1,localhost",
                "SECURE_SSL_REDIRECT": "0",
                "SESSION_COOKIE_SECURE": "0",
                "CSRF_COOKIE_SECURE": "0",
                "DEBUG": "0",
                **MEASURING_SETTINGS,
            }
        )
        return env

    # -- processes

    def worker(
        self, phase, settings="newsarchive.settings.prod", timeout=None, index=None, **options
    ):
        """Run one bench.worker phase (on ``index`` instead of the combo's, if given)."""
        out = self.dir / (
            f"{phase}-{options['mode']}.json" if options.get("mode") else f"{phase}.json"
        )
        if index is not None:
            out = out.with_name(f"{out.stem}-{Path(index).name}.json")
        command = [PYTHON, "-m", "bench.worker", phase, "--out", str(out)]
        for name, value in options.items():
            command += [f"--{name}"] if value is True else [f"--{name}", str(value)]
        # A phase on another index (ours on Whoosh's first N articles) is logged apart.
        name = phase if index is None else f"{phase}@{Path(index).name}"
        # Other work on a shared machine shows here: the 1-minute load average as the phase starts.
        self.result.setdefault("loadavg", []).append((name, round(os.getloadavg()[0], 2)))
        # The product may change while a long run goes on: each phase runs the code on disk.
        self.result.setdefault("code", []).append((name, code_version()))
        log_path = self.logs / f"{phase}.log"
        with open(log_path, "a") as stderr:
            finished = subprocess.run(
                command,
                env=self.env(settings, index),
                cwd=REPO,
                stdout=stderr,
                stderr=stderr,
                timeout=timeout,
            )
        if finished.returncode:
            tail = "".join(log_path.read_text().splitlines(keepends=True)[-15:])
            raise RuntimeError(f"bench.worker {phase} failed ({log_path}):\n{tail}")
        return json.loads(out.read_text())

    @contextlib.contextmanager
    def indexer(self):
        """`manage.py run_indexer` beside the phase, as `make run` and production run it."""
        stream = open(self.logs / "indexer.log", "a")  # noqa: SIM115  (closed in finally)
        process = subprocess.Popen(
            [PYTHON, "manage.py", "run_indexer"],
            env=self.env(),
            cwd=REPO,
            stdout=stream,
            stderr=stream,
        )
        try:
            yield process
        finally:
            stop(process, timeout=30)
            stream.close()

    def manage(self, *arguments, settings="newsarchive.settings.prod"):
        with open(self.logs / "manage.log", "a") as stream:
            subprocess.run(
                [PYTHON, "manage.py", *arguments],
                env=self.env(settings),
                cwd=REPO,
                check=True,
                stdout=stream,
                stderr=stream,
            )

    # -- steps

    def prepare(self):
        if self.dir.exists():
            shutil.rmtree(self.dir)
        for directory in (self.var, self.logs):
            directory.mkdir(parents=True)
        if self.database == "postgresql":
            drop_pg(self.pg_name)
            subprocess.run(psql("-c", f"CREATE DATABASE {self.pg_name}"), check=True)
        self.manage("migrate", "--noinput", "-v0")

    def cleanup(self):
        if self.database == "postgresql" and not self.options.keep:
            drop_pg(self.pg_name)

    def database_bytes(self):
        if self.database == "postgresql":
            output = subprocess.run(
                psql("-c", f"SELECT pg_database_size('{self.pg_name}')"),
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            return int(output.strip())
        return sum(path.stat().st_size for path in self.var.glob("bench.sqlite3*"))


def drop_pg(name, attempts=5):
    """Drop a benchmark database; a session still closing can refuse it for a moment.

    FORCE ends our own sessions, but only a superuser may end an autovacuum worker, which a
    database just loaded often has: a plain DROP makes the server cancel that one itself.
    """
    for attempt in range(attempts):
        force = " WITH (FORCE)" if attempt % 2 == 0 else ""
        finished = subprocess.run(
            psql("-c", f"DROP DATABASE IF EXISTS {name}{force}"),
            capture_output=True,
            text=True,
        )
        if finished.returncode == 0:
            return
        if attempt < attempts - 1:
            time.sleep(1)
    # The command names the server's URL, password included: only psql's words are shown.
    raise RuntimeError(f"could not drop the database {name}: {finished.stderr.strip()}")


def tree_bytes(path):
    return sum(entry.stat().st_size for entry in Path(path).rglob("*") if entry.is_file())


# -- the measurements ------------------------------------------------------------------------


def run_combo(combo, corpus, plan):
    result = combo.result
    result["corpus"] = {
        "articles": corpus.articles,
        "files": corpus.files,
        "bytes": corpus.bytes,
        "chars": corpus.chars,
    }
    queries_file = combo.dir / "queries.json"

    if plan["skip_import"]:
        # The database a previous run imported is kept; its import figures are read back.
        log(f"{combo.size} on {combo.database}: reusing the imported database")
        for key, name in (
            ("import", "import-deferred"),
            ("import_as_shipped", "import-as_shipped"),
        ):
            path = combo.dir / f"{name}.json"
            if path.exists():
                result[key] = json.loads(path.read_text())
        shutil.rmtree(combo.index, ignore_errors=True)  # built again from scratch below
        return run_after_import(combo, corpus, plan, queries_file)
    log(f"{combo.size} on {combo.database}: preparing the database")
    combo.prepare()
    queries_file.write_text(
        json.dumps([vars(q) for q in corpus.queries], ensure_ascii=False, indent=1)
    )

    log(f"importing with the indexer following, for {plan['shipped_budget']} s")
    combo.manage("rebuild_index", "--noinput", "-v0")  # an empty index for it to follow
    with combo.indexer():
        result["import_as_shipped"] = combo.worker(
            "import", corpus=corpus.path, mode="as_shipped", budget=plan["shipped_budget"]
        )
    log(f"  {result['import_as_shipped']['articles_per_s']:.0f} articles/s; starting afresh")
    combo.manage("flush", "--noinput", "-v0")
    shutil.rmtree(combo.index, ignore_errors=True)
    log(
        "importing in bulk (no indexer meanwhile; "
        + ("one catches up at the end)" if plan["catch_up"] else "the rebuild builds the index)")
    )
    # The catch-up after a bulk import into an empty index is a full build, which the rebuild
    # phase then does again: at a million articles that is most of an hour, so it runs once.
    catch_up = {} if plan["catch_up"] else {"no-catch-up": True}
    result["import"] = combo.worker("import", corpus=corpus.path, mode="deferred", **catch_up)
    log(f"  {result['import']['articles_per_s']:.0f} articles/s")
    return run_after_import(combo, corpus, plan, queries_file)


def run_after_import(combo, corpus, plan, queries_file):
    result = combo.result
    result["rebuild_fast"] = []
    for attempt in range(plan["rebuild_repeats"]):
        result["rebuild_fast"].append(combo.worker("rebuild", mode="fast"))
        log(f"  rebuild (fast) #{attempt + 1}: {result['rebuild_fast'][-1]['seconds']:.1f} s")
    if combo.database in plan["jieba_on"]:
        budget = plan["jieba_budget"]
        result["rebuild_jieba"] = combo.worker("rebuild", mode="jieba", budget=budget)
        log(f"  rebuild (jieba only): {result['rebuild_jieba']['seconds']:.1f} s")
    if combo.database in plan["tokenise_on"]:
        result["tokenise"] = combo.worker("tokenise", bytes=plan["tokenise_bytes"])
    result["index_bytes"] = tree_bytes(combo.index)

    log("searching through searching.run")
    result["search"] = combo.worker("search", **search_timing(plan, queries_file))
    log("the engine alone: the same tantivy queries, without us")
    result["engine"] = combo.worker("engine", **search_timing(plan, queries_file))
    log("an editor's save reaching the index")
    with combo.indexer():
        result["save"] = combo.worker("save", runs=plan["save_runs"])

    if plan["http"] and shutil.which("wrk") is None:
        log("wrk is not installed (apt-get install -y wrk): no HTTP measurements")
        result["http_skipped"] = "wrk is not installed (apt-get install -y wrk)"
    elif plan["http"]:
        result["http"] = run_http(combo, corpus, plan)

    if combo.database in plan["whoosh_on"]:
        result["whoosh"] = run_whoosh(combo, queries_file, plan)
    result["database_bytes"] = combo.database_bytes()
    combo.cleanup()
    return result


def run_http(combo, corpus, plan):
    """gunicorn (production settings, 2 workers) on 127.0.0.1 under wrk."""
    ensure_static(combo)
    urls = combo.worker("urls", runs=200)["urls"]
    searches = search_paths([vars(query) for query in corpus.queries])
    # Search pages are cached by content version like reader pages: the same few URLs measure
    # the cache; distinct URLs measure the search itself.
    distinct = distinct_paths(searches)
    paths = {"search": searches, "search_distinct": distinct, "article": urls, "front": ["/"]}
    if plan.get("pages") is not None:
        paths = {page: paths[page] for page in plan["pages"]}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = combo.env()
    env.update(
        {
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "GUNICORN_WORKERS": "2",
            "GUNICORN_ACCESS_LOG": str(combo.logs / "access.log"),
            "GUNICORN_LOG_LEVEL": "warning",
        }
    )
    result = {"workers": 2, "duration_s": plan["http_seconds"], "runs": []}
    errors = open(combo.logs / "gunicorn.log", "a")  # noqa: SIM115  (closed in finally)
    log("starting gunicorn and the indexer")
    indexer = combo.indexer()
    indexer.__enter__()
    started = time.perf_counter()
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "--config", "newsarchive/gunicorn.conf.py"],
        env=env,
        cwd=REPO,
        stdout=errors,
        stderr=errors,
    )
    try:
        first = wait_for(base + searches[0], started)
        result["first_request_s"] = first
        result["first_article_s"] = timed_get(base + urls[0])
        result["memory_idle"] = memory(server.pid)
        log(f"  first search answered {first:.2f} s after start")
        for page, page_paths in paths.items():
            paths_file = combo.dir / f"paths-{page}.txt"
            paths_file.write_text("\n".join(page_paths) + "\n")
            if plan["http_warmup"]:
                wrk(base, paths_file, 2, plan["http_warmup"])
            for connections in plan["connections"]:
                if page == "search_distinct":
                    # New URLs for every run, so no run finds pages an earlier one cached.
                    paths_file.write_text("".join(f"{path}-{connections}\n" for path in page_paths))
                run = wrk(base, paths_file, connections, plan["http_seconds"])
                run.update({"page": page, "connections": connections})
                result["runs"].append(run)
                log(
                    f"  {page} at {connections}: {run['rps']:.0f} req/s, "
                    f"p95 {run['p95_ms']:.1f} ms, errors {run['errors']}"
                )
        result["memory"] = memory(server.pid)
        # The measurements beside the load: all of them, none (bench.opensearch: the load
        # only) or some (bench.run --rerun retokenise).
        extras = plan.get("http_extras", HTTP_EXTRAS)
        if "save_http" in extras:
            log("an editor's save seen through the running site")
            try:
                result["save_http"] = combo.worker("save_http", runs=plan["save_runs"], base=base)
            except RuntimeError as error:
                # A shared machine: record what happened rather than lose the whole run.
                result["save_http_error"] = str(error).splitlines()[-1]
                log(f"  failed: {result['save_http_error']}")
        if "retokenise" in extras:
            log("reader searches while the indexer cuts thousands of articles again")
            result["retokenise"] = combo.worker(
                "retokenise",
                queries=combo.dir / "queries.json",
                base=base,
                seconds=plan["retokenise_seconds"],
                budget=plan["retokenise_budget"],
            )
            log(f"  p95 {result['retokenise']['p95_ratio']:.2f}× idle")
        if "rebuild_reach" in extras:
            log("rebuild_index reaching the live workers")
            result["rebuild_reach"] = combo.worker("rebuild_reach", base=base)
            log(f"  first new answer {result['rebuild_reach']['first_new_s']} s after the rebuild")
        if server.poll() is not None:
            result["server_exit"] = server.returncode
            log(f"  gunicorn had exited with {server.returncode}")
    finally:
        stop(server, timeout=20)
        indexer.__exit__(None, None, None)
        errors.close()
    return result


def stop(process, timeout):
    """SIGTERM, then SIGKILL if it has not exited within ``timeout`` seconds."""
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def ensure_static(combo):
    if not (REPO / "staticfiles" / "staticfiles.json").exists():
        combo.manage("collectstatic", "--noinput", "-v0")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def timed_get(url, timeout=30):
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=timeout) as response:
        response.read()
    return time.perf_counter() - started


def wait_for(url, started, limit=60):
    """Seconds from ``started`` until ``url`` first answers 200."""
    while time.perf_counter() - started < limit:
        try:
            with urllib.request.urlopen(url, timeout=30) as response:
                if response.status == 200:
                    response.read()
                    return time.perf_counter() - started
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.02)
    raise RuntimeError(f"gunicorn did not answer {url} within {limit} s")


def wrk(base, paths_file, connections, seconds):
    """One bounded wrk run against 127.0.0.1; its summary with latencies in ms."""
    assert base.startswith("http://127.0.0.1:")
    threads = min(2, connections)
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(REPO / "bench" / "wrk_report.lua"),
        base,
        "--",
        str(paths_file),
    ]
    output = subprocess.run(
        command, check=True, capture_output=True, text=True, timeout=seconds + 30
    ).stdout
    summary = json.loads(output.strip().splitlines()[-1])
    socket_errors = sum(summary[name] for name in ("connect", "read", "write", "timeout"))
    duration = summary["duration_us"] / 1e6
    return {
        "requests": summary["requests"],
        "rps": summary["requests"] / duration,
        "p50_ms": summary["p50_us"] / 1000,
        "p95_ms": summary["p95_us"] / 1000,
        "p99_ms": summary["p99_us"] / 1000,
        "max_ms": summary["max_us"] / 1000,
        "non2xx": summary["non2xx"],
        "socket_errors": socket_errors,
        "errors": summary["non2xx"] + socket_errors,
    }


def children(pid):
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(child) for child in text.split()]


def memory(master):
    """RSS, PSS and USS (MB) of the gunicorn master and each worker, from smaps_rollup."""

    def rollup(pid):
        values = {}
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            name, _sep, rest = line.partition(":")
            if name in ("Rss", "Pss", "Shared_Clean", "Private_Clean", "Private_Dirty"):
                values[name.lower()] = int(rest.split()[0]) / 1024
        # USS: the pages no other process shares.
        values["uss"] = values.get("private_clean", 0) + values.get("private_dirty", 0)
        return values

    return {
        "master": rollup(master),
        "workers": [rollup(pid) for pid in children(master)],
    }


def run_whoosh(combo, queries_file, plan):
    """haystack's update_index into Whoosh with jieba, within a time budget; then the queries."""
    result = {"budget_s": plan["whoosh_budget"]}
    log(f"Whoosh: update_index (budget {plan['whoosh_budget']:.0f} s)")
    started = time.perf_counter()
    with open(combo.logs / "whoosh_update_index.log", "w") as stream:
        process = subprocess.Popen(
            [PYTHON, "-m", "django", "update_index", "--verbosity", "1"],
            env=combo.env("bench.whoosh_settings"),
            cwd=REPO,
            stdout=stream,
            stderr=stream,
        )
        try:
            process.wait(timeout=plan["whoosh_budget"])
            result["finished"] = process.returncode == 0
            # The report words a run that did not finish by this, never by a guess.
            result["stopped"] = "" if result["finished"] else f"exit status {process.returncode}"
        except subprocess.TimeoutExpired:
            stop(process, timeout=30)
            result["finished"] = False
            result["stopped"] = "budget"
    result["seconds"] = time.perf_counter() - started
    counted = combo.worker("whoosh_count", settings="bench.whoosh_settings")
    result["documents"] = counted["documents"]
    result["articles_per_s"] = counted["documents"] / result["seconds"]
    result["index_bytes"] = tree_bytes(combo.whoosh)
    log(f"  {counted['documents']} documents in {result['seconds']:.0f} s")
    if counted["documents"]:
        log("Whoosh: searching")
        result["search"] = combo.worker(
            "whoosh_search",
            settings="bench.whoosh_settings",
            queries=queries_file,
            runs=plan["whoosh_runs"],
            warmup=plan["warmup"],  # the warm-up our search gets
            seconds=plan["whoosh_seconds"],
        )
    if 0 < counted["documents"] < (combo.result.get("corpus") or {}).get("articles", 0):
        # Whoosh indexed the first N articles only (update_index goes by pk): ours is measured
        # again on an index of the same N, so that both search the same documents.
        first = combo.dir / "index-first"
        shutil.rmtree(first, ignore_errors=True)
        log(f"ours on the same first {counted['documents']:,} articles")
        built = combo.worker("rebuild_first", index=first, count=counted["documents"])
        result["ours_at_equal"] = {
            "documents": built["articles"],
            "search": combo.worker("search", index=first, **search_timing(plan, queries_file)),
        }
        shutil.rmtree(first, ignore_errors=True)
    return result


# -- the run ----------------------------------------------------------------------------------

RERUNNABLE = ("rebuild_fast", "search", "engine", "save", "http", "retokenise")
HTTP_EXTRAS = ("save_http", "retokenise", "rebuild_reach")


def command_line(argv):
    return "python -m bench.run " + " ".join(argv if argv is not None else sys.argv[1:])


def rerun(options, size, result_paths, argv):
    """Measure one phase again on what an earlier run left, after a fix, and say so."""
    results = []
    plan = plan_for(options, size)
    for database, path in result_paths.items():
        result = json.loads(path.read_text())
        combo = Combo(size, database, options)
        combo.result = result
        # The kept archive may predate this code's migrations (a rerun after a schema change):
        # an indexer started on it would fail on every batch and leave the phase unmeasured.
        combo.manage("migrate", "--noinput")
        log(f"{size} on {database}: measuring {options.rerun} again")
        if options.rerun == "rebuild_fast":
            # Rebuilds the kept index with this code, which the later phases then search.
            repeats = range(plan["rebuild_repeats"])
            measured = [combo.worker("rebuild", mode="fast") for _ in repeats]
            result["index_bytes"] = tree_bytes(combo.index)
        elif options.rerun in ("search", "engine"):
            measured = combo.worker(
                options.rerun, **search_timing(plan, combo.dir / "queries.json")
            )
        elif options.rerun == "save":
            with combo.indexer():
                measured = combo.worker("save", runs=plan["save_runs"])
        elif options.rerun == "retokenise":
            # Beside the site and its indexer, without the load runs: kept in the HTTP results.
            corpus = corpus_module.generate(size, OUT / f"corpus-{size}")  # kept from the run
            alone = {**plan, "pages": [], "http_extras": ("retokenise",)}
            http = result.setdefault("http", {})
            earlier = http.get("retokenise")
            http["retokenise"] = run_http(combo, corpus, alone)["retokenise"]
            result.setdefault("reruns", []).append(
                {"phase": "retokenise", "command": command_line(argv), "before": earlier}
            )
            path.write_text(json.dumps(result, ensure_ascii=False, indent=1, default=str))
            results.append(result)
            continue
        else:
            corpus = corpus_module.generate(size, OUT / f"corpus-{size}")  # kept from the run
            measured = run_http(combo, corpus, plan)
        result.setdefault("reruns", []).append(
            {
                "phase": options.rerun,
                "command": command_line(argv),
                "before": result.get(options.rerun),
            }
        )
        result[options.rerun] = measured
        path.write_text(json.dumps(result, ensure_ascii=False, indent=1, default=str))
        results.append(result)
    return results


def whoosh_only(options, size, result_paths, argv):
    """Add the Whoosh figures to earlier results, on the databases those runs left behind."""
    results = []
    for database, path in result_paths.items():
        result = json.loads(path.read_text())
        if database in options.whoosh_on:
            combo = Combo(size, database, options)
            combo.result = result  # the corpus it measured, and where the phases are logged
            shutil.rmtree(combo.whoosh, ignore_errors=True)
            result["whoosh"] = run_whoosh(
                combo, combo.dir / "queries.json", plan_for(options, size)
            )
            result["whoosh"]["command"] = command_line(argv)
            path.write_text(json.dumps(result, ensure_ascii=False, indent=1, default=str))
        results.append(result)
    return results


def plan_for(options, size):
    quick = options.quick
    return {
        "rebuild_repeats": 1 if quick or size > 20_000 else 3,
        "catch_up": size < 1_000_000 and not options.no_catch_up,
        "shipped_budget": 2 if quick else 45,
        "skip_import": options.skip_import,
        "jieba_on": set() if quick else set(options.jieba_on),
        "jieba_budget": options.jieba_budget,
        "tokenise_on": {options.databases[0]},
        "tokenise_bytes": 300_000 if quick else 3_000_000,
        "search_runs": 20 if quick else 200,
        "search_seconds": 5 if quick else 60,
        "warmup": 1 if quick else 3,
        "save_runs": 3 if quick else 30,
        "retokenise_seconds": 2 if quick else 30,
        "retokenise_budget": 60 if quick else 600,
        "http": not options.no_http,
        "http_seconds": 1 if quick else options.http_seconds,
        "http_extras": tuple(options.http_extras),
        "http_warmup": 0 if quick else 2,
        "connections": [1, 8] if quick else [1, 8, 32],
        "whoosh_on": set() if quick or options.no_whoosh else set(options.whoosh_on),
        "whoosh_budget": options.whoosh_budget,
        "whoosh_runs": 200,
        "whoosh_seconds": 20,
    }


def machine(databases):
    def command(*args):
        try:
            return subprocess.run(args, capture_output=True, text=True, check=True).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return "unknown"

    memory_kb = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return {
        "nproc": command("nproc"),
        "cpu": cpu,
        "memory_gib": round(memory_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "postgresql": (
            command(*psql("-c", "SHOW server_version")) if "postgresql" in databases else "not used"
        ),
        "kernel": platform.release(),
        "commit": command("git", "-C", str(REPO), "rev-parse", "HEAD"),
        "dirty": bool(command("git", "-C", str(REPO), "status", "--porcelain")),
        "wrk": wrk_version(),
        "packages": packages(),
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
    }


def wrk_version():
    if shutil.which("wrk") is None:
        return "wrk not installed"
    output = subprocess.run(["wrk", "--version"], capture_output=True, text=True)
    return (output.stdout + output.stderr).strip().splitlines()[0]


def code_version():
    """HEAD's short hash, with + when the work tree has changes."""
    head = git_commit()[:9]
    dirty = subprocess.run(
        ["git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=no"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    return head + ("+" if dirty else "")


def git_commit():
    return subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "HEAD"], capture_output=True, text=True
    ).stdout.strip()


def packages():
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for name in ("Django", "django-haystack", "tantivy", "jieba", "rjieba", "Whoosh", "gunicorn"):
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "not installed"
    return found


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--databases", nargs="+", choices=["sqlite", "postgresql"])
    parser.add_argument("--report", default=str(REPO / "bench" / "REPORT.md"))
    parser.add_argument("--quick", action="store_true", help="the smoke run: seconds, not hours")
    parser.add_argument("--report-only", action="store_true", help="rewrite the report only")
    parser.add_argument(
        "--reuse", action="store_true", help="keep results already in bench/out for a combination"
    )
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL databases")
    parser.add_argument(
        "--whoosh-only",
        action="store_true",
        help="run only the Whoosh baseline on the databases a previous run left in bench/out",
    )
    parser.add_argument(
        "--skip-import",
        action="store_true",
        help="reuse the database a previous run imported (bench/out/<size>-<database>)",
    )
    parser.add_argument(
        "--rerun",
        choices=RERUNNABLE,
        help="measure one phase again on the database and index a previous run kept (SQLite, "
        "or PostgreSQL with --keep), and update its results",
    )
    parser.add_argument(
        "--no-catch-up",
        action="store_true",
        help="leave the index to the rebuild phase after the bulk import at every size (a "
        "catch-up into an empty index is a full build of every index; it never runs at 1M)",
    )
    parser.add_argument("--no-http", action="store_true")
    parser.add_argument(
        "--http-extras",
        nargs="*",
        choices=HTTP_EXTRAS,
        default=list(HTTP_EXTRAS),
        help="the measurements beside the HTTP load (rebuild_reach rebuilds every index: "
        "hours at a million articles)",
    )
    parser.add_argument("--no-whoosh", action="store_true")
    parser.add_argument("--http-seconds", type=int, default=12)
    parser.add_argument(
        "--whoosh-on", nargs="*", default=["sqlite"], help="databases to run Whoosh on"
    )
    parser.add_argument("--whoosh-budget", type=float, default=1200, help="seconds")
    parser.add_argument(
        "--jieba-on", nargs="*", default=["sqlite"], help="databases to rebuild with jieba alone"
    )
    parser.add_argument("--jieba-budget", type=float, default=600, help="seconds")
    options = parser.parse_args(argv)
    if options.databases is None:
        options.databases = ["sqlite"] if options.quick else ["sqlite", "postgresql"]
    options.secret = secrets.token_urlsafe(50)
    return options


def main(argv=None):
    options = parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    tag = "quick" if options.quick else "full"
    results, missing = [], []
    started = time.perf_counter()
    for size in options.sizes:
        result_paths = {db: OUT / f"result-{tag}-{size}-{db}.json" for db in options.databases}
        if options.report_only or (
            options.reuse and all(p.exists() for p in result_paths.values())
        ):
            results += [json.loads(p.read_text()) for p in result_paths.values() if p.exists()]
            missing += [f"{size:,} · {db}" for db, p in result_paths.items() if not p.exists()]
            continue
        if options.whoosh_only:
            results += whoosh_only(options, size, result_paths, argv)
            continue
        if options.rerun:
            results += rerun(options, size, result_paths, argv)
            continue
        log(f"corpus of {size} articles")
        corpus = corpus_module.generate(size, OUT / f"corpus-{size}")
        for database, path in result_paths.items():
            if options.reuse and path.exists():
                results.append(json.loads(path.read_text()))
                continue
            combo = Combo(size, database, options)
            combo_started = time.perf_counter()
            result = run_combo(combo, corpus, plan_for(options, size))
            result["queries"] = [vars(q) for q in corpus.queries]
            result["command"] = command_line(argv)
            result["commit"] = git_commit()
            result["wall_s"] = time.perf_counter() - combo_started
            path.write_text(json.dumps(result, ensure_ascii=False, indent=1, default=str))
            results.append(result)
    info = machine(options.databases)
    info["command"] = command_line(argv)
    info["wall_s"] = time.perf_counter() - started
    info["missing"] = missing
    from . import importing  # which imports this module

    info["imports"] = importing.results()
    text = report.render(results, info)
    Path(options.report).write_text(text)
    log(f"wrote {options.report}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
