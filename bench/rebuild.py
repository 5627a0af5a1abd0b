"""Rebuild speed, before and after: python -m bench.rebuild --baseline REF [--sizes N …]

For each size (the first whole days of the generated corpus holding that many articles), the
corpus is imported once into a fresh SQLite database (with this tree's code: both sides index
the same rows), then each index is rebuilt from it by `rebuild_index -u NAME`, alternately with
the code at --baseline (checked out beside, in bench/out/rebuild/baseline) and with this tree,
--repeats times each. Both sides run on the same machine in one session, one after the other,
so their ratio holds even when the machine is busy; the report gives the load average of each.

Each rebuild is a process of its own: wall seconds, the CPU seconds of the process (its
threads included: tantivy indexes in two) and of its analysing workers (search.rebuilding;
recorded since they exist), its peak resident memory and the size of the index it wrote. The
articles index and the figures index are rebuilt one after the other, as `rebuild_index`
without -u does.

Results: bench/out/rebuild/result-SIZE.json; the report (bench/REBUILD.md) is written from them
(--report-only rewrites it).
"""

import argparse
import datetime
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from . import importing, run

OUT = run.OUT / "rebuild"
INDEXES = ("default", "figures")
KINDS = ("before", "after")

# Runs in the tree measured, in a process of its own; prints one JSON line.
PROGRAM = """\
import json, resource, sys, time

import django
from django.core.management import call_command


def main(using):
    django.setup()
    started, cpu = time.perf_counter(), time.process_time()
    call_command("rebuild_index", interactive=False, using=[using], verbosity=0)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    workers = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(json.dumps({
        "seconds": time.perf_counter() - started,
        "cpu_seconds": time.process_time() - cpu,
        "workers_cpu_seconds": workers.ru_utime + workers.ru_stime,
        "peak_rss_mb": peak / 1024,
    }))


if __name__ == "__main__":  # spawned workers import this module again: no rebuild there
    main(sys.argv[1])
"""


def log(message):
    run.log(message)


def environment(tree, var, secret):
    return run.tree_environment(tree, var, f"sqlite:///{var / 'archive.sqlite3'}", secret)


def prepare_database(directory, var, secret):
    """A fresh database holding the articles of ``directory``, imported with this tree."""
    shutil.rmtree(var, ignore_errors=True)
    var.mkdir(parents=True)
    env = environment(run.REPO, var, secret)
    manage = [run.PYTHON, "manage.py"]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], cwd=run.REPO, env=env, check=True)
    subprocess.run(
        [*manage, "import_articles", str(directory), "--jobs", "2", "-v0"],
        cwd=run.REPO,
        env=env,
        check=True,
    )


def rebuild(kind, tree, var, using, secret):
    """Rebuild one index of the database in ``var`` with ``tree``'s code, into a fresh place."""
    env = environment(tree, var, secret)
    location = var / f"{kind}-{using}"
    shutil.rmtree(location, ignore_errors=True)
    env["SEARCH_INDEX_PATH" if using == "default" else "FIGURE_INDEX_PATH"] = str(location)
    program = var / "rebuild.py"
    program.write_text(PROGRAM)
    load = round(os.getloadavg()[0], 2)
    finished = subprocess.run(
        [run.PYTHON, str(program), using], cwd=tree, env=env, capture_output=True, text=True
    )
    if finished.returncode:
        raise RuntimeError(f"{kind} rebuild of {using} failed:\n{finished.stderr[-3000:]}")
    result = json.loads(finished.stdout.strip().splitlines()[-1])
    result.update(load=load, index_mb=run.tree_bytes(location) / 2**20)
    shutil.rmtree(location, ignore_errors=True)
    return result


def write_report(path, out=OUT):
    lines = [
        "# Rebuilding the indexes, before and after",
        "",
        "Written by `python -m bench.rebuild` (see its docstring): each index rebuilt from the "
        "same SQLite database by the code before and after, alternately, in one session.",
        "",
        "| articles | index | before (s) | after (s) | after ÷ before "
        "| CPU s, rebuilding process, before → after | CPU s, its workers, after "
        "| index MB before → after | peak RSS MB before → after | load before / after |",
        "|--:|---|--:|--:|--:|---|--:|---|---|---|",
    ]
    notes = []
    for result in results(out):
        for using in INDEXES:
            runs = {kind: result["runs"][using][kind] for kind in KINDS}
            if not all(runs.values()):
                continue
            median = {
                kind: {
                    name: statistics.median(item[name] for item in runs[kind])
                    for name in ("seconds", "cpu_seconds", "index_mb", "peak_rss_mb", "load")
                }
                for kind in KINDS
            }
            before, after = median["before"], median["after"]
            workers = [item.get("workers_cpu_seconds") for item in runs["after"]]
            workers = f"{statistics.median(workers):.0f}" if None not in workers else "not recorded"
            name = "articles" if using == "default" else "key figures"
            lines.append(
                f"| {result['articles']:,} | {name} | {before['seconds']:.1f} "
                f"| {after['seconds']:.1f} | {after['seconds'] / before['seconds']:.2f}× "
                f"| {before['cpu_seconds']:.0f} → {after['cpu_seconds']:.0f} | {workers} "
                f"| {before['index_mb']:.0f} → {after['index_mb']:.0f} "
                f"| {before['peak_rss_mb']:.0f} → {after['peak_rss_mb']:.0f} "
                f"| {before['load']:.2f} / {after['load']:.2f} |"
            )
        notes.append(
            f"- {result['articles']:,} articles: before `{result['baseline_commit'][:9]}`, after "
            f"`{result['after_commit'][:9]}`, {result['date']}; the median of "
            f"{len(result['runs']['default']['after'])} rebuild(s) each, alternating; "
            f"command: `python -m bench.rebuild --baseline {result['baseline']} "
            f"--sizes {result['size']} --repeats {result['repeats']}`."
        )
    lines += ["", *notes]
    Path(path).write_text("\n".join(lines) + "\n")


def results(out=OUT):
    return sorted(
        (json.loads(item.read_text()) for item in out.glob("result-*.json")),
        key=lambda item: item["size"],
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000])
    parser.add_argument("--baseline", default="HEAD", help="the code to compare with (git ref)")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--report", default=str(run.REPO / "bench" / "REBUILD.md"))
    parser.add_argument("--report-only", action="store_true")
    parser.add_argument("--corpus", type=Path, default=importing.CORPUS)
    parser.add_argument("--out", type=Path, default=OUT)
    options = parser.parse_args(argv)
    out = options.out
    if options.report_only:
        write_report(options.report, out)
        return
    if not options.corpus.exists():
        sys.exit(f"{options.corpus} is missing: python -m bench.run --sizes 100000 generates it")
    out.mkdir(parents=True, exist_ok=True)
    tree, commit = importing.baseline_tree(options.baseline, out)
    secret = os.urandom(32).hex()
    try:
        for size in options.sizes:
            directory, articles = importing.subset(options.corpus, size, out)
            var = out / f"var-{size}"
            log(f"{articles:,} articles: importing them once")
            prepare_database(directory, var, secret)
            result = {
                "size": size,
                "articles": articles,
                "baseline": options.baseline,
                "baseline_commit": commit,
                "after_commit": run.git_commit(),
                "date": datetime.date.today().isoformat(),
                "repeats": options.repeats,
                "runs": {using: {kind: [] for kind in KINDS} for using in INDEXES},
            }
            for attempt in range(options.repeats):
                for kind, code in (("before", tree), ("after", run.REPO)):
                    for using in INDEXES:
                        started = time.perf_counter()
                        measured = rebuild(kind, code, var, using, secret)
                        result["runs"][using][kind].append(measured)
                        log(
                            f"  #{attempt + 1} {kind} {using}: {measured['seconds']:.1f} s "
                            f"({time.perf_counter() - started:.0f} s in all)"
                        )
                (out / f"result-{size}.json").write_text(json.dumps(result, indent=1))
                write_report(options.report, out)
            shutil.rmtree(var, ignore_errors=True)
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=run.REPO)


if __name__ == "__main__":
    main()
