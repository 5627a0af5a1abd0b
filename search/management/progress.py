"""A progress bar for index commands (tqdm), silent when verbosity is 0."""

from contextlib import contextmanager

from tqdm import tqdm


@contextmanager
def progress_bar(total, description, verbosity, stream):
    if not verbosity:
        yield lambda count: None
        return
    with tqdm(
        total=total, desc=description, unit=" articles", file=stream, dynamic_ncols=True
    ) as bar:
        yield bar.update
