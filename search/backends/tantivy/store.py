"""Index generations on disk: a whole index is replaced at once, while readers go on.

::

    <PATH>/
      CURRENT                   the name of the generation readers use
      generations/<name>/       one tantivy index each, with schema.json and writer.lock

A rebuild writes a new generation beside the current one and then replaces ``CURRENT``
(``os.replace``, atomic on POSIX). A reader stats ``CURRENT`` before each search, which costs a
microsecond, and opens the new generation when the file changed. Old generations are deleted
once no writer holds them; a reader still searching one keeps its open files (POSIX unlinks
them only when the last descriptor or mapping goes).

One writer per generation, across processes: `writer_lock` is an advisory ``flock`` on the
generation's ``writer.lock``, taken before tantivy's own lock, so that a busy index is known
without reading error messages.
"""

import errno
import fcntl
import os
import secrets
import shutil
import time
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from haystack.exceptions import SearchBackendError

CURRENT = "CURRENT"
GENERATIONS = "generations"
LOCK_FILE = "writer.lock"


class IndexLocked(SearchBackendError):
    """Another writer holds the generation."""


class Store:
    def __init__(self, root):
        self.root = Path(root)
        self.generations = self.root / GENERATIONS
        self._signature = None
        self._current = None

    def current(self):
        """The name of the current generation, or None; re-read only when CURRENT changed."""
        pointer = self.root / CURRENT
        try:
            stat = pointer.stat()
        except FileNotFoundError:
            self._signature = self._current = None
            return None
        signature = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        if signature != self._signature:
            name = pointer.read_text().strip()
            self._current = name if name and (self.generations / name).is_dir() else None
            self._signature = signature
        return self._current

    def path(self, name):
        return self.generations / name

    def create(self):
        """A new, empty generation directory; its name sorts after every earlier one."""
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        name = f"g{stamp}-{secrets.token_hex(3)}"
        self.path(name).mkdir(parents=True)
        return name

    def switch(self, name):
        """Make ``name`` the current generation, atomically."""
        temporary = self.root / f".{CURRENT}.{os.getpid()}"
        with open(temporary, "w") as handle:
            handle.write(name + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.root / CURRENT)
        directory = os.open(self.root, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)

    def names(self):
        if not self.generations.is_dir():
            return []
        return sorted(entry.name for entry in self.generations.iterdir() if entry.is_dir())

    def prune(self):
        """Delete every generation but the current one that no writer holds; return their names."""
        current = self.current()
        removed = []
        for name in self.names():
            if name == current:
                continue
            try:
                with self.writer_lock(name, timeout=0):
                    shutil.rmtree(self.path(name))
            except (IndexLocked, OSError):
                continue
            removed.append(name)
        return removed

    @contextmanager
    def writer_lock(self, name, timeout):
        """Hold the generation's writer lock; wait up to ``timeout`` seconds, then IndexLocked."""
        path = self.path(name) / LOCK_FILE
        handle = open(path, "a+")  # noqa: SIM115 (held for the whole block)
        try:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError as error:
                    if error.errno not in (errno.EAGAIN, errno.EACCES):
                        raise
                    if time.monotonic() >= deadline:
                        raise IndexLocked(
                            f"Another process is writing the search index at {self.path(name)}."
                        ) from None
                    time.sleep(0.02)
            yield
        finally:
            handle.close()  # releases the lock
