"""Figure search at archive scale: python -m bench.figures --database URL [--rebuild]

Builds (with --rebuild) the figures' index from an imported archive, then times figure searches
through search.figures, as /figures/ and /api/figures/ run them (hits, count, unit and year
facets), and charts (every point of one series, up to MAX_POINTS). The queries come from the
archive itself: for each sampled figure (a fixed seed), two characters of its sentence, its
unit, and a value range around it; every search is an exact-string search, so each finds at
least its own figure.

Writes bench/out/figures/result.json and the report bench/FIGURES.md. The database is any
imported archive; by default bench/out/figures/var/archive.sqlite3, made with
`manage.py import_articles bench/out/corpus-100000 --jobs 2`.
"""

import argparse
import json
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

from . import run

OUT = run.OUT / "figures"
DEFAULT_DATABASE = OUT / "var" / "archive.sqlite3"

PROGRAM = r"""
import json, random, statistics, sys, time

import django

django.setup()
from decimal import Decimal

from django.core.management import call_command

from articles.models import Article, Figure
from search import figures
from search.indexer import Indexer

rebuild, samples, repeat = sys.argv[1] == "1", int(sys.argv[2]), int(sys.argv[3])
result = {"articles": Article.objects.count(), "figures": Figure.objects.count()}
if rebuild:
    started = time.perf_counter()
    indexer = Indexer("figures")
    indexer.rebuild()
    result["rebuild_seconds"] = time.perf_counter() - started
    indexer.close()
rng = random.Random(20251111)
top = Figure.objects.order_by("-pk").values_list("pk", flat=True).first()
chosen = []
while len(chosen) < samples:
    figure = Figure.objects.filter(pk__gte=rng.randint(1, top), is_hidden=False).first()
    sentence = [c for c in figure.sentence if "\u4e00" <= c <= "\u9fff"]
    if figure and len(sentence) > 4:
        at = rng.randrange(len(sentence) - 1)
        chosen.append((figure, "".join(sentence[at : at + 2])))


def params(**values):
    base = {"q": "", "unit": "", "min": None, "max": None, "sort": "newest", "page": 1}
    return {**base, **values}


classes = {
    "word": lambda f, w: params(q=w),
    "word + unit": lambda f, w: params(q=w, unit=f.unit),
    "unit + value range": lambda f, w: params(
        unit=f.unit or "个", min=f.value / 2, max=f.value * 2
    ),
    "word + unit, largest first": lambda f, w: params(q=w, unit=f.unit, sort="largest"),
    "word, page 5": lambda f, w: params(q=w, page=5),
}
timings = {name: [] for name in [*classes, "chart (word + unit)"]}
counts = {name: [] for name in timings}
for name, make in classes.items():
    for figure, word in chosen[:3]:
        figures.run(make(figure, word))  # warm the reader and the caches of the OS
    for _ in range(repeat):
        for figure, word in chosen:
            started = time.perf_counter()
            outcome = figures.run(make(figure, word))
            timings[name].append((time.perf_counter() - started) * 1000)
            counts[name].append(outcome.count)
for _ in range(repeat):
    for figure, word in chosen:
        started = time.perf_counter()
        found = figures.series(params(unit=figure.unit or "个"), [word])
        timings["chart (word + unit)"].append((time.perf_counter() - started) * 1000)
        counts["chart (word + unit)"].append(found[0].count)
result["classes"] = {
    name: {
        "searches": len(values),
        "p50_ms": statistics.median(values),
        "p95_ms": statistics.quantiles(values, n=20)[18],
        "max_ms": max(values),
        "median_matches": statistics.median(counts[name]),
    }
    for name, values in timings.items()
}
print(json.dumps(result))
"""


def measure(database, index, rebuild, samples, repeat):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "PYTEST_"))
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "newsarchive.settings.prod",
            "PYTHONPATH": str(run.REPO),
            "NEWSARCHIVE_VAR_DIR": str(OUT / "var"),
            "FIGURE_INDEX_PATH": str(index),
            "DATABASE_URL": database,
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1",
            "DEBUG": "0",
        }
    )
    (OUT / "var").mkdir(parents=True, exist_ok=True)
    output = subprocess.run(
        [sys.executable, "-c", PROGRAM, "1" if rebuild else "0", str(samples), str(repeat)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if output.returncode:
        sys.stderr.write(output.stderr[-4000:])
        raise SystemExit(f"The measurement failed ({output.returncode}).")
    return json.loads(output.stdout.strip().splitlines()[-1])


def write_report(result, path):
    lines = [
        "# Figure search at archive scale",
        "",
        "Written by `python -m bench.figures` (see its docstring).",
        "",
        f"- Archive: {result['articles']:,} articles, {result['figures']:,} figures "
        f"({result['database']}).",
    ]
    if "rebuild_seconds" in result:
        lines.append(
            f"- Building the figures' index from the database: {result['rebuild_seconds']:.0f} s "
            f"({result['figures'] / result['rebuild_seconds']:,.0f} figures/s, code at "
            f"{result.get('rebuild_commit', result['commit'])})."
        )
    lines += [
        f"- Each class: {result['samples']} queries drawn from the archive, "
        f"{result['repeat']} rounds, one process, warm; load average "
        f"{result['load']} at the start. Measured {result['date']} at {result['commit']}.",
        "",
        "| class | searches | p50 ms | p95 ms | max ms | median matches |",
        "|---|--:|--:|--:|--:|--:|",
    ]
    for name, row in result["classes"].items():
        lines.append(
            f"| {name} | {row['searches']} | {row['p50_ms']:.1f} | {row['p95_ms']:.1f} | "
            f"{row['max_ms']:.1f} | {row['median_matches']:,.0f} |"
        )
    lines += [
        "",
        "The target (issue 14) is p95 ≤ 30 ms at 100k articles. A search returns the page of "
        "20 hits, the count and the unit and year facets; a chart returns every point of its "
        "series (at most 1,000, the earliest).",
    ]
    Path(path).write_text("\n".join(lines) + "\n")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default=f"sqlite:///{DEFAULT_DATABASE}")
    parser.add_argument("--index", type=Path, default=OUT / "index")
    parser.add_argument("--rebuild", action="store_true", help="build the index first")
    parser.add_argument("--samples", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--report", default=str(run.REPO / "bench" / "FIGURES.md"))
    options = parser.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    load = os.getloadavg()[0]
    started = time.perf_counter()
    result = measure(
        options.database, options.index, options.rebuild, options.samples, options.repeat
    )
    result.update(
        {
            "database": options.database.split(":", 1)[0],
            "samples": options.samples,
            "repeat": options.repeat,
            "load": round(load, 2),
            "date": time.strftime("%Y-%m-%d"),
            "commit": run.git_commit()[:9],
            "seconds": round(time.perf_counter() - started, 1),
        }
    )
    previous = OUT / "result.json"
    if not options.rebuild and previous.exists():
        # The index was built by an earlier run: keep that run's build time, and say so.
        earlier = json.loads(previous.read_text())
        for key in ("rebuild_seconds", "rebuild_commit"):
            if key in earlier:
                result[key] = earlier[key]
    elif options.rebuild:
        result["rebuild_commit"] = result["commit"]
    previous.write_text(json.dumps(result, indent=2))
    write_report(result, options.report)
    run.log(f"wrote {options.report}")
    for name, row in result["classes"].items():
        run.log(f"{name}: p50 {row['p50_ms']:.1f} ms, p95 {row['p95_ms']:.1f} ms")


if __name__ == "__main__":
    main()
