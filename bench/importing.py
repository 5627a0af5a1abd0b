"""Import speed, before and after: python -m bench.importing --baseline REF [--report FILE]

For each size (the first whole days of the generated corpus holding that many articles) and each
database, a fresh database is migrated and the corpus imported into it, twice:

- *after*: the code of this tree, as `import_articles DIR --jobs N` runs it (articles.loading);
- *before*: the code at --baseline (checked out beside, in bench/out/importing/baseline), file by
  file through one Importer, as `import_articles FILE --date DAY` and the benchmark did then.

Nothing indexes meanwhile: the database's triggers log every article, and the index catch-up
is bench.run's to report. Both runs read the same files on the same machine in one session, so
the ratio holds even when the machine is busy; the report gives the load average of each.
Results: bench/out/importing/*.json; the report is written from them (--report-only rewrites it).
--after-only measures this tree again after a change, keeping the baseline's earlier figures.
"""

import argparse
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from . import report, run

OUT = run.OUT / "importing"
CORPUS = run.OUT / "corpus-100000"
_TITLE = re.compile(rb"^# ", re.MULTILINE)

# Runs in the tree measured, in a process of its own; prints one JSON line.
PROGRAM = """\
import json, resource, sys, time

import django


def main(kind, directory, jobs):
    django.setup()
    from articles.models import Article

    started = time.perf_counter()
    if kind == "after":
        from articles.loading import Loader, source_files

        files, refused = source_files([directory])
        assert not refused, refused[:3]
        Loader("重庆日报", Article.Status.PUBLISHED, jobs=jobs).load(files)
    else:
        import datetime, inspect
        from pathlib import Path

        from articles.importer import Importer

        days = [
            (datetime.date.fromisoformat(path.stem), path)
            for path in sorted(Path(directory).glob("*.txt"))
        ]
        importer = Importer(days[0][0])
        takes_day = "published_on" in inspect.signature(importer.import_file).parameters
        for day, path in days:
            if takes_day:
                importer.import_file(path, published_on=day)
            else:
                importer.published_on = day
                importer.import_file(path)
    seconds = time.perf_counter() - started
    own = resource.getrusage(resource.RUSAGE_SELF)
    workers = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(json.dumps({
        "articles": Article.objects.count(),
        "seconds": seconds,
        "cpu_main": own.ru_utime + own.ru_stime,
        "cpu_workers": workers.ru_utime + workers.ru_stime,
    }))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
"""


def log(message):
    run.log(message)


def subset(corpus, size, out):
    """A directory of links to the corpus's first days, holding at least ``size`` articles."""
    directory = out / f"corpus-{size}"
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    articles = 0
    for path in sorted(corpus.glob("*.txt")):
        (directory / path.name).symlink_to(path.resolve())  # the corpus may be named relatively
        articles += len(_TITLE.findall(path.read_bytes()))
        if articles >= size:
            break
    return directory, articles


def baseline_tree(ref, out):
    """The code at ``ref``, checked out (detached) in ``out``/baseline."""
    tree = out / "baseline"
    commit = subprocess.run(
        ["git", "rev-parse", ref], cwd=run.REPO, capture_output=True, text=True, check=True
    ).stdout.strip()
    if tree.exists():
        subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=run.REPO)
        shutil.rmtree(tree, ignore_errors=True)
    subprocess.run(
        ["git", "worktree", "add", "--detach", str(tree), commit],
        cwd=run.REPO,
        check=True,
        capture_output=True,
    )
    return tree, commit


def measure(kind, tree, directory, database, jobs, secret, out):
    """Migrate a fresh database with ``tree``'s code, then import ``directory`` into it."""
    name = f"bench_import_{kind}"
    var = out / f"var-{kind}-{database}"
    shutil.rmtree(var, ignore_errors=True)
    var.mkdir(parents=True)
    if database == "postgresql":
        run.drop_pg(name)
        subprocess.run(run.psql("-c", f"CREATE DATABASE {name}"), check=True)
        url = run.pg_url(name)
    else:
        url = f"sqlite:///{var / 'import.sqlite3'}"
    env = run.tree_environment(tree, var, url, secret, SEARCH_INDEX_PATH=str(var / "index"))
    subprocess.run(
        [run.PYTHON, "manage.py", "migrate", "--noinput", "-v0"], cwd=tree, env=env, check=True
    )
    program = var / "measure.py"
    program.write_text(PROGRAM)
    load = round(os.getloadavg()[0], 2)
    finished = subprocess.run(
        [run.PYTHON, str(program), kind, str(directory), str(jobs)],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
    )
    if finished.returncode:
        raise RuntimeError(f"{kind} import failed:\n{finished.stderr[-3000:]}")
    result = json.loads(finished.stdout.strip().splitlines()[-1])
    result.update(kind=kind, database=database, jobs=jobs if kind == "after" else 1, load=load)
    result["articles_per_s"] = result["articles"] / result["seconds"]
    if database == "postgresql":
        run.drop_pg(name)
    shutil.rmtree(var, ignore_errors=True)
    return result


def _baseline_commit(out, options):
    """The baseline an earlier run measured for every size and database asked for."""
    commits = set()
    for size in options.sizes:
        for database in options.databases:
            path = out / f"result-{size}-{database}.json"
            if not path.exists():
                sys.exit(f"--after-only: {path} is missing; run without it first")
            commits.add(json.loads(path.read_text())["baseline_commit"])
    if len(commits) != 1:
        sys.exit("--after-only: the earlier results compare with different baselines")
    return commits.pop()


def write_report(path, out=OUT):
    lines = [
        "# Import speed, before and after",
        "",
        "Written by `python -m bench.importing` (see its docstring). `bench/REPORT.md` shows "
        "the same table, and the index catch-up after a bulk import.",
        "",
        *report.import_speed_lines(results(out)),
    ]
    Path(path).write_text("\n".join(lines) + "\n")


def results(out=OUT):
    """This benchmark's results, by size and database."""
    return sorted(
        (json.loads(item.read_text()) for item in out.glob("result-*.json")),
        key=lambda item: (item["size"], item["database"]),
    )


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--databases", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--baseline", default="HEAD", help="the code to compare with (git ref)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--report", default=str(run.REPO / "bench" / "IMPORT.md"))
    parser.add_argument("--report-only", action="store_true")
    parser.add_argument(
        "--after-only",
        action="store_true",
        help="measure this tree again, keeping the baseline's figures of an earlier run",
    )
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="a bench.corpus directory")
    parser.add_argument("--out", type=Path, default=OUT, help="for results and databases")
    options = parser.parse_args(argv)
    out = options.out
    if options.report_only:
        write_report(options.report, out)
        return
    if not options.corpus.exists():
        sys.exit(f"{options.corpus} is missing: python -m bench.run --sizes 100000 generates it")
    out.mkdir(parents=True, exist_ok=True)
    if options.after_only:
        tree, commit = None, _baseline_commit(out, options)
    else:
        tree, commit = baseline_tree(options.baseline, out)
    after_commit = run.git_commit()
    secret = os.urandom(32).hex()
    for size in options.sizes:
        directory, articles = subset(options.corpus, size, out)
        for database in options.databases:
            path = out / f"result-{size}-{database}.json"
            result = json.loads(path.read_text()) if options.after_only else {}
            result.update(
                size=size,
                database=database,
                baseline_commit=commit,
                after_commit=after_commit,
                date=datetime.date.today().isoformat(),
            )
            if not options.after_only:  # else the earlier run's baseline, as it was named
                result["baseline"] = options.baseline
            for kind, code in (("before", tree), ("after", run.REPO)):
                if kind == "before" and options.after_only:
                    continue
                log(f"{articles:,} articles into {database}, {kind}")
                started = time.perf_counter()
                result[kind] = measure(kind, code, directory, database, options.jobs, secret, out)
                log(
                    f"  {result[kind]['articles_per_s']:.0f} articles/s "
                    f"({time.perf_counter() - started:.0f} s with the migration)"
                )
            path.write_text(json.dumps(result, indent=1))
            write_report(options.report, out)
    if tree is not None:
        subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=run.REPO)


if __name__ == "__main__":
    main()
