"""The first requests after gunicorn starts, before and after: python -m bench.first_request

Starts gunicorn (production settings, ``--workers`` workers) on an archive's database and index,
with the code at --baseline (checked out beside, in bench/out/first-request/baseline) and with
this tree, alternately, --repeats times each, and times:

- *first*: from the start of the process to the first answer of a search page;
- *next*: the same search with another parameter right after, which a worker that has not
  served yet may answer (with two workers, about every other start).

Prints one JSON line per start and a summary; appends them to bench/out/first-request.jsonl.
The archive comes from --var (its NEWSARCHIVE_VAR_DIR), --database (its DATABASE_URL) and
--index (its SEARCH_INDEX_PATH), such as what `python -m bench.run --sizes 10000` leaves in
bench/out/10000-sqlite.
"""

import argparse
import datetime
import json
import os
import socket
import statistics
import subprocess
import time
import urllib.request
from pathlib import Path

from . import importing, run

OUT = run.OUT / "first-request"
QUERY = "/search/?q=%E9%87%8D%E5%BA%86"  # 重庆


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def environment(tree, options, port=0):
    return run.tree_environment(
        tree,
        options.var,
        options.database,
        options.secret,
        SECURE_SSL_REDIRECT="0",
        SEARCH_INDEX_PATH=str(options.index or options.var / "index"),
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS=str(options.workers),
        GUNICORN_LOG_LEVEL="warning",
        GUNICORN_ACCESS_LOG="/dev/null",
    )


def collect_static(tree, options):
    """The static files' manifest production settings need, in ``tree``."""
    subprocess.run(
        [run.PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=tree,
        env=environment(tree, options),
        check=True,
    )


def start(tree, options):
    """(seconds to the first search, seconds of the next one) for one start of ``tree``."""
    port = free_port()
    env = environment(tree, options, port)
    base = f"http://127.0.0.1:{port}"
    started = time.perf_counter()
    server = subprocess.Popen(
        [str(run.BIN / "gunicorn"), "--config", "newsarchive/gunicorn.conf.py"],
        cwd=tree,
        env=env,
        stderr=subprocess.DEVNULL,
    )
    try:
        first = run.wait_for(base + QUERY, started)
        begun = time.perf_counter()
        urllib.request.urlopen(base + QUERY + "&next=1", timeout=60).read()
        return first, time.perf_counter() - begun
    finally:
        run.stop(server, timeout=30)


def archive_arguments(parser, repeats):
    """The options of a benchmark starting gunicorn on a kept archive, before and after."""
    parser.add_argument("--var", type=Path, required=True)
    parser.add_argument("--database", required=True, help="DATABASE_URL (absolute)")
    parser.add_argument("--index", type=Path, help="SEARCH_INDEX_PATH (default: VAR/index)")
    parser.add_argument("--baseline", default="HEAD")
    parser.add_argument("--repeats", type=int, default=repeats)
    parser.add_argument("--workers", type=int, default=2)


def archive_options(parser, argv):
    """The options `archive_arguments` adds, parsed, with a fresh secret key."""
    options = parser.parse_args(argv)
    # Absolute: each tree's gunicorn runs in that tree (the baseline's is elsewhere).
    options.var = options.var.resolve()
    options.index = options.index.resolve() if options.index else None
    options.secret = os.urandom(32).hex()
    return options


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    archive_arguments(parser, repeats=3)
    options = archive_options(parser, argv)
    OUT.mkdir(parents=True, exist_ok=True)
    tree, commit = importing.baseline_tree(options.baseline, OUT)
    measured = {"before": [], "after": []}
    try:
        for code in (tree, run.REPO):
            collect_static(code, options)
        for attempt in range(options.repeats):
            for kind, code in (("before", tree), ("after", run.REPO)):
                first, following = start(code, options)
                measured[kind].append((first, following))
                line = {
                    "at": datetime.datetime.now().isoformat(timespec="seconds"),
                    "kind": kind,
                    "commit": commit if kind == "before" else run.git_commit(),
                    "attempt": attempt + 1,
                    "first_s": round(first, 3),
                    "next_ms": round(following * 1000, 1),
                    "load": round(os.getloadavg()[0], 2),
                }
                with open(run.OUT / "first-request.jsonl", "a") as log:
                    log.write(json.dumps(line) + "\n")
                print(json.dumps(line))
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=run.REPO)
    for kind, values in measured.items():
        firsts = [first for first, _next in values]
        nexts = sorted(round(following * 1000) for _first, following in values)
        print(
            f"{kind}: first search {statistics.median(firsts):.2f} s (median of {len(values)}); "
            f"next request {nexts} ms"
        )


if __name__ == "__main__":
    main()
