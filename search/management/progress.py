"""A progress bar for index commands (tqdm), silent when verbosity is 0.

It writes to the raw stream: Django's OutputWrapper would end each redraw with a newline.
"""

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
