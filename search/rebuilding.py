"""A rebuild's analysis in worker processes, feeding the one writer.

Most of a rebuild's time goes to cutting words and grams in Python (search/backends/analysis.py),
one document after the other. The rebuilding process reads the articles and prepares their
documents (haystack's ``full_prepare`` needs the database); `analysed_batches` sends each batch
of prepared documents to one of ``jobs`` spawned processes, which analyse it without the
database, and gives the analysed batches back in order, for the writer. At most ``WINDOW``
batches per worker are out at once, so memory stays bounded at any archive size, and the
workers run at a lower priority than the rebuilding process (rebuilding_worker.NICENESS).
The workers cut words with the dictionary the rebuilding process loaded (search.words). A
worker that fails to start or dies fails the rebuild (``BrokenProcessPool``) instead of
leaving it waiting.
"""

import multiprocessing
from collections import deque
from concurrent.futures import ProcessPoolExecutor

from . import rebuilding_worker, words

PARALLEL_ABOVE = 2_000  # articles; a smaller rebuild is analysed in the rebuilding process
WINDOW = 2  # batches out per worker: one being analysed, one waiting


def analysed_batches(batches, specs, analyzer, jobs):
    """(tag, analysed documents) for each (tag, prepared documents) of ``batches``, in order."""
    pool = ProcessPoolExecutor(
        jobs,
        mp_context=multiprocessing.get_context("spawn"),  # shares no connection or lock
        initializer=rebuilding_worker.start,
        initargs=(specs, analyzer, words.loaded_words()),
    )
    with pool:
        pending = deque()
        for tag, batch in batches:
            pending.append((tag, pool.submit(rebuilding_worker.analyse, batch)))
            if len(pending) >= jobs * WINDOW:
                tag, future = pending.popleft()
                yield tag, future.result()
        while pending:
            tag, future = pending.popleft()
            yield tag, future.result()
