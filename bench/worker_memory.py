"""Worker memory under the HTTP load, before and after: python -m bench.worker_memory

Starts gunicorn (production settings, ``--workers`` workers) on an archive's database and index,
with the code at --baseline (checked out beside, in bench/out/worker-memory/baseline) and with
this tree, alternately, --repeats times each. Each start serves, as bench.run's HTTP phase does,
the distinct-URL search pages (the corpus's queries, each with a parameter of its own), then
``--articles`` article pages, then the front page, each under wrk at 1, 8 and 32 clients for
--seconds; after each kind of page it reads the master's and every worker's RSS, PSS and USS
(private clean plus private dirty) from /proc/PID/smaps_rollup.

Prints one JSON line per start and a summary; appends them to bench/out/worker-memory.jsonl.
The archive comes from --var (its NEWSARCHIVE_VAR_DIR), --database (its DATABASE_URL), --index
(its SEARCH_INDEX_PATH) and --queries (the queries.json bench.run writes beside it), such as
what `python -m bench.run --sizes 100000` leaves in bench/out/100000-sqlite. Needs Debian's wrk.
"""

import argparse
import datetime
import json
import os
import statistics
import subprocess
import time
from pathlib import Path

from . import first_request, importing, run

OUT = run.OUT / "worker-memory"
CLIENTS = (1, 8, 32)


def environment(tree, options, port=0):
    """first_request's environment, with what bench.run measures the site with."""
    return {**first_request.environment(tree, options, port), **run.MEASURING_SETTINGS}


def article_paths(tree, options, count):
    """The pages of ``count`` published articles, as bench.run's HTTP phase picks them."""
    out = OUT / "urls.json"
    subprocess.run(
        [run.PYTHON, "-m", "bench.worker", "urls", "--out", str(out), "--runs", str(count)],
        cwd=tree,
        env=environment(tree, options),
        check=True,
    )
    return json.loads(out.read_text())["urls"]


def loads(options, articles):
    """(name, paths for a run at a number of clients) of each load, in the order served."""
    distinct = run.distinct_paths(run.search_paths(json.loads(options.queries.read_text())))
    return [
        # New URLs for every run, so that no run finds pages an earlier one cached.
        ("search_distinct", lambda clients: [f"{path}-{clients}" for path in distinct]),
        ("article", lambda clients: articles),
        ("front", lambda clients: ["/"]),
    ]


def start(tree, options, articles):
    """{load: gunicorn's memory after it} for one start of ``tree``."""
    port = first_request.free_port()
    env = environment(tree, options, port)
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [str(run.BIN / "gunicorn"), "--config", "newsarchive/gunicorn.conf.py"],
        cwd=tree,
        env=env,
        stderr=subprocess.DEVNULL,
    )
    paths_file = OUT / "paths.txt"
    measured = {}
    try:
        run.wait_for(base + "/", time.perf_counter())
        measured["idle"] = run.memory(server.pid)
        for name, paths in loads(options, articles):
            for clients in CLIENTS:
                paths_file.write_text("".join(f"{path}\n" for path in paths(clients)))
                served = run.wrk(base, paths_file, clients, options.seconds)
                if served["errors"]:  # a page that failed would have cost the worker nothing
                    raise RuntimeError(f"{tree}: {served['errors']} errors on {name} pages")
            measured[name] = run.memory(server.pid)
    finally:
        run.stop(server, timeout=30)
    return measured


def summary(memory):
    """The largest worker's USS, PSS and RSS (MB) and the master's RSS."""
    workers = memory["workers"] or [{"uss": 0, "pss": 0, "rss": 0}]
    return {
        "worker_uss_mb": round(max(worker["uss"] for worker in workers), 1),
        "worker_pss_mb": round(max(worker["pss"] for worker in workers), 1),
        "worker_rss_mb": round(max(worker["rss"] for worker in workers), 1),
        "master_rss_mb": round(memory["master"]["rss"], 1),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    first_request.archive_arguments(parser, repeats=2)
    parser.add_argument("--queries", type=Path, required=True, help="bench.run's queries.json")
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--seconds", type=int, default=12, help="of each wrk run")
    options = first_request.archive_options(parser, argv)
    OUT.mkdir(parents=True, exist_ok=True)
    tree, commit = importing.baseline_tree(options.baseline, OUT)
    after = {"before": [], "after": []}
    try:
        for code in (tree, run.REPO):
            first_request.collect_static(code, options)
        articles = article_paths(run.REPO, options, options.articles)
        for attempt in range(options.repeats):
            for kind, code in (("before", tree), ("after", run.REPO)):
                measured = start(code, options, articles)
                after[kind].append(summary(measured["front"]))
                line = {
                    "at": datetime.datetime.now().isoformat(timespec="seconds"),
                    "kind": kind,
                    "commit": commit if kind == "before" else run.git_commit(),
                    "attempt": attempt + 1,
                    "after": {name: summary(memory) for name, memory in measured.items()},
                    "load": round(os.getloadavg()[0], 2),
                }
                with open(run.OUT / "worker-memory.jsonl", "a") as log:
                    log.write(json.dumps(line) + "\n")
                print(json.dumps(line), flush=True)
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=run.REPO)
    for kind, values in after.items():
        medians = {name: statistics.median(value[name] for value in values) for name in values[0]}
        print(f"{kind}, after the whole load (medians of {len(values)}): {medians}")


if __name__ == "__main__":
    main()
