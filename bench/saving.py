"""The saving side of an import alone: python -m bench.saving DIR [--profile]

Reads every file of DIR first (articles.loading.prepare, in this process), then saves them as
`import_articles` does (Loader.save: transactions of BATCH_ARTICLES articles), into the
database of DATABASE_URL, which should be freshly migrated. Reports the saving process's CPU
and wall time per article: on PostgreSQL the difference is the time spent waiting on the
server. --profile adds cProfile's top functions.

Appends one JSON line to bench/out/saving.jsonl and prints it.
"""

import argparse
import cProfile
import datetime
import json
import os
import pstats
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("directory")
    parser.add_argument("--profile", action="store_true")
    options = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsarchive.settings.dev")
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    from django.db import connection

    from articles.loading import Loader, prepare, source_files
    from articles.models import Article

    files, _refused = source_files([options.directory])
    prepared = [prepare(source) for source in files]
    articles = sum(len(one.articles) for one in prepared)
    loader = Loader("重庆日报", Article.Status.PUBLISHED)
    profile = cProfile.Profile()
    cpu, wall = time.process_time(), time.perf_counter()
    if options.profile:
        profile.enable()
    summary = loader.save(prepared)
    if options.profile:
        profile.disable()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    result = {
        "at": datetime.datetime.now().isoformat(timespec="seconds"),
        "database": connection.vendor,
        "articles": articles,
        "created": summary.created,
        "cpu_ms_per_article": round(cpu * 1000 / articles, 3),
        "wall_ms_per_article": round(wall * 1000 / articles, 3),
        "profiled": options.profile,
    }
    out = REPO / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "saving.jsonl", "a") as log:
        log.write(json.dumps(result) + "\n")
    print(json.dumps(result))
    if options.profile:
        pstats.Stats(profile).sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    main()
